package legacy

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
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
	return fileOf(b, number)
}

// Boundary values as record Offset and Length, partition number (number×R),
// R (R×40) and LastIndex: Probe and Decode never panic, decode only slots the
// file can hold, keep every payload range inside the file, emit known issue
// codes, and allocate no more than the input justifies.
func TestDecodeAtBoundaries(t *testing.T) {
	for _, off := range hostile.Values {
		for _, n := range hostile.Values {
			file := hostileFile(off, n, 1)
			checkProbe(t, file)
			d := checkedDecode(t, file, partition.Geometry{R: 2}, -1)
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
				d := checkedDecode(t, file, partition.Geometry{R: r}, last)
				if _, ok := PrologueSize(r); !ok && !hasIssue(d, finding.InvalidGeometry, partition.Error) {
					t.Errorf("R %d: no invalid-geometry issue", r)
				}
			}
			if _, err := LibraryReads(hostileFile(80, 16, number), partition.Geometry{R: r}); err == nil && r != 2 && r != 3 {
				t.Errorf("R %d: the library would read a %d-byte file", r, 96)
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
	if p.R != 0 && (p.R < MinRecords || p.R > MaxRecords) {
		t.Errorf("probe R %d", p.R)
	}
}

func checkedDecode(t *testing.T, file partition.File, g partition.Geometry, last int64) partition.Decoded {
	t.Helper()
	var d partition.Decoded
	if got := hostile.AllocBytes(func() { d = Decode(file, g, last) }); got > hostile.Budget(file.Size) {
		t.Errorf("R %d number %d: Decode allocates %d bytes for a %d-byte file", g.R, file.Number, got, file.Size)
	}
	if int64(len(d.Slots)) > max(0, min(g.R, (file.Size+record.Size-1)/record.Size)) {
		t.Errorf("R %d: %d slots for a %d-byte file", g.R, len(d.Slots), file.Size)
	}
	checkSlots(t, d, file)
	checkIssues(t, d)
	return d
}

// A 40-byte record claiming a 2^62-byte payload costs what its file costs,
// and so does an R of 53,687,091 on an 80-byte file.
func TestDecodeAllocationBound(t *testing.T) {
	cases := []struct {
		name string
		file partition.File
		g    partition.Geometry
	}{
		{"2^62-byte payload", hostileFile(80, 1<<62, 1), partition.Geometry{R: 2}},
		{"max-int64 payload", hostileFile(80, math.MaxInt64-80, 1), partition.Geometry{R: 2}},
		{"largest R", hostileFile(80, 16, 1), partition.Geometry{R: MaxRecords}},
		{"largest R, huge number", hostileFile(80, 16, math.MaxInt64), partition.Geometry{R: MaxRecords}},
	}
	for _, c := range cases {
		limit := hostile.Budget(c.file.Size)
		got := hostile.AllocBytes(func() { Decode(c.file, c.g, math.MaxInt64) })
		t.Logf("%s: Decode allocates %d bytes", c.name, got)
		if got > limit {
			t.Errorf("%s: Decode allocates %d bytes, budget %d", c.name, got, limit)
		}
		if got := hostile.AllocBytes(func() { Probe(c.file) }); got > limit {
			t.Errorf("%s: Probe allocates %d bytes, budget %d", c.name, got, limit)
		}
		if got := hostile.AllocBytes(func() { LibraryReads(c.file, c.g) }); got > limit {
			t.Errorf("%s: LibraryReads allocates %d bytes, budget %d", c.name, got, limit)
		}
	}
}

// A partition of 2 GiB of zeros (preallocated, or one hole) is an empty
// prologue of R = 53,687,091 to the probe; decoding it with that R must cost
// neither a slot per record window (4.7 GB: a fatal out-of-memory on 32-bit
// ARM before the fix) nor a read of every byte (14 s natively before the
// fix). A size that is no multiple of 40 is not legacy, and finding that
// out must not read the file 32 bytes at a time either.
func TestTwoGiBZeroPartition(t *testing.T) {
	for _, size := range []int64{MaxRecords * record.Size, 2<<30 + 12345} {
		file := holeFile(t, size)
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
		if got := hostile.AllocBytes(func() { d = Decode(file, partition.Geometry{R: p.R}, 0) }); got > hostile.Budget(0) {
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

// holeFile is a partition file of size bytes that is one hole.
func holeFile(t *testing.T, size int64) partition.File {
	t.Helper()
	h, err := os.Create(filepath.Join(t.TempDir(), "1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	if err := h.Truncate(size); err != nil {
		t.Skip("no sparse files here:", err)
	}
	return partition.File{R: h, Size: size, Name: "1", Number: 1}
}

// Probing and decoding a file through the OS (holes skipped with
// SEEK_DATA) and through memory (every byte read) agree, for every fixture
// partition and for the same file with a 1 MiB hole inserted at its end.
func TestOSFileAndMemoryAgree(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "fixtures", "*", "*", "wal", "[0-9]*"))
	if len(paths) == 0 {
		t.Fatal("no fixture partitions")
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, hole := range []int64{0, 1 << 20} {
			path := filepath.Join(t.TempDir(), "1")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			size := int64(len(b)) + hole
			if err := os.Truncate(path, size); err != nil {
				t.Fatal(err)
			}
			h, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			mem := append(append([]byte(nil), b...), make([]byte, hole)...)
			onDisk, inMemory := partition.File{R: h, Size: size, Name: "1", Number: 1}, fileOf(mem, 1)
			if a, c := Probe(onDisk), Probe(inMemory); !reflect.DeepEqual(a, c) {
				t.Errorf("%s +%d: probe on disk %+v, in memory %+v", p, hole, a, c)
			}
			g := agreeGeometry
			if a, c := Decode(onDisk, g, -1), Decode(inMemory, g, -1); !reflect.DeepEqual(a, c) {
				t.Errorf("%s +%d: decode on disk and in memory differ", p, hole)
			}
			h.Close()
		}
	}
}

// agreeGeometry is the geometry of the fixtures (R = 4; M = 1024 for sparse).
var agreeGeometry = partition.Geometry{R: 4}
