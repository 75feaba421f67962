package upgrade

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/gate"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/release"
	"github.com/walctl/walctl/repair"
	"github.com/walctl/walctl/txn"
)

func fixtureDir(parts ...string) string {
	return filepath.Join(append([]string{fixtures.Root()}, parts...)...)
}

func judge(t *testing.T, dir string, o logdir.Options, to, from string) *gate.Report {
	t.Helper()
	l, err := logdir.Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var fv release.Version
	if from != "" {
		fv = release.MustParse(from)
	}
	r, err := gate.Gate(l, release.MustParse(to), fv)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A log a 5.7.3+ node left with zero leading slots in an unsealed
// partition (what walctl builds before issue 18 wrote): 5.4.0–5.7.2 lose
// the partition's committed entries, 5.7.3+ read them. The upgrade to
// 5.4.0 is one repair step (stub records over the zero slots) and leaves a
// log 5.4.0 reads right.
func TestZeroLeadingSlotsDowngrade(t *testing.T) {
	f := fixtures.Load(t, fixtureDir("5.7.2", "table-snapshot-install"))
	dir := fixtures.Copy(t, f.WAL)
	o := repair.Options{Log: rebuild.LogOptions{Format: "v2", R: 6}, Backup: filepath.Join(t.TempDir(), "b")}
	l, err := logdir.Open(dir, o.Log.Open())
	if err != nil {
		t.Fatal(err)
	}
	rp, err := repair.MakePlan(l, o)
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repair.Apply(rp, dir, o, proven(t)(dir, o.Expect(rp))); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "1"))
	if err != nil {
		t.Fatal(err)
	}
	copy(b[512:592], make([]byte, 80)) // zero leading slots 0–1 (indexes 6–7)
	if err := os.WriteFile(filepath.Join(dir, "1"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	lo := logdir.Options{Format: "v2", R: 6}
	if r := judge(t, dir, lo, "5.26.2", ""); !r.Intact {
		t.Errorf("5.26.2 reads it right: %+v", r.Findings)
	}
	r := judge(t, dir, lo, "5.4.0", "5.26.2")
	if r.Intact || len(r.Lost) != 1 || r.Lost[0] != (raftlog.Range{From: 8, To: 9}) {
		t.Fatalf("5.4.0: lost %v, findings %+v", r.Lost, r.Findings)
	}
	l, err = logdir.Open(dir, lo)
	if err != nil {
		t.Fatal(err)
	}
	uo := Options{To: release.MustParse("5.4.0"), From: release.MustParse("5.26.2"), Log: lo,
		Backup: filepath.Join(t.TempDir(), "b2")}
	plan, err := MakePlan(l, uo)
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Steps) != 1 || plan.Steps[0].Kind != StepRepair ||
		plan.Steps[0].Repair.Steps[0].Kind != repair.StepPatch {
		t.Fatalf("plan %+v", plan)
	}
	res, err := Apply(plan, dir, uo, proven(t))
	if err != nil {
		t.Fatal(err)
	}
	if !res.After.Intact {
		t.Errorf("after the upgrade: %+v", res.After.Findings)
	}
}

// A plan that needs a new directory says so instead of failing.
func TestPlanNeedsOut(t *testing.T) {
	l, err := logdir.Open(fixtureDir("5.26.2", "table-basic", "wal"), logdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	plan, err := MakePlan(l, Options{To: release.MustParse("6.12.0")})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Needs) != 1 || !strings.HasPrefix(plan.Needs[0],
		"--out NEWDIR") || len(plan.Steps) != 1 || len(plan.Application) == 0 {
		t.Errorf("plan %+v", plan)
	}
	if _, err := Apply(plan, l.Dir, Options{To: release.MustParse("6.12.0")}, proven(t)); err == nil {
		t.Error("Apply without --out")
	}
}

// A repair that would leave an error it cannot fix without a flag is not
// part of an upgrade: 5.7.1/table-basic with a flipped node.state bit needs
// its partition sealed for 5.26.2, but repair refuses node.state without
// --set-term, so the upgrade is refused with the reason.
func TestUpgradeRefusesAnUnsafeRepair(t *testing.T) {
	dir := fixtures.Copy(t, fixtureDir("5.7.1", "table-basic", "wal"))
	path := filepath.Join(dir, "node.state")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[0] ^= 1 // the commit index: the checksum no longer matches
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := logdir.Open(dir, logdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	plan, err := MakePlan(l, Options{To: release.MustParse("5.26.2"), From: release.MustParse("5.7.1")})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Refused == "" || len(plan.Steps) != 0 || !strings.Contains(plan.Refused, "node-state-checksum") {
		t.Fatalf("plan %+v", plan)
	}
}

// proven are the transaction settings of the tests' writes: every write
// audited by audit.Prove with the operation's expectation.
func proven(t *testing.T) Writes {
	return func(_ string, exp audit.Expect) txn.Config {
		return txn.Config{Auditor: txn.AuditFunc(func(in, out string) error {
			_, err := audit.Prove(in, out, exp)
			return err
		})}
	}
}
