package legacy

import (
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/codectest"
)

// TestFixtureReadback checks LibraryReads and Decode against what the real
// library read from every legacy fixture, entry by entry, cross reads included.
func TestFixtureReadback(t *testing.T) { codectest.FixtureReadback(t, codec) }

// TestFixtureVerdicts: healthy fixtures decode without errors; the torn
// tails and short prologues a fixture's expect.json names are found in the
// file its manifest names; a zeroed record is an unwritten slot.
func TestFixtureVerdicts(t *testing.T) {
	codectest.FixtureVerdicts(t, codec, codectest.Verdicts{
		Healthy: partition.Error,
		MustFind: func(c finding.Code) bool {
			return c == finding.TornTail || c == finding.PartitionShorterThanPrologue
		},
		Partition: func(t *testing.T, fx fixtures.Fixture, g partition.Geometry, d partition.Decoded) {
			if dm := fx.Manifest.Damage; dm != nil && dm.Name == "record-zeroed" && dm.File == d.Name {
				// A zeroed record is an unwritten slot to the codec; the
				// directory replay flags it against LastIndex.
				if k := d.SlotAt(*dm.Index % g.R).Kind; k != partition.Unwritten {
					t.Errorf("zeroed record of index %d decoded as %v", *dm.Index, k)
				}
			}
		},
	})
}

// TestFixtureProbe: every fixture partition is classified legacy with the R
// it was written with, at the confidence its records justify.
func TestFixtureProbe(t *testing.T) {
	codectest.FixtureProbe(t, codec, func(t *testing.T, fx fixtures.Fixture, f partition.File, g partition.Geometry,
		p partition.Probe, d partition.Decoded) {
		switch used := codectest.UsedSlots(d); {
		case f.Size == 0:
			if p.Explains() {
				t.Errorf("%s/%s: empty file classified %v", fx.Name, f.Name, p.Confidence)
			}
		case used == 0:
			// Payload behind a zero prologue: the file alone proves little.
			if p.Confidence != partition.Low || p.R != 0 {
				t.Errorf(
					"%s/%s: zero prologue with payload: %v R=%d, want low without R",
					fx.Name,
					f.Name,
					p.Confidence,
					p.R,
				)
			}
		default:
			want := partition.Medium
			if used >= 2 {
				want = partition.High
			}
			if p.R != g.R || p.Confidence < want {
				t.Errorf("%s/%s: R=%d %v, want R=%d ≥ %v", fx.Name, f.Name, p.R, p.Confidence, g.R, want)
			}
			if lastUsed := codectest.HighestUsed(d); p.UsedSlots != lastUsed+1 {
				t.Errorf("%s/%s: UsedSlots %d, want %d", fx.Name, f.Name, p.UsedSlots, lastUsed+1)
			}
			if fx.Manifest.Damage != nil && fx.Manifest.Damage.File == f.Name &&
				finding.Code(fx.Expect.Damage) == finding.TornTail && len(p.Damage) == 0 {
				t.Errorf("%s/%s: torn tail not in Damage", fx.Name, f.Name)
			}
		}
	})
}

// TestFixtureReencode: re-encoding the decoded entries reproduces every
// partition whose layout the writer would produce byte for byte; in healthy
// fixtures every partition that does not reproduce carries an issue that
// names the bytes the writer cannot recreate.
func TestFixtureReencode(t *testing.T) { codectest.FixtureReencode(t, codec) }

// TestProbeOtherFormats: the Table and sparse fixtures are not legacy. The
// only file allowed LOW is a zero region followed by payload (a Table T1
// window looks exactly like payload behind an unflushed legacy prologue).
func TestProbeOtherFormats(t *testing.T) {
	codectest.ProbeOtherFormats(t, codec, func(p partition.Probe) bool {
		return p.Confidence == partition.Low && p.R == 0 && len(p.Damage) == 1
	})
}

// TestWriterToFile: the Writer on a real file (holes where nothing is
// written) reproduces a library-written partition.
func TestWriterToFile(t *testing.T) {
	codectest.WriterToFile(t, codec, "5.26.2/legacy-basic/wal/1", 1, partition.Geometry{R: 4})
}
