package txn

import "io"

// writeBehindSize is the one buffer Tx.WriteFile puts in front of a staged file.
const writeBehindSize = 1 << 20

// writeBehind is an io.Writer and io.WriterAt over a file that coalesces
// writes continuing the buffered run into one write; any other write
// flushes the run first, so the file sees the same writes in the same order
// (holes stay holes).
type writeBehind struct {
	f     File
	buf   []byte // grows by append up to limit: small files never cost 1 MiB
	limit int
	start int64 // file offset of buf[0]
	pos   int64 // where the next Write goes
	err   error // sticky
}

var (
	_ io.Writer   = (*writeBehind)(nil)
	_ io.WriterAt = (*writeBehind)(nil)
)

func newWriteBehind(f File) *writeBehind {
	return &writeBehind{f: f, limit: writeBehindSize}
}

func (w *writeBehind) Write(p []byte) (int, error) {
	n, err := w.WriteAt(p, w.pos)
	w.pos += int64(n)
	return n, err
}

func (w *writeBehind) WriteAt(p []byte, off int64) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if off != w.start+int64(len(w.buf)) || len(w.buf)+len(p) > w.limit {
		if err := w.flush(); err != nil {
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

func (w *writeBehind) flush() error {
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
