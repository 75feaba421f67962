package sparse

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

// Stride accepts R and M only when s×(M+40) cannot overflow for any slot s.
func TestStrideAtBoundaries(t *testing.T) {
	for _, r := range hostile.Values {
		for _, m := range hostile.Values {
			g := partition.Geometry{R: r, M: m}
			stride, ok := Stride(g)
			want := r >= MinRecords && r <= MaxRecords && m >= 1 && hostile.Fits(m, record.Size) &&
				hostile.FitsProduct(r, m+record.Size)
			if ok != want {
				t.Errorf("Stride(R %d, M %d) ok = %v", r, m, ok)
			}
			if ok && stride != m+record.Size {
				t.Errorf("Stride(R %d, M %d) = %d", r, m, stride)
			}
		}
	}
}

// hostileFile is slot 1 of an M = 64 partition (stride 104) whose record
// claims Offset off and Length n, followed by 16 payload bytes.
func hostileFile(off, n, number int64) partition.File {
	b := make([]byte, 104+record.Size+16)
	record.Record{Term: 1, Timestamp: ts2025, Length: n, Offset: off}.Encode(b[104:])
	return fileOf(b, number)
}

// Boundary values as record Offset and Length, partition number (number×R),
// R and M (s×(M+40)) and LastIndex: no panic, slots only up to what the
// file holds, payload ranges inside the file, known issue codes, and
// allocations bounded by the input.
func TestDecodeAtBoundaries(t *testing.T) {
	for _, off := range hostile.Values {
		for _, n := range hostile.Values {
			file := hostileFile(off, n, 1)
			checkProbe(t, file)
			d := checkedDecode(t, file, e5Geometry, -1)
			s := d.SlotAt(1)
			wantWritten := off == 144 && n >= 0 && n <= 16
			if (s.Kind == partition.Written) != wantWritten {
				t.Errorf("offset %d length %d: slot 1 is %v", off, n, s.Kind)
			}
		}
	}
	for _, r := range hostile.Values {
		for _, m := range hostile.Values {
			for _, number := range []int64{-1, 0, 1, math.MaxInt32 + 1, math.MaxInt64} {
				checkedDecode(t, hostileFile(144, 16, number), partition.Geometry{R: r, M: m}, math.MaxInt64)
			}
			if _, err := LibraryReads(hostileFile(144, 16, 1), partition.Geometry{R: r, M: m}); (err == nil) != (r >= MinRecords && r <= MaxRecords && m > 0 && hostile.FitsProduct(r, m+record.Size)) {
				t.Errorf("R %d M %d: LibraryReads error %v", r, m, err)
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
	if p.M < 0 || p.R != 0 {
		t.Errorf("probe %+v", p)
	}
}

func checkedDecode(t *testing.T, file partition.File, g partition.Geometry, last int64) partition.Decoded {
	t.Helper()
	var d partition.Decoded
	if got := hostile.AllocBytes(func() { d = Decode(file, g, last) }); got > hostile.Budget(file.Size) {
		t.Errorf("R %d M %d: Decode allocates %d bytes for a %d-byte file", g.R, g.M, got, file.Size)
	}
	if int64(len(d.Slots)) > max(0, g.R) {
		t.Errorf("R %d: %d slots", g.R, len(d.Slots))
	}
	if _, ok := Stride(g); ok {
		checkSlots(t, d, file, g)
	} else if len(d.Slots) != 0 || !hasIssue(d, finding.InvalidGeometry, partition.Error) {
		t.Errorf("R %d M %d: %d slots, issues %v", g.R, g.M, len(d.Slots), d.Issues)
	}
	checkIssues(t, d)
	return d
}

// A record claiming a 2^62-byte payload, the largest R, and the largest M
// cost what the file costs.
func TestDecodeAllocationBound(t *testing.T) {
	cases := []struct {
		name string
		file partition.File
		g    partition.Geometry
	}{
		{"2^62-byte payload", hostileFile(144, 1<<62, 1), e5Geometry},
		{"largest R", hostileFile(144, 16, 1), partition.Geometry{R: MaxRecords, M: 64}},
		{"largest R, M 1", hostileFile(144, 16, 1), partition.Geometry{R: MaxRecords, M: 1}},
		{"largest M", hostileFile(144, 16, 1), partition.Geometry{R: 2, M: math.MaxInt64/2 - record.Size}},
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
	}
}

// A 2 GiB partition that is one hole except for two records of M = 1
// (stride 41) probes as sparse with M = 1; neither the probe nor decoding it
// with R = 53,687,091 may cost a Slot per slot position (4.6 GB, fatal on
// 32-bit ARM) or a read per slot. A record cut off at every slot does not
// grow the probe's damage list either.
func TestTwoGiBHoleWithSmallStride(t *testing.T) {
	const stride = 1 + record.Size
	size := int64(MaxRecords * stride)
	h, err := os.Create(filepath.Join(t.TempDir(), "1"))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := h.Truncate(size); err != nil {
		t.Skip("no sparse files here:", err)
	}
	for s := int64(1); s <= 3; s++ {
		rec := record.Record{Term: 1, Timestamp: ts2025, Length: 1, Offset: s*stride + record.Size}
		h.WriteAt(append(rec.Bytes(), 0x55), s*stride)
	}
	file := partition.File{R: h, Size: size, Name: "1", Number: 1}
	var p partition.Probe
	start := time.Now()
	if got := hostile.AllocBytes(func() { p = Probe(file) }); got > hostile.Budget(0) {
		t.Errorf("Probe allocates %d bytes", got)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Probe takes %v", took)
	}
	if p.M != 1 || p.UsedSlots != 4 {
		t.Fatalf("probe %+v", p)
	}
	var d partition.Decoded
	start = time.Now()
	if got := hostile.AllocBytes(func() { d = Decode(file, partition.Geometry{R: MaxRecords, M: p.M}, 3) }); got > hostile.Budget(0) {
		t.Errorf("Decode allocates %d bytes", got)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Decode takes %v", took)
	}
	if len(d.Slots) != 4 || d.Slots[3].Kind != partition.Written || len(d.Issues) != 0 {
		t.Errorf("%d slots, issues %v", len(d.Slots), d.Issues)
	}
}

// Every slot of a small-stride file holding a zero record but payload bytes
// is damage; the probe keeps a bounded number of sentences about it.
func TestProbeDamageIsBounded(t *testing.T) {
	const stride = 1 + record.Size
	b := make([]byte, 5000*stride)
	for s := int64(1); s <= 3; s++ {
		record.Record{Term: 1, Timestamp: ts2025, Length: 1, Offset: s*stride + record.Size}.Encode(b[s*stride:])
	}
	for s := int64(4); s < 5000; s++ {
		b[s*stride+record.Size] = 0x77 // a payload byte behind a zero record
	}
	p := Probe(fileOf(b, 1))
	if p.M != 1 || len(p.Damage) != maxDamage+1 {
		t.Fatalf("M %d, %d damage sentences: %v", p.M, len(p.Damage), p.Damage)
	}
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
var agreeGeometry = partition.Geometry{R: 4, M: 1024}
