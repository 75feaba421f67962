package repair_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/txn"
)

// WAL repair of every repairable WAL fixture, crashed after every atomic
// step: each file is old or new, and a re-run finishes the same way.
func TestRepairWALCrashAtEveryStep(t *testing.T) {
	n := 0
	for _, f := range fixtures.All(t, "fixturegen-wal") {
		if !f.Expect.Repairable {
			continue
		}
		n++
		t.Run(f.Name, func(t *testing.T) {
			crashTest(t, f.WAL, []string{"repair", "--apply"}, 0)
		})
	}
	if n == 0 {
		t.Fatal("no repairable WAL fixture")
	}
}

// A state rewrite with --set-term, crashed at every step.
func TestRepairWALSetTermCrashAtEveryStep(t *testing.T) {
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), "6.12.0", "wal-basic+state-cut"))
	crashTest(t, f.WAL, []string{"repair", "--apply", "--set-term", "9"}, 0)
}

// convert --to wal, crashed at every step: NEWDIR is absent or complete,
// and a re-run completes.
func TestConvertToWALCrashAtEveryStep(t *testing.T) {
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), "5.26.2", "legacy-snapshot"))
	args := func(out string) []string {
		return []string{"convert", "--to", "wal", "--copy-snapshot", "--out-hash", "crc32", "--out", out, f.WAL}
	}
	refOut := filepath.Join(t.TempDir(), "ref")
	fsys, count := txn.CrashAt(0)
	_, errs, code := runFS(fsys, args(refOut)...)
	steps := count()
	if code != 0 || steps == 0 {
		t.Fatalf("uninterrupted: exit %d, %d steps, %s", code, steps, errs)
	}
	want := fixtures.Files(t, refOut)
	for k := 1; k <= steps; k++ {
		out := filepath.Join(t.TempDir(), "out")
		fsys, _ := txn.CrashAt(k)
		_, errs, code := runFS(fsys, args(out)...)
		if code != 2 || !strings.Contains(errs, txn.ErrInjected.Error()) {
			t.Fatalf("crash at step %d: exit %d %s", k, code, errs)
		}
		if _, err := os.Stat(out); err == nil {
			if d := logtest.DiffNames(want, fixtures.Files(t, out)); len(d) > 0 {
				t.Fatalf("crash at step %d left a partial output: %v", k, d)
			}
			continue
		}
		if _, errs, code := run(args(out)...); code != 0 {
			t.Fatalf("re-run after a crash at step %d: %d %s", k, code, errs)
		}
		if d := logtest.DiffNames(want, fixtures.Files(t, out)); len(d) > 0 {
			t.Errorf("re-run after a crash at step %d: output differs in %v", k, d)
		}
	}
	t.Logf("%d crash points", steps)
}
