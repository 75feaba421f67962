package rebuild

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/txn"
)

// Recipe says how to rebuild one partition from a source log: the indexes
// [From, To] (every one a written slot there), laid out by the codec writer of
// Format with geometry Geom, sealed or not. Recipes are small: the entries are
// read again from the source when the step runs, one partition at a time.
type Recipe struct {
	Format format.Format
	Geom   partition.Geometry
	Number int64
	From   int64
	To     int64
	Seal   bool
}

// Partition reads the recipe's slots from src.
func (r Recipe) Partition(src *Source) (*Partition, error) {
	spec := &Partition{Format: r.Format, Geom: r.Geom, Number: r.Number, Seal: r.Seal}
	if r.To >= r.From {
		// One entry per index (else an error); a huge R grows as it goes.
		spec.Entries = make([]Entry, 0, min(r.To-r.From+1, 1<<16))
	}
	first, ok := partition.MulOK(r.Number, r.Geom.R)
	if !ok {
		return nil, fmt.Errorf("partition %d: index overflow", r.Number)
	}
	for i := r.From; i <= r.To; i++ {
		sl, name, err := src.SlotAt(i)
		if err != nil {
			return nil, err
		}
		if sl.Kind != partition.Written {
			return nil, fmt.Errorf("index %d is %s in the source, not a written entry", i, sl.Kind)
		}
		e := Entry{Slot: i - first, Rec: sl.Rec, File: name}
		if spans, ok := src.originAt(i); ok {
			e.Root, e.Spans, e.File = src.Patcher.Root(), spans, ""
		}
		spec.Entries = append(spec.Entries, e)
	}
	if src.Patcher != nil {
		name := src.Name(r.Number)
		if src.IsAbsent(r.Number) {
			name = ""
		}
		if err := src.Patcher.Settle(spec, src.Root, name); err != nil {
			return nil, err
		}
	}
	return spec, nil
}

// StaleRun returns the first index of the run of written slots that ends at
// `upTo` and does not go below `floor` (upTo+1 when there is none). Slots at
// or below the snapshot index are not entries of the log any more, but the
// library left them there; keeping the run that touches the live entries
// keeps the partition as the library wrote it (and a Table chain without a
// zero gap, which 5.4–5.7.2 readers need).
func StaleRun(src *Source, floor, upTo int64) (int64, error) {
	k := upTo
	for k >= max(floor, 1) {
		sl, _, err := src.SlotAt(k)
		if err != nil {
			return 0, err
		}
		if sl.Kind != partition.Written {
			break
		}
		k--
	}
	return k + 1, nil
}

// Name is the file name of the recipe's partition.
func (r Recipe) Name() string { return strconv.FormatInt(r.Number, 10) }

// Stage builds the partition of r, read from s with its payloads from
// pay, into the transaction's stage as the file name.
func Stage(tx *txn.Tx, name string, r Recipe, s *Source, pay *Payloads) error {
	spec, err := r.Partition(s)
	if err != nil {
		return err
	}
	return tx.WriteFile(name, func(w io.Writer) error { return spec.Write(w, pay) })
}

// BadSlot says why a slot holds no trusted entry, and the finding code of
// that damage.
func BadSlot(sl partition.Slot) (finding.Code, string) {
	switch sl.Kind {
	case partition.Torn:
		return finding.TornTail, fmt.Sprintf("its payload is cut by the end of the file (%d of %d bytes)", sl.Avail,
			sl.Rec.Length)
	case partition.Missing:
		return finding.T1MissingInlineRecords, "its record is gone, only payload bytes remain (#244 T1): its term, " +
			"length and command id are lost"
	case partition.Invalid:
		why := "its record is not valid"
		if sl.Note != "" {
			why += " (" + sl.Note + ")"
		}
		return finding.InvalidRecord, why
	}
	return finding.RecordZeroed, "no record on disk (zero or placeholder slot): its term and payload are gone"
}

// Entry is one entry a rebuilt partition holds: the trusted record (its
// Offset is where the payload is in File, the writer sets the new one) and
// the source file, relative to the source directory.
type Entry struct {
	Slot int64
	Rec  record.Record
	File string
	// Root and Spans, when Spans is set, say where the payload is in another
	// log (a Patcher's: the replica of repair --from, in any format)
	// instead of File at Rec.Offset.
	Root  string
	Spans []raftlog.Span
}

// Partition is the whole content of one partition file to write: the entries
// in increasing slot order, and whether a Table partition is sealed. The
// codec writers turn it into bytes exactly as the library lays them out.
type Partition struct {
	Format  format.Format
	Geom    partition.Geometry
	Number  int64
	Entries []Entry
	Seal    bool
}

func (p *Partition) Name() string { return strconv.FormatInt(p.Number, 10) }

// Payloads opens source files lazily and hands out their payloads (Reader):
// a rebuild holds one source file in memory at a time, or one copy buffer.
type Payloads struct {
	root  string
	files map[string]*os.File
	// hot reads the file payloads came from last, whole or through 64 KiB
	// windows (partition.OpenFile): entries are copied in file order, one
	// pread per payload otherwise.
	hot        io.ReaderAt
	hotName    string
	hotRelease func()
	view       bytes.Reader // Reader's answer for a payload of a hot file in memory
}

func NewPayloads(root string) *Payloads { return &Payloads{root: root, files: map[string]*os.File{}} }

// Reader returns e's payload (nil for an empty one). It is good until the
// next call: a payload of a file held in memory comes as one *bytes.Reader
// over its bytes, reset for each payload (the writers write it in one
// piece), anything else as a section of the file.
func (p *Payloads) Reader(e Entry) (io.Reader, error) {
	if e.Rec.Length == 0 {
		return nil, nil
	}
	if e.Spans != nil {
		return p.spans(e)
	}
	f, err := p.open(e.File)
	if err != nil {
		return nil, err
	}
	if p.hotName != e.File || p.hot == nil {
		info, err := f.Stat()
		if err != nil {
			return nil, err
		}
		p.dropHot()
		// Whole, when the budget allows: the payloads are written from its
		// bytes (Reader's view); else 64 KiB windows.
		p.hot, p.hotRelease = partition.OpenFile(f, info.Size(), true)
		p.hotName = e.File
	}
	if w, ok := p.hot.(*partition.Whole); ok {
		if b := w.Bytes(); e.Rec.Offset >= 0 && e.Rec.Offset <= int64(len(b))-e.Rec.Length {
			p.view.Reset(b[e.Rec.Offset : e.Rec.Offset+e.Rec.Length])
			return &p.view, nil
		}
	}
	return io.NewSectionReader(p.hot, e.Rec.Offset, e.Rec.Length), nil
}

// open returns the file rel of the root, opened once.
func (p *Payloads) open(rel string) (*os.File, error) {
	if f, ok := p.files[rel]; ok {
		return f, nil
	}
	f, err := os.Open(filepath.Join(p.root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	p.files[rel] = f
	return f, nil
}

// Holds reports whether the file name of the root holds at off exactly the
// payload of e (a missing file, or name "", holds nothing).
func (p *Payloads) Holds(name string, off int64, e Entry) (bool, error) {
	if name == "" || e.Rec.Length == 0 {
		return false, nil
	}
	f, err := p.open(name)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	r, err := p.Reader(e)
	if err != nil {
		return false, err
	}
	a, b := make([]byte, cmpChunk), make([]byte, cmpChunk)
	for done := int64(0); done < e.Rec.Length; {
		n := int(min(int64(len(a)), e.Rec.Length-done))
		if _, err := io.ReadFull(r, a[:n]); err != nil {
			return false, fmt.Errorf("read the payload to compare: %w", err)
		}
		got, _ := f.ReadAt(b[:n], off+done)
		if got < n || !bytes.Equal(a[:n], b[:n]) {
			return false, nil
		}
		done += int64(n)
	}
	return true, nil
}

// spans reads a payload of the replica: its spans in order, from files
// opened once each.
func (p *Payloads) spans(e Entry) (io.Reader, error) {
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

// dropHot gives the hot file's buffer back.
func (p *Payloads) dropHot() {
	if p.hotRelease != nil {
		p.hotRelease()
	}
	p.hot, p.hotName, p.hotRelease = nil, "", nil
}

func (p *Payloads) Close() {
	p.dropHot()
	for _, f := range p.files {
		f.Close()
	}
	p.files = map[string]*os.File{}
}

// Write lays spec out on dst with the codec writer of its format.
func (spec *Partition) Write(dst io.Writer, src *Payloads) error {
	return spec.Lay(dst, src.Reader, nil)
}

// Lay lays spec out on dst, each payload from open; placed (if set) learns
// where the writer put the payload of each entry (its index in Entries).
// A sealed Table partition declares its seal up front: byte 0 goes out with
// the header (the temp file is renamed into place only when complete, so
// the library's footer-first order buys nothing here, and the comparison
// sink sees each byte once).
func (spec *Partition) Lay(dst io.Writer, open func(Entry) (io.Reader, error), placed func(j int, off int64)) error {
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

// Offsets lays spec out without writing anything (every payload as zeros)
// and returns where the writer puts the payload of each entry.
func (spec *Partition) Offsets() ([]int64, error) {
	offs := make([]int64, len(spec.Entries))
	zero := func(e Entry) (io.Reader, error) {
		if e.Rec.Length == 0 {
			return nil, nil
		}
		return io.LimitReader(zeros{}, e.Rec.Length), nil
	}
	err := spec.Lay(discard{}, zero, func(j int, off int64) { offs[j] = off })
	return offs, err
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// discard takes a dry-run layout.
type discard struct{}

func (discard) Write(p []byte) (int, error)            { return len(p), nil }
func (discard) WriteAt(p []byte, _ int64) (int, error) { return len(p), nil }

// SameAs reports whether writing spec would reproduce the file at path byte
// for byte. It streams the writer's output against the file (no copy).
func (spec *Partition) SameAs(path string, src *Payloads) (bool, error) {
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
	if err := spec.Write(sink, src); err != nil {
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
	end, ok := partition.AddOK(off, int64(len(b)))
	if off < 0 || !ok {
		return 0, errors.New("rebuild: write offset out of range")
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
