package partition

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestFirstNonZero(t *testing.T) {
	cases := []struct {
		data     []byte
		from, to int64
		want     int64
	}{
		{make([]byte, 100), 0, 100, -1},
		{append(make([]byte, 99), 1), 0, 100, 99},
		{append(make([]byte, 99), 1), 0, 99, -1},
		{append([]byte{7}, make([]byte, 99)...), 1, 100, -1},
		{bytes.Repeat([]byte{1}, 10), 5, 10, 5},
		{append(make([]byte, 200_000), 9), 0, 1 << 40, 200_000},
	}
	for i, c := range cases {
		f := File{R: bytes.NewReader(c.data), Size: int64(len(c.data))}
		if got := f.FirstNonZero(c.from, c.to); got != c.want {
			t.Errorf("case %d: got %d, want %d", i, got, c.want)
		}
	}
}

// A sparse file with data after a large hole: found, and through *os.File.
func TestFirstNonZeroSparseFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sparse")
	h, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	const at int64 = 3 << 30
	if _, err := h.WriteAt([]byte{5}, at); err != nil {
		t.Skip("no large sparse files here:", err)
	}
	f := File{R: h, Size: at + 1}
	if got := f.FirstNonZero(0, at+1); got != at {
		t.Errorf("got %d, want %d", got, at)
	}
	if got := f.FirstNonZero(0, at); got != -1 {
		t.Errorf("got %d before the data, want -1", got)
	}
}

// The codecs read through a CachedReader: FirstNonZero must still see the
// *os.File beneath it and skip holes with SEEK_DATA, not read them (a 2 GiB
// hole partition took 27 s when it did).
func TestNextDataSeesThroughCachedReader(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sparse")
	h, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	const at int64 = 1 << 30
	if _, err := h.WriteAt([]byte{5}, at); err != nil {
		t.Skip("no large sparse files here:", err)
	}
	direct, ok := nextData(h, 0)
	if !ok {
		t.Skip("this OS or file system has no SEEK_DATA")
	}
	got, ok := nextData(NewCachedReader(h, at+1), 0)
	if !ok || got != direct || got > at {
		t.Fatalf("through CachedReader: %d, %v; directly: %d, true", got, ok, direct)
	}
}
