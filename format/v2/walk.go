package v2

import (
	"fmt"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// link is one slot the inline walk passed over.
type link struct {
	slot  int64
	kind  partition.Kind // Stub, Written, Torn or Missing
	at    int64          // position of the record, or of the zero window
	rec   record.Record
	avail int64 // payload bytes inside the data area
	mid   bool  // a zero window after a record: not a leading stub
	// stored: a leading stub written as a record (what walctl writes for
	// never-written slots, see Leading), not a zero window.
	stored bool
	note   string
}

// stopReason says why the inline walk ended.
type stopReason int

const (
	stopEnd     stopReason = iota // the data area ended exactly at a record boundary
	stopTorn                      // the last link is cut short by the end of the data area
	stopT1                        // the last link is a T1 window: zero record, payload bytes after it
	stopGarbage                   // the window at stopAt is neither zero nor a chained record
	stopZeros                     // only zero bytes remain from stopAt on
	stopLimit                     // the slot limit was reached; bytes may remain at stopAt
)

// walkResult summarises one inline walk.
type walkResult struct {
	stop    stopReason
	stopAt  int64         // where the walk stopped (start of the T1 window or torn record)
	next    int64         // the slot after the last link
	records int64         // Written and Torn links
	stubs   int64         // leading zero windows taken as stubs
	stored  int64         // leading stub records (see link.stored)
	mids    int64         // zero windows between records
	t1Slot  int64         // slot of the T1 window, -1 if none
	garbage record.Record // the bytes at stopAt read as a record (stopGarbage)
}

// walker walks the inline chain the way a tool does (spec §12.3 F3): stubs
// for zero windows that are followed by a chained record, a T1 window for a
// zero window followed by bytes that are not a record, a torn tail at the end.
// Unlike the library it never trusts a record that does not chain. A stub
// record before the first other record is a never-written slot laid out the
// way walctl writes it (Leading), not an entry. Its bytes are also those of
// an empty entry of term 0 with timestamp 0, which real logs do not hold
// (terms start at 1, entries are stamped), and every release reads the two
// the same: as an empty entry of term 0.
type walker struct {
	f     partition.File
	end   int64      // end of the data area: file size, or footer start
	limit int64      // exclusive slot bound; negative for none
	visit func(link) // nil to only count
}

// walkKey is the memo key of a walk's result (see partition.Memo): the
// result depends on the bytes, the bounds and the start alone, not on visit.
type walkKey struct{ end, limit, start, slot int64 }

// walk walks the chain from start (the record of slot) and summarises it. A
// walk that only counts takes the result of the same walk over the same open
// from f.Memo (a probe after the decode); every walk leaves its result there.
func (w walker) walk(start, slot int64) walkResult {
	k := walkKey{w.end, w.limit, start, slot}
	if v, ok := w.f.Memo.Get(k); ok && w.visit == nil {
		return v.(walkResult)
	}
	res := w.run(start, slot)
	w.f.Memo.Put(k, res)
	return res
}

func (w walker) run(start, slot int64) walkResult {
	res := walkResult{t1Slot: -1}
	pos, done := start, false
	for !done {
		switch {
		case w.limit >= 0 && slot >= w.limit:
			res.stop, done = stopLimit, true
		case pos >= w.end:
			res.stop, done = stopEnd, true
		case w.end-pos < recSize:
			slot, done = w.partial(&res, pos, slot), true
		default:
			pos, slot, done = w.step(&res, pos, slot)
		}
	}
	res.stopAt, res.next = pos, slot
	return res
}

// partial handles fewer than 40 bytes left at pos: zeros, or a cut record.
func (w walker) partial(res *walkResult, pos, slot int64) int64 {
	if allZero(w.f, pos, w.end) {
		res.stop = stopZeros
		return slot
	}
	w.emit(link{slot: slot, kind: partition.Torn, at: pos,
		note: fmt.Sprintf("record cut by the end of the data: %d of 40 bytes", w.end-pos)})
	res.records++
	res.stop = stopTorn
	return slot + 1
}

// step reads the window at pos: a zero run, a chained record (whole or cut
// by the end of the data), or garbage.
func (w walker) step(res *walkResult, pos, slot int64) (int64, int64, bool) {
	rec, _ := w.f.RecordAt(pos)
	switch {
	case rec.IsZero():
		return w.zeroRun(res, pos, slot)
	case !chains(pos, rec):
		res.stop, res.garbage = stopGarbage, rec
		return pos, slot, true
	}
	if rec.IsStub() && res.records == 0 && pos == HeaderSize+slot*recSize {
		w.emit(link{slot: slot, kind: partition.Stub, at: pos, rec: rec, stored: true})
		res.stored++
		return pos + recSize, slot + 1, false
	}
	res.records++
	if e := end(rec); e <= w.end {
		if w.visit != nil { // a probe only counts: no link to build
			w.visit(link{slot: slot, kind: partition.Written, at: pos, rec: rec, avail: rec.Length})
		}
		return e, slot + 1, false
	}
	w.emit(link{slot: slot, kind: partition.Torn, at: pos, rec: rec, avail: w.end - rec.Offset,
		note: fmt.Sprintf("payload cut by the end of the data: %d of %d bytes", w.end-rec.Offset, rec.Length)})
	res.stop = stopTorn
	return pos, slot + 1, true
}

// zeroRun handles a run of zero windows starting at pos. The windows are stubs
// when a chained record follows them; when other non-zero bytes follow, the
// last window is a T1 hole (a payload without its record). done reports that
// the walk must stop (res.stop is set).
func (w walker) zeroRun(res *walkResult, pos, slot int64) (int64, int64, bool) {
	nz := firstNonZero(w.f, pos, w.end)
	if nz >= w.end {
		res.stop = stopZeros
		return pos, slot, true
	}
	windows := (nz - pos) / recSize // ≥ 1: the window at pos is zero
	next := pos + windows*recSize
	follows := false
	if w.end-next >= recSize {
		rec, _ := w.f.RecordAt(next)
		follows = chains(next, rec)
	}
	stubs := windows
	if !follows {
		stubs-- // the last zero window is the missing record of the payload at next
	}
	if w.limit >= 0 && stubs > w.limit-slot {
		stubs = max(w.limit-slot, 0)
	}
	for i := int64(0); i < stubs && w.visit != nil; i++ {
		at := pos + i*recSize
		w.emit(link{slot: slot + i, kind: partition.Stub, at: at, rec: stubAt(at), mid: res.records > 0})
	}
	if res.records > 0 {
		res.mids += stubs
	} else {
		res.stubs += stubs
	}
	pos, slot = pos+stubs*recSize, slot+stubs
	if pos == next && follows {
		return pos, slot, false
	}
	if w.limit >= 0 && slot >= w.limit {
		res.stop = stopLimit
		return pos, slot, true
	}
	w.emit(link{slot: slot, kind: partition.Missing, at: pos,
		note: fmt.Sprintf(
			"zero record at %d followed by bytes that are not a record (payload without its record, #244 T1)",
			pos,
		)})
	res.stop, res.t1Slot = stopT1, slot
	return pos, slot + 1, true
}

func (w walker) emit(l link) {
	if w.visit != nil {
		w.visit(l)
	}
}

// tailShape classifies the bytes [pos, end) left after a walk.
type tailShape int

const (
	tailNone    tailShape = iota // nothing left
	tailZeros                    // only zero bytes
	tailFooter                   // a whole number of records whose first has Offset 552: a (stale) footer
	tailChain                    // a record that chains at pos: the chain goes on
	tailGarbage                  // anything else
)

func shapeOf(f partition.File, pos, end int64) tailShape {
	switch {
	case pos >= end:
		return tailNone
	case allZero(f, pos, end):
		return tailZeros
	}
	rec, ok := f.RecordAt(pos)
	switch {
	case !ok:
		return tailGarbage
	case (end-pos)%recSize == 0 && rec.Offset == P0Start && rec.OK():
		return tailFooter
	case chains(pos, rec):
		return tailChain
	}
	return tailGarbage
}
