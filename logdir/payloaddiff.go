package logdir

import (
	"io"
	"sync"

	"github.com/walctl/walctl/raftlog"
)

// PayloadDiff compares the payloads of a and b byte for byte, streaming
// both; it returns the offset of the first difference, or -1. Two reads and
// a compare cost a fraction of hashing both with SHA-256, which took a fifth
// of convert's time, and name the first differing byte. Convert's comparison
// and the write audit share it, so there is one byte compare to trust.
func PayloadDiff(la *Log, a raftlog.Entry, lb *Log, b raftlog.Entry) (int64, error) {
	ra, err := la.Payload(a)
	if err != nil {
		return 0, err
	}
	rb, err := lb.Payload(b)
	if err != nil {
		return 0, err
	}
	ba, bb := copyBuffers.Get().(*[]byte), copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(ba)
	defer copyBuffers.Put(bb)
	var off int64
	for {
		na, errA := io.ReadFull(ra, *ba)
		nb, errB := io.ReadFull(rb, (*bb)[:len(*ba)])
		if errA != nil && errA != io.EOF && errA != io.ErrUnexpectedEOF {
			return 0, errA
		}
		if errB != nil && errB != io.EOF && errB != io.ErrUnexpectedEOF {
			return 0, errB
		}
		n := min(na, nb)
		for i := range n {
			if (*ba)[i] != (*bb)[i] {
				return off + int64(i), nil
			}
		}
		if na != nb {
			return off + int64(n), nil
		}
		if na < len(*ba) {
			return -1, nil
		}
		off += int64(n)
	}
}

// copyBuffers are PayloadDiff's copy buffers: one per concurrent caller,
// not one per entry.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}
