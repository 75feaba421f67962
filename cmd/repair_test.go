package cmd

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/txn"
)

// repairExit is the exit code expect.json implies: 0 when the log is healthy
// or repairable without a flag, 1 when damage would remain.
func repairExit(f fixtures.Fixture) int {
	if f.Expect.Verdict == "ok" || f.Expect.Repairable {
		return 0
	}
	return 1
}

// Without --apply, repair changes nothing on any fixture, exits as
// expect.json implies, and names every error finding verify reports.
func TestRepairPlanOnlyChangesNothing(t *testing.T) {
	for _, f := range fixtures.All(t, "fixturegen-ps") {
		t.Run(f.Name, func(t *testing.T) {
			out, errs, code := runReadOnly(t, f.WAL, withSettings(t, f, "repair", f.WAL)...)
			if code != repairExit(f) {
				t.Fatalf("exit %d, want %d\n%s%s", code, repairExit(f), out, errs)
			}
			vout, _, _ := run(t, withSettings(t, f, "verify", "--json", f.WAL)...)
			var v verifyOut
			if err := json.Unmarshal([]byte(vout), &v); err != nil {
				t.Fatal(err)
			}
			for _, fd := range v.Findings {
				if fd.Severity == "error" && !strings.Contains(out, fd.Code) {
					t.Errorf("plan does not answer finding %s", fd.Code)
				}
			}
			if !strings.Contains(out, "nothing was changed") && !strings.Contains(out, "nothing to repair") {
				t.Errorf("plan output does not say that nothing was changed:\n%s", out)
			}
		})
	}
}

type repairJSON struct {
	Refused []struct{ What, Flag string } `json:"refused"`
	Audit   *struct {
		Committed int64 `json:"committed"`
	} `json:"audit"`
	Plan struct {
		Steps []struct{ Kind, File string } `json:"steps"`
		Items []struct {
			Status string `json:"status"`
			Flag   string `json:"flag"`
		} `json:"items"`
	} `json:"plan"`
	Applied *struct {
		Backup string `json:"backup"`
		Steps  int    `json:"steps"`
	} `json:"applied"`
	Verify *struct {
		Verdict string `json:"verdict"`
	} `json:"verify"`
}

// With --apply every fixture gets the exit code of its expect.json and the
// verdict of the verify that runs afterwards; a plan that refuses anything
// is not carried out at all (no partial repairs), and every write is audited.
func TestRepairApplyExitCodes(t *testing.T) {
	for _, f := range fixtures.All(t, "fixturegen-ps") {
		t.Run(f.Name, func(t *testing.T) {
			dir := fixtures.Copy(t, f.WAL)
			before := treeHash(t, dir)
			out, errs, code := run(t, withSettings(t, f, "repair", "--apply", "--json", dir)...)
			if code != repairExit(f) {
				t.Fatalf("exit %d, want %d\n%s%s", code, repairExit(f), out, errs)
			}
			var doc repairJSON
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("bad JSON: %v\n%s", err, out)
			}
			if len(doc.Refused) > 0 {
				if code != 1 || doc.Applied != nil || treeHash(t, dir) != before {
					t.Errorf(
						"a plan that refuses %d items was carried out (exit %d, applied %+v)",
						len(doc.Refused),
						code,
						doc.Applied,
					)
				}
				for _, r := range doc.Refused {
					if r.What == "" {
						t.Errorf("a refusal without words: %+v", r)
					}
				}
				return
			}
			if len(doc.Plan.Steps) > 0 && doc.Audit == nil {
				t.Errorf("steps applied without an audit")
			}
			want := map[int]string{0: "ok", 1: "damaged"}[code]
			if doc.Verify == nil || doc.Verify.Verdict != want {
				t.Errorf("verify after repair: %+v, want %s", doc.Verify, want)
			}
			if len(doc.Plan.Steps) > 0 &&
				(doc.Applied == nil || doc.Applied.Backup == "" || doc.Applied.Steps != len(doc.Plan.Steps)) {
				t.Errorf("steps planned but not applied: %+v", doc.Applied)
			}
		})
	}
}

// Safety rails: another process holding the files, a backup folder that is
// not empty, flags that would make the node vote twice, an interrupted run.
func TestRepairRefusals(t *testing.T) {
	torn := filepath.Join(fixtures.Root(), "5.26.2", "table-basic+tail-torn", "wal")
	cases := []struct {
		name     string
		setup    func(t *testing.T, dir string) (args []string, cleanup func())
		code     int
		contains string
	}{
		{"node running", func(t *testing.T, dir string) ([]string, func()) {
			return []string{"--apply"}, lock(t, filepath.Join(dir, "node.state"))
		}, 2, "another process holds"},
		{"node running, --force", func(t *testing.T, dir string) ([]string, func()) {
			return []string{"--apply", "--force"}, lock(t, filepath.Join(dir, "2"))
		}, 0, "verify after repair: ok"},
		{"backup folder not empty", func(t *testing.T, dir string) ([]string, func()) {
			b := t.TempDir()
			os.WriteFile(filepath.Join(b, "x"), []byte("x"), 0o644)
			return []string{"--apply", "--backup", b}, nil
		}, 2, "not empty"},
		{"backup inside the log", func(t *testing.T, dir string) ([]string, func()) {
			return []string{"--apply", "--backup", filepath.Join(dir, "bak")}, nil
		}, 2, "inside the log directory"},
		{"term below the node's", func(t *testing.T, dir string) ([]string, func()) {
			return []string{"--set-term", "3"}, nil
		}, 2, "vote twice"},
		{"vote cleared in the same term", func(t *testing.T, dir string) ([]string, func()) {
			return []string{"--clear-vote"}, nil
		}, 2, "second time"},
		{"interrupted repair pending", func(t *testing.T, dir string) ([]string, func()) {
			crashRepair(t, dir)
			return nil, nil
		}, 2, "an interrupted walctl repair is pending"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := fixtures.Copy(t, torn)
			args, cleanup := c.setup(t, dir)
			if cleanup != nil {
				defer cleanup()
			}
			before := treeHash(t, dir)
			out, errs, code := run(t, append(append([]string{"repair"}, args...), dir)...)
			if code != c.code || !strings.Contains(out+errs, c.contains) {
				t.Fatalf("exit %d (want %d), output lacks %q:\n%s%s", code, c.code, c.contains, out, errs)
			}
			if code == 2 && treeHash(t, dir) != before {
				t.Errorf("a refused repair changed files")
			}
		})
	}
}

// crashRepair interrupts a repair of dir once it is publishing: after the
// first staged file is renamed into dir.
func crashRepair(t *testing.T, dir string) {
	t.Helper()
	fsys := &txn.FaultFS{FS: txn.OS, Hook: func(step txn.Step, path string) error {
		if step == txn.StepRename && filepath.Dir(path) == dir {
			return txn.ErrInjected
		}
		return nil
	}}
	var out, errb bytes.Buffer
	if code := MainFS([]string{"walctl", "repair", "--apply", dir}, &out, &errb, fsys); code != 2 {
		t.Fatalf("the crashing run exited %d\n%s%s", code, out.String(), errb.String())
	}
	j, err := txn.ReadJournal(dir)
	if err != nil || j == nil || j.Phase != txn.PhasePublishing {
		t.Fatalf("after the crash: journal %+v, %v", j, err)
	}
}

// After a crash, repair --apply finishes the job: the renames left, from
// the journal.
func TestRepairFinishesAnInterruptedRun(t *testing.T) {
	dir := fixtures.Copy(t, filepath.Join(fixtures.Root(), "5.7.1", "table-snapshot", "wal"))
	crashRepair(t, dir)
	out, errs, code := run(t, "repair", "--apply", dir)
	if code != 0 || !strings.Contains(out, "finished the interrupted repair") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, txn.WorkName)); err == nil {
		t.Error("journal or stage left behind")
	}
}

// convert through the command line: usage errors, a refused damaged input,
// and a conversion that reports the comparison of every entry.
func TestConvertCommand(t *testing.T) {
	basic := filepath.Join(fixtures.Root(), "5.26.2", "table-basic", "wal")
	missing := filepath.Join(fixtures.Root(), "5.26.2", "table-basic+partition-missing", "wal")
	cases := []struct {
		name     string
		args     func(t *testing.T) []string
		code     int
		contains string
	}{
		{
			"no output",
			func(t *testing.T) []string { return []string{"--to", "legacy", basic} },
			2,
			"--out NEWDIR or --in-place",
		},
		{"both outputs", func(t *testing.T) []string {
			return []string{"--to", "legacy", "--in-place", "--out", t.TempDir(), basic}
		}, 2, "exclude each other"},
		{"unknown format", func(t *testing.T) []string {
			return []string{"--to", "xml", "--out", filepath.Join(t.TempDir(), "o"), basic}
		}, 2, "not a format"},
		{"sparse without M", func(t *testing.T) []string {
			return []string{"--to", "sparse", "--out", filepath.Join(t.TempDir(), "o"), basic}
		}, 2, "max-entry-size"},
		{"sparse M too small", func(t *testing.T) []string {
			return []string{
				"--to",
				"sparse",
				"--out-max-entry-size",
				"100",
				"--out",
				filepath.Join(t.TempDir(), "o"),
				basic,
			}
		}, 2, "does not fit"},
		{"output not empty", func(t *testing.T) []string {
			o := t.TempDir()
			os.WriteFile(filepath.Join(o, "x"), nil, 0o644)
			return []string{"--to", "legacy", "--out", o, basic}
		}, 2, "not empty"},
		{"damaged input", func(t *testing.T) []string {
			return []string{"--to", "legacy", "--out", filepath.Join(t.TempDir(), "o"), missing}
		}, 1, "run walctl repair first"},
		{"to legacy", func(t *testing.T) []string {
			return []string{"--to", "legacy", "--out", filepath.Join(t.TempDir(), "o"), basic}
		}, 0, "10 entries equal"},
		{"renumbered", func(t *testing.T) []string {
			return []string{
				"--to",
				"v2",
				"--out-records-per-partition",
				"3",
				"--out",
				filepath.Join(t.TempDir(), "o"),
				basic,
			}
		}, 0, "verify the output: ok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args(t)
			out, errs, code := runReadOnly(t, args[len(args)-1], append([]string{"convert"}, args...)...)
			if code != c.code || !strings.Contains(out+errs, c.contains) {
				t.Fatalf("exit %d (want %d), output lacks %q:\n%s%s", code, c.code, c.contains, out, errs)
			}
		})
	}
}

// convert --json is one document with the comparison.
func TestConvertJSON(t *testing.T) {
	src := filepath.Join(fixtures.Root(), "5.26.2", "legacy-snapshot", "wal")
	out, errs, code := run(t, "convert", "--json", "--to", "v2", "--out", filepath.Join(t.TempDir(), "o"), src)
	if code != 0 {
		t.Fatalf("exit %d %s", code, errs)
	}
	var doc struct {
		Comparison struct {
			Entries int64 `json:"entries"`
			Count   int64 `json:"mismatchCount"`
		} `json:"comparison"`
		Verify struct {
			Verdict string `json:"verdict"`
		} `json:"verify"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Comparison.Entries != 12 || doc.Comparison.Count != 0 || doc.Verify.Verdict != "ok" {
		t.Errorf("comparison %+v verdict %s", doc.Comparison, doc.Verify.Verdict)
	}
}
