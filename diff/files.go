package diff

import (
	"io"
	"os"
	"path/filepath"

	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// openFiles bounds the files one replica keeps open while payloads are
// hashed. Entries are read in index order, so payloads come from one or
// two files at a time; a WriteAheadLog with 4 KiB chunks has one file per
// few entries, and keeping them all open (as logdir.Log.Payload does) runs
// out of file descriptors, and memory, on a long log.
const openFiles = 4

// dirLog reads an opened log directory's payloads through a small cache
// of open files instead of logdir's unbounded one.
type dirLog struct {
	*logdir.Log
	open []openFile // most recently used last
}

type openFile struct {
	name string
	f    *os.File
}

// Payload returns a reader of the payload bytes present on disk for e. It
// opens each span's file only when the reading reaches it, so a payload
// crossing more chunk files than the cache holds reads correctly.
func (d *dirLog) Payload(e raftlog.Entry) (io.Reader, error) {
	return &spanReader{d: d, spans: e.Payload}, nil
}

type spanReader struct {
	d     *dirLog
	spans []raftlog.Span
	cur   *io.SectionReader
}

func (r *spanReader) Read(p []byte) (int, error) {
	for {
		if r.cur == nil {
			if len(r.spans) == 0 {
				return 0, io.EOF
			}
			s := r.spans[0]
			r.spans = r.spans[1:]
			f, err := r.d.file(s.File)
			if err != nil {
				return 0, err
			}
			r.cur = io.NewSectionReader(f, s.Offset, max(s.Length, 0))
		}
		n, err := r.cur.Read(p)
		if err == io.EOF {
			r.cur, err = nil, nil
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
}

// file returns the open file rel, opening it (and closing the least
// recently used one) when needed. Only the span being read uses a file, and
// the cursor hashes a payload completely before asking for the next.
func (d *dirLog) file(rel string) (*os.File, error) {
	for j, o := range d.open {
		if o.name == rel {
			copy(d.open[j:], d.open[j+1:])
			d.open[len(d.open)-1] = o
			return o.f, nil
		}
	}
	f, err := os.Open(filepath.Join(d.Dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	if len(d.open) == openFiles {
		d.open[0].f.Close()
		d.open = append(d.open[:0], d.open[1:]...)
	}
	d.open = append(d.open, openFile{rel, f})
	return f, nil
}

// releaseFiles closes the cached files; later reads reopen them.
func (d *dirLog) releaseFiles() {
	for _, o := range d.open {
		o.f.Close()
	}
	d.open = nil
}

// releaser is a Log that holds files between payloads.
type releaser interface{ releaseFiles() }
