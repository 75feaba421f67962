package detect

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/gen"
)

// Settings that exact evidence rules out are named with the file that
// proves otherwise; settings the files agree with, or cannot tell, are not.
func TestContradictions(t *testing.T) {
	wal3 := filepath.Join(fixtures.Root(), "6.12.0", "wal-hash-xxhash3", "wal")
	cases := []struct {
		name    string
		fixture string // a fixture log, or "" for dir
		dir     func(t *testing.T) string
		o       Overrides
		files   []string // the evidence named, in order; nil: no contradiction
		proves  string
	}{
		{
			"sealed footers prove R",
			"5.26.2/table-basic",
			nil,
			Overrides{R: 3},
			[]string{"partition 0", "partition 1"},
			"sealed footer proves R = 4",
		},
		{"the R the footers prove", "5.26.2/table-basic", nil, Overrides{R: 4}, nil, ""},
		{
			"prologues prove R",
			"5.26.2/legacy-basic",
			nil,
			Overrides{R: 2},
			[]string{"partition 0", "partition 1", "partition 2"},
			"prologue",
		},
		{
			"more slots used than R",
			"5.26.2/sparse-basic",
			nil,
			Overrides{R: 3, M: 1024},
			[]string{"partition 0", "partition 1"},
			"uses 4 slots",
		},
		{
			"the R LastIndex's partition gives",
			"5.7.1/table-snapshot",
			nil,
			Overrides{R: 5},
			[]string{"node.state and the partition files"},
			"R = 4",
		},
		{
			"sparse R from LastIndex's partition",
			"5.26.2/sparse-basic+tail-torn",
			nil,
			Overrides{R: 5},
			[]string{"node.state and the partition files"},
			"R = 4 from partition 2",
		},
		{"an R nothing proves", "", onlyPartitionZero, Overrides{R: 50}, nil, ""},
		{
			"the sparse stride proves M",
			"5.26.2/sparse-basic",
			nil,
			Overrides{M: 1000},
			[]string{"partition 0", "partition 1", "partition 2"},
			"M = 1024",
		},
		{"the M the stride proves", "5.26.2/sparse-basic", nil, Overrides{M: 1024}, nil, ""},
		{
			"Table bytes are not legacy",
			"5.26.2/table-basic",
			nil,
			Overrides{Format: format.Legacy},
			[]string{"partition 0", "partition 1", "partition 2"},
			"which legacy does not explain",
		},
		{"the format the files are in", "5.26.2/table-basic", nil, Overrides{Format: format.V2}, nil, ""},
		{
			"node.state is not a WriteAheadLog",
			"5.26.2/table-basic",
			nil,
			Overrides{Format: format.WAL},
			[]string{"node.state"},
			"not a WriteAheadLog",
		},
		{
			"a WriteAheadLog is not v2",
			"",
			func(*testing.T) string { return wal3 },
			Overrides{Format: format.V2},
			[]string{"checkpoint, data, metadata, state"},
			"is a WriteAheadLog",
		},
		{
			"a WriteAheadLog has no R",
			"",
			func(*testing.T) string { return wal3 },
			Overrides{R: 4},
			[]string{"checkpoint, data, metadata, state"},
			"no partitions",
		},
		{
			"a hash that verifies",
			"",
			func(*testing.T) string { return wal3 },
			Overrides{WAL: wal.Options{Hash: "crc32"}},
			[]string{"metadata/"},
			"hash xxhash3",
		},
		{
			"no hash against one that verifies",
			"",
			func(*testing.T) string { return wal3 },
			Overrides{WAL: wal.Options{Hash: "none"}},
			[]string{"metadata/"},
			"hash xxhash3",
		},
		{
			"the hash that verifies",
			"",
			func(*testing.T) string { return wal3 },
			Overrides{WAL: wal.Options{Hash: "XxHash3", Layout: "6", ChunkSize: 4096}},
			nil,
			"",
		},
		{
			"the layout the slots prove",
			"",
			func(*testing.T) string { return wal3 },
			Overrides{WAL: wal.Options{Layout: "5"}},
			[]string{"metadata/"},
			"32-byte records",
		},
		{
			"the chunk size of the data files",
			"",
			func(*testing.T) string { return wal3 },
			Overrides{WAL: wal.Options{ChunkSize: 8192}},
			[]string{"data/"},
			"4096 bytes",
		},
		{
			"a damaged prologue among sound ones",
			"",
			damagedPrologue,
			Overrides{R: 4},
			[]string{"partition 1"},
			"proves R = 3",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := ""
			if c.fixture != "" {
				dir = filepath.Join(fixtures.Root(), c.fixture, "wal")
			} else {
				dir = c.dir(t)
			}
			got, err := Contradictions(dir, c.o)
			if err != nil {
				t.Fatal(err)
			}
			var files []string
			for _, x := range got {
				files = append(files, x.File)
				if !strings.Contains(x.String(), c.proves) || x.Flag == "" {
					t.Errorf("%q does not say %q", x, c.proves)
				}
			}
			if !slices.Equal(files, c.files) {
				t.Fatalf("evidence %q, want %q: %v", files, c.files, got)
			}
		})
	}
}

// onlyPartitionZero is a Table log of 3 entries with R = 10: partition 0
// is not full, so not sealed, and any R above 3 fits.
func onlyPartitionZero(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "log")
	w, err := ps.Create(dir, ps.Config{Format: format.V2, R: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := int64(1); i <= 3; i++ {
		if err := w.Append(ps.Entry{Index: i, Term: 1, Length: 5}, strings.NewReader("hello")); err != nil {
			t.Fatal(err)
		}
	}
	st, err := gen.State(3, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(st); err != nil {
		t.Fatal(err)
	}
	return dir
}

// damagedPrologue is legacy-basic with the first record of partition 1
// pointing at 120: that file alone now claims R = 3, so the files disagree.
func damagedPrologue(t *testing.T) string {
	dir := fixtures.Copy(t, filepath.Join(fixtures.Root(), "5.26.2/legacy-basic", "wal"))
	path := filepath.Join(dir, "1")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint64(b[24:], 120)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
