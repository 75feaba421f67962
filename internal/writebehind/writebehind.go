// Package writebehind puts one buffer in front of a file that is written
// mostly in order: the codecs' writers hand over records and payloads of a
// few hundred bytes, and one system call each would make writing a log
// slower than reading it. The transaction's staged files (package txn) and
// the PersistentState log writer (format/ps) write through it.
package writebehind

import "io"

// Writer is an io.Writer and io.WriterAt over a file that coalesces writes
// continuing the buffered run into one write; any other write flushes the
// run first, so the file sees the same writes in the same order (holes stay
// holes). Errors are sticky: after a failed write the file is incomplete.
type Writer struct {
	f     io.WriterAt
	buf   []byte // grows by append up to limit: small files never cost the whole buffer
	limit int
	start int64 // file offset of buf[0]
	pos   int64 // where the next Write goes
	err   error
}

var (
	_ io.Writer   = (*Writer)(nil)
	_ io.WriterAt = (*Writer)(nil)
)

// New returns a Writer over f that buffers at most limit bytes.
func New(f io.WriterAt, limit int) *Writer { return &Writer{f: f, limit: limit} }

// Reset points w at the start of another file, keeping its buffer (one
// buffer serves a whole directory of files written one after another). The
// previous file must have been flushed.
func (w *Writer) Reset(f io.WriterAt) {
	w.f, w.buf, w.start, w.pos, w.err = f, w.buf[:0], 0, 0, nil
}

func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.WriteAt(p, w.pos)
	w.pos += int64(n)
	return n, err
}

func (w *Writer) WriteAt(p []byte, off int64) (int, error) {
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
func (w *Writer) Flush() error {
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
