package legacy

import (
	"math"
	"testing"
	"time"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/fixtures/codectest"
	"github.com/walctl/walctl/internal/hostile"
)

// PrologueSize accepts exactly the R the library accepts, and R*40 then
// fits in a 32-bit int (the library's own arithmetic).
func TestPrologueSizeAtBoundaries(t *testing.T) {
	for _, r := range hostile.Values {
		size, ok := PrologueSize(r)
		if ok != (r >= MinRecords && r <= MaxRecords) {
			t.Errorf("PrologueSize(%d) ok = %v", r, ok)
		}
		if ok && (size != r*record.Size || size > math.MaxInt32) {
			t.Errorf("PrologueSize(%d) = %d", r, size)
		}
	}
}

// hostileFile is an R=2 legacy partition whose slot-1 record claims
// Offset off and Length n, followed by 16 payload bytes.
func hostileFile(off, n, number int64) partition.File {
	b := make([]byte, 2*record.Size+16)
	record.Record{Term: 1, Timestamp: ts2025, Length: n, Offset: off}.Encode(b[record.Size:])
	return codectest.FileOf(b, number)
}

// Boundary values as record Offset and Length, partition number (number×R),
// R (R×40) and LastIndex: Probe and Decode never panic, decode only slots the
// file can hold, keep every payload range inside the file, emit known issue
// codes, and allocate no more than the input justifies.
func TestDecodeAtBoundaries(t *testing.T) {
	for _, off := range hostile.Values {
		for _, n := range hostile.Values {
			file := hostileFile(off, n, 1)
			codectest.CheckProbe(t, codec, file)
			d := codectest.CheckDecode(t, codec, file, partition.Geometry{R: 2}, -1)
			s := d.SlotAt(1)
			// An empty entry is never read, so any Offset behind the
			// prologue serves it (the library does not touch the file).
			wantWritten := off >= 2*record.Size && n >= 0 && hostile.Fits(off, n) && (n == 0 || off+n <= file.Size)
			if (s.Kind == partition.Written) != wantWritten {
				t.Errorf("offset %d length %d: slot 1 is %v", off, n, s.Kind)
			}
		}
	}
	for _, r := range hostile.Values {
		for _, number := range hostile.Values {
			for _, last := range []int64{-1, 0, math.MaxInt32, math.MaxInt64} {
				file := hostileFile(2*record.Size, 16, number)
				d := codectest.CheckDecode(t, codec, file, partition.Geometry{R: r}, last)
				if _, ok := PrologueSize(r); !ok && !codectest.HasIssue(d, finding.InvalidGeometry, partition.Error) {
					t.Errorf("R %d: no invalid-geometry issue", r)
				}
			}
			if _, err := LibraryReads(hostileFile(80, 16, number), partition.Geometry{R: r}); err == nil && r != 2 &&
				r != 3 {
				t.Errorf("R %d: the library would read a %d-byte file", r, 96)
			}
		}
	}
}

// A 40-byte record claiming a 2^62-byte payload costs what its file costs,
// and so does an R of 53,687,091 on an 80-byte file.
func TestDecodeAllocationBound(t *testing.T) {
	codectest.AllocationBound(t, codec, []codectest.Bound{
		{Name: "2^62-byte payload", File: hostileFile(80, 1<<62, 1), G: partition.Geometry{R: 2}},
		{Name: "max-int64 payload", File: hostileFile(80, math.MaxInt64-80, 1), G: partition.Geometry{R: 2}},
		{Name: "largest R", File: hostileFile(80, 16, 1), G: partition.Geometry{R: MaxRecords}},
		{
			Name: "largest R, huge number",
			File: hostileFile(80, 16, math.MaxInt64),
			G:    partition.Geometry{R: MaxRecords},
		},
	})
}

// A partition of 2 GiB of zeros (preallocated, or one hole) is an empty
// prologue of R = 53,687,091 to the probe; decoding it with that R must cost
// neither a slot per record window (4.7 GB: a fatal out-of-memory on 32-bit
// ARM before the fix) nor a read of every byte (14 s natively before the
// fix). A size that is no multiple of 40 is not legacy, and finding that
// out must not read the file 32 bytes at a time either.
func TestTwoGiBZeroPartition(t *testing.T) {
	for _, size := range []int64{MaxRecords * record.Size, 2<<30 + 12345} {
		file := codectest.HoleFile(t, size)
		var p partition.Probe
		start := time.Now()
		if got := hostile.AllocBytes(func() { p = Probe(file) }); got > hostile.Budget(0) {
			t.Errorf("%d bytes: Probe allocates %d bytes", size, got)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("%d bytes: Probe takes %v", size, took)
		}
		if size%record.Size != 0 {
			if p.Explains() {
				t.Errorf("%d bytes: probe %+v", size, p)
			}
			continue
		}
		if p.R != MaxRecords || p.UsedSlots != 0 {
			t.Fatalf("probe %+v", p)
		}
		var d partition.Decoded
		start = time.Now()
		if got := hostile.AllocBytes(func() { d = Decode(file, partition.Geometry{R: p.R}, 0) }); got > hostile.Budget(
			0,
		) {
			t.Errorf("Decode allocates %d bytes", got)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("Decode takes %v", took)
		}
		if len(d.Slots) != 0 || len(d.Issues) != 0 || d.SlotAt(MaxRecords-1).Kind != partition.Unwritten {
			t.Errorf("decoded %d slots, issues %v", len(d.Slots), d.Issues)
		}
	}
}

// Probing and decoding a file through the OS (holes skipped with
// SEEK_DATA) and through memory (every byte read) agree, for every fixture
// partition and for the same file with a 1 MiB hole inserted at its end.
func TestOSFileAndMemoryAgree(t *testing.T) {
	codectest.OSFileAndMemoryAgree(t, codec, partition.Geometry{R: 4}) // the fixtures' R
}
