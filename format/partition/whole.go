package partition

import (
	"io"
	"os"
	"sync"
	"sync/atomic"
)

// A Table or sparse decode reads a record every few hundred bytes from one
// end of the file to the other; through CachedReader each of them is a
// lock, a window search and a copy (a third of verify's time). A file of a
// few MiB is cheaper read whole by one pread and decoded from memory. Plain
// reads, not mmap: a file truncated under walctl then gives short data (the
// codecs' torn tails), never a SIGBUS.
const (
	// WholeMax is the largest file read whole (R = 10000 with 700-byte
	// entries is 7.4 MB).
	WholeMax = 8 << 20
	// wholeBudget bounds the bytes held by all Whole readers at once
	// (decodes run ahead on several cores): the 64 MiB memory budget holds
	// whatever the number of cores. A file that does not fit is read through
	// a CachedReader instead.
	wholeBudget = 20 << 20
)

var (
	wholeUsed atomic.Int64
	// wholeBufs keeps released buffers for the next file: a log's partitions
	// have about one size, and a fresh 4 MiB allocation per file would make
	// the collector run for every partition.
	wholeBufs = struct {
		sync.Mutex
		free [][]byte
	}{}
)

// Whole is an io.ReaderAt over a file read into memory by one read. Bytes
// past what the read returned (a file that shrank after its stat) read as
// EOF, as from the file.
type Whole struct {
	b    []byte
	held int64 // bytes taken from the budget (0 once released)
}

// ReadAt copies from the file's bytes.
func (w *Whole) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errNegativeOffset
	}
	if off >= int64(len(w.b)) {
		return 0, io.EOF
	}
	n := copy(p, w.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Bytes are the file's bytes (valid until Release).
func (w *Whole) Bytes() []byte { return w.b }

// Release gives the buffer back for the next file; w must not be used
// afterwards.
func (w *Whole) Release() {
	if w == nil || w.held == 0 {
		return
	}
	wholeBufs.Lock()
	if len(wholeBufs.free) < 4 {
		wholeBufs.free = append(wholeBufs.free, w.b[:0])
	}
	wholeBufs.Unlock()
	wholeUsed.Add(-w.held)
	w.b, w.held = nil, 0
}

// ReadWhole reads the first size bytes of h into memory when size ≤
// WholeMax and the budget has room (nil otherwise: read through a
// CachedReader). A read error also gives nil: the CachedReader then meets
// it where the codec reads.
func ReadWhole(h io.ReaderAt, size int64) *Whole {
	if size <= 0 || size > WholeMax {
		return nil
	}
	if wholeUsed.Add(size) > wholeBudget {
		wholeUsed.Add(-size)
		return nil
	}
	w := &Whole{b: wholeBuf(int(size)), held: size}
	n, err := h.ReadAt(w.b, 0)
	if err != nil && err != io.EOF {
		w.Release()
		return nil
	}
	w.b = w.b[:n]
	return w
}

func wholeBuf(n int) []byte {
	wholeBufs.Lock()
	defer wholeBufs.Unlock()
	for i, b := range wholeBufs.free {
		if cap(b) >= n {
			last := len(wholeBufs.free) - 1
			wholeBufs.free[i] = wholeBufs.free[last]
			wholeBufs.free = wholeBufs.free[:last]
			return b[:n]
		}
	}
	return make([]byte, n)
}

// OpenFile is the reader the codecs read partition file h (size bytes, as
// stat'ed) through: the whole file in memory when whole and it fits
// (ReadWhole), else a CachedReader. release frees the memory; call it once
// the codec is done, before h is closed.
func OpenFile(h *os.File, size int64, whole bool) (r io.ReaderAt, release func()) {
	if whole {
		if w := ReadWhole(h, size); w != nil {
			return w, w.Release
		}
	}
	return NewCachedReader(h, size), func() {}
}
