package detect

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
)

// FuzzFile: classifying any single file never panics, is deterministic, and
// a claimed R or M is in the range the library accepts.
func FuzzFile(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(fixtures.Root(), "*", "*", "wal", "[0-9]"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil && len(b) < 1<<16 {
			f.Add(b, uint8(filepath.Base(p)[0]-'0'))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, n uint8) {
		p := filepath.Join(t.TempDir(), string(rune('0'+n%4)))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		a, err := File(p)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := File(p)
		if a.Format != c.Format || a.R != c.R || a.M != c.M || a.Confidence != c.Confidence {
			t.Fatalf("not deterministic: %+v vs %+v", a, c)
		}
		if a.R != 0 && (a.R < 2 || a.R > maxR) {
			t.Fatalf("R %d outside the library's range", a.R)
		}
		if a.M < 0 {
			t.Fatalf("negative M %d", a.M)
		}
	})
}
