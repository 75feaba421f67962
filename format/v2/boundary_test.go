package v2

import (
	"math"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/hostile"
)

const ts2025 = 638712864010000000

// hostileTable is an unsealed Table partition whose first record (at 512)
// claims Offset off and Length n, followed by 16 payload bytes; with
// sealed, byte 0 is set and a footer of R = 2 copies of that record follows.
func hostileTable(off, n, number int64, sealed bool) partition.File {
	b := make([]byte, HeaderSize+recSize+16)
	rec := record.Record{Term: 1, Timestamp: ts2025, Length: n, Offset: off}
	rec.Encode(b[HeaderSize:])
	if sealed {
		b[0] = 1
		b = append(b, rec.Bytes()...)
		b = append(b, rec.Bytes()...)
	}
	return memFile("1", number, b)
}

// Boundary values as record Offset and Length, partition number (number×R),
// R (footer R×40) and LastIndex: Probe and Decode never panic, slots stay
// within R, payload ranges inside the file, and allocations are bounded by
// the input.
func TestDecodeAtBoundaries(t *testing.T) {
	for _, sealed := range []bool{false, true} {
		for _, off := range hostile.Values {
			for _, n := range hostile.Values {
				file := hostileTable(off, n, 1, sealed)
				checkProbe(t, file)
				d := checkedDecode(t, file, partition.Geometry{R: 2}, -1)
				s := d.SlotAt(0)
				if want := off == HeaderSize+recSize && n >= 0 && n <= 16; !sealed && want != (s.Kind == partition.Written) {
					t.Errorf("offset %d length %d: slot 0 is %v", off, n, s.Kind)
				}
			}
		}
	}
	for _, r := range hostile.Values {
		for _, number := range hostile.Values {
			for _, last := range []int64{-1, 0, math.MaxInt32, math.MaxInt64} {
				for _, sealed := range []bool{false, true} {
					d := checkedDecode(t, hostileTable(HeaderSize+recSize, 16, number, sealed), partition.Geometry{R: r}, last)
					if (r < MinR || r > MaxR) && (len(d.Slots) != 0 || d.Issues[0].Code != finding.BadGeometry) {
						t.Errorf("R %d: %d slots, issues %v", r, len(d.Slots), d.Issues)
					}
				}
			}
		}
	}
}

func checkProbe(t *testing.T, file partition.File) {
	t.Helper()
	var p partition.Probe
	if got := hostile.AllocBytes(func() { p = Probe(file) }); got > hostile.Budget(file.Size) {
		t.Errorf("Probe allocates %d bytes for a %d-byte file", got, file.Size)
	}
	if p.R != 0 && (p.R < MinR || p.R > MaxR || p.R*recSize > file.Size) {
		t.Errorf("probe R %d for %d bytes", p.R, file.Size)
	}
}

func checkedDecode(t *testing.T, file partition.File, g partition.Geometry, last int64) partition.Decoded {
	t.Helper()
	var d partition.Decoded
	if got := hostile.AllocBytes(func() { d = Decode(file, g, last) }); got > hostile.Budget(file.Size) {
		t.Errorf("R %d number %d: Decode allocates %d bytes for a %d-byte file", g.R, file.Number, got, file.Size)
	}
	if int64(len(d.Slots)) > max(g.R, 0) {
		t.Errorf("R %d: %d slots", g.R, len(d.Slots))
	}
	checkPayloadRanges(t, d)
	for _, is := range d.Issues {
		if is.Code == "" || is.Message == "" || is.Slot < -1 || (is.Slot >= 0 && is.Slot >= g.R) {
			t.Errorf("R %d: issue %+v", g.R, is)
		}
	}
	return d
}

// A 40-byte record claiming 2^62 bytes, and the largest R on a small file,
// cost what the file costs.
func TestDecodeAllocationBound(t *testing.T) {
	cases := []struct {
		name string
		file partition.File
		r    int64
	}{
		{"2^62-byte payload", hostileTable(HeaderSize+recSize, 1<<62, 1, false), 4},
		{"2^62-byte payload, sealed", hostileTable(HeaderSize+recSize, 1<<62, 1, true), 2},
		{"largest R", hostileTable(HeaderSize+recSize, 16, 1, false), MaxR},
		{"largest R, sealed", hostileTable(HeaderSize+recSize, 16, 1, true), MaxR},
		{"largest R, partition 0", hostileTable(HeaderSize+recSize, 16, 0, false), MaxR},
	}
	for _, c := range cases {
		limit := hostile.Budget(c.file.Size)
		got := hostile.AllocBytes(func() { Decode(c.file, partition.Geometry{R: c.r}, math.MaxInt64) })
		t.Logf("%s: Decode allocates %d bytes", c.name, got)
		if got > limit {
			t.Errorf("%s: Decode allocates %d bytes, budget %d", c.name, got, limit)
		}
		if got := hostile.AllocBytes(func() { Probe(c.file) }); got > limit {
			t.Errorf("%s: Probe allocates %d bytes, budget %d", c.name, got, limit)
		}
	}
}
