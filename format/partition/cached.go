package partition

import (
	"errors"
	"io"
	"sync"
)

// The codecs read a partition in 40-byte records and a few bytes here and
// there; through an *os.File each of those is a system call (a 1 GiB v2 log
// has 2.5 million records, each read several times). CachedReader serves
// them from a few windows of the file, each filled by one large ReadAt.
const (
	cacheWindow  = 64 << 10 // bytes per window, a multiple of 40 and of the page size
	cacheWindows = 4        // a footer and an inline chain walked side by side need two
)

// CachedReader is an io.ReaderAt over the first size bytes of r that keeps
// cacheWindows windows of cacheWindow bytes (least recently used replaced).
// Reads larger than a window go straight to r. It holds at most 256 KiB
// whatever the file size. It is safe for concurrent use, like the
// *os.File it usually wraps (one lock; the codecs read from one goroutine).
type CachedReader struct {
	r     io.ReaderAt
	size  int64
	mu    sync.Mutex
	wins  [cacheWindows]window
	clock uint64
}

type window struct {
	off  int64
	n    int // valid bytes in buf
	buf  []byte
	used uint64
}

// chunkPool keeps the 64 KiB read buffers of CachedReader windows and of
// the codecs' sequential reads: a verify opens several readers per
// partition, each of them a quarter MiB of fresh, zeroed garbage otherwise.
var chunkPool = sync.Pool{New: func() any { return new([ChunkSize]byte) }}

// ChunkSize is the size of a pooled read buffer.
const ChunkSize = cacheWindow

// GetChunk returns a ChunkSize buffer (not zeroed) from the pool.
func GetChunk() []byte { return chunkPool.Get().(*[ChunkSize]byte)[:] }

// PutChunk gives b, from GetChunk, back to the pool; the caller keeps no
// reference to it.
func PutChunk(b []byte) {
	if cap(b) >= ChunkSize {
		chunkPool.Put((*[ChunkSize]byte)(b[:ChunkSize]))
	}
}

var errNegativeOffset = errors.New("partition: negative read offset")

// NewCachedReader wraps r, whose length is size (the stat'ed file size).
func NewCachedReader(r io.ReaderAt, size int64) *CachedReader {
	return &CachedReader{r: r, size: max(size, 0)}
}

// Release gives c's windows back to the chunk pool; c reads through
// fresh ones if it is used again.
func (c *CachedReader) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.wins {
		if w := &c.wins[i]; w.buf != nil {
			PutChunk(w.buf)
			*w = window{}
		}
	}
}

// Unwrap returns the reader c caches, so that FirstNonZero can still ask
// the *os.File beneath for its holes (SEEK_DATA).
func (c *CachedReader) Unwrap() io.ReaderAt { return c.r }

// ReadAt reads len(p) bytes at off, like io.ReaderAt: fewer only at the end
// of the data (io.EOF) or on an error of r.
func (c *CachedReader) ReadAt(p []byte, off int64) (int, error) {
	switch {
	case off < 0:
		return 0, errNegativeOffset
	case off >= c.size:
		return 0, io.EOF
	case len(p) > cacheWindow:
		return c.r.ReadAt(p, off)
	}
	return c.readCached(p, off)
}

// readCached serves p from the windows (len(p) ≤ cacheWindow). p never
// reaches r, so callers' stack buffers stay on the stack (a 40-byte record
// read through the io.ReaderAt interface was one heap allocation each).
func (c *CachedReader) readCached(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errNegativeOffset
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	done := 0
	for done < len(p) {
		pos := off + int64(done) // ≤ size: windows end at or before size, so no overflow
		if pos >= c.size {
			return done, io.EOF
		}
		w, err := c.window(pos)
		if w == nil {
			return done, err
		}
		done += copy(p[done:], w.buf[pos-w.off:w.n])
	}
	return done, nil
}

// window returns the window holding pos (0 ≤ pos < size), reading it if
// needed; nil with the error when r has no byte at pos.
func (c *CachedReader) window(pos int64) (*window, error) {
	c.clock++
	victim := &c.wins[0]
	for i := range c.wins {
		w := &c.wins[i]
		if w.n > 0 && pos >= w.off && pos-w.off < int64(w.n) {
			w.used = c.clock
			return w, nil
		}
		if w.used < victim.used {
			victim = w
		}
	}
	start := pos - pos%cacheWindow
	if victim.buf == nil {
		victim.buf = GetChunk()
	}
	want := min(int64(cacheWindow), c.size-start)
	n, err := c.r.ReadAt(victim.buf[:want], start)
	victim.off, victim.n, victim.used = start, n, c.clock
	if int64(n) <= pos-start {
		victim.n = 0
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return victim, nil
}
