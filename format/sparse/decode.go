package sparse

import (
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// Issue codes emitted by Decode.
const (
	CodeInvalidGeometry = "invalid-geometry"
	CodeLengthOverSlot  = "length-over-slot"
	CodeTornTail        = "torn-tail"
	CodeMisplacedRecord = "misplaced-record"
	CodeInvalidRecord   = "invalid-record"
	CodeMissingRecord   = "missing-record"
	CodeSlotZeroWritten = "slot-zero-written"
	CodeStaleSlotBytes  = "stale-slot-bytes"
	CodePastLastSlot    = "bytes-past-last-slot"
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
		dec.add(issuef(partition.Error, CodeInvalidGeometry, -1, -1,
			"R = %d, M = %d: DotNext needs 2 ≤ R ≤ %d and M ≥ 1 (and R*(M+40) must fit in 64 bits)", g.R, g.M, MaxRecords))
		return dec.d
	}
	dec.stride = stride
	dec.d.Slots = partition.NewSlots(partition.SlotCapacity(g.R, f.Size/stride*record.Size))
	dec.decodeSlots()
	if end := g.R * stride; f.Size > end {
		dec.add(issuef(partition.Warning, CodePastLastSlot, end, -1,
			"%d bytes past the end of slot %d (R*(M+40) = %d): written with another R or M?", f.Size-end, g.R-1, end))
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
// by the library, so their problems are info.
func (dec *decoder) report(base partition.Severity, code string, off, slot int64, format string, args ...any) {
	if dec.stale(slot) {
		base = partition.Info
		format += " (above LastIndex: stale)"
	}
	dec.add(issuef(base, code, off, slot, format, args...))
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
			dec.report(partition.Error, CodeTornTail, pos, s, "record of slot %d cut by EOF after %d of 40 bytes", s, dec.f.Size-pos)
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
	dec.report(partition.Error, CodeMissingRecord, pos, out.Slot,
		"slot %d has a zero record but payload bytes from %d (a cached append of DotNext 5.4.0–5.7.1 whose record never reached the disk): the library reads it as an empty entry with term 0",
		out.Slot, z)
	return out
}

func (dec *decoder) classify(out partition.Slot, pos, slotEnd int64) partition.Slot {
	s, rec := out.Slot, out.Rec
	switch {
	case dec.f.Number == 0 && s == 0:
		dec.invalid(&out, partition.Warning, CodeSlotZeroWritten,
			"slot 0 of partition 0 (index 0) is never written by the library, yet holds "+rec.String())
	case rec.Valid() != nil:
		dec.invalid(&out, partition.Error, CodeInvalidRecord, "record "+rec.String()+": "+rec.Valid().Error())
	case rec.Offset != pos+record.Size:
		dec.invalid(&out, partition.Error, CodeMisplacedRecord,
			"record "+rec.String()+" of the slot at "+itoa(pos)+" should have Offset "+itoa(pos+record.Size)+
				"; the library still reads "+itoa(out.Avail)+" bytes from its Offset")
	case rec.Length > dec.g.M:
		dec.invalid(&out, partition.Error, CodeLengthOverSlot,
			"record claims "+itoa(rec.Length)+" bytes, more than M = "+itoa(dec.g.M)+
				": the library does not check and silently delivers "+itoa(out.Avail)+" bytes running into the following slots or up to EOF")
	case rec.Length > 0 && out.Avail < rec.Length:
		out.Kind, out.Note = partition.Torn, "payload cut by EOF"
		dec.report(partition.Error, CodeTornTail, dec.f.Size, s,
			"payload of slot %d claims %d bytes at %d but the file ends at %d: the library silently delivers %d bytes",
			s, rec.Length, rec.Offset, dec.f.Size, out.Avail)
	default:
		out.Kind = partition.Written
		end, _ := rec.End()
		if z := firstNonZero(dec.f, end, slotEnd); z >= 0 {
			dec.add(issuef(partition.Info, CodeStaleSlotBytes, z, s,
				"non-zero bytes at %d after the payload of slot %d: left by an earlier, longer entry in the same slot; never read", z, s))
		}
	}
	return out
}

func (dec *decoder) invalid(out *partition.Slot, base partition.Severity, code, msg string) {
	out.Kind, out.Note = partition.Invalid, msg
	dec.report(base, code, out.At, out.Slot, "%s", msg)
}
