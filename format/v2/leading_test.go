package v2

import (
	"bytes"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/fixtures/codectest"
)

// writeE3 writes spec example E3 (partition 2 after a snapshot at 9: entry 10
// in slot 2, R = 4) with the given leading layout, sealed or not.
func writeE3(t *testing.T, l Leading, seal bool) []byte {
	t.Helper()
	var out codectest.MemFile
	w := NewWriter(&out, 2, partition.Geometry{R: 4})
	if err := w.SetLeading(l); err != nil {
		t.Fatal(err)
	}
	rec := exRec(4, 8, 0)
	if err := w.Append(2, rec, bytes.NewReader(exPayload(10))); err != nil {
		t.Fatal(err)
	}
	if seal {
		rec.Term = 5
		if err := w.Append(3, rec, bytes.NewReader(exPayload(11))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(seal); err != nil {
		t.Fatal(err)
	}
	return out.B
}

// TestLeadingLayouts: the two layouts of never-written leading slots differ
// in those 80 bytes only; both decode to the same slots; with stub records
// every release family reads entry 10 (5.4.0–5.7.2 stop at zero slots).
func TestLeadingLayouts(t *testing.T) {
	g := partition.Geometry{R: 4}
	zeros, stubs := writeE3(t, LeadingZeros, false), writeE3(t, LeadingStubs, false)
	if !bytes.Equal(zeros, exampleE3()) {
		t.Fatalf("LeadingZeros is not the library's E3 (first difference at %d)", firstDiff(zeros, exampleE3()))
	}
	if len(stubs) != len(zeros) || !bytes.Equal(stubs[:512], zeros[:512]) || !bytes.Equal(stubs[592:], zeros[592:]) {
		t.Fatal("the layouts differ outside the leading slots 512–591")
	}
	for j := int64(0); j < 2; j++ {
		at, want := LeadingSlot(j)
		if got := record.Decode(stubs[at:]); got != want || got != record.Stub(552+40*j) {
			t.Errorf("slot %d at %d = %v, want the stub with Offset %d", j, at, got, 552+40*j)
		}
	}
	filled := make([]byte, 80)
	FillLeadingStubs(filled[:17], 512) // a cut inside a record must not matter
	FillLeadingStubs(filled[17:], 529)
	if !bytes.Equal(filled, stubs[512:592]) {
		t.Error("FillLeadingStubs differs from the Writer's stub records")
	}

	dz, ds := Decode(memFile("2", 2, zeros), g, 10), Decode(memFile("2", 2, stubs), g, 10)
	if len(ds.Issues) != 0 || len(dz.Issues) != 1 || dz.Issues[0].Code != finding.ZeroLeadingSlots ||
		dz.Issues[0].Offset != 512 || dz.Issues[0].Slot != 0 {
		t.Fatalf("issues: stubs %v, zeros %v", ds.Issues, dz.Issues)
	}
	for s := int64(0); s < 4; s++ {
		a, b := dz.SlotAt(s), ds.SlotAt(s)
		if a.Kind != b.Kind || a.Rec != b.Rec {
			t.Errorf("slot %d: zeros %v %v, stubs %v %v", s, a.Kind, a.Rec, b.Kind, b.Rec)
		}
	}
	if k := ds.SlotAt(1).Kind; k != partition.Stub || ds.SlotAt(1).At != 552 || ds.SlotAt(2).Kind != partition.Written {
		t.Errorf("stub layout slots %+v", ds.Slots)
	}
	if p := Probe(memFile("2", 2, stubs)); p.Confidence != partition.VeryHigh || p.UsedSlots != 3 {
		t.Errorf("probe of the stub layout %+v", p)
	}

	for _, v := range []Reader{Reader540, Reader570, ReaderTip} {
		t.Run(v.String(), func(t *testing.T) {
			entry := LibraryReads(memFile("2", 2, stubs), g, 10, v).Records[2]
			if entry != exRec(4, 8, 632) {
				t.Errorf("stub layout: slot 2 read as %v", entry)
			}
			lost := LibraryReads(memFile("2", 2, zeros), g, 10, v).Records[2]
			if wantLost := v != ReaderTip; (lost.Term == 0) != wantLost {
				t.Errorf("zero layout: slot 2 read as %v (lost expected: %v)", lost, wantLost)
			}
		})
	}
}

// TestLeadingLayoutsSealed: a sealed partition reads the same footer in
// both layouts, decodes without issue, and re-encodes byte for byte.
func TestLeadingLayoutsSealed(t *testing.T) {
	g := partition.Geometry{R: 4}
	zeros, stubs := writeE3(t, LeadingZeros, true), writeE3(t, LeadingStubs, true)
	if !bytes.Equal(zeros[len(zeros)-160:], stubs[len(stubs)-160:]) {
		t.Fatal("the footers differ")
	}
	for name, b := range map[string][]byte{"zeros": zeros, "stubs": stubs} {
		f := memFile("2", 2, b)
		d := Decode(f, g, 11)
		if !d.Sealed || len(d.Issues) > 0 || d.SlotAt(0).Kind != partition.Stub || d.SlotAt(1).Kind != partition.Stub ||
			d.SlotAt(2).Kind != partition.Written || d.SlotAt(3).Kind != partition.Written {
			t.Errorf("%s: sealed %v issues %v slots %+v", name, d.Sealed, d.Issues, d.Slots)
		}
		if !bytes.Equal(reencode(t, f, d), b) {
			t.Errorf("%s: re-encoding differs", name)
		}
	}
	// Half zero, half stub records: no writer lays them out so.
	mixed := append([]byte{}, stubs...)
	copy(mixed[512:552], make([]byte, 40))
	if d := Decode(memFile("2", 2, mixed), g, 11); !hasIssue(d, finding.ZeroLeadingSlots) ||
		worst(d) != partition.Info {
		t.Errorf("mixed leading slots: %v", d.Issues)
	}
}

// TestLeadingPartition0: index 0's 40 bytes stay zero in both layouts; the
// slots after it get stubs, and the ≤ 5.7.2 scan (from 552) reads the entry.
func TestLeadingPartition0(t *testing.T) {
	g := partition.Geometry{R: 8}
	for _, l := range []Leading{LeadingStubs, LeadingZeros} {
		var out codectest.MemFile
		w := NewWriter(&out, 0, g)
		if err := w.SetLeading(l); err != nil {
			t.Fatal(err)
		}
		if err := w.Append(4, exRec(2, 8, 0), bytes.NewReader(exPayload(4))); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(false); err != nil {
			t.Fatal(err)
		}
		name := l.String()
		if !bytes.Equal(out.B[512:552], make([]byte, 40)) {
			t.Errorf("%s: index 0's bytes are not zero", name)
		}
		d := Decode(memFile("0", 0, out.B), g, 4)
		if (l == LeadingZeros) != hasIssue(d, finding.ZeroLeadingSlots) || hasIssue(d, finding.Slot0NotEmpty) {
			t.Errorf("%s: issues %v", name, d.Issues)
		}
		got := LibraryReads(memFile("0", 0, out.B), g, 4, Reader570).Records[4]
		if (got.Term == 2) != (l == LeadingStubs) {
			t.Errorf("%s: 5.7.0–5.7.2 read slot 4 as %v", name, got)
		}
	}
	if err := NewWriter(&codectest.MemFile{}, 1, g).SetLeading(LeadingZeros); err != nil {
		t.Fatal(err)
	}
	w := NewWriter(&codectest.MemFile{}, 1, g)
	_ = w.Append(1, exRec(1, 0, 0), nil)
	if err := w.SetLeading(LeadingZeros); err != ErrTooLate {
		t.Errorf("SetLeading after Append: %v", err)
	}
}
