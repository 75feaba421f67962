package wal

import (
	"encoding/binary"
	"io"
	"math"
	"testing"
	"testing/fstest"

	"github.com/walctl/walctl/internal/hostile"
	"github.com/walctl/walctl/raftlog"
)

// exampleFS is the worked example of spec §3.10 (two entries "hello" and
// "world", 32-byte slots, 4096-byte page and chunk) in memory.
func exampleFS() fstest.MapFS {
	meta := make([]byte, 4096)
	putRecord6(meta[32:], 1, 5, 0, 0, 0)
	putRecord6(meta[64:], 1, 5, 5, FlagHasID, 7)
	data := make([]byte, 4096)
	copy(data, "helloworld")
	cp := make([]byte, CheckpointV1)
	binary.LittleEndian.PutUint32(cp, 1)
	binary.LittleEndian.PutUint64(cp[4:], 2)
	binary.LittleEndian.PutUint64(cp[12:], 2)
	return fstest.MapFS{
		"checkpoint": {Data: cp},
		"state":      {Data: make([]byte, StateSize)},
		"metadata/0": {Data: meta},
		"data/0":     {Data: data},
	}
}

func putRecord6(b []byte, term, length, offset int64, flags uint32, id int32) {
	binary.LittleEndian.PutUint64(b[0:], uint64(term))
	binary.LittleEndian.PutUint64(b[8:], uint64(length))
	binary.LittleEndian.PutUint64(b[16:], uint64(offset))
	binary.LittleEndian.PutUint32(b[24:], flags)
	binary.LittleEndian.PutUint32(b[28:], uint32(id))
}

func clone(fsys fstest.MapFS) fstest.MapFS {
	out := fstest.MapFS{}
	for k, v := range fsys {
		out[k] = &fstest.MapFile{Data: append([]byte(nil), v.Data...)}
	}
	return out
}

func totalSize(fsys fstest.MapFS) int64 {
	n := int64(0)
	for _, f := range fsys {
		n += int64(len(f.Data))
	}
	return n
}

// openChecked opens fsys and runs everything a command runs: entries, check,
// extent and payload reads. Every span lies inside its file, no more
// payload is delivered than claimed, and the whole costs no more memory than
// the input justifies (entries of missing pages are capped per run).
func openChecked(t *testing.T, name string, fsys fstest.MapFS, o Options) *Log {
	t.Helper()
	var l *Log
	var err error
	inFile := func(s raftlog.Span) bool {
		f, ok := fsys[s.File]
		return ok && s.Offset >= 0 && s.Length > 0 && s.Offset <= int64(len(f.Data))-s.Length
	}
	got := hostile.AllocBytes(func() {
		l, err = OpenFS(fsys, o)
		if err != nil {
			return
		}
		n := 0
		l.Entries(0, -1, func(e raftlog.Entry) bool {
			for _, s := range e.Payload {
				if !inFile(s) {
					t.Errorf("%s: entry %d: span %+v outside its file", name, e.Index, s)
				}
			}
			if e.PayloadAvailable() > max(e.Length, 0) {
				t.Errorf("%s: entry %d: %d bytes for length %d", name, e.Index, e.PayloadAvailable(), e.Length)
			}
			var w countingWriter
			if l.ReadPayload(e, &w) == nil && w.n != e.PayloadAvailable() {
				t.Errorf("%s: entry %d: read %d of %d available bytes", name, e.Index, w.n, e.PayloadAvailable())
			}
			n++
			return n < 1000
		})
		_ = l.Check()
		if ext := l.Extent(); ext.ValidEnd < l.S || ext.CommittedIntact > ext.Commit {
			t.Errorf("%s: extent %+v", name, ext)
		}
		_ = l.Entry(math.MaxInt64)
		_ = l.Entry(-1)
	})
	if err == nil {
		defer l.Close()
	}
	if limit := hostile.Budget(totalSize(fsys)); got > limit {
		t.Errorf("%s: open, entries, check allocate %d bytes (budget %d)", name, got, limit)
	}
	return l
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)

// The record of index 2 claims boundary Offsets and Lengths: chunk address
// → chunk number and offset never overflows, spans stay inside the chunk
// files, and nothing allocates the claimed size.
func TestRecordAddressesAtBoundaries(t *testing.T) {
	for _, off := range hostile.Values {
		for _, n := range hostile.Values {
			fsys := exampleFS()
			putRecord6(fsys["metadata/0"].Data[64:], 1, n, off, 0, 0)
			openChecked(t, "record", fsys, Options{})
		}
	}
}

// Checkpoint C and L, the snapshot index in a snapshot file name, and the
// index → metadata page and slot offset mapping at boundary values.
func TestIndexesAtBoundaries(t *testing.T) {
	for _, c := range hostile.Values {
		for _, last := range hostile.Values {
			fsys := exampleFS()
			binary.LittleEndian.PutUint64(fsys["checkpoint"].Data[4:], uint64(c))
			binary.LittleEndian.PutUint64(fsys["checkpoint"].Data[12:], uint64(last))
			l := openChecked(t, "checkpoint", fsys, Options{})
			if l != nil && (l.T < 0 || l.T > maxIndex) {
				t.Errorf("C %d L %d: T = %d", c, last, l.T)
			}
		}
	}
	for _, v := range hostile.Values {
		if v < 0 {
			continue
		}
		fsys := exampleFS()
		fsys["snapshot/"+itoa(v)] = &fstest.MapFile{Data: []byte("snap")}
		openChecked(t, "snapshot", fsys, Options{})
	}
}

// Page and chunk files with the largest uint32 numbers, and page, chunk and
// slot sizes at the boundaries, as options.
func TestFilesAndSizesAtBoundaries(t *testing.T) {
	fsys := exampleFS()
	fsys["metadata/4294967295"] = &fstest.MapFile{Data: clone(fsys)["metadata/0"].Data}
	fsys["data/4294967295"] = &fstest.MapFile{Data: make([]byte, 4096)}
	fsys["metadata/4294967296"] = &fstest.MapFile{Data: make([]byte, 4096)}
	openChecked(t, "uint32 page numbers", fsys, Options{})
	for _, v := range hostile.Values {
		for _, o := range []Options{{ChunkSize: v}, {PageSize: v}, {SlotSize: v}, {ChunkSize: v, PageSize: v}} {
			openChecked(t, "options", exampleFS(), o)
		}
	}
}

// The chunk mapping and the metadata slot mapping on their own, for every
// boundary address, with chunk and page files at both ends of the uint32
// range.
func TestAddressMathAtBoundaries(t *testing.T) {
	fsys := exampleFS()
	fsys["data/4294967295"] = &fstest.MapFile{Data: make([]byte, 4096)}
	fsys["metadata/4294967295"] = &fstest.MapFile{Data: make([]byte, 4096)}
	l, err := OpenFS(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, off := range hostile.Values {
		for _, n := range hostile.Values {
			v := l.dr.locate(off, n)
			if v.avail < 0 || v.avail > max(n, 0) {
				t.Errorf("locate(%d, %d): %d bytes", off, n, v.avail)
			}
			for _, s := range v.spans {
				f := fsys[s.File]
				if f == nil || s.Offset < 0 || s.Length <= 0 || s.Offset > int64(len(f.Data))-s.Length {
					t.Errorf("locate(%d, %d): span %+v", off, n, s)
				}
			}
			_ = l.dr.covered(off, n)
		}
		sl := l.slots.read(off)
		if sl.present < 0 || sl.present > l.Params.SlotSize ||
			(sl.kind != slotNoPage && (sl.off < 0 || sl.off > l.Params.PageSize-l.Params.SlotSize)) {
			t.Errorf("slot %d: %+v", off, sl)
		}
	}
}
