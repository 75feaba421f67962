package txn

import (
	"bytes"
	"errors"
	"testing"
)

// memAt is an io.WriterAt into memory that fails at offset failAt (< 0:
// never) and records the offsets in the order it saw them.
type memAt struct {
	b      []byte
	offs   []int64
	failAt int64
}

var errDisk = errors.New("disk full")

func (m *memAt) WriteAt(p []byte, off int64) (int, error) {
	if off == m.failAt {
		return 0, errDisk
	}
	m.offs = append(m.offs, off)
	if end := off + int64(len(p)); end > int64(len(m.b)) {
		m.b = append(m.b, make([]byte, end-int64(len(m.b)))...)
	}
	return copy(m.b[off:], p), nil
}

// An aheadWriter writes what it is given in the order given (also when
// the caller reuses its slice at once, and writes larger than its buffers),
// and a failed write is reported by the next WriteAt or by wait.
func TestAheadWriter(t *testing.T) {
	var bufs aheadBuffers
	for round := range 3 { // the buffers go from file to file
		m := &memAt{failAt: -1}
		w := newAheadWriter(m, &bufs)
		var want []byte
		p := make([]byte, 0, 4096)
		var offs []int64
		for i := range 50 {
			p = p[:0]
			for k := range 100 + i*37 + round {
				p = append(p, byte(i*7+k))
			}
			offs = append(offs, int64(len(want)))
			if n, err := w.WriteAt(p, int64(len(want))); n != len(p) || err != nil {
				t.Fatalf("WriteAt: %d, %v", n, err)
			}
			want = append(want, p...)
		}
		if err := w.wait(&bufs); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(m.b, want) {
			t.Fatalf("round %d: the file holds other bytes than written", round)
		}
		if len(m.offs) != len(offs) {
			t.Fatalf("round %d: %d writes, not %d", round, len(m.offs), len(offs))
		}
		for i := range offs {
			if m.offs[i] != offs[i] {
				t.Fatalf("round %d: write %d at %d, not %d: out of order", round, i, m.offs[i], offs[i])
			}
		}
	}
	m := &memAt{failAt: 10}
	w := newAheadWriter(m, &bufs)
	w.WriteAt(make([]byte, 10), 0)
	w.WriteAt(make([]byte, 10), 10) // fails in the goroutine
	var err error
	for i := 0; i < 1000 && err == nil; i++ {
		_, err = w.WriteAt(make([]byte, 10), 20+int64(i)*10)
	}
	if werr := w.wait(&bufs); !errors.Is(werr, errDisk) {
		t.Fatalf("wait after a failed write: %v", werr)
	}
	if err != nil && !errors.Is(err, errDisk) {
		t.Fatalf("WriteAt after a failed write: %v", err)
	}
	if len(m.offs) != 1 {
		t.Fatalf("%d writes reached the file, not only the one before the failure: %v", len(m.offs), m.offs)
	}
}
