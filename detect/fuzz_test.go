package detect

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/internal/fixtures"
)

// FuzzFile: classifying any single file never panics, is deterministic, and
// a claimed R or M is in the range the library accepts. The file is probed
// in memory (the same probeFile that File runs on an open file), so a run
// costs no temporary files.
func FuzzFile(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(fixtures.Root(), "*", "*", "wal", "[0-9]"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil && len(b) < 1<<16 {
			f.Add(b, uint8(filepath.Base(p)[0]-'0'))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, n uint8) {
		if len(b) == 0 {
			return // File answers Empty before probing
		}
		probe := func() FileResult {
			file := partition.File{R: bytes.NewReader(b), Size: int64(len(b)), Name: "x", Number: int64(n % 4)}
			return probeFile(FileResult{Name: "x", Size: int64(len(b))}, file)
		}
		a := probe()
		if c := probe(); !reflect.DeepEqual(a, c) {
			t.Fatalf("not deterministic: %+v vs %+v", a, c)
		}
		if a.R != 0 && (a.R < 2 || a.R > maxR) {
			t.Fatalf("R %d outside the library's range", a.R)
		}
		if a.M < 0 || (a.M > 0 && a.M+40 > int64(len(b))) {
			t.Fatalf("M %d for a %d-byte file", a.M, len(b))
		}
		if a.Format == "" || len(a.Evidence) == 0 {
			t.Fatalf("no format or evidence: %+v", a)
		}
	})
}
