package logdir

import (
	"fmt"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/raftlog"
)

// entries yields the snapshot (when in range) and then, partition by
// partition, one entry per slot in [from, to], decoding with LastIndex hint.
// Only one partition's slots are in memory at a time.
func (ps *psLog) entries(from, to, hint int64, yield func(raftlog.Entry) bool) error {
	if from > to {
		return nil
	}
	s := ps.Snapshot
	lo := from
	if s != nil {
		if from <= s.Index && s.Index <= to && !yield(ps.snapshotEntry()) {
			return nil
		}
		lo = max(lo, s.Index+1)
	}
	// The files holding part of [lo, to], decoded ahead of the yields.
	var want []int
	for i, pf := range ps.files {
		base, ok := partition.MulOK(pf.Number, ps.R)
		if ok && max(lo, base) <= min(to, base+ps.R-1) {
			want = append(want, i)
		}
	}
	prepare := func(i int, d partition.Decoded, es []raftlog.Entry) []raftlog.Entry {
		return ps.slotEntries(i, d, lo, to, es)
	}
	return ps.decodeInOrder(want, hint, true, prepare, func(_ int, _ partition.Decoded, es []raftlog.Entry) (bool, error) {
		for _, e := range es {
			if !yield(e) {
				return false, nil
			}
		}
		return true, nil
	})
}

func (ps *psLog) committed(i int64) bool { return ps.State != nil && i <= ps.State.CommitIndex }

func (ps *psLog) snapshotEntry() raftlog.Entry {
	s := ps.Snapshot
	e := raftlog.Entry{Index: s.Index, Term: s.Term, Ticks: s.Ticks, CommandID: s.CommandID, Flags: s.Flags,
		Length: s.Length, IsSnapshot: true, Committed: true, Record: raftlog.Location{File: "node.state", Offset: 24, Length: ps.presentInNodeState(24, 48)}}
	if s.File == "" {
		e.State, e.Reason = raftlog.EntryOK, "snapshot kept by the application (no snapshot file)"
		return e
	}
	avail := s.Length
	if f, err := ps.Log.file(s.File); err == nil {
		if info, err := f.Stat(); err == nil {
			avail = max(0, min(s.Length, info.Size()-s.Offset))
		}
	}
	if avail > 0 {
		e.Payload = []raftlog.Span{{File: s.File, Offset: s.Offset, Length: avail}}
	}
	if avail < s.Length {
		e.State, e.Reason = raftlog.EntryDamaged, fmt.Sprintf("snapshot file holds %d of %d bytes", avail, s.Length)
	}
	return e
}

// slotEntry turns slot s of a partition file of size bytes into an entry.
// The record's Location holds only the bytes present: a record cut by EOF
// is shorter than 40 bytes.
// slotAt is slot s of d. The legacy decoder keeps no slots after the last
// used one; an unwritten legacy slot still has a place in the prologue, so
// that a zeroed record is reported at its offset.
func (ps *psLog) slotAt(d partition.Decoded, size, s int64) partition.Slot {
	sl := d.SlotAt(s)
	if sl.Kind == partition.Unwritten && sl.At < 0 && ps.Format == format.Legacy && s*record.Size < size {
		sl.At = s * record.Size // s < R ≤ 53,687,091: no overflow
	}
	return sl
}

// presentInNodeState is how many of the n bytes at off exist in node.state,
// which may be cut short.
func (ps *psLog) presentInNodeState(off, n int64) int64 {
	if ps.State == nil {
		return n
	}
	return min(n, max(0, ps.State.Size-off))
}

func (ps *psLog) slotEntry(e *raftlog.Entry, sl *entrySlab, file string, size, idx int64, s partition.Slot) {
	r := s.Rec
	*e = raftlog.Entry{Index: idx, Term: r.Term, Ticks: r.Timestamp, CommandID: sl.id(r), Flags: r.Flags,
		Length: r.Length, Committed: ps.committed(idx), Record: raftlog.Location{File: file, Offset: s.At, Length: min(40, max(0, size-s.At))}}
	if s.At < 0 {
		e.Record = raftlog.Location{File: file, Offset: -1}
	}
	if s.Avail > 0 {
		e.Payload = sl.span(raftlog.Span{File: file, Offset: r.Offset, Length: s.Avail})
	}
	switch s.Kind {
	case partition.Written:
		e.State = raftlog.EntryOK
	case partition.Stub, partition.Unwritten:
		*e = raftlog.Entry{Index: idx, Committed: e.Committed, Record: e.Record, State: raftlog.EntryEmpty,
			Reason: "no record on disk"}
	case partition.Torn:
		e.State, e.Reason = raftlog.EntryDamaged, fmt.Sprintf(
			"payload cut by the end of the file: %d of %d bytes",
			s.Avail,
			r.Length,
		)
	default:
		e.State, e.Reason = raftlog.EntryDamaged, s.Kind.String()
		if s.Note != "" {
			e.Reason = s.Note
		}
	}
}

// entrySlab hands out the one-span Payload slices and the CommandID values
// of the entries of one partition from a few shared arrays: one allocation
// per slabSize entries instead of one or two per entry (verify makes an
// entry of every slot). Each piece is capped (an append copies), and the
// arrays are never reused, so an entry kept by a caller stays valid.
type entrySlab struct {
	spans []raftlog.Span
	ids   []int32
}

const slabSize = 512

func (sl *entrySlab) span(s raftlog.Span) []raftlog.Span {
	if len(sl.spans) == 0 {
		sl.spans = make([]raftlog.Span, slabSize)
	}
	out := sl.spans[:1:1]
	out[0], sl.spans = s, sl.spans[1:]
	return out
}

// id is r.CommandID() from the slab.
func (sl *entrySlab) id(r record.Record) *int32 {
	if !r.HasID() {
		return nil
	}
	if len(sl.ids) == 0 {
		sl.ids = make([]int32, slabSize)
	}
	p := &sl.ids[0]
	*p, sl.ids = r.ID, sl.ids[1:]
	return p
}
