package detect

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/internal/fixtures"
)

// R inference in the order of spec §8, on copies of real logs changed so
// that each step decides.
func TestInferR(t *testing.T) {
	cases := []struct {
		name       string
		fixture    string
		change     func(t *testing.T, dir string)
		r          int64
		confidence string
		candidates []int64
	}{
		{"exact from a sealed footer", "5.26.2/table-basic", nil, 4, "very-high", nil},
		{"exact from a legacy prologue", "5.26.2/legacy-snapshot", nil, 4, "very-high", nil},
		{
			"arithmetic on the partition holding LastIndex (never sealed, 5.7.1)",
			"5.7.1/table-snapshot",
			nil,
			4,
			"high",
			nil,
		},
		{
			"T1 in the last partition leaves candidates (§8 step 2b)",
			"5.7.1/table-single-appends",
			func(t *testing.T, dir string) {
				// Unseal partition 0 (byte 0 := 0, footer cut): no exact evidence remains.
				p := filepath.Join(dir, "0")
				b, _ := os.ReadFile(p)
				b[0] = 0
				os.WriteFile(p, b[:len(b)-160], 0o644)
			},
			0,
			"low",
			[]int64{4, 5},
		},
		{"a stale partition above the one holding LastIndex", "5.7.1/table-snapshot", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, "5"))
			os.WriteFile(filepath.Join(dir, "9"), b, 0o644)
		}, 4, "medium", nil},
		{"a node.state whose checksum fails proves no R by arithmetic", "5.7.1/table-snapshot", damageLastIndex, 0,
			"low", nil},
		{"a sealed footer proves R whatever node.state says", "5.26.2/table-basic", damageLastIndex, 4, "very-high", nil},
		{"only partition 0", "5.7.1/table-single-appends", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "1"))
			p := filepath.Join(dir, "0")
			b, _ := os.ReadFile(p)
			b[0] = 0
			os.WriteFile(p, b[:len(b)-160], 0o644)
		}, 0, "low", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := fixtures.Copy(t, filepath.Join(fixtures.Root(), c.fixture, "wal"))
			if c.change != nil {
				c.change(t, dir)
			}
			r, err := Directory(dir, Overrides{})
			if err != nil {
				t.Fatal(err)
			}
			if r.R != c.r || r.Confidence != c.confidence ||
				(c.candidates != nil && !slices.Equal(r.Candidates, c.candidates)) {
				t.Errorf(
					"R %d (%s, candidates %v), want %d (%s, %v); evidence %v",
					r.R,
					r.Confidence,
					r.Candidates,
					c.r,
					c.confidence,
					c.candidates,
					r.Evidence,
				)
			}
			if c.confidence == "low" && len(r.NeedFlags) == 0 {
				t.Errorf("low confidence must name the flag to add")
			}
		})
	}
}

// damageLastIndex adds 30 to node.state's LastIndex without fixing its
// checksum: in 5.7.1/table-snapshot (LastIndex 22 at slot 2 of partition 5,
// R = 4) the damaged 52 still fits the files, with R = 10.
func damageLastIndex(t *testing.T, dir string) {
	p := filepath.Join(dir, nodestate.FileName)
	b, err := os.ReadFile(p)
	if err != nil || nodestate.Status(b) != nodestate.ChecksumOK {
		t.Fatalf("node.state: %v, checksum %v: the case needs one that verifies", err, nodestate.Status(b))
	}
	b[nodestate.OffLastIndex] += 30
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDirectoryKinds(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "3.meta"), make([]byte, 160), 0o644)
	os.WriteFile(filepath.Join(dir, "3"), []byte("x"), 0o644)
	if r, _ := Directory(dir, Overrides{}); r.Format != format.Meta3x {
		t.Errorf("N.meta layout: %s", r.Format)
	}
	if r, _ := Directory(filepath.Join(fixtures.Root(), "6.12.0", "wal-basic", "wal"), Overrides{}); r.Format != format.WAL ||
		r.WAL == nil ||
		r.WAL.ChunkSize != 4096 {
		t.Errorf("WAL: %+v", r)
	}
	l, err := List(fixtures.Copy(t, filepath.Join(fixtures.Root(), "5.26.2/table-basic", "wal")))
	if err != nil || len(l.Partitions) != 3 || l.NodeState == "" {
		t.Errorf("listing %+v %v", l, err)
	}
}

func TestNonCanonicalNames(t *testing.T) {
	dir := fixtures.Copy(t, filepath.Join(fixtures.Root(), "5.26.2/table-basic", "wal"))
	for _, n := range []string{"007", "+7", "-1"} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	l, _ := List(dir)
	slices.Sort(l.NonCanonical)
	if !slices.Equal(l.NonCanonical, []string{"+7", "-1", "007"}) || len(l.Partitions) != 3 {
		t.Errorf("non-canonical %v, partitions %d", l.NonCanonical, len(l.Partitions))
	}
}

// A lone partition file: the format from the bytes alone, never high
// confidence without siblings unless the file proves itself (a sealed footer).
func TestSingleFile(t *testing.T) {
	r, err := SingleFile(filepath.Join(fixtures.Root(), "5.26.2", "table-basic", "wal", "0"))
	if err != nil || r.Format != format.V2 || r.R != 4 {
		t.Errorf("sealed partition: %+v %v", r, err)
	}
	r, err = SingleFile(filepath.Join(fixtures.Root(), "5.26.2", "sparse-basic", "wal", "1"))
	if err != nil || r.Format != format.Sparse || r.M != 1024 {
		t.Errorf("sparse partition: %+v %v", r, err)
	}
}
