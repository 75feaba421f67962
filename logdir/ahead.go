package logdir

import (
	"runtime"
	"slices"
	"sync"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/raftlog"
)

// maxAhead bounds decodeInOrder's decoded-but-unused partitions: each holds
// about 1 MB of slots at R = 10000 and 256 KiB of read windows while it
// decodes, and the 64 MiB memory budget must hold on a 64-core machine.
const maxAhead = 4

// decoded is one partition file decoded ahead of its use.
type decoded struct {
	d   partition.Decoded
	es  *[]raftlog.Entry // what prepare made of d, on the decoding goroutine
	err error
}

// entriesPool keeps the prepared entries of a partition for the next one
// (about 1.7 MB at R = 10000).
var entriesPool = sync.Pool{New: func() any { return new([]raftlog.Entry) }}

// decodeInOrder decodes ps.files[i] for every i in idx (the codecs bound a
// Table walk by the LastIndex hint) and hands each result
// to use in idx order. Decoding runs ahead on all cores while use works on
// an earlier file (scan and replay overlap with decoding), but never more
// than maxAhead (or GOMAXPROCS, if fewer) files are decoded and not yet
// used, so memory stays at a few partitions' metadata whatever the log size
// and the number of cores. use returning false or an
// error stops the walk; decodes in flight finish and are dropped.
//
// prepare, when not nil, runs on the decoding goroutine right after the
// decode: the entries it appends to es (the partition's, made from d's
// slots) reach use with d, so that building them runs on all cores too and
// use only consumes them. prepare must only read ps; use must not keep es.
func (ps *psLog) decodeInOrder(idx []int, hint int64,
	prepare func(i int, d partition.Decoded, es []raftlog.Entry) []raftlog.Entry,
	use func(i int, d partition.Decoded, es []raftlog.Entry) (bool, error)) error {
	ahead := max(1, min(runtime.GOMAXPROCS(0), maxAhead))
	results := make([]chan decoded, len(idx))
	for k := range results {
		results[k] = make(chan decoded, 1)
	}
	tokens := make(chan struct{}, ahead)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for k, i := range idx {
			select {
			case tokens <- struct{}{}:
			case <-stop:
				return
			}
			go func() {
				f, done, err := ps.open(ps.files[i])
				if err != nil {
					results[k] <- decoded{err: err}
					return
				}
				r := decoded{d: ps.codec.Decode(f, ps.geometry(), hint)}
				done()
				if prepare != nil {
					r.es = entriesPool.Get().(*[]raftlog.Entry)
					*r.es = prepare(i, r.d, (*r.es)[:0])
				}
				results[k] <- r
			}()
		}
	}()
	for k, i := range idx {
		r := <-results[k]
		if r.err != nil {
			return r.err
		}
		var es []raftlog.Entry
		if r.es != nil {
			es = *r.es
		}
		more, err := use(i, r.d, es)
		r.d.Recycle() // use keeps no reference into the slots (it copies Slot values)
		if r.es != nil {
			clear(es) // no payload spans or strings kept alive from the pool
			entriesPool.Put(r.es)
		}
		<-tokens
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// slotEntries appends to es the entries of partition file i (decoded as
// d) with indexes in [from, to].
func (ps *psLog) slotEntries(i int, d partition.Decoded, from, to int64, es []raftlog.Entry) []raftlog.Entry {
	pf := ps.files[i]
	base, ok := partition.MulOK(pf.Number, ps.R)
	if !ok {
		return es
	}
	var sl entrySlab
	lo, hi := max(from, base), min(to, base+ps.R-1)
	if hi >= lo {
		es = slices.Grow(es, int(min(hi-lo+1, ps.R)))
	}
	for j := lo; j <= hi; j++ {
		es = append(es, raftlog.Entry{})
		ps.slotEntry(&es[len(es)-1], &sl, pf.Name, pf.Size, j, ps.slotAt(d, pf.Size, j-base))
	}
	return es
}
