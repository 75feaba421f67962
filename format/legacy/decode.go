package legacy

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/release"
)

// shortPrologueZeroFills names the releases that open a legacy partition
// shorter than its prologue by zero-filling it: 4.0.0 to 4.2.x.
var shortPrologueZeroFills = release.Between(release.PersistentState4, release.ShortPrologueThrows)

// decoder holds what Decode needs while it walks one file.
type decoder struct {
	f         partition.File
	g         partition.Geometry
	prologue  int64
	lastIndex int64
	d         partition.Decoded
}

// Decode decodes one legacy partition with a known R. lastIndex is
// node.state's LastIndex (-1 when unknown): problems in slots above it are
// stale residue and reported as info. Slots stops at the last slot whose
// record window is not zero: every later slot is unwritten (use SlotAt, see
// partition.Decoded). It is empty when g.R is outside what the library
// accepts (issue invalid-geometry).
func Decode(f partition.File, g partition.Geometry, lastIndex int64) partition.Decoded {
	dec := decoder{f: f, g: g, lastIndex: lastIndex,
		d: partition.Decoded{R: g.R, Number: f.Number, Name: f.Name, Size: f.Size, Format: Format}}
	prologue, ok := PrologueSize(g.R)
	if !ok {
		dec.add(issue(finding.InvalidGeometry, "", -1, -1, finding.F{"detail": fmt.Sprintf(
			"records per partition %d is outside the range DotNext accepts [2, %d]", g.R, MaxRecords)}))
		return dec.d
	}
	dec.prologue = prologue
	// Records live in the prologue only: its written part bounds the slots.
	dec.d.Slots = partition.NewSlots(partition.SlotCapacity(g.R, min(f.Size, prologue)))
	if f.Size < prologue {
		// §3.3, measured with 4.2.0, 4.15.3, 5.3.0, 5.7.1 and 5.26.2: 4.2.x
		// wrote the zero prologue through the read-write handle, 4.3.0 and
		// later through a read-only one, which throws.
		dec.add(
			issue(
				finding.PartitionShorterThanPrologue,
				"",
				f.Size,
				-1,
				finding.F{"size": f.Size, "prologue": prologue, "r": g.R,
					"zeroFill": shortPrologueZeroFills, "throws": release.Since(release.ShortPrologueThrows)},
			),
		)
	}
	dec.readPrologue()
	dec.checkOverlaps()
	dec.checkTail()
	return dec.d
}

func (dec *decoder) add(i partition.Issue) { dec.d.Issues = append(dec.d.Issues, i) }

// form is "stale" for slots above LastIndex: the library never reads
// them, they are residue of earlier history or of a crash.
func (dec *decoder) form(slot int64) string {
	if dec.stale(slot) {
		return "stale"
	}
	return ""
}

func (dec *decoder) stale(slot int64) bool {
	idx, ok := absIndex(dec.f.Number, dec.g.R, slot)
	return ok && dec.lastIndex >= 0 && idx > dec.lastIndex
}

// readPrologue classifies the slot of every non-zero window. Slots grow only
// up to the last such window: an all-zero prologue of R = 53,687,091 (a
// preallocated or hole file of 2 GiB) costs no slots, where one Slot per
// window would cost 4.7 GB and exhaust a 32-bit address space. Zero runs
// are skipped, so a prologue that is one hole is not read at all.
func (dec *decoder) readPrologue() {
	eachNonZeroWindow(dec.f, 0, dec.prologue, func(pos int64, b []byte) bool {
		dec.classify(pos/record.Size, pos, b)
		return true
	})
}

// slot returns slot s, first appending the unwritten slots below it. At of
// an unwritten slot inside the prologue is where its record belongs, so that
// a zeroed record can be reported at its byte offset.
func (dec *decoder) slot(s int64) *partition.Slot {
	if c := int64(cap(dec.d.Slots)); s >= c {
		// Double, up to R: append grows a large slice by a quarter at a
		// time, a copy of every slot so far each time (a sixth of a
		// legacy decode at R = 10000).
		dec.d.Slots = slices.Grow(dec.d.Slots, int(min(max(2*c, s+1), dec.g.R))-len(dec.d.Slots))
	}
	for n := int64(len(dec.d.Slots)); n <= s; n++ {
		dec.d.Slots = append(dec.d.Slots, partition.Slot{Slot: n, Kind: partition.Unwritten, At: n * record.Size})
	}
	return &dec.d.Slots[s]
}

func (dec *decoder) classify(s, pos int64, b []byte) {
	slot := dec.slot(s)
	slot.At = pos
	if len(b) < record.Size {
		slot.Kind = partition.Invalid
		slot.Note = "record cut by EOF"
		dec.add(issue(finding.TornTail, dec.form(s), pos, s, finding.F{"detail": fmt.Sprintf(
			"record of slot %d cut by EOF after %d of 40 bytes", s, len(b))}))
		return
	}
	rec := record.Decode(b)
	slot.Rec = rec
	slot.Avail = Delivered(dec.f, rec)
	switch {
	case dec.f.Number == 0 && s == 0:
		slot.Kind, slot.Note = partition.Invalid, "index 0 holds a record"
		dec.add(issue(finding.SlotZeroWritten, "", slot.At, slot.Slot, finding.F{"record": rec.String()}))
	case !rec.OK():
		dec.invalid(slot, "record "+rec.String()+": "+rec.Valid().Error())
	case rec.Offset < dec.prologue:
		msg := "record " + rec.String() + " points into the prologue (payloads start at " + itoa(dec.prologue) + ")"
		if rec.Offset == 0 {
			msg += "; Offset 0 is the DotNext 4.0.0–4.1.x write-address bug (first append at slot k > 0 wrote its payload over the prologue, spec §3.5)"
		}
		dec.invalid(slot, msg)
	case rec.Length > 0 && slot.Avail < rec.Length:
		slot.Kind = partition.Torn
		slot.Note = "payload cut by EOF"
		dec.add(issue(finding.TornTail, dec.form(s), dec.f.Size, s, finding.F{"detail": fmt.Sprintf(
			"payload of slot %d claims %d bytes at %d but the file ends at %d: %d bytes are there",
			s, rec.Length, rec.Offset, dec.f.Size, slot.Avail)}))
	default:
		slot.Kind = partition.Written
	}
}

// invalid marks a slot unusable. A stale invalid record is still a warning:
// on open the library sets its write address to the largest End of all R
// records, stale ones included (spec §3.3).
func (dec *decoder) invalid(slot *partition.Slot, msg string) {
	slot.Kind = partition.Invalid
	slot.Note = msg
	dec.add(issue(finding.InvalidRecord, dec.form(slot.Slot), slot.At, slot.Slot, finding.F{"detail": msg}))
}

// checkOverlaps reports payload ranges of usable slots that share bytes; the
// writer never reuses a payload address (spec §3.2, §3.4).
func (dec *decoder) checkOverlaps() {
	slots := dec.d.Slots // by index: a Slot is 100 bytes, not worth a copy per slot
	o := overlaps{reach: -1, reachSlot: -1}
	// The library writes payloads in slot order: then one walk over the
	// slots finds every overlap, without a copy of the spans or a sort.
	if dec.payloadsInOrder() {
		for i := range slots {
			if s := &slots[i]; payloadSlot(s) {
				end, _ := s.Rec.End()
				o.next(dec, s.Rec.Offset, end, s.Slot)
			}
		}
		return
	}
	type span struct{ off, end, slot int64 }
	var spans []span
	for i := range slots {
		if s := &slots[i]; payloadSlot(s) {
			end, _ := s.Rec.End()
			spans = append(spans, span{s.Rec.Offset, end, s.Slot})
		}
	}
	slices.SortStableFunc(spans, func(a, b span) int { return cmp.Compare(a.off, b.off) })
	for _, s := range spans {
		o.next(dec, s.off, s.end, s.slot)
	}
}

// payloadSlot: a usable slot with payload bytes.
func payloadSlot(s *partition.Slot) bool {
	return (s.Kind == partition.Written || s.Kind == partition.Torn) && s.Rec.Length > 0
}

// payloadsInOrder reports whether the payload offsets of the usable slots
// never decrease in slot order.
func (dec *decoder) payloadsInOrder() bool {
	prev := int64(-1)
	for i := range dec.d.Slots {
		if s := &dec.d.Slots[i]; payloadSlot(s) {
			if s.Rec.Offset < prev {
				return false
			}
			prev = s.Rec.Offset
		}
	}
	return true
}

// overlaps is the furthest end of the spans seen so far (-1 before the
// first), in ascending offset order.
type overlaps struct{ reach, reachSlot int64 }

// next reports the span when it starts before the reach of the spans before it.
func (o *overlaps) next(dec *decoder, off, end, slot int64) {
	if off < o.reach {
		dec.add(issue(finding.PayloadOverlap, dec.form(slot), off, slot, finding.F{"slot": slot,
			"start": off, "end": end, "prevSlot": o.reachSlot, "reach": o.reach}))
	}
	if end > o.reach {
		o.reach, o.reachSlot = end, slot
	}
}

// checkTail reports bytes after the last payload that no record explains.
func (dec *decoder) checkTail() {
	var reach int64 = dec.prologue
	lastUsed := int64(-1)
	for i := range dec.d.Slots {
		s := &dec.d.Slots[i]
		if s.Kind == partition.Unwritten {
			continue
		}
		lastUsed = s.Slot
		if end, ok := s.Rec.End(); ok && s.Kind != partition.Invalid {
			reach = max(reach, end)
		}
	}
	if dec.f.Size <= reach {
		return
	}
	if lastUsed < 0 {
		dec.add(issue(finding.ProloguePayloadBehindZeroRecords, dec.zeroPrologueForm(), dec.prologue, -1,
			finding.F{"bytes": dec.f.Size - dec.prologue, "at": dec.prologue}))
		return
	}
	dec.add(issue(finding.UnreferencedTail, dec.form(lastUsed+1), reach, -1,
		finding.F{"bytes": dec.f.Size - reach, "at": reach}))
}

// zeroPrologueForm: harmless residue when every slot lies above LastIndex
// (the next append overwrites it), lost entries when node.state counts
// entries here.
func (dec *decoder) zeroPrologueForm() string {
	first := int64(0)
	if dec.f.Number == 0 {
		first = 1 // index 0 is never an entry
	}
	switch {
	case dec.lastIndex < 0:
		return "unknown"
	case dec.stale(first):
		return "stale"
	}
	return ""
}
