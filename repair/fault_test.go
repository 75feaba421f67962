package repair_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/walctl/walctl/cmd"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/txn"
)

// runFS executes walctl with its writes going through fsys.
func runFS(fsys txn.FS, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := cmd.MainFS(append([]string{"walctl", "--no-color"}, args...), &out, &errb, fsys)
	return out.String(), errb.String(), code
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
// run leaves it, never anything else; only walctl's own names (lock,
// journal and stage) may be extra.
func oldOrNew(t *testing.T, dir string, old, new map[string][]byte) {
	t.Helper()
	cur := fixtures.Files(t, dir)
	names := map[string]bool{}
	for _, m := range []map[string][]byte{old, new, cur} {
		for n := range m {
			names[n] = true
		}
	}
	for n := range names {
		if txn.Own(n) {
			continue
		}
		c := stateOf(cur, n)
		if !c.eq(stateOf(old, n)) && !c.eq(stateOf(new, n)) {
			t.Errorf("%s is neither the old nor the new file after the crash", n)
		}
	}
}

// crashTest interrupts a command after every change it makes on disk
// (a write made durable, a rename, a removal, a directory fsync, the audit
// passed: txn.FaultFS); after each crash the directory is old-or-new per
// file, and running the same command again finishes with the same result
// as an uninterrupted run and leaves none of walctl's own files. Inside the
// backup copy every file is the same step again: its first and last are
// crash points, the rest are left out to keep the test short.
func crashTest(t *testing.T, src string, args []string, want int) {
	ref := fixtures.Copy(t, src)
	steps := recordSteps(t, append(args, ref), want)
	for what, pattern := range map[string]string{
		"the backup": ".walctl-backup-", "the stage": "/.walctl-txn/stage/", "the audit": "audited ",
		"publishing": "rename " + ref + "/", "the journal": "rename " + ref + "/.walctl-txn/journal.json",
	} {
		if !slices.ContainsFunc(steps, func(s string) bool { return strings.Contains(s, pattern) }) {
			t.Fatalf("no crash point in %s (%q): %v", what, pattern, steps)
		}
	}
	old, done := fixtures.Files(t, src), fixtures.Files(t, ref)
	points := crashPoints(steps)
	for i, k := range points {
		if testing.Short() && i%3 != 0 && i != len(points)-1 {
			continue // -short: every third crash point and the last one
		}
		dir := fixtures.Copy(t, src)
		fsys, _ := txn.CrashAt(k)
		_, errs, code := runFS(fsys, append(args, dir)...)
		if code != 2 || !strings.Contains(errs, txn.ErrInjected.Error()) {
			t.Fatalf("crash at step %d (%s): exit %d, %s", k, steps[k-1], code, errs)
		}
		oldOrNew(t, dir, old, done)
		rerun, _ := txn.CrashAt(0)
		if out, errs, code := runFS(rerun, append(args, dir)...); code != want {
			t.Fatalf("re-run after a crash at step %d (%s): exit %d\n%s%s", k, steps[k-1], code, out, errs)
		}
		if d := logtest.DiffNames(done, fixtures.Files(t, dir)); len(d) > 0 {
			t.Errorf("re-run after a crash at step %d (%s) differs from an uninterrupted run in %v", k, steps[k-1], d)
		}
		noneOwn(t, dir)
	}
	t.Logf("%d steps, %d crash points", len(steps), len(points))
}

// recordSteps runs the command once without a crash and lists its steps
// ("step path").
func recordSteps(t *testing.T, args []string, want int) []string {
	t.Helper()
	var steps []string
	fsys := &txn.FaultFS{FS: txn.OS, NoSync: true, Hook: func(s txn.Step, p string) error {
		steps = append(steps, string(s)+" "+p)
		return nil
	}}
	if _, errs, code := runFS(fsys, args...); code != want {
		t.Fatalf("uninterrupted run: exit %d: %s", code, errs)
	}
	if len(steps) == 0 {
		t.Fatal("the command made no step")
	}
	return steps
}

// crashPoints are the 1-based steps to crash at: all but those inside the
// backup's temp folder, of which the first and the last.
func crashPoints(steps []string) []int {
	var out, inBackup []int
	for i, s := range steps {
		if strings.Contains(s, ".walctl-backup-") && strings.Contains(s, ".walctl-tmp-") {
			inBackup = append(inBackup, i+1)
			continue
		}
		out = append(out, i+1)
	}
	if n := len(inBackup); n > 0 {
		out = append(out, inBackup[0])
		if n > 1 {
			out = append(out, inBackup[n-1])
		}
	}
	sort.Ints(out)
	return out
}

// noneOwn asserts that no lock, journal or stage of walctl is left in dir.
func noneOwn(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if txn.Own(e.Name()) {
			t.Errorf("%s left in %s", e.Name(), dir)
		}
	}
}

// Repair of every repairable fixture, crashed at every step.
func TestRepairCrashAtEveryStep(t *testing.T) {
	for _, f := range logtest.PSFixtures(t) {
		if !f.Expect.Repairable {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			crashTest(t, f.WAL, append([]string{"repair", "--apply"}, logtest.FlagsFor(t, f)...), 0)
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
			crashTest(t, f.WAL, []string{"convert", "--to", c.to, "--in-place", "--out-records-per-partition", "3"}, 0)
		})
	}
}

// Conversion to a new directory, crashed at every step: the output is
// absent or complete, never partial, and a re-run completes.
func TestConvertOutCrashAtEveryStep(t *testing.T) {
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), "5.26.2", "legacy-snapshot"))
	refOut := filepath.Join(t.TempDir(), "ref")
	fsys, count := txn.CrashAt(0)
	_, errs, code := runFS(fsys, "convert", "--to", "v2", "--out", refOut, f.WAL)
	steps := count()
	if code != 0 {
		t.Fatalf("uninterrupted: %d %s", code, errs)
	}
	want := fixtures.Files(t, refOut)
	for k := 1; k <= steps; k++ {
		parent := t.TempDir()
		out := filepath.Join(parent, "out")
		fsys, _ := txn.CrashAt(k)
		_, errs, code := runFS(fsys, "convert", "--to", "v2", "--out", out, f.WAL)
		if code != 2 || !strings.Contains(errs, txn.ErrInjected.Error()) {
			t.Fatalf("crash at step %d: exit %d %s", k, code, errs)
		}
		if _, err := os.Stat(out); err == nil {
			if d := logtest.DiffNames(want, fixtures.Files(t, out)); len(d) > 0 {
				t.Fatalf("crash at step %d left a partial output: %v", k, d)
			}
			continue // the output is complete: nothing to re-run
		}
		if _, errs, code := run("convert", "--to", "v2", "--out", out, f.WAL); code != 0 {
			t.Fatalf("re-run after a crash at step %d: %d %s", k, code, errs)
		}
		if d := logtest.DiffNames(want, fixtures.Files(t, out)); len(d) > 0 {
			t.Errorf("re-run after a crash at step %d: output differs in %v", k, d)
		}
		if left, _ := filepath.Glob(out + ".walctl-tmp-*"); len(left) > 0 {
			t.Errorf("temp output folders left: %v", left)
		}
	}
	t.Logf("%d crash points", steps)
}
