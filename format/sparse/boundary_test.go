package sparse

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/fixtures/codectest"
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
	return codectest.FileOf(b, number)
}

// Boundary values as record Offset and Length, partition number (number×R),
// R and M (s×(M+40)) and LastIndex: no panic, slots only up to what the
// file holds, payload ranges inside the file, known issue codes, and
// allocations bounded by the input.
func TestDecodeAtBoundaries(t *testing.T) {
	for _, off := range hostile.Values {
		for _, n := range hostile.Values {
			file := hostileFile(off, n, 1)
			codectest.CheckProbe(t, codec, file)
			d := codectest.CheckDecode(t, codec, file, e5Geometry, -1)
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
				codectest.CheckDecode(
					t,
					codec,
					hostileFile(144, 16, number),
					partition.Geometry{R: r, M: m},
					math.MaxInt64,
				)
			}
			if _, err := LibraryReads(hostileFile(144, 16, 1), partition.Geometry{R: r, M: m}); (err == nil) != (r >= MinRecords && r <= MaxRecords && m > 0 && hostile.FitsProduct(r, m+record.Size)) {
				t.Errorf("R %d M %d: LibraryReads error %v", r, m, err)
			}
		}
	}
}

// A record claiming a 2^62-byte payload, the largest R, and the largest M
// cost what the file costs.
func TestDecodeAllocationBound(t *testing.T) {
	codectest.AllocationBound(t, codec, []codectest.Bound{
		{Name: "2^62-byte payload", File: hostileFile(144, 1<<62, 1), G: e5Geometry},
		{Name: "largest R", File: hostileFile(144, 16, 1), G: partition.Geometry{R: MaxRecords, M: 64}},
		{Name: "largest R, M 1", File: hostileFile(144, 16, 1), G: partition.Geometry{R: MaxRecords, M: 1}},
		{
			Name: "largest M",
			File: hostileFile(144, 16, 1),
			G:    partition.Geometry{R: 2, M: math.MaxInt64/2 - record.Size},
		},
	})
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
	if got := hostile.AllocBytes(func() { d = Decode(file, partition.Geometry{R: MaxRecords, M: p.M}, 3) }); got > hostile.Budget(
		0,
	) {
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
	p := Probe(codectest.FileOf(b, 1))
	if p.M != 1 || len(p.Damage) != maxDamage+1 {
		t.Fatalf("M %d, %d damage sentences: %v", p.M, len(p.Damage), p.Damage)
	}
}

// Probing and decoding a file through the OS (holes skipped with
// SEEK_DATA) and through memory (every byte read) agree, for every fixture
// partition and for the same file with a 1 MiB hole inserted at its end.
func TestOSFileAndMemoryAgree(t *testing.T) {
	codectest.OSFileAndMemoryAgree(t, codec, partition.Geometry{R: 4, M: 1024}) // the fixtures' geometry
}
