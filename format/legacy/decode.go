package legacy

import (
	"cmp"
	"slices"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/release"
)

// Issue codes emitted by Decode.
const (
	CodeInvalidGeometry   = "invalid-geometry"
	CodeShortPrologue     = "partition-shorter-than-prologue"
	CodeTornTail          = "torn-tail"
	CodeInvalidRecord     = "invalid-record"
	CodePayloadOverlap    = "payload-overlap"
	CodePayloadBehindZero = "prologue-payload-behind-zero-records"
	CodeUnreferencedTail  = "unreferenced-tail"
	CodeSlotZeroWritten   = "slot-zero-written"
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
		dec.add(issuef(partition.Error, CodeInvalidGeometry, -1, -1,
			"records per partition %d is outside the range DotNext accepts [2, %d]", g.R, MaxRecords))
		return dec.d
	}
	dec.prologue = prologue
	// Records live in the prologue only: its written part bounds the slots.
	dec.d.Slots = partition.NewSlots(partition.SlotCapacity(g.R, min(f.Size, prologue)))
	if f.Size < prologue {
		// §3.3, measured with 4.2.0, 4.15.3, 5.3.0, 5.7.1 and 5.26.2: 4.2.x
		// wrote the zero prologue through the read-write handle, 4.3.0 and
		// later through a read-only one, which throws.
		dec.add(issuef(partition.Error, CodeShortPrologue, f.Size, -1,
			"file is %d bytes, shorter than its %d-byte prologue (R = %d): DotNext %s zero-fill it on open and read on, but %s (every 5.x) throw UnauthorizedAccessException from the PersistentState constructor and cannot open the directory at all — an upgrade from 4.2.x fails on this log; extend the file with zeros to %d bytes",
			f.Size, prologue, g.R, shortPrologueZeroFills, release.Since(release.ShortPrologueThrows), prologue))
	}
	dec.readPrologue()
	dec.checkOverlaps()
	dec.checkTail()
	return dec.d
}

func (dec *decoder) add(i partition.Issue) { dec.d.Issues = append(dec.d.Issues, i) }

// severity lowers base to Info for slots above LastIndex: the library never
// reads them, they are residue of earlier history or of a crash.
func (dec *decoder) severity(slot int64, base partition.Severity) partition.Severity {
	if dec.stale(slot) {
		return partition.Info
	}
	return base
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
		dec.add(issuef(dec.severity(s, partition.Error), CodeTornTail, pos, s,
			"record of slot %d cut by EOF after %d of 40 bytes", s, len(b)))
		return
	}
	rec := record.Decode(b)
	slot.Rec = rec
	slot.Avail = Delivered(dec.f, rec)
	switch {
	case dec.f.Number == 0 && s == 0:
		dec.invalid(slot, partition.Warning, CodeSlotZeroWritten,
			"slot 0 of partition 0 (index 0) is never written by the library, yet holds "+rec.String())
	case rec.Valid() != nil:
		dec.invalid(slot, partition.Error, CodeInvalidRecord, "record "+rec.String()+": "+rec.Valid().Error())
	case rec.Offset < dec.prologue:
		msg := "record " + rec.String() + " points into the prologue (payloads start at " + itoa(dec.prologue) + ")"
		if rec.Offset == 0 {
			msg += "; Offset 0 is the DotNext 4.0.0–4.1.x write-address bug (first append at slot k > 0 wrote its payload over the prologue, spec §3.5)"
		}
		dec.invalid(slot, partition.Error, CodeInvalidRecord, msg)
	case rec.Length > 0 && slot.Avail < rec.Length:
		slot.Kind = partition.Torn
		slot.Note = "payload cut by EOF"
		dec.add(issuef(dec.severity(s, partition.Error), CodeTornTail, dec.f.Size, s,
			"payload of slot %d claims %d bytes at %d but the file ends at %d: the library silently delivers %d bytes",
			s, rec.Length, rec.Offset, dec.f.Size, slot.Avail))
	default:
		slot.Kind = partition.Written
	}
}

// invalid marks a slot unusable. A stale invalid record is still a warning:
// on open the library sets its write address to the largest End of all R
// records, stale ones included (spec §3.3).
func (dec *decoder) invalid(slot *partition.Slot, base partition.Severity, code, msg string) {
	slot.Kind = partition.Invalid
	slot.Note = msg
	sev := base
	if dec.stale(slot.Slot) {
		sev = partition.Warning
		msg += " (above LastIndex; the next open still takes its End into the write address)"
	}
	dec.add(issuef(sev, code, slot.At, slot.Slot, "%s", msg))
}

// checkOverlaps reports payload ranges of usable slots that share bytes; the
// writer never reuses a payload address (spec §3.2, §3.4).
func (dec *decoder) checkOverlaps() {
	// Small values, not 100-byte Slots, and no sort at all in the usual
	// case: the library writes payloads in slot order.
	type span struct{ off, end, slot int64 }
	var spans []span
	for _, s := range dec.d.Slots {
		if (s.Kind == partition.Written || s.Kind == partition.Torn) && s.Rec.Length > 0 {
			end, _ := s.Rec.End()
			spans = append(spans, span{s.Rec.Offset, end, s.Slot})
		}
	}
	byOffset := func(a, b span) int { return cmp.Compare(a.off, b.off) }
	if !slices.IsSortedFunc(spans, byOffset) {
		slices.SortStableFunc(spans, byOffset)
	}
	var reach int64 = -1
	reachSlot := int64(-1)
	for _, s := range spans {
		if s.off < reach {
			dec.add(issuef(dec.severity(s.slot, partition.Error), CodePayloadOverlap, s.off, s.slot,
				"payload of slot %d [%d, %d) overlaps the payload of slot %d ending at %d",
				s.slot, s.off, s.end, reachSlot, reach))
		}
		if s.end > reach {
			reach, reachSlot = s.end, s.slot
		}
	}
}

// checkTail reports bytes after the last payload that no record explains.
func (dec *decoder) checkTail() {
	var reach int64 = dec.prologue
	lastUsed := int64(-1)
	for _, s := range dec.d.Slots {
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
		dec.add(issuef(dec.zeroPrologueSeverity(), CodePayloadBehindZero, dec.prologue, -1,
			"%d payload bytes from %d but every prologue record is zero: appends whose prologue never reached the disk (crash before the flush)",
			dec.f.Size-dec.prologue, dec.prologue))
		return
	}
	sev := partition.Warning
	if dec.stale(lastUsed + 1) {
		sev = partition.Info
	}
	dec.add(issuef(sev, CodeUnreferencedTail, reach, -1,
		"%d bytes after the last payload end %d are referenced by no record (unflushed appends or a lost record)",
		dec.f.Size-reach, reach))
}

// zeroPrologueSeverity: harmless residue when every slot lies above
// LastIndex (the next append overwrites it), lost entries when node.state
// counts entries here.
func (dec *decoder) zeroPrologueSeverity() partition.Severity {
	first := int64(0)
	if dec.f.Number == 0 {
		first = 1 // index 0 is never an entry
	}
	switch {
	case dec.lastIndex < 0:
		return partition.Warning
	case dec.stale(first):
		return partition.Info
	}
	return partition.Error
}
