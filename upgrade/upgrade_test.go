package upgrade

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/release"
	"github.com/walctl/walctl/repair"
	"github.com/walctl/walctl/txn"
)

func fixtureDir(parts ...string) string {
	return filepath.Join(append([]string{fixtures.Root()}, parts...)...)
}

// copyLog copies a log directory (regular files, one level of subdirs).
func copyLog(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "log")
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(filepath.Join(dst, rel))
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func gate(t *testing.T, dir string, o logdir.Options, to, from string) *Report {
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
	r, err := Gate(l, release.MustParse(to), fv)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func codes(r *Report, sev raftlog.Severity) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Severity == sev {
			out = append(out, string(f.Code))
		}
	}
	return out
}

// A log a 5.7.3+ node left with zero leading slots in an unsealed
// partition (what walctl builds before issue 18 wrote): 5.4.0–5.7.2 lose
// the partition's committed entries, 5.7.3+ read them. The upgrade to
// 5.4.0 is one repair step (stub records over the zero slots) and leaves a
// log 5.4.0 reads right.
func TestZeroLeadingSlotsDowngrade(t *testing.T) {
	f := fixtures.Load(t, fixtureDir("5.7.2", "table-snapshot-install"))
	dir := copyLog(t, f.WAL)
	o := repair.Options{Log: repair.LogOptions{Format: "v2", R: 6}, Backup: filepath.Join(t.TempDir(), "b")}
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
	if r := gate(t, dir, lo, "5.26.2", ""); !r.Intact {
		t.Errorf("5.26.2 reads it right: %+v", r.Findings)
	}
	r := gate(t, dir, lo, "5.4.0", "5.26.2")
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

// The 5.4.0–5.6.x unseal: a warning for those releases only, with what the
// next open loses; the log is read right the first time, so no error.
func TestUnsealWarning(t *testing.T) {
	dir := fixtureDir("5.26.2", "table-snapshot", "wal")
	for _, v := range []string{"5.4.0", "5.6.9"} {
		r := gate(t, dir, logdir.Options{}, v, "")
		w := codes(r, raftlog.Warning)
		if !r.Intact || len(w) != 1 || w[0] != string(CodeUnsealsPartition) {
			t.Fatalf("%s: intact %v, warnings %v", v, r.Intact, w)
		}
		if msg := r.Findings[0].Message; !strings.Contains(msg, "12–13") || !strings.Contains(msg, "partition 3") {
			t.Errorf("%s: %s", v, msg)
		}
	}
	if r := gate(t, dir, logdir.Options{}, "5.7.0", ""); len(r.Findings) != 0 {
		t.Errorf("5.7.0: %+v", r.Findings)
	}
}

// --from-version names the writer: 5.26.2/table-cached-tail read by
// 5.26.2 is its writer's own read (4–5 empty), but a node that ran 5.4.0
// read 4–5, so moving it to 5.26.2 loses them. Without the flag the files
// allow 5.4.0–5.x, which read it differently: a warning says so.
func TestFromVersion(t *testing.T) {
	dir := fixtureDir("5.26.2", "table-cached-tail", "wal")
	r := gate(t, dir, logdir.Options{}, "5.26.2", "")
	if !r.Intact || len(codes(r, raftlog.Warning)) != 1 || codes(r, raftlog.Warning)[0] != string(CodeWriterUnsure) {
		t.Errorf("from the files: intact %v, %+v", r.Intact, r.Findings)
	}
	r = gate(t, dir, logdir.Options{}, "5.26.2", "5.4.0")
	if r.Intact || len(r.Lost) != 1 || r.Lost[0] != (raftlog.Range{From: 4,
		To: 5}) || r.WriterFrom != "--from-version" {
		t.Errorf("from 5.4.0: %+v", r)
	}
}

// Releases outside what walctl models are refused; a plan that needs a new
// directory says so instead of failing.
func TestGateLimits(t *testing.T) {
	l, err := logdir.Open(fixtureDir("5.26.2", "table-basic", "wal"), logdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := Gate(l, release.V(7, 0, 0), release.Version{}); err == nil || !strings.Contains(err.Error(),
		"4.0.0–6.12.x") {
		t.Errorf("7.0.0: %v", err)
	}
	if _, err := Gate(l, release.V(5, 26, 2), release.V(6, 4, 0)); err == nil || !strings.Contains(err.Error(),
		"no PersistentState") {
		t.Errorf("--from-version 6.4.0 of a PersistentState log: %v", err)
	}
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

// A 4.2.0 node that crashed leaves a partition shorter than its prologue
// (what 4.15.3 and 5.3.0 logs show, here made from 4.2.0/legacy-basic):
// the files allow 4.2.0–4.7.x, and the gate compares with 4.2.x, the only
// ones among them that open it (they zero-fill the partition). So 4.2.0
// reads it as its writer; 4.15.3 cannot open it.
func TestWriterThatOpensTheLog(t *testing.T) {
	dir := copyLog(t, fixtureDir("4.2.0", "legacy-basic", "wal"))
	if err := os.Truncate(filepath.Join(dir, "2"), 0); err != nil {
		t.Fatal(err)
	}
	lo := logdir.Options{Format: "legacy", R: 4}
	r := gate(t, dir, lo, "4.2.0", "")
	if !r.Intact || r.JudgedAs != "4.2.0–4.2.x" || !r.Opens {
		t.Errorf("4.2.0: judged as %q, intact %v, %+v", r.JudgedAs, r.Intact, r.Findings)
	}
	r = gate(t, dir, lo, "4.15.3", "")
	if r.Opens || !strings.Contains(strings.Join(codes(r, raftlog.Error), " "), string(CodeCannotOpen)) {
		t.Errorf("4.15.3: %+v", r)
	}
}

// A repair that would leave an error it cannot fix without a flag is not
// part of an upgrade: 5.7.1/table-basic with a flipped node.state bit needs
// its partition sealed for 5.26.2, but repair refuses node.state without
// --set-term, so the upgrade is refused with the reason.
func TestUpgradeRefusesAnUnsafeRepair(t *testing.T) {
	dir := copyLog(t, fixtureDir("5.7.1", "table-basic", "wal"))
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
