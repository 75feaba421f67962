package detect

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/hostile"
)

// copyFixture copies a fixture's wal directory into a temporary directory.
func copyFixture(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join(fixtures.Root(), name, "wal")
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// Boundary values as node.state LastIndex and CommitIndex, as R and M
// overrides, and as partition numbers: Directory never panics, infers no R
// or M outside the library's range, and allocates no more than the input
// justifies.
func TestDirectoryAtBoundaries(t *testing.T) {
	for _, fx := range []string{"5.26.2/legacy-basic", "5.26.2/table-basic", "5.26.2/sparse-basic"} {
		for _, v := range hostile.Values {
			dir := copyFixture(t, fx)
			ns := filepath.Join(dir, nodestate.FileName)
			b, _ := os.ReadFile(ns)
			binary.LittleEndian.PutUint64(b[nodestate.OffLastIndex:], uint64(v))
			binary.LittleEndian.PutUint64(b[nodestate.OffCommitIndex:], uint64(v))
			os.WriteFile(ns, b, 0o644)
			checkDirectory(t, dir, Overrides{})
			for _, o := range []Overrides{{R: v}, {M: v}, {Format: "sparse", R: v, M: v}, {Format: "legacy", R: v}} {
				checkDirectory(t, copyFixture(t, fx), o)
			}
		}
		for _, name := range []string{"2147483648", "4294967296", "9223372036854775807", "9223372036854775808"} {
			dir := copyFixture(t, fx)
			b, _ := os.ReadFile(filepath.Join(dir, "1"))
			os.WriteFile(filepath.Join(dir, name), b, 0o644)
			checkDirectory(t, dir, Overrides{})
		}
	}
}

func checkDirectory(t *testing.T, dir string, o Overrides) {
	t.Helper()
	var res *Result
	var err error
	size := int64(0)
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if info, err := e.Info(); err == nil {
			size += info.Size()
		}
	}
	if got := hostile.AllocBytes(func() { res, err = Directory(dir, o) }); got > hostile.Budget(size) {
		t.Errorf("%+v: Directory allocates %d bytes for %d bytes of files", o, got, size)
	}
	if err != nil {
		return
	}
	if o.R == 0 && res.R != 0 && (res.R < 2 || res.R > maxR) {
		t.Errorf("%+v: inferred R %d", o, res.R)
	}
	if res.M < 0 {
		t.Errorf("%+v: inferred M %d", o, res.M)
	}
}

// A partition of 2 GiB of zeros (a hole) next to node.state: detection
// reads neither all of it nor allocates for its 53,687,091 record windows.
func TestDirectoryTwoGiBHole(t *testing.T) {
	dir := copyFixture(t, "5.26.2/legacy-basic")
	for _, n := range []string{"0", "1", "2"} {
		os.Remove(filepath.Join(dir, n))
	}
	f, err := os.Create(filepath.Join(dir, "1"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(maxR * 40); err != nil {
		t.Skip("no sparse files here:", err)
	}
	var res *Result
	if got := hostile.AllocBytes(func() { res, err = Directory(dir, Overrides{}) }); got > hostile.Budget(0) {
		t.Errorf("Directory allocates %d bytes", got)
	}
	if err != nil || res.Files[0].R != maxR || res.Files[0].Format != format.Legacy {
		t.Fatalf("%v, %+v", err, res.Files)
	}
}
