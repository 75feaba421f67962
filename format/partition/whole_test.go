package partition

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/format/record"
)

// TestWholeReads: a file read whole answers every read, record and zero
// search as the CachedReader over the same bytes does, including past a
// size that claims more than the file holds (a file that shrank after its
// stat).
func TestWholeReads(t *testing.T) {
	data := pattern(3*cacheWindow + 1234)
	copy(data[1000:], make([]byte, 5000)) // a zero run to search through
	for _, claimed := range []int64{int64(len(data)), int64(len(data)) + 100} {
		w := ReadWhole(&countingReader{data: data}, claimed)
		if w == nil {
			t.Fatal("a small file is not read whole")
		}
		c := NewCachedReader(&countingReader{data: data}, claimed)
		fw, fc := File{R: w, Size: claimed}, File{R: c, Size: claimed}
		for _, off := range []int64{-1, 0, 39, 1000, cacheWindow - 20, int64(len(data)) - 40, int64(len(data)) - 10,
			int64(len(data)), claimed - 1, 1 << 40} {
			rw, okw := fw.RecordAt(off)
			rc, okc := fc.RecordAt(off)
			if rw != rc || okw != okc {
				t.Errorf("size %d: RecordAt(%d) = %v %v, cached %v %v", claimed, off, rw, okw, rc, okc)
			}
			bw, bc := make([]byte, 100), make([]byte, 100)
			nw, nc := fw.ReadAt(bw, off), fc.ReadAt(bc, off)
			if nw != nc || !bytes.Equal(bw, bc) {
				t.Errorf("size %d: ReadAt(%d) = %d, cached %d", claimed, off, nw, nc)
			}
			for _, to := range []int64{off + 1, off + 6000, claimed} {
				if gw, gc := fw.FirstNonZero(off, to), fc.FirstNonZero(off, to); gw != gc {
					t.Errorf("size %d: FirstNonZero(%d, %d) = %d, cached %d", claimed, off, to, gw, gc)
				}
			}
		}
		w.Release()
	}
}

// TestWholeBudget: files above WholeMax, and files beyond the budget of
// all Whole readers together, are read through a CachedReader; released
// buffers make room again.
func TestWholeBudget(t *testing.T) {
	if w := ReadWhole(&countingReader{}, WholeMax+1); w != nil {
		t.Fatal("a file above WholeMax is read whole")
	}
	var held []*Whole
	for {
		w := ReadWhole(&countingReader{data: make([]byte, 4<<20)}, 4<<20)
		if w == nil {
			break
		}
		held = append(held, w)
		if len(held) > wholeBudget/(4<<20) {
			t.Fatalf("%d files of 4 MiB held, the budget is %d bytes", len(held), int64(wholeBudget))
		}
	}
	if len(held) == 0 {
		t.Fatal("no file read whole")
	}
	held[0].Release()
	held[0].Release() // a second release is a no-op
	if w := ReadWhole(&countingReader{data: make([]byte, 4<<20)}, 4<<20); w == nil {
		t.Fatal("a released buffer does not make room")
	} else {
		w.Release()
	}
	for _, w := range held[1:] {
		w.Release()
	}
	wholePool.Lock()
	total, free := wholePool.total, 0
	for _, f := range wholePool.free {
		free += cap(f.b)
	}
	wholePool.Unlock()
	if total > wholeBudget || int64(free) != total {
		t.Fatalf("after every release the pool holds %d bytes, %d of them free (budget %d)", total, free, wholeBudget)
	}
}

// TestOpenFile: OpenFile reads a small file whole when asked, else through
// a CachedReader, and both give the file's records.
func TestOpenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "1")
	data := pattern(10 * record.Size)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, whole := range []bool{true, false} {
		r, release := OpenFile(h, int64(len(data)), whole)
		if _, isWhole := r.(*Whole); isWhole != whole {
			t.Errorf("whole %v: reader %T", whole, r)
		}
		got, ok := File{R: r, Size: int64(len(data))}.RecordAt(3 * record.Size)
		if want := record.Decode(data[3*record.Size:]); !ok || got != want {
			t.Errorf("whole %v: record %v, want %v", whole, got, want)
		}
		release()
	}
}

// TestInMemory: a file beneath a CachedReader is read whole for a codec
// that asks, with the same bytes; a file already whole, or not beneath a
// CachedReader, is left as it is.
func TestInMemory(t *testing.T) {
	data := pattern(10 * record.Size)
	size := int64(len(data))
	cached := File{R: NewCachedReader(&countingReader{data: data}, size), Size: size}
	m, release := cached.InMemory()
	if _, ok := m.R.(*Whole); !ok {
		t.Fatalf("InMemory over a CachedReader: %T", m.R)
	}
	for off := int64(0); off+record.Size <= size; off += 13 {
		got, ok := m.RecordAt(off)
		if want := record.Decode(data[off:]); !ok || got != want {
			t.Fatalf("record at %d: %v %v, want %v", off, got, ok, want)
		}
	}
	if _, ok := m.RecordAt(size - record.Size + 1); ok {
		t.Error("a record past the end reads")
	}
	again, release2 := m.InMemory()
	if again.R != m.R {
		t.Errorf("InMemory of a file in memory read it again: %T", again.R)
	}
	release2()
	release()
	plain := File{R: bytes.NewReader(data), Size: size}
	if p, done := plain.InMemory(); p.R != plain.R {
		t.Errorf("InMemory over %T: %T", plain.R, p.R)
	} else {
		done()
	}
}

// TestReadThrough: large reads go past a CachedReader's windows (one call
// to the file each) and stop at the stat'ed size.
func TestReadThrough(t *testing.T) {
	data := pattern(3 * cacheWindow)
	cr := &countingReader{data: data}
	f := File{R: NewCachedReader(cr, int64(len(data))-7), Size: int64(len(data)) - 7}
	b := make([]byte, cacheWindow)
	if n := f.ReadThrough(b, 100); n != len(b) || !bytes.Equal(b, data[100:100+len(b)]) || cr.calls != 1 {
		t.Errorf("read of %d at 100: %d bytes, %d calls", len(b), n, cr.calls)
	}
	if n := f.ReadThrough(b, f.Size-10); n != 10 || !bytes.Equal(b[:10], data[f.Size-10:f.Size]) {
		t.Errorf("read at the end: %d bytes, want 10", n)
	}
	if n := f.ReadThrough(b, f.Size); n != 0 {
		t.Errorf("read past the end: %d bytes", n)
	}
}
