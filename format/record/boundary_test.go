package record

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/hostile"
)

// Every pair of boundary values as Offset and Length: End agrees with exact
// arithmetic, Valid never accepts an overflowing or negative record, and the
// 40 bytes round-trip.
func TestEndAndValidAtBoundaries(t *testing.T) {
	for _, off := range hostile.Values {
		for _, n := range hostile.Values {
			r := Record{Term: 1, Offset: off, Length: n}
			end, ok := r.End()
			if ok != hostile.Fits(off, n) || (ok && end != off+n) {
				t.Errorf("End(%d+%d) = %d, %v", off, n, end, ok)
			}
			if r.WrappingEnd() != int64(uint64(off)+uint64(n)) {
				t.Errorf("WrappingEnd(%d+%d) = %d", off, n, r.WrappingEnd())
			}
			valid := r.Valid() == nil
			if want := off >= 0 && n >= 0 && hostile.Fits(off, n); valid != want {
				t.Errorf("Valid(%d, %d) = %v, want valid=%v", off, n, r.Valid(), want)
			}
			if got := Decode(r.Bytes()); got != r {
				t.Errorf("round trip of %v gives %v", r, got)
			}
		}
	}
	for _, ts := range []int64{math.MinInt64, -1, 0, MaxTicks, MaxTicks + 1, math.MaxInt64} {
		valid := Record{Timestamp: ts}.Valid() == nil
		if valid != (ts >= 0 && ts <= MaxTicks) {
			t.Errorf("timestamp %d: valid %v", ts, valid)
		}
	}
}

// Decoding a record allocates nothing, whatever length it claims.
func TestDecodeAllocatesNothing(t *testing.T) {
	b := Record{Term: 1, Length: 1 << 62, Offset: 80}.Bytes()
	if n := testing.AllocsPerRun(100, func() { _ = Decode(b) }); n != 0 {
		t.Fatalf("Decode allocates %v times", n)
	}
}

// fixtureRecords seeds FuzzRoundTrip with the first records of every
// fixture partition and node.state snapshot record: real bytes the library
// wrote.
func fixtureRecords(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(fixtures.Root(), "*", "*", "wal", "[0-9]*"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for off := 0; off+Size <= len(b) && off < 4*Size; off += Size {
			if !bytes.Equal(b[off:off+Size], make([]byte, Size)) {
				f.Add(append([]byte(nil), b[off:off+Size]...))
			}
		}
	}
}
