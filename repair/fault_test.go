package repair_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/atomicfs"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/repair"
)

// crashAt makes the k-th atomicfs step (1-based) fail as a crash would and
// returns a function that counts the steps seen and removes the hook.
func crashAt(k int) func() int {
	n := 0
	atomicfs.Fault = func(step atomicfs.Step, path string) error {
		n++
		if n == k {
			return atomicfs.ErrInjected
		}
		return nil
	}
	return func() int { atomicfs.Fault = nil; return n }
}

// state is a file's content, or absent.
type state struct {
	present bool
	b       []byte
}

func stateOf(m map[string][]byte, name string) state {
	b, ok := m[name]
	return state{ok, b}
}

func (s state) eq(o state) bool { return s.present == o.present && bytes.Equal(s.b, o.b) }

// oldOrNew asserts that every file of dir is as it was or as the completed
// run leaves it, never anything else; only the journal and temp files of
// atomicfs may be extra.
func oldOrNew(t *testing.T, dir string, old, new map[string][]byte) {
	t.Helper()
	cur := files(t, dir)
	names := map[string]bool{}
	for _, m := range []map[string][]byte{old, new, cur} {
		for n := range m {
			names[n] = true
		}
	}
	for n := range names {
		if n == repair.JournalName || (strings.HasPrefix(n, ".") && strings.Contains(n, ".walctl-")) {
			continue
		}
		c := stateOf(cur, n)
		if !c.eq(stateOf(old, n)) && !c.eq(stateOf(new, n)) {
			t.Errorf("%s is neither the old nor the new file after the crash", n)
		}
	}
}

// crashTest interrupts a command after every write, fsync, rename and
// removal it makes; after each crash the directory is old-or-new per file,
// and running the same command again finishes with the same result as an
// uninterrupted run.
func crashTest(t *testing.T, src string, args []string, want int) {
	ref := copyLog(t, src)
	restore := crashAt(-1)
	if _, errs, code := run(append(args, ref)...); code != want {
		restore()
		t.Fatalf("uninterrupted run: exit %d: %s", code, errs)
	}
	steps := restore()
	if steps == 0 {
		t.Fatal("the command made no atomic step")
	}
	old, done := files(t, src), files(t, ref)
	for k := 1; k <= steps; k++ {
		if testing.Short() && k%3 != 0 && k != steps {
			continue // -short: every third crash point and the last one
		}
		dir := copyLog(t, src)
		restore := crashAt(k)
		_, errs, code := run(append(args, dir)...)
		restore()
		if code != 2 || !strings.Contains(errs, atomicfs.ErrInjected.Error()) {
			t.Fatalf("crash at step %d: exit %d, %s", k, code, errs)
		}
		oldOrNew(t, dir, old, done)
		if out, errs, code := run(append(args, dir)...); code != want {
			t.Fatalf("re-run after a crash at step %d: exit %d\n%s%s", k, code, out, errs)
		}
		if d := diffNames(done, files(t, dir)); len(d) > 0 {
			t.Errorf("re-run after a crash at step %d differs from an uninterrupted run in %v", k, d)
		}
	}
	t.Logf("%d crash points", steps)
}

// Repair of every repairable fixture, crashed at every step.
func TestRepairCrashAtEveryStep(t *testing.T) {
	for _, f := range psFixtures(t) {
		if !f.Expect.Repairable {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			crashTest(t, f.WAL, append([]string{"repair", "--apply"}, flagsFor(t, f)...), 0)
		})
	}
}

// A repair with --allow-drop-committed that deletes partitions, crashed at every step.
func TestRepairDropCrashAtEveryStep(t *testing.T) {
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), "5.26.2", "legacy-basic+record-zeroed"))
	crashTest(t, f.WAL, []string{"repair", "--apply", "--allow-drop-committed"}, 0)
}

// In-place conversion, crashed at every step.
func TestConvertInPlaceCrashAtEveryStep(t *testing.T) {
	cases := []struct{ fixture, to string }{
		{"5.26.2/table-basic", "legacy"},
		{"5.7.1/legacy-snapshot", "v2"},
		{"5.26.2/sparse-basic", "v2"},
	}
	for _, c := range cases {
		t.Run(c.fixture+"->"+c.to, func(t *testing.T) {
			f := fixtures.Load(t, filepath.Join(fixtures.Root(), c.fixture))
			crashTest(t, f.WAL, []string{"convert", "--to", c.to, "--in-place", "--records-per-partition", "3"}, 0)
		})
	}
}

// Conversion to a new directory, crashed at every step: the output is
// absent or complete, never partial, and a re-run completes.
func TestConvertOutCrashAtEveryStep(t *testing.T) {
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), "5.26.2", "legacy-snapshot"))
	refOut := filepath.Join(t.TempDir(), "ref")
	restore := crashAt(-1)
	_, errs, code := run("convert", "--to", "v2", "--out", refOut, f.WAL)
	steps := restore()
	if code != 0 {
		t.Fatalf("uninterrupted: %d %s", code, errs)
	}
	want := files(t, refOut)
	for k := 1; k <= steps; k++ {
		parent := t.TempDir()
		out := filepath.Join(parent, "out")
		restore := crashAt(k)
		_, errs, code := run("convert", "--to", "v2", "--out", out, f.WAL)
		restore()
		if code != 2 || !strings.Contains(errs, atomicfs.ErrInjected.Error()) {
			t.Fatalf("crash at step %d: exit %d %s", k, code, errs)
		}
		if _, err := os.Stat(out); err == nil {
			if d := diffNames(want, files(t, out)); len(d) > 0 {
				t.Fatalf("crash at step %d left a partial output: %v", k, d)
			}
			continue // the output is complete: nothing to re-run
		}
		if _, errs, code := run("convert", "--to", "v2", "--out", out, f.WAL); code != 0 {
			t.Fatalf("re-run after a crash at step %d: %d %s", k, code, errs)
		}
		if d := diffNames(want, files(t, out)); len(d) > 0 {
			t.Errorf("re-run after a crash at step %d: output differs in %v", k, d)
		}
		if left, _ := filepath.Glob(out + ".walctl-tmp-*"); len(left) > 0 {
			t.Errorf("temp output folders left: %v", left)
		}
	}
	t.Logf("%d crash points", steps)
}
