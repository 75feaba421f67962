package partition

import "io"

// WriteBehind is the write side of CachedReader: one buffer in front of a
// file that is written mostly in order. The codecs' writers hand over
// records and payloads of a few hundred bytes, and one system call each
// would make writing a log slower than reading it; the PersistentState log
// writer (format/ps) and the transaction's staged files (package txn) write
// through it.
//
// It is an io.Writer and io.WriterAt over a file that coalesces writes
// continuing the buffered run into one write; any other write flushes the
// run first, so the file sees the same writes in the same order (holes stay
// holes). Errors are sticky: after a failed write the file is incomplete.
type WriteBehind struct {
	f     io.WriterAt
	buf   []byte // grows by append up to limit: small files never cost the whole buffer
	limit int
	start int64 // file offset of buf[0]
	pos   int64 // where the next Write goes
	err   error
}

var (
	_ io.Writer   = (*WriteBehind)(nil)
	_ io.WriterAt = (*WriteBehind)(nil)
)

// NewWriteBehind returns a WriteBehind over f that buffers at most limit
// bytes.
func NewWriteBehind(f io.WriterAt, limit int) *WriteBehind { return &WriteBehind{f: f, limit: limit} }

// Reset points w at the start of another file, keeping its buffer (one
// buffer serves a whole directory of files written one after another). The
// previous file must have been flushed.
func (w *WriteBehind) Reset(f io.WriterAt) {
	w.f, w.buf, w.start, w.pos, w.err = f, w.buf[:0], 0, 0, nil
}

func (w *WriteBehind) Write(p []byte) (int, error) {
	n, err := w.WriteAt(p, w.pos)
	w.pos += int64(n)
	return n, err
}

func (w *WriteBehind) WriteAt(p []byte, off int64) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if off != w.start+int64(len(w.buf)) || len(w.buf)+len(p) > w.limit {
		if err := w.Flush(); err != nil {
			return 0, err
		}
		w.start = off
	}
	if len(p) > w.limit {
		n, err := w.f.WriteAt(p, off)
		w.start = off + int64(n)
		if err != nil {
			w.err = err
		}
		return n, err
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// Flush writes the buffered run.
func (w *WriteBehind) Flush() error {
	if len(w.buf) == 0 || w.err != nil {
		return w.err
	}
	_, err := w.f.WriteAt(w.buf, w.start)
	w.start += int64(len(w.buf))
	w.buf = w.buf[:0]
	if err != nil {
		w.err = err
	}
	return w.err
}
