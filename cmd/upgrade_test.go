package cmd

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// upgradeOut is the part of upgrade --json the tests read.
type upgradeOut struct {
	Plan struct {
		Nothing bool   `json:"nothing"`
		Refused string `json:"refused"`
		Steps   []struct {
			Kind string `json:"kind"`
		} `json:"steps"`
		Gate struct {
			Lost    []raftlog.Range `json:"lost"`
			Changed []raftlog.Range `json:"changed"`
		} `json:"gate"`
	} `json:"plan"`
	Applied *struct {
		Dir    string `json:"dir"`
		Format string `json:"format"`
		R      int64  `json:"recordsPerPartition"`
		M      int64  `json:"maxEntrySize"`
		After  struct {
			Intact bool `json:"intact"`
		} `json:"after"`
	} `json:"applied"`
	Verify *gateDoc `json:"verify"`
}

// upgradeCopy runs upgrade --apply --json on a copy of the fixture.
func upgradeCopy(t *testing.T, f fixtures.Fixture, v string) (upgradeOut, int, string) {
	t.Helper()
	dir := fixtures.Copy(t, f.WAL)
	r := f.Manifest.Settings.RecordsPerPartition
	if r == 0 {
		r = 4
	}
	out := filepath.Join(t.TempDir(), "out")
	args := withSettings(t, f, "upgrade", "--json", "--apply", "--to-version", v, "--out", out,
		"--out-records-per-partition", itoa(r), dir)
	stdout, errs, code := run(t, args...)
	var doc upgradeOut
	if code != exitError {
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("upgrade --json: %v\n%s%s", err, stdout, errs)
		}
	}
	return doc, code, errs
}

func itoa(n int64) string { return fmtInt(n) }

func fmtInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// The acceptance of issue 15: for every cross read where release V loses
// or changes what the writer reads (or cannot open the log at all),
// upgrade --to-version V --apply on a copy leaves a log that verify
// --target-version V passes, and an independent read of it (walctl's
// decoder, not the gate's model) holds every committed entry of the
// writer's read-back: term, length, command id and payload SHA-256 as
// the writer read it, or as the application appended it (an entry the
// writer's own damage hid, or #292 padding the repair removed). A log
// whose writer's damage no repair fixes without dropping committed
// entries (expect.json: not repairable) may be refused instead.
func TestUpgradeMakesTheTargetReadEveryCommittedEntry(t *testing.T) {
	done, refused := 0, 0
	for _, tool := range []string{"fixturegen-ps", "fixturegen-wal"} {
		for _, f := range fixtures.All(t, tool) {
			for _, c := range fixtures.CrossReads(t, f) {
				if len(fixtures.ReadsDiffer(f.Manifest.Readback, c.Readback)) == 0 {
					continue
				}
				t.Run(f.Name+"/to-"+c.Version, func(t *testing.T) {
					doc, code, errs := upgradeCopy(t, f, c.Version)
					switch {
					case code == exitError:
						t.Fatalf("exit 2: %s", errs)
					case doc.Plan.Nothing:
						return // V only reads entries the writer loses: nothing to change for V
					case doc.Plan.Refused != "" && f.Expect.Verdict == "damaged" && !f.Expect.Repairable:
						refused++
						return
					case code != exitOK || doc.Applied == nil:
						t.Fatalf("exit %d, refused %q, verify %+v", code, doc.Plan.Refused, doc.Verify)
					}
					done++
					a := doc.Applied
					o := logdir.Options{Format: format.Format(a.Format), R: a.R, M: a.M, Force: true}
					if a.Format == "wal" {
						o = logdir.Options{}
					}
					v, vcode := verifyGate(t, a.Dir, c.Version, o)
					if vcode != exitOK || !a.After.Intact {
						t.Fatalf("verify --target-version %s of the output: exit %d: "+
							"%+v", c.Version, vcode, v.Findings)
					}
					checkUpgradeKept(t, f, a.Dir, o)
				})
			}
		}
	}
	t.Logf("%d upgrades applied, %d refused for the writer's own damage", done, refused)
	if done < 100 {
		t.Fatalf("only %d upgrades applied", done)
	}
}

func verifyGate(t *testing.T, dir, v string, o logdir.Options) (gateDoc, int) {
	t.Helper()
	args := []string{"verify", "--json", "--target-version", v}
	if o.Format != "" {
		args = append(args, "--format", string(o.Format), "--records-per-partition", fmtInt(o.R))
		if o.M > 0 {
			args = append(args, "--max-entry-size", fmtInt(o.M))
		}
	}
	stdout, errs, code := run(t, append(args, dir)...)
	var doc gateDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("verify: %v %s", err, errs)
	}
	return doc, code
}

// checkKept reads the output with walctl's decoder and compares every
// committed entry of the writer's read-back.
func checkUpgradeKept(t *testing.T, f fixtures.Fixture, dir string, o logdir.Options) {
	t.Helper()
	got := map[int64]string{}
	for i, e := range logtest.OnDisk(t, dir, o) {
		got[i] = entryKey(e.Term, e.Length, e.CommandID, e.SHA256)
	}
	appended := map[int64]string{}
	for i, a := range logtest.Appended(f) {
		appended[i] = entryKey(a.Term, a.Length, a.CommandID, a.SHA256)
	}
	rb := f.Manifest.Readback
	n := 0
	for _, e := range rb.Entries {
		if e.Index > rb.State.LastCommittedEntryIdx || e.SHA256 == "" {
			continue
		}
		n++
		want := entryKey(e.Term, e.Length, e.CommandID, e.SHA256)
		if g := got[e.Index]; g != want && (e.IsSnapshot || g != appended[e.Index]) {
			t.Errorf("committed entry %d: output %q, the writer read %q (appended "+
				"%q)", e.Index, g, want, appended[e.Index])
		}
	}
	if n == 0 && rb.State.LastCommittedEntryIdx > 0 {
		t.Errorf("no committed entry compared")
	}
}

func entryKey(term, length int64, id *int32, sha string) string {
	s := fmtInt(term) + "/" + fmtInt(length) + "/"
	if id != nil {
		s += fmtInt(int64(*id))
	}
	return s + "/" + sha
}
