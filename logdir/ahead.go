package logdir

import (
	"runtime"

	"github.com/walctl/walctl/format/partition"
)

// maxAhead bounds decodeInOrder's decoded-but-unused partitions: each holds
// about 1 MB of slots at R = 10000 and 256 KiB of read windows while it
// decodes, and the 64 MiB memory budget must hold on a 64-core machine.
const maxAhead = 4

// decoded is one partition file decoded ahead of its use.
type decoded struct {
	d   partition.Decoded
	err error
}

// decodeInOrder decodes ps.files[i] for every i in idx (the codecs bound a
// Table walk by the LastIndex hint) and hands each result
// to use in idx order. Decoding runs ahead on all cores while use works on
// an earlier file (scan and replay overlap with decoding), but never more
// than maxAhead (or GOMAXPROCS, if fewer) files are decoded and not yet
// used, so memory stays at a few partitions' metadata whatever the log size
// and the number of cores. use returning false or an
// error stops the walk; decodes in flight finish and are dropped.
func (ps *psLog) decodeInOrder(idx []int, hint int64, use func(i int, d partition.Decoded) (bool, error)) error {
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
				d := ps.codec.Decode(f, ps.geometry(), hint)
				done()
				results[k] <- decoded{d: d}
			}()
		}
	}()
	for k, i := range idx {
		r := <-results[k]
		if r.err != nil {
			return r.err
		}
		more, err := use(i, r.d)
		r.d.Recycle() // use keeps no reference into the slots (it copies Slot values)
		<-tokens
		if err != nil || !more {
			return err
		}
	}
	return nil
}
