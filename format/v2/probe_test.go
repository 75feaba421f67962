package v2

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
)

// TestProbeFixtures probes every partition file of every Table fixture
// without R and checks the result against a decode with the manifest's R:
// sealed files prove R exactly, T1/T2 files are recognised as such, every
// other file is Table with its used-slot count.
func TestProbeFixtures(t *testing.T) {
	counts := map[partition.Confidence]int{}
	for _, fx := range tableFixtures(t) {
		for _, path := range partitionFiles(t, filepath.Join(fx.dir, "wal")) {
			f, _ := openFile(t, path)
			p := Probe(f)
			d := Decode(f, fx.geometry(), -1)
			name := fx.name + "/" + f.Name
			counts[p.Confidence]++
			damage := strings.Join(p.Damage, "|")
			switch {
			case f.Size == 0:
				if p.Format != "empty" || p.UsedSlots != 0 {
					t.Errorf("%s: %+v, want empty", name, p)
				}
			case hasIssue(d, finding.T2HeaderOverwritten):
				if p.Format != Format || p.Confidence != partition.High || p.UsedSlots != -1 ||
					!strings.Contains(damage, "T2") {
					t.Errorf("%s: %+v, want T2 at high confidence", name, p)
				}
			case d.Sealed && (hasIssue(d, finding.FooterMismatch) || hasIssue(d, finding.T3GarbageFooter)) && !hasIssue(d, finding.T1MissingInlineRecords):
				// a damaged footer proves nothing: F2 fails, the chain decides
				if p.R != 0 || !strings.Contains(damage, "claims sealed") || p.Confidence < partition.High {
					t.Errorf("%s: %+v, want a Table chain with an invalid footer", name, p)
				}
			case d.Sealed:
				if p.Confidence != partition.VeryHigh || p.R != fx.geometry().R || p.UsedSlots != usedSlots(d) {
					t.Errorf("%s: %+v, want very high, R %d, used %d", name, p, fx.geometry().R, usedSlots(d))
				}
			case hasIssue(d, finding.T1MissingInlineRecords):
				if p.T1Slot != missingSlot(d) || p.UsedSlots != p.T1Slot+1 || p.Confidence < partition.Medium {
					t.Errorf("%s: %+v, want T1 at slot %d", name, p, missingSlot(d))
				}
			default:
				if p.Format != Format || p.Confidence < partition.High || p.UsedSlots != usedSlots(d) || p.R != 0 {
					t.Errorf("%s: %+v, want Table (high) with %d used slots", name, p, usedSlots(d))
				}
			}
			if hasIssue(d, finding.TornSeal) && !strings.Contains(damage, "claims sealed") {
				t.Errorf("%s: torn seal not reported: %+v", name, p)
			}
			if hasIssue(d, finding.TornTail) && !strings.Contains(damage, "torn tail") {
				t.Errorf("%s: torn tail not reported: %+v", name, p)
			}
		}
	}
	t.Logf("Table files by probe confidence: %v", counts)
}

func usedSlots(d partition.Decoded) int64 {
	for s := len(d.Slots) - 1; s >= 0; s-- {
		if k := d.SlotAt(int64(s)).Kind; k != partition.Unwritten && k != partition.Invalid {
			return int64(s) + 1
		}
	}
	return 0
}

func missingSlot(d partition.Decoded) int64 {
	for _, s := range d.Slots {
		if s.Kind == partition.Missing {
			return s.Slot
		}
	}
	return -1
}

// TestProbeRejectsOtherFormats: no legacy or sparse partition file of the
// fixtures is taken for a Table partition above low confidence.
func TestProbeRejectsOtherFormats(t *testing.T) {
	files := otherPartitionFiles(t)
	if len(files) < 10 {
		t.Fatalf("only %d legacy/sparse files", len(files))
	}
	for _, path := range files {
		f, _ := openFile(t, path)
		if p := Probe(f); p.Format == Format && p.Confidence > partition.Low {
			t.Errorf("%s: %+v", path, p)
		}
	}
	t.Logf("%d legacy and sparse partition files rejected", len(files))
}

func TestProbeShapes(t *testing.T) {
	e4 := make([]byte, 192) // spec E4: legacy partition 1, R = 4
	for i := int64(0); i < 4; i++ {
		exRec(2, 8, 160+8*i).Encode(e4[40*i:])
	}
	e5 := make([]byte, 360) // spec E5: sparse, M = 64
	for i := int64(0); i < 4; i++ {
		exRec(2, 8, 104*i+40).Encode(e5[104*i:])
	}
	e5p0 := make([]byte, 1064+48) // sparse partition 0, M = 1024: slot 0 unused, record at M+40
	exRec(1, 8, 1104).Encode(e5p0[1064:])
	sealedOnlyFlag := make([]byte, 600)
	sealedOnlyFlag[0] = 1
	tests := []struct {
		name   string
		bytes  []byte
		number int64
		format format.Format
		conf   partition.Confidence
		used   int64
	}{
		{"0 bytes", nil, 1, "empty", partition.Low, 0},
		{"512 zero bytes", make([]byte, 512), 1, Format, partition.High, 0},
		{"600 zero bytes", make([]byte, 600), 1, "zero", partition.Low, 0},
		{"one byte 01", []byte{1}, 1, Format, partition.Low, 0},
		{"byte 0 set, nothing else", sealedOnlyFlag, 1, Format, partition.Low, 0},
		{"legacy prologue E4", e4, 1, Format, partition.None, -1},
		{"sparse E5", e5, 1, Format, partition.Low, -1},
		{"sparse partition 0", e5p0, 0, Format, partition.Low, 13},
		{"sparse partition 0, short", e5p0[1000:], 0, Format, partition.None, -1},
		{"E7 alone", exampleE7(), 1, Format, partition.High, -1},
		{"E7 first record only", exampleE7()[:48], 1, Format, partition.Low, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Probe(memFile("x", tc.number, tc.bytes))
			if p.Format != tc.format || p.Confidence != tc.conf || p.UsedSlots != tc.used {
				t.Errorf("%+v, want %s %v used %d", p, tc.format, tc.conf, tc.used)
			}
			if len(p.Evidence) == 0 {
				t.Error("no evidence")
			}
		})
	}
}

// TestProbeT1Bound: a T1 window after a chained record is high confidence
// and says where the record went missing.
func TestProbeT1Bound(t *testing.T) {
	b := make([]byte, 512+48+40+8)
	put(b, 512, exRec(2, 8, 552), exPayload(4))
	copy(b[600:], exPayload(5)) // record of slot 1 missing at 560
	p := Probe(memFile("1", 1, b))
	if p.T1Slot != 1 || p.UsedSlots != 2 || p.Confidence != partition.High || p.R != 0 {
		t.Fatalf("%+v", p)
	}
}
