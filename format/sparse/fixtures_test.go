package sparse

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/internal/fixtures"
)

// sparseFixtures are the fixtures written with the sparse format.
func sparseFixtures(t *testing.T) []fixtures.Fixture {
	var out []fixtures.Fixture
	for _, fx := range fixtures.All(t, "fixturegen-ps") {
		if fx.Manifest.Settings.Format == string(Format) {
			out = append(out, fx)
		}
	}
	if len(out) == 0 {
		t.Fatal("no sparse fixtures")
	}
	return out
}

func geometryOf(fx fixtures.Fixture) partition.Geometry {
	return partition.Geometry{R: fx.Manifest.Settings.RecordsPerPartition, M: fx.Manifest.Settings.MaxLogEntrySize}
}

// readbacks returns the fixture's own readback plus the cross reads by other
// library versions (readback-by-<v>.json): all of them read the same files.
func readbacks(t *testing.T, fx fixtures.Fixture) map[string]fixtures.Readback {
	out := map[string]fixtures.Readback{"own": fx.Manifest.Readback}
	others, _ := filepath.Glob(filepath.Join(fx.Dir, "readback-by-*.json"))
	for _, path := range others {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var rb fixtures.Readback
		if err := json.Unmarshal(b, &rb); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if v := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "readback-by-"), ".json"); fixtures.ReadsOnlyLegacy(v) {
			continue // a pre-5.4 reader reads a sparse log as legacy: the upgrade gate's case, not this codec's
		}
		out[filepath.Base(path)] = rb
	}
	return out
}

// TestFixtureReadback checks LibraryReads and Decode against what the real
// library read from every sparse fixture, entry by entry, cross reads included.
func TestFixtureReadback(t *testing.T) {
	checked := 0
	for _, fx := range sparseFixtures(t) {
		g := geometryOf(fx)
		files := partitionFiles(t, fx.WAL)
		lastIndex := nodeStateLastIndex(t, fx.WAL)
		for who, rb := range readbacks(t, fx) {
			for _, e := range rb.Entries {
				if e.IsSnapshot {
					continue
				}
				num, slot := e.Index/g.R, e.Index%g.R
				b, ok := files[num]
				if !ok {
					t.Errorf("%s %s: index %d read back but partition %d is missing", fx.Name, who, e.Index, num)
					continue
				}
				f := fileOf(b, num)
				recs, err := LibraryReads(f, g)
				if err != nil {
					t.Fatal(err)
				}
				rec := recs[slot]
				if rec.Term != e.Term || rec.Length != e.Length || (e.TimestampTick != nil && rec.Timestamp != *e.TimestampTick) {
					t.Errorf("%s %s index %d: library record %v, read back term %d length %d", fx.Name, who, e.Index, rec, e.Term, e.Length)
				}
				if (rec.CommandID() == nil) != (e.CommandID == nil) || (e.CommandID != nil && *rec.CommandID() != *e.CommandID) {
					t.Errorf("%s %s index %d: command id %v, read back %v", fx.Name, who, e.Index, rec.CommandID(), e.CommandID)
				}
				n := Delivered(f, rec)
				if n != e.PayloadLength || sha(b[rec.Offset:rec.Offset+n]) != e.SHA256 && n > 0 {
					t.Errorf("%s %s index %d: delivered %d bytes, library delivered %d", fx.Name, who, e.Index, n, e.PayloadLength)
				}
				s := Decode(f, g, lastIndex).Slots[slot]
				switch s.Kind {
				case partition.Unwritten:
					if e.Term != 0 || e.Length != 0 {
						t.Errorf("%s index %d: decoded unwritten, library read term %d length %d", fx.Name, e.Index, e.Term, e.Length)
					}
				default:
					if s.Rec != rec || s.Avail != e.PayloadLength || sha(b[s.Rec.Offset:s.Rec.Offset+s.Avail]) != e.SHA256 && s.Avail > 0 {
						t.Errorf("%s index %d: decoded %+v, library read %d bytes", fx.Name, e.Index, s, e.PayloadLength)
					}
				}
				checked++
			}
		}
	}
	t.Logf("%d read-back entries matched", checked)
	if checked == 0 {
		t.Fatal("no entries checked")
	}
}

// TestFixtureVerdicts: healthy fixtures decode without errors; the damage a
// fixture's expect.json names is found as an error in the file its manifest names.
func TestFixtureVerdicts(t *testing.T) {
	for _, fx := range sparseFixtures(t) {
		t.Run(fx.Name, func(t *testing.T) {
			g := geometryOf(fx)
			files := partitionFiles(t, fx.WAL)
			lastIndex := nodeStateLastIndex(t, fx.WAL)
			found := false
			for _, num := range sortedKeys(files) {
				d := Decode(fileOf(files[num], num), g, lastIndex)
				for _, i := range d.Issues {
					t.Logf("partition %d: %v", num, i)
				}
				if fx.Expect.Verdict == "ok" && len(d.Issues) > 0 {
					t.Errorf("healthy fixture, partition %d has issues", num)
				}
				inDamagedFile := fx.Manifest.Damage == nil || fx.Manifest.Damage.File == d.Name
				if inDamagedFile && hasIssue(d, finding.Code(fx.Expect.Damage), partition.Error) {
					found = true
				}
			}
			if fx.Expect.Damage != "" && !found {
				t.Errorf("expected damage %q not reported as an error", fx.Expect.Damage)
			}
		})
	}
}

// TestFixtureProbe: every fixture partition is classified sparse with the M
// it was written with, at the confidence its records justify (spec §12.6:
// VERY HIGH with ≥ 3 stride records, HIGH with the one tolerated overlong).
func TestFixtureProbe(t *testing.T) {
	for _, fx := range sparseFixtures(t) {
		g := geometryOf(fx)
		files := partitionFiles(t, fx.WAL)
		for _, num := range sortedKeys(files) {
			f := fileOf(files[num], num)
			p := Probe(f)
			d := Decode(f, g, -1)
			t.Logf("%s/%d: %v M=%d used=%d %q %q", fx.Name, num, p.Confidence, p.M, p.UsedSlots, p.Evidence, p.Damage)
			want := partition.High
			if used(d) >= 3 {
				want = partition.VeryHigh
			}
			if hasIssue(d, finding.LengthOverSlot, "") {
				want = partition.High
			}
			if p.M != g.M || p.Confidence != want || p.R != 0 || p.UsedSlots != highestUsed(d)+1 {
				t.Errorf("%s/%d: %v M=%d used=%d, want %v M=%d used=%d", fx.Name, num, p.Confidence, p.M, p.UsedSlots, want, g.M, highestUsed(d)+1)
			}
			if (len(d.Issues) > 0) != (len(p.Damage) > 0) {
				t.Errorf("%s/%d: decode issues %v but probe damage %q", fx.Name, num, d.Issues, p.Damage)
			}
		}
	}
}

func used(d partition.Decoded) int {
	n := 0
	for _, s := range d.Slots {
		if s.Kind != partition.Unwritten {
			n++
		}
	}
	return n
}

func highestUsed(d partition.Decoded) int64 {
	h := int64(-1)
	for _, s := range d.Slots {
		if s.Kind != partition.Unwritten {
			h = s.Slot
		}
	}
	return h
}

// TestFixtureReencode: re-encoding the decoded entries reproduces every
// partition without issues byte for byte; healthy fixtures have no other.
func TestFixtureReencode(t *testing.T) {
	same, skipped := 0, 0
	for _, fx := range sparseFixtures(t) {
		g := geometryOf(fx)
		files := partitionFiles(t, fx.WAL)
		for _, num := range sortedKeys(files) {
			b := files[num]
			d := Decode(fileOf(b, num), g, nodeStateLastIndex(t, fx.WAL))
			out, layoutSame := reencode(t, d, b, g)
			switch {
			case len(d.Issues) == 0 && layoutSame:
				if !bytes.Equal(out, b) {
					t.Errorf("%s/%d: re-encoded %d bytes differ from the %d-byte file", fx.Name, num, len(out), len(b))
				}
				same++
			case fx.Expect.Verdict == "ok":
				t.Errorf("%s/%d: healthy but not reproducible: %v", fx.Name, num, d.Issues)
			default:
				t.Logf("%s/%d not reproduced: %v", fx.Name, num, d.Issues)
				skipped++
			}
		}
	}
	t.Logf("%d partitions reproduced byte for byte, %d explained by issues", same, skipped)
}

// TestProbeOtherFormats: the legacy and Table fixtures are not sparse. Two
// shapes stay ambiguous by the spec (§12.3 F4/F6): a lone record at a Table
// chain start (LOW) and a T2 chain whose payloads all have one length
// (MEDIUM, with the ambiguity in the evidence).
func TestProbeOtherFormats(t *testing.T) {
	n := 0
	for _, fx := range fixtures.All(t, "fixturegen-ps") {
		if fx.Manifest.Settings.Format == string(Format) {
			continue
		}
		files := partitionFiles(t, fx.WAL)
		for _, num := range sortedKeys(files) {
			p := Probe(fileOf(files[num], num))
			ambiguous := p.Confidence == partition.Low ||
				p.Confidence == partition.Medium && strings.Contains(strings.Join(p.Evidence, " "), "F4/F6")
			if p.Confidence != partition.None && !ambiguous {
				t.Errorf("%s/%d (%s): sparse %v M=%d %q", fx.Name, num, fx.Manifest.Settings.Format, p.Confidence, p.M, p.Evidence)
			}
			n++
		}
	}
	t.Logf("%d partitions of other formats checked", n)
}

// TestWriterToFile: the Writer on a real file (holes where nothing is
// written) reproduces a library-written partition.
func TestWriterToFile(t *testing.T) {
	g := partition.Geometry{R: 4, M: 1024}
	src, err := os.ReadFile(filepath.Join(fixtures.Root(), "5.26.2", "sparse-basic", "wal", "1"))
	if err != nil {
		t.Fatal(err)
	}
	d := Decode(fileOf(src, 1), g, -1)
	out, err := os.Create(filepath.Join(t.TempDir(), "1"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w, err := NewWriter(out, 1, g)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Slots {
		if s.Kind == partition.Written {
			if err := w.Append(s.Slot, s.Rec, bytes.NewReader(src[s.Rec.Offset:s.Rec.Offset+s.Rec.Length])); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(false); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, src) {
		t.Fatalf("file of %d bytes differs from the %d-byte original", len(got), len(src))
	}
}
