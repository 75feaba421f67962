package repair

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/raftlog"
)

// entrySrc is one entry a rebuilt partition holds: the trusted record (its
// Offset is where the payload is in File, the writer sets the new one) and
// the source file, relative to the source directory.
type entrySrc struct {
	Slot int64
	Rec  record.Record
	File string
	// Root and Spans, when Spans is set, say where the payload is in another
	// log (the replica of repair --from, in any format) instead of File at
	// Rec.Offset.
	Root  string
	Spans []raftlog.Span
}

// partSpec is the whole content of one partition file to write: the entries
// in increasing slot order, and whether a Table partition is sealed. The
// codec writers turn it into bytes exactly as the library lays them out.
type partSpec struct {
	Format  format.Format
	Geom    partition.Geometry
	Number  int64
	Entries []entrySrc
	Seal    bool
}

func (p *partSpec) name() string { return strconv.FormatInt(p.Number, 10) }

// payloads opens source files lazily and hands out section readers, so a
// rebuild never holds more than one copy buffer of payload bytes.
type payloads struct {
	root  string
	files map[string]*os.File
	// hot reads the file payloads came from last through 64 KiB windows:
	// entries are copied in file order, one pread per payload otherwise.
	hot     *partition.CachedReader
	hotName string
}

func newPayloads(root string) *payloads { return &payloads{root: root, files: map[string]*os.File{}} }

func (p *payloads) reader(e entrySrc) (io.Reader, error) {
	if e.Rec.Length == 0 {
		return nil, nil
	}
	if e.Spans != nil {
		return p.spans(e)
	}
	f, ok := p.files[e.File]
	if !ok {
		var err error
		if f, err = os.Open(filepath.Join(p.root, filepath.FromSlash(e.File))); err != nil {
			return nil, err
		}
		p.files[e.File] = f
	}
	if p.hotName != e.File || p.hot == nil {
		info, err := f.Stat()
		if err != nil {
			return nil, err
		}
		p.hot, p.hotName = partition.NewCachedReader(f, info.Size()), e.File
	}
	return io.NewSectionReader(p.hot, e.Rec.Offset, e.Rec.Length), nil
}

// spans reads a payload of the replica: its spans in order, from files
// opened once each.
func (p *payloads) spans(e entrySrc) (io.Reader, error) {
	rs := make([]io.Reader, 0, len(e.Spans))
	for _, sp := range e.Spans {
		path := filepath.Join(e.Root, filepath.FromSlash(sp.File))
		f, ok := p.files[path]
		if !ok {
			var err error
			if f, err = os.Open(path); err != nil {
				return nil, err
			}
			p.files[path] = f
		}
		rs = append(rs, io.NewSectionReader(f, sp.Offset, sp.Length))
	}
	return io.MultiReader(rs...), nil
}

func (p *payloads) close() {
	for _, f := range p.files {
		f.Close()
	}
	p.files = map[string]*os.File{}
}

// write lays spec out on dst with the codec writer of its format.
func (spec *partSpec) write(dst io.Writer, src *payloads) error {
	return spec.lay(dst, src.reader, nil)
}

// lay lays spec out on dst, each payload from open; placed (if set) learns
// where the writer put the payload of each entry (its index in Entries).
// A sealed Table partition declares its seal up front: byte 0 goes out with
// the header (the temp file is renamed into place only when complete, so
// the library's footer-first order buys nothing here, and the comparison
// sink sees each byte once).
func (spec *partSpec) lay(dst io.Writer, open func(entrySrc) (io.Reader, error), placed func(j int, off int64)) error {
	codec, err := ps.Codec(spec.Format)
	if err != nil {
		return err
	}
	w, err := codec.NewWriter(dst, spec.Number, spec.Geom, spec.Seal)
	if err != nil {
		return err
	}
	for j, e := range spec.Entries {
		r, err := open(e)
		if err != nil {
			return err
		}
		if err := w.Append(e.Slot, e.Rec, r); err != nil {
			return err
		}
		if placed != nil {
			placed(j, w.LastOffset())
		}
	}
	return w.Close(spec.Seal)
}

// sameAs reports whether writing spec would reproduce the file at path byte
// for byte. It streams the writer's output against the file (no copy).
func (spec *partSpec) sameAs(path string, src *payloads) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return false, err
	}
	sink := &diffSink{f: f, size: info.Size()}
	if err := spec.write(sink, src); err != nil {
		return false, err
	}
	return sink.same(), nil
}

// diffSink is a Writer/WriterAt that compares everything written with an
// existing file instead of storing it. Bytes never written (sparse holes)
// must be zero in the file for the two to be the same.
type diffSink struct {
	f      io.ReaderAt
	size   int64
	pos    int64
	spans  []span
	differ bool
	buf    []byte
}

type span struct{ from, to int64 }

func (d *diffSink) Write(b []byte) (int, error) {
	n, err := d.WriteAt(b, d.pos)
	d.pos += int64(n)
	return n, err
}

func (d *diffSink) WriteAt(b []byte, off int64) (int, error) {
	end, ok := addOK(off, int64(len(b)))
	if off < 0 || !ok {
		return 0, errors.New("repair: write offset out of range")
	}
	d.note(off, end)
	if !d.differ && !d.equalAt(b, off) {
		d.differ = true
	}
	return len(b), nil
}

// note records a written range, merging it with the previous one when they touch.
func (d *diffSink) note(from, to int64) {
	if n := len(d.spans); n > 0 && d.spans[n-1].to == from {
		d.spans[n-1].to = to
		return
	}
	d.spans = append(d.spans, span{from, to})
}

const cmpChunk = 32 << 10

func (d *diffSink) equalAt(b []byte, off int64) bool {
	if off+int64(len(b)) > d.size {
		return false
	}
	if d.buf == nil {
		d.buf = make([]byte, cmpChunk)
	}
	for len(b) > 0 {
		n := min(len(b), cmpChunk)
		got, err := d.f.ReadAt(d.buf[:n], off)
		if got < n && err != nil {
			return false
		}
		if !bytes.Equal(d.buf[:n], b[:n]) {
			return false
		}
		b, off = b[n:], off+int64(n)
	}
	return true
}

// same reports whether the file holds exactly what was written: equal bytes,
// equal length, and zeros wherever nothing was written.
func (d *diffSink) same() bool {
	if d.differ {
		return false
	}
	sort.Slice(d.spans, func(i, j int) bool { return d.spans[i].from < d.spans[j].from })
	var at int64
	for _, s := range d.spans {
		if s.from > at && !d.zero(at, s.from) {
			return false
		}
		at = max(at, s.to)
	}
	return at == d.size
}

func (d *diffSink) zero(from, to int64) bool {
	if d.buf == nil {
		d.buf = make([]byte, cmpChunk)
	}
	for from < to {
		n := min(to-from, cmpChunk)
		got, _ := d.f.ReadAt(d.buf[:n], from)
		if int64(got) < n {
			return false
		}
		for _, c := range d.buf[:n] {
			if c != 0 {
				return false
			}
		}
		from += n
	}
	return true
}
