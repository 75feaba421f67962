package logdir

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/hostile"
	"github.com/walctl/walctl/raftlog"
)

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

// openAll opens dir and walks every entry and payload, as verify and
// inspect --payload do, measuring what it allocates.
func openAll(t *testing.T, dir string, o Options) (allocated uint64, findings raftlog.Findings) {
	t.Helper()
	allocated = hostile.AllocBytes(func() {
		l, err := Open(dir, o)
		if err != nil {
			return
		}
		defer l.Close()
		findings = l.Findings
		l.Entries(l.First, l.Last, func(e raftlog.Entry) bool {
			if r, err := l.Payload(e); err == nil {
				io.Copy(io.Discard, r)
			}
			return true
		})
	})
	return allocated, findings
}

// A 40-byte record claiming a 2^62-byte (or 2^63−1-byte) payload, in each
// partition format, costs what the files cost: the payload is located,
// never allocated.
func TestHugeClaimsAllocationBound(t *testing.T) {
	cases := []struct {
		fixture string
		at      int64 // the record of partition 1's first used slot
	}{{"5.26.2/legacy-basic", 40}, {"5.26.2/table-basic", 512}, {"5.26.2/sparse-basic", 0}}
	for _, c := range cases {
		for _, n := range []int64{1 << 62, 1<<63 - 1 - 4096, 1<<31 + 1} {
			dir := copyFixture(t, c.fixture)
			path := filepath.Join(dir, "1")
			b, _ := os.ReadFile(path)
			binary.LittleEndian.PutUint64(b[c.at+16:], uint64(n))
			os.WriteFile(path, b, 0o644)
			got, fs := openAll(t, dir, Options{})
			t.Logf("%s, length %d: %d bytes allocated, %d findings", c.fixture, n, got, len(fs))
			if got > hostile.Budget(3*int64(len(b))) {
				t.Errorf("%s, length %d: %d bytes allocated", c.fixture, n, got)
			}
		}
	}
}

// A directory whose only partition is 2 GiB of zeros (a hole): an empty
// legacy prologue of R = 53,687,091. Opening it used to allocate a slot per
// record window, 4.7 GB, a fatal out-of-memory on 32-bit ARM.
func TestTwoGiBHolePartition(t *testing.T) {
	dir := copyFixture(t, "5.26.2/legacy-basic")
	for _, n := range []string{"0", "1", "2"} {
		os.Remove(filepath.Join(dir, n))
	}
	f, err := os.Create(filepath.Join(dir, "1"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(53687091 * record.Size); err != nil {
		t.Skip("no sparse files here:", err)
	}
	got, fs := openAll(t, dir, Options{})
	if got > hostile.Budget(0) {
		t.Errorf("%d bytes allocated", got)
	}
	if !fs.HasErrors() {
		t.Errorf("entries 1–10 are gone, yet no error: %v", fs)
	}
}
