package partition

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"testing"
)

// countingReader is an io.ReaderAt over data that counts its calls and may
// claim a size larger than data (a file truncated under the reader).
type countingReader struct {
	data  []byte
	calls int
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.calls++
	return bytes.NewReader(c.data).ReadAt(p, off)
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// TestCachedReaderReads: every read gives what a plain ReaderAt gives, and
// walking a file record by record costs one call per window.
func TestCachedReaderReads(t *testing.T) {
	data := pattern(3*cacheWindow + 1234)
	tests := []struct {
		name string
		off  int64
		n    int
	}{
		{"first record", 0, 40},
		{"straddles a window", cacheWindow - 20, 40},
		{"last bytes", int64(len(data)) - 40, 40},
		{"past the end", int64(len(data)) - 10, 40},
		{"at the end", int64(len(data)), 40},
		{"far beyond", 1 << 62, 40},
		{"larger than a window", 100, cacheWindow + 1},
		{"empty", 5, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCachedReader(&countingReader{data: data}, int64(len(data)))
			got := make([]byte, tc.n)
			want := make([]byte, tc.n)
			n, err := c.ReadAt(got, tc.off)
			wn, werr := bytes.NewReader(data).ReadAt(want, tc.off)
			if n != wn || !bytes.Equal(got[:n], want[:wn]) || (err == nil) != (werr == nil) {
				t.Fatalf("read %d (%v), plain reader %d (%v)", n, err, wn, werr)
			}
		})
	}
	t.Run("sequential records", func(t *testing.T) {
		r := &countingReader{data: data}
		c := NewCachedReader(r, int64(len(data)))
		f := File{R: c, Size: int64(len(data))}
		for off := int64(0); off+40 <= f.Size; off += 40 {
			rec, ok := f.RecordAt(off)
			if !ok || rec.Term != int64(binary.LittleEndian.Uint64(data[off:])) {
				t.Fatalf("record at %d: %v %v", off, rec, ok)
			}
		}
		if r.calls != 4 {
			t.Errorf("%d reads of the file for 4 windows", r.calls)
		}
	})
	t.Run("negative offset", func(t *testing.T) {
		c := NewCachedReader(&countingReader{data: data}, int64(len(data)))
		if _, err := c.ReadAt(make([]byte, 1), -1); err == nil {
			t.Fatal("negative offset accepted")
		}
	})
}

// TestCachedReaderConcurrent: readers on several goroutines (run with
// -race) get the right bytes.
func TestCachedReaderConcurrent(t *testing.T) {
	data := pattern(6 * cacheWindow)
	c := NewCachedReader(&countingReader{data: data}, int64(len(data)))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := make([]byte, 40)
			for off := int64(g * 40); off+40 <= int64(len(data)); off += 4 * 40 * 7 {
				if n, err := c.ReadAt(b, off); n != 40 || err != nil || !bytes.Equal(b, data[off:off+40]) {
					t.Errorf("goroutine %d at %d: %d %v", g, off, n, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestCachedReaderShortFile: a file shorter than its stat'ed size (cut
// while open) gives short reads with an error, never stale bytes.
func TestCachedReaderShortFile(t *testing.T) {
	data := pattern(1000)
	c := NewCachedReader(&countingReader{data: data}, 5000)
	b := make([]byte, 40)
	if n, err := c.ReadAt(b, 980); n != 20 || err == nil || !bytes.Equal(b[:20], data[980:]) {
		t.Fatalf("read %d, %v", n, err)
	}
	if n, err := c.ReadAt(b, 2000); n != 0 || !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("read %d, %v", n, err)
	}
}

// FuzzCachedReader: any sequence of reads gives the bytes and counts a
// plain ReaderAt gives, and the cache never holds more than its windows.
func FuzzCachedReader(f *testing.F) {
	f.Add(uint32(200_000), uint32(200_000), []byte{0, 0, 40, 255, 255, 40, 0, 1, 40})
	f.Add(uint32(1000), uint32(5000), []byte{3, 200, 40, 0, 0, 255})
	f.Add(uint32(0), uint32(0), []byte{0, 0, 1})
	f.Fuzz(func(t *testing.T, dataLen, size uint32, ops []byte) {
		data := pattern(int(dataLen % (4 * cacheWindow)))
		c := NewCachedReader(&countingReader{data: data}, int64(size%(5*cacheWindow)))
		plain := bytes.NewReader(data[:min(len(data), int(size%(5*cacheWindow)))])
		for i := 0; i+2 < len(ops); i += 3 {
			off := int64(binary.LittleEndian.Uint16(ops[i:])) * 5
			n := int(ops[i+2]) * 3
			got, want := make([]byte, n), make([]byte, n)
			gn, gerr := c.ReadAt(got, off)
			wn, werr := plain.ReadAt(want, off)
			if gn != wn || !bytes.Equal(got[:gn], want[:wn]) || (gn < n && gerr == nil) ||
				n > 0 && (werr != nil) != (gerr != nil) {
				t.Fatalf("ReadAt(%d, %d): %d %v, plain %d %v", n, off, gn, gerr, wn, werr)
			}
		}
		for _, w := range c.wins {
			if len(w.buf) > cacheWindow {
				t.Fatalf("window of %d bytes", len(w.buf))
			}
		}
	})
}

// TestCachedReaderRelease: a released reader's windows go back to the pool
// (another reader may take them) and it reads right through fresh ones.
func TestCachedReaderRelease(t *testing.T) {
	a, b := pattern(2*cacheWindow), bytes.Repeat([]byte{0xEE}, 2*cacheWindow)
	ra := NewCachedReader(&countingReader{data: a}, int64(len(a)))
	rb := NewCachedReader(&countingReader{data: b}, int64(len(b)))
	buf := make([]byte, 40)
	for _, off := range []int64{0, cacheWindow + 8} {
		ra.ReadAt(buf, off)
	}
	ra.Release()
	for round := range 2 {
		for _, off := range []int64{0, 5000, cacheWindow + 8} {
			if n, err := rb.ReadAt(buf, off); n != 40 || err != nil || !bytes.Equal(buf, b[off:off+40]) {
				t.Fatalf("round %d: other reader at %d: % x", round, off, buf)
			}
			if n, err := ra.ReadAt(buf, off); n != 40 || err != nil || !bytes.Equal(buf, a[off:off+40]) {
				t.Fatalf("round %d: released reader at %d: % x", round, off, buf)
			}
		}
		rb.Release()
	}
	if c := GetChunk(); len(c) != ChunkSize {
		t.Errorf("chunk of %d bytes", len(c))
	} else {
		PutChunk(c)
	}
}
