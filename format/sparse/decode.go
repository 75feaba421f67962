package sparse

import (
	"fmt"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

type decoder struct {
	f         partition.File
	g         partition.Geometry
	stride    int64
	lastIndex int64
	d         partition.Decoded
}

// Decode decodes one sparse partition with known R and M. lastIndex is
// node.state's LastIndex (-1 when unknown): problems in slots above it are
// stale and reported as info. Slots stops at the last slot that holds
// anything; later slots are unwritten (use SlotAt). It is empty when the
// geometry is unusable (issue invalid-geometry).
func Decode(f partition.File, g partition.Geometry, lastIndex int64) partition.Decoded {
	dec := decoder{f: f, g: g, lastIndex: lastIndex,
		d: partition.Decoded{R: g.R, Number: f.Number, Name: f.Name, Size: f.Size, Format: Format}}
	stride, ok := Stride(g)
	if !ok {
		dec.add(issue(finding.InvalidGeometry, "", -1, -1, finding.F{"detail": fmt.Sprintf(
			"R = %d, M = %d: DotNext needs 2 ≤ R ≤ %d and M ≥ 1 (and R*(M+40) must fit in 64 bits)",
			g.R, g.M, MaxRecords)}))
		return dec.d
	}
	dec.stride = stride
	dec.d.Slots = partition.NewSlots(partition.SlotCapacity(g.R, f.Size/stride*record.Size))
	dec.decodeSlots()
	if end := g.R * stride; f.Size > end {
		dec.add(
			issue(
				finding.BytesPastLastSlot,
				"",
				end,
				-1,
				finding.F{"bytes": f.Size - end, "slot": g.R - 1, "end": end},
			),
		)
	}
	return dec.d
}

// decodeSlots fills Slots up to the last slot that holds anything: slots
// past it are unwritten (see partition.Decoded), so neither a huge R nor a
// 2 GiB file of zeros with a small M costs a Slot per slot position (R = 53
// million slots of 88 bytes exhaust a 32-bit address space). Runs of zero
// slots as long as one read chunk are skipped with firstNonZero, one system
// call for a hole.
func (dec *decoder) decodeSlots() {
	starts := min(dec.g.R, dec.f.Size/dec.stride+1) // slots that can start inside the file
	zeros := int64(0)
	for s := int64(0); s < starts; s++ {
		sl := dec.slot(s)
		if sl.Kind != partition.Unwritten {
			for n := int64(len(dec.d.Slots)); n < s; n++ {
				dec.d.Slots = append(dec.d.Slots, partition.Slot{Slot: n, Kind: partition.Unwritten, At: -1})
			}
			dec.d.Slots = append(dec.d.Slots, sl)
			zeros = 0
			continue
		}
		if zeros += dec.stride; zeros < chunkSize || s+1 >= starts {
			continue
		}
		// s+1 < starts, so (s+1)*stride ≤ Size: no overflow.
		z := firstNonZero(dec.f, (s+1)*dec.stride, dec.f.Size)
		if z < 0 {
			return
		}
		s, zeros = z/dec.stride-1, 0
	}
}

func (dec *decoder) add(i partition.Issue) { dec.d.Issues = append(dec.d.Issues, i) }

func (dec *decoder) stale(slot int64) bool {
	idx, ok := absIndex(dec.f.Number, dec.g.R, slot)
	return ok && dec.lastIndex >= 0 && idx > dec.lastIndex
}

// report adds an issue about a slot; slots above LastIndex are never read
// by the library, so their problems take the code's "stale" form (info).
func (dec *decoder) report(code finding.Code, off, slot int64, facts finding.F) {
	form := ""
	switch {
	case dec.stale(slot) && code == finding.InvalidRecord:
		form = "above-last" // a sparse slot's record sets no write address
	case dec.stale(slot):
		form = "stale"
	}
	dec.add(issue(code, form, off, slot, facts))
}

// slot decodes relative slot s from the 40 bytes at s*(M+40).
func (dec *decoder) slot(s int64) partition.Slot {
	pos := s * dec.stride
	out := partition.Slot{Slot: s, Kind: partition.Unwritten, At: -1}
	if pos >= dec.f.Size {
		return out
	}
	slotEnd := min(pos+dec.stride, dec.f.Size)
	rec, whole := dec.f.RecordAt(pos)
	if !whole {
		if firstNonZero(dec.f, pos, slotEnd) >= 0 {
			out.Kind, out.At, out.Note = partition.Invalid, pos, "record cut by EOF"
			dec.report(finding.TornTail, pos, s, finding.F{"detail": fmt.Sprintf(
				"record of slot %d cut by EOF after %d of 40 bytes", s, dec.f.Size-pos)})
		}
		return out
	}
	if rec.IsZero() {
		return dec.zeroRecord(out, pos, slotEnd)
	}
	out.Rec, out.At = rec, pos
	out.Avail = Delivered(dec.f, rec)
	return dec.classify(out, pos, slotEnd)
}

// zeroRecord: an unwritten slot, unless payload bytes follow the zero record
// (5.4.0–5.7.1 cached leader appends wrote only the payload, spec §5.4).
func (dec *decoder) zeroRecord(out partition.Slot, pos, slotEnd int64) partition.Slot {
	z := firstNonZero(dec.f, pos+record.Size, slotEnd)
	if z < 0 {
		return out
	}
	out.Kind, out.At = partition.Missing, pos
	out.Note = "zero record followed by payload bytes"
	dec.report(finding.MissingRecord, pos, out.Slot, finding.F{"slot": out.Slot, "at": z})
	return out
}

func (dec *decoder) classify(out partition.Slot, pos, slotEnd int64) partition.Slot {
	s, rec := out.Slot, out.Rec
	switch {
	case dec.f.Number == 0 && s == 0:
		dec.invalid(&out, finding.SlotZeroWritten, "index 0 holds a record", finding.F{"record": rec.String()})
	case !rec.OK():
		msg := "record " + rec.String() + ": " + rec.Valid().Error()
		dec.invalid(&out, finding.InvalidRecord, msg, finding.F{"detail": msg})
	case rec.Offset != pos+record.Size:
		dec.invalid(&out, finding.MisplacedRecord, "misplaced record", finding.F{"record": rec.String(), "at": pos,
			"want": pos + record.Size, "avail": out.Avail})
	case rec.Length > dec.g.M:
		dec.invalid(&out, finding.LengthOverSlot, "length over M", finding.F{"length": rec.Length, "m": dec.g.M,
			"avail": out.Avail, "record": rec.String()})
	case rec.Length > 0 && out.Avail < rec.Length:
		out.Kind, out.Note = partition.Torn, "payload cut by EOF"
		dec.report(finding.TornTail, dec.f.Size, s, finding.F{"detail": fmt.Sprintf(
			"payload of slot %d claims %d bytes at %d but the file ends at %d: %d bytes are there",
			s, rec.Length, rec.Offset, dec.f.Size, out.Avail)})
	default:
		out.Kind = partition.Written
		end, _ := rec.End()
		if z := firstNonZero(dec.f, end, slotEnd); z >= 0 {
			dec.add(issue(finding.StaleSlotBytes, "", z, s, finding.F{"at": z, "slot": s}))
		}
	}
	return out
}

func (dec *decoder) invalid(out *partition.Slot, code finding.Code, note string, facts finding.F) {
	out.Kind, out.Note = partition.Invalid, note
	if code == finding.SlotZeroWritten {
		dec.add(issue(code, "", out.At, out.Slot, facts))
		return
	}
	dec.report(code, out.At, out.Slot, facts)
}
