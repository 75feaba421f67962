package v2

import (
	"math"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/fixtures/codectest"
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
				codectest.CheckProbe(t, codec, file)
				d := codectest.CheckDecode(t, codec, file, partition.Geometry{R: 2}, -1)
				s := d.SlotAt(0)
				if want := off == HeaderSize+recSize && n >= 0 && n <= 16; !sealed &&
					want != (s.Kind == partition.Written) {
					t.Errorf("offset %d length %d: slot 0 is %v", off, n, s.Kind)
				}
			}
		}
	}
	for _, r := range hostile.Values {
		for _, number := range hostile.Values {
			for _, last := range []int64{-1, 0, math.MaxInt32, math.MaxInt64} {
				for _, sealed := range []bool{false, true} {
					d := codectest.CheckDecode(
						t,
						codec,
						hostileTable(HeaderSize+recSize, 16, number, sealed),
						partition.Geometry{R: r},
						last,
					)
					if (r < MinR || r > MaxR) && (len(d.Slots) != 0 || d.Issues[0].Code != finding.BadGeometry) {
						t.Errorf("R %d: %d slots, issues %v", r, len(d.Slots), d.Issues)
					}
				}
			}
		}
	}
}

// A 40-byte record claiming 2^62 bytes, and the largest R on a small file,
// cost what the file costs.
func TestDecodeAllocationBound(t *testing.T) {
	codectest.AllocationBound(t, codec, []codectest.Bound{
		{
			Name: "2^62-byte payload",
			File: hostileTable(HeaderSize+recSize, 1<<62, 1, false),
			G:    partition.Geometry{R: 4},
		},
		{
			Name: "2^62-byte payload, sealed",
			File: hostileTable(HeaderSize+recSize, 1<<62, 1, true),
			G:    partition.Geometry{R: 2},
		},
		{Name: "largest R", File: hostileTable(HeaderSize+recSize, 16, 1, false), G: partition.Geometry{R: MaxR}},
		{
			Name: "largest R, sealed",
			File: hostileTable(HeaderSize+recSize, 16, 1, true),
			G:    partition.Geometry{R: MaxR},
		},
		{
			Name: "largest R, partition 0",
			File: hostileTable(HeaderSize+recSize, 16, 0, false),
			G:    partition.Geometry{R: MaxR},
		},
	})
}

// Probing and decoding a file through the OS (holes skipped with
// SEEK_DATA) and through memory (every byte read) agree, for every fixture
// partition and for the same file with a 1 MiB hole inserted at its end.
func TestOSFileAndMemoryAgree(t *testing.T) {
	codectest.OSFileAndMemoryAgree(t, codec, partition.Geometry{R: 4}) // the fixtures' R
}
