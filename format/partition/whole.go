package partition

import (
	"io"
	"os"
	"sync"
)

// A Table or sparse decode reads a record every few hundred bytes from one
// end of the file to the other; through CachedReader each of them is a
// lock, a window search and a copy (a third of verify's time). A file of a
// few MiB is cheaper read whole by one pread and decoded from memory. Plain
// reads into memory, not a mapping of the file: a file cut under walctl
// then reads short (the codecs' torn tails), never SIGBUS.
const (
	// WholeMax is the largest file read whole (R = 10000 with 700-byte
	// entries is 7.4 MB).
	WholeMax = 8 << 20
	// wholeBudget bounds the bytes of all Whole buffers, in use or kept
	// for the next file: probes and decodes run on several cores, and the
	// 64 MiB memory budget must hold whatever their number. Two files of
	// WholeMax fit (two cores busy, the bench machine); a file that does not
	// fit is read through a CachedReader instead.
	wholeBudget = 16 << 20
	// wholeRound: buffers are sized in these steps, so that the partitions
	// of a log (of about one size) share them.
	wholeRound = 256 << 10
)

// wholePool holds the buffers: a released one is kept for the next file,
// as long as the budget allows; a fresh allocation per partition would be
// megabytes of garbage each.
var wholePool struct {
	sync.Mutex
	total int64 // capacity of every buffer, in use or free
	free  []wholeBuffer
}

// wholeBuffer is one buffer of the pool.
type wholeBuffer struct {
	b      []byte
	mapped bool // from wholeAlloc (else the heap)
}

// Whole is an io.ReaderAt over a file read into memory by one read. Bytes
// past what the read returned (a file that shrank after its stat) read as
// EOF, as from the file.
type Whole struct {
	b   []byte
	buf wholeBuffer // nil b once released
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

// Release gives the buffer back to the pool; w must not be used afterwards.
func (w *Whole) Release() {
	if w == nil || w.buf.b == nil {
		return
	}
	wholePool.Lock()
	wholePool.free = append(wholePool.free, w.buf)
	wholePool.Unlock()
	w.b, w.buf = nil, wholeBuffer{}
}

// ReadWhole reads the first size bytes of h into memory when size ≤
// WholeMax and the budget has room (nil otherwise: read through a
// CachedReader). A read error also gives nil: the CachedReader then meets
// it where the codec reads.
func ReadWhole(h io.ReaderAt, size int64) *Whole {
	if size <= 0 || size > WholeMax {
		return nil
	}
	buf, ok := takeBuffer(int(size))
	if !ok {
		return nil
	}
	w := &Whole{buf: buf}
	n, err := h.ReadAt(buf.b[:size], 0)
	if err != nil && err != io.EOF {
		w.Release()
		return nil
	}
	w.b = buf.b[:n]
	return w
}

// takeBuffer returns a free buffer of at least n bytes, else a new one if
// the budget has room once the free ones too small are dropped.
func takeBuffer(n int) (wholeBuffer, bool) {
	p := &wholePool
	p.Lock()
	defer p.Unlock()
	for i, f := range p.free {
		if cap(f.b) >= n {
			p.free = append(p.free[:i], p.free[i+1:]...)
			return f, true
		}
	}
	size := (n + wholeRound - 1) / wholeRound * wholeRound
	for len(p.free) > 0 && p.total+int64(size) > wholeBudget {
		f := p.free[0]
		p.free = p.free[1:]
		p.total -= int64(cap(f.b))
		if f.mapped {
			wholeFree(f.b)
		}
	}
	if p.total+int64(size) > wholeBudget {
		return wholeBuffer{}, false
	}
	buf := wholeBuffer{b: wholeAlloc(size), mapped: true}
	if buf.b == nil {
		buf = wholeBuffer{b: make([]byte, size)}
	}
	p.total += int64(cap(buf.b))
	return buf, true
}

// InMemory is f read whole into memory (ReadWhole) for a codec that is
// about to read it from one end to the other, with release to free it;
// f itself (and a no-op) when it is in memory already, too large, over the
// budget, or not a file beneath a CachedReader.
func (f File) InMemory() (File, func()) {
	c, ok := f.R.(*CachedReader)
	if !ok {
		return f, func() {}
	}
	w := ReadWhole(c.r, f.Size)
	if w == nil {
		return f, func() {}
	}
	f.R = w
	return f, w.Release
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
	c := NewCachedReader(h, size)
	return c, c.Release
}
