package v2

import (
	"fmt"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
)

// decodeUnsealed reads the inline chain (§4.6 step 3 as a tool does it).
// plain is false for a torn seal, which the library reads as sealed.
func (dc *decoder) decodeUnsealed(plain bool) {
	start, slot := startOf(dc.f.Number)
	dc.markP0Stub()
	dc.checkP0Slot0(dc.f.Size)
	limit, bounded := dc.r, false
	if dc.holdsLast() {
		limit, bounded = dc.relLast+1, true
	}
	zero := zeroLead{from: -1}
	store := dc.storeLink(0)
	res := walker{
		f:     dc.f,
		end:   dc.f.Size,
		limit: limit,
		visit: func(l link) { zero.see(l); store(l) },
	}.walk(
		start,
		slot,
	)
	dc.walkIssues(res, 0, bounded)
	if plain && zero.from >= 0 && zero.entries {
		at, _ := LeadingSlot(zero.from)
		end, _ := LeadingSlot(zero.to)
		slots := finding.Slots(zero.from, zero.to-1, "slot %d", "slots %d–%d")
		dc.issue(finding.ZeroLeadingSlots, "unsealed", at, zero.from, finding.F{"slots": slots,
			"first": zero.first, "verb": finding.IsAre(zero.to - zero.from), "at": at, "last": end - 1})
	}
	if res.stopAt == start && start >= dc.f.Size && dc.f.Size > HeaderSize && allZero(dc.f, HeaderSize, dc.f.Size) {
		// Partition 0 cut inside the 40 bytes of index 0's stub, all zero
		// (non-zero ones are reported by checkP0Slot0): found by fuzzing.
		dc.issue(finding.TrailingZeros, "", HeaderSize, -1, finding.F{"detail": fmt.Sprintf(
			"%d zero bytes after the header, short of where partition 0's first entry starts (%d): not an entry",
			dc.f.Size-HeaderSize, start)})
	}
	if plain && dc.belowLast() {
		dc.issue(finding.UnsealedPartition, "file", 0, -1, finding.F{"last": dc.last, "indexes": dc.indexes()})
	}
}

// zeroLead collects the zero windows among the never-written slots before
// the first entry of an inline walk: [from, to), and whether entries follow.
type zeroLead struct {
	from, to int64
	entries  bool
	first    int64 // slot of the first entry
}

func (z *zeroLead) see(l link) {
	switch {
	case z.entries:
	case l.kind == partition.Stub && !l.stored && !l.mid:
		if z.from < 0 {
			z.from = l.slot
		}
		z.to = l.slot + 1
	case l.kind == partition.Written || l.kind == partition.Torn:
		z.entries, z.first = true, l.slot
	case l.kind != partition.Stub:
		z.from = -1 // a T1 window or garbage first: the entries are lost anyway
		z.entries = true
	}
}

// storeLink returns a visitor that records links as slots, shifted by shift.
func (dc *decoder) storeLink(shift int64) func(link) {
	return func(l link) {
		s := l.slot + shift
		if s < 0 || s >= dc.r {
			return
		}
		slot := partition.Slot{Slot: s, Kind: l.kind, Rec: l.rec, At: l.at, Avail: l.avail, Note: l.note}
		if l.kind == partition.Stub && !l.stored {
			slot.At = -1 // a zero window: no record bytes exist
		}
		if l.mid {
			slot.Note = "zero record between records"
			dc.issue(finding.ZeroRecordInChain, "", l.at, s, finding.F{"at": l.at, "slot": s})
		}
		dc.set(s, slot)
	}
}

// walkIssues turns the way the walk ended into issues. shift maps walk
// slots to partition slots (T2 chains start at slot 0 of the walk).
func (dc *decoder) walkIssues(res walkResult, shift int64, bounded bool) {
	size := dc.f.Size
	switch res.stop {
	case stopTorn:
		s := res.next - 1 + shift
		dc.issue(finding.TornTail, dc.unlessBeyond(""), res.stopAt, s, finding.F{"detail": fmt.Sprintf(
			"the last entry (slot %d, record at %d) is cut by the end of the file: %s", s, res.stopAt, dc.slotNote(s))})
	case stopT1:
		s := res.t1Slot + shift
		form := ""
		if dc.aboveLast() {
			form = "stale"
		}
		dc.issue(finding.T1MissingInlineRecords, form, res.stopAt, s, finding.F{"slot": s, "at": res.stopAt})
	case stopGarbage:
		dc.garbageIssue(res, shift)
	case stopZeros:
		if res.stopAt < size {
			dc.issue(finding.TrailingZeros, "", res.stopAt, -1, finding.F{"detail": fmt.Sprintf(
				"%d zero bytes after the chain (from %d)", size-res.stopAt, res.stopAt)})
		}
	case stopLimit:
		dc.restIssue(res.stopAt, bounded)
	}
}

func (dc *decoder) slotNote(s int64) string {
	if s >= 0 && s < dc.r {
		return dc.d.SlotAt(s).Note
	}
	return "cut"
}

func (dc *decoder) garbageIssue(res walkResult, shift int64) {
	if shapeOf(dc.f, res.stopAt, dc.f.Size) == tailFooter {
		dc.issue(
			finding.StaleFooter,
			"",
			res.stopAt,
			-1,
			finding.F{"n": (dc.f.Size - res.stopAt) / recSize, "at": res.stopAt},
		)
		return
	}
	s := res.next + shift
	if s < dc.r {
		dc.set(s, partition.Slot{Slot: s, Kind: partition.Invalid, Rec: res.garbage, At: res.stopAt,
			Note: "not a record chained at this position"})
	}
	dc.issue(finding.InvalidRecord, dc.unlessBeyond(""), res.stopAt, s, finding.F{"detail": fmt.Sprintf(
		"the bytes at %d (slot %d) are not a record chained there (read as %s): the chain ends; later slots of this "+
			"partition are unknown", res.stopAt, s, res.garbage)})
}

// restIssue classifies bytes left after the walk hit its slot limit.
func (dc *decoder) restIssue(pos int64, bounded bool) {
	size := dc.f.Size
	if pos >= size {
		return
	}
	shape := shapeOf(dc.f, pos, size)
	switch {
	case shape == tailZeros:
		dc.issue(finding.TrailingZeros, "", pos, -1, finding.F{"detail": fmt.Sprintf(
			"%d zero bytes after the chain (from %d)", size-pos, pos)})
	case bounded:
		dc.issue(finding.StaleBytes, "", pos, -1, finding.F{"detail": fmt.Sprintf(
			"%d bytes from %d follow the record of LastIndex %d: not entries (left by a rewrite or a crash)",
			size-pos, pos, dc.last)})
	case shape == tailFooter:
		dc.issue(finding.StaleFooter, "", pos, -1, finding.F{"n": (size - pos) / recSize, "at": pos})
	case shape == tailChain:
		dc.issue(finding.MoreThanRRecords, "", pos, -1, finding.F{"r": dc.r, "at": pos})
	default:
		dc.issue(finding.TrailingBytes, "", pos, -1, finding.F{"bytes": size - pos, "r": dc.r, "at": pos})
	}
}

// decodeT2 decodes a file whose entries were chained from offset 0 over the
// header (#244 T2). The entries are real; their slots follow from LastIndex:
// the chain ends at LastIndex when this partition holds it, at slot R−1 when
// later partitions exist (or when LastIndex is unknown: an assumption).
func (dc *decoder) decodeT2() {
	var links []link
	res := walker{f: dc.f, end: dc.f.Size, limit: dc.r, visit: func(l link) { links = append(links, l) }}.walk(0, 0)
	n := int64(len(links))
	k, how := dc.r-n, "the partition filled up to slot R−1 (a later partition holds LastIndex)"
	switch {
	case dc.holdsLast():
		k, how = dc.relLast-n+1, "the chain ends at LastIndex"
	case !dc.belowLast():
		how = "assumed: the partition filled up to slot R−1 (LastIndex does not say)"
	}
	k = max(k, 0)
	dc.markP0Stub()
	store := dc.storeLink(k)
	for _, l := range links {
		store(l)
	}
	dc.issue(
		finding.T2HeaderOverwritten,
		"",
		0,
		k,
		finding.F{"n": n, "b0": int64(byteAt(dc.f, 0)), "term": links[0].rec.Term, "firstSlot": k,
			"lastSlot": k + n - 1, "how": how, "effect": dc.t2LibraryNote()},
	)
	dc.walkIssues(res, k, false)
}

func (dc *decoder) t2LibraryNote() string {
	switch {
	case dc.f.Size < HeaderSize:
		return "DotNext ≥ 5.7.3 extends the file to 512 bytes on open and reads these entries as empty (and, byte 0 being non-zero, throws IntegrityException on the next open); 5.4–5.7.2 do not scan it and read them as zero records"
	case byteAt(dc.f, 0) != 0:
		return "DotNext takes byte 0 as the sealed flag: it reads the last R×40 bytes as the footer (garbage), or throws IntegrityException when the file is shorter than 512 + 40×R"
	}
	return "DotNext scans from offset 512/552, in the middle of these entries"
}
