package logdir

import (
	"io"
	"runtime"
	"slices"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/raftlog"
)

// maxAhead bounds decodeInOrder's decoded-but-unused partitions: each holds
// about 1 MB of slots at R = 10000 and 256 KiB of read windows while it
// decodes, and the 64 MiB memory budget must hold on a 64-core machine.
const maxAhead = 4

// decoded is one partition file decoded ahead of its use.
type decoded struct {
	d       partition.Decoded
	es      []raftlog.Entry // what prepare made of d, on the decoding goroutine
	r       io.ReaderAt     // the file's bytes, kept for use's payload reads (hold)
	release func()          // frees r and closes the file (hold)
	err     error
}

// free gives back what the decode kept.
func (r decoded) free() {
	entriesPool.Put(r.es) // cleared: no payload spans or strings kept alive

	if r.release != nil {
		r.release()
	}
}

// entriesPool keeps the prepared entries of a partition for the next one
// (about 1.7 MB at R = 10000).
var entriesPool partition.Keep[raftlog.Entry]

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
//
// During a one-pass scan (ps.spec), every file is also probed, on the open
// its decode read (speculation.probe), after the decode: the probe takes the
// decode's walks from the file's memo instead of walking again.
//
// With hold, the bytes the decode read stay open until use returns, and
// the Log's payload reads of that file come from them (see Log.reader):
// the entries' payloads are not read from the file a second time.
func (ps *psLog) decodeInOrder(idx []int, hint int64, hold bool,
	prepare func(i int, d partition.Decoded, es []raftlog.Entry) []raftlog.Entry,
	use func(i int, d partition.Decoded, es []raftlog.Entry) (bool, error)) error {
	ahead := max(1, min(runtime.GOMAXPROCS(0), maxAhead))
	results := make([]chan decoded, len(idx))
	for k := range results {
		results[k] = make(chan decoded, 1)
	}
	tokens := make(chan struct{}, ahead)
	stop := make(chan struct{})
	launched := make(chan int, 1) // how many decodes started, once the launcher is done
	go func() {
		n := 0
		defer func() { launched <- n }()
		for k, i := range idx {
			select {
			case tokens <- struct{}{}:
			case <-stop:
				return
			}
			n++
			go func() {
				f, done, err := ps.open(ps.files[i])
				if err != nil {
					results[k] <- decoded{err: err}
					return
				}
				r := decoded{d: ps.codec.Decode(f, ps.geometry(), hint)}
				if ps.spec != nil {
					ps.spec.probe(i, ps.files[i], f) // after the decode: its walks are in f.Memo
				}
				if hold {
					r.r, r.release = f.R, done
				} else {
					done()
				}
				if prepare != nil {
					r.es = prepare(i, r.d, entriesPool.Get(0))
				}
				results[k] <- r
			}()
		}
	}()
	used := 0
	defer func() {
		// Stop the launcher, then free what the decodes in flight keep.
		close(stop)
		for n := <-launched; used < n; used++ {
			r := <-results[used]
			r.d.Recycle()
			r.free()
		}
	}()
	for k, i := range idx {
		r := <-results[k]
		used++
		if r.err != nil {
			return r.err
		}
		es := r.es
		if hold {
			ps.held = heldFile{name: ps.files[i].Name, r: r.r}
		}
		more, err := use(i, r.d, es)
		ps.held = heldFile{}
		r.d.Recycle() // use keeps no reference into the slots (it copies Slot values)
		r.free()
		<-tokens
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// heldFile is a partition file's bytes that decodeInOrder holds while its
// entries are used.
type heldFile struct {
	name string
	r    io.ReaderAt
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
