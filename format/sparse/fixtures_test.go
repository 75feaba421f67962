package sparse

import (
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/codectest"
)

// TestFixtureReadback checks LibraryReads and Decode against what the real
// library read from every sparse fixture, entry by entry, cross reads included.
func TestFixtureReadback(t *testing.T) { codectest.FixtureReadback(t, codec) }

// TestFixtureVerdicts: healthy fixtures decode without issues; the damage a
// fixture's expect.json names is found as an error in the file its manifest names.
func TestFixtureVerdicts(t *testing.T) {
	codectest.FixtureVerdicts(t, codec, codectest.Verdicts{MustFind: func(finding.Code) bool { return true }})
}

// TestFixtureProbe: every fixture partition is classified sparse with the M
// it was written with, at the confidence its records justify (spec §12.6:
// VERY HIGH with ≥ 3 stride records, HIGH with the one tolerated overlong).
func TestFixtureProbe(t *testing.T) {
	codectest.FixtureProbe(t, codec, func(t *testing.T, fx fixtures.Fixture, f partition.File, g partition.Geometry,
		p partition.Probe, d partition.Decoded) {
		want := partition.High
		if codectest.UsedSlots(d) >= 3 {
			want = partition.VeryHigh
		}
		if codectest.HasIssue(d, finding.LengthOverSlot, "") {
			want = partition.High
		}
		if used := codectest.HighestUsed(d) + 1; p.M != g.M || p.Confidence != want || p.R != 0 || p.UsedSlots != used {
			t.Errorf("%s/%s: %v M=%d used=%d, want %v M=%d used=%d", fx.Name, f.Name, p.Confidence, p.M, p.UsedSlots,
				want, g.M, used)
		}
		if (len(d.Issues) > 0) != (len(p.Damage) > 0) {
			t.Errorf("%s/%s: decode issues %v but probe damage %q", fx.Name, f.Name, d.Issues, p.Damage)
		}
	})
}

// TestFixtureReencode: re-encoding the decoded entries reproduces every
// partition without issues byte for byte; healthy fixtures have no other.
func TestFixtureReencode(t *testing.T) { codectest.FixtureReencode(t, codec) }

// TestProbeOtherFormats: the legacy and Table fixtures are not sparse. Two
// shapes stay ambiguous by the spec (§12.3 F4/F6): a lone record at a Table
// chain start (LOW) and a T2 chain whose payloads all have one length
// (MEDIUM, with the ambiguity in the evidence).
func TestProbeOtherFormats(t *testing.T) {
	codectest.ProbeOtherFormats(t, codec, func(p partition.Probe) bool {
		return p.Confidence == partition.Low ||
			p.Confidence == partition.Medium && strings.Contains(strings.Join(p.Evidence, " "), "F4/F6")
	})
}

// TestWriterToFile: the Writer on a real file (holes where nothing is
// written) reproduces a library-written partition.
func TestWriterToFile(t *testing.T) {
	codectest.WriterToFile(t, codec, "5.26.2/sparse-basic/wal/1", 1, partition.Geometry{R: 4, M: 1024})
}
