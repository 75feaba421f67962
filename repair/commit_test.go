package repair_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/repair"
)

func i64(v int64) *int64 { return &v }

// An untrusted node.state (checksum mismatch, cut) holds an untrusted
// CommitIndex: the plan lowers it to the snapshot index and says so, or
// takes the operator's --commit-index; it never writes node.state's own.
func TestRepairUntrustedCommitIndex(t *testing.T) {
	for _, c := range []struct {
		fixture string
		snap    int64
	}{
		{"5.26.2/table-basic+node-state-flip", 0},
		{"5.26.2/legacy-basic+node-state-flip", 0},
		{"5.26.2/table-nocheck+node-state-cut", 0},
	} {
		t.Run(c.fixture, func(t *testing.T) {
			f := fixtures.Load(t, filepath.Join(fixtures.Root(), c.fixture))
			dir := fixtures.Copy(t, f.WAL)
			term := f.Manifest.Final.Term + 3
			o := repair.Options{SetTerm: &term, ClearVote: true}
			p := openPlan(t, dir, o)
			if p.NewCommitIndex != c.snap || !strings.Contains(strings.Join(p.Notes, " "), "--commit-index N") {
				t.Fatalf("CommitIndex %d → %d, notes %q", p.CommitIndex, p.NewCommitIndex, p.Notes)
			}
			o.CommitIndex = i64(f.Manifest.Final.LastCommittedEntryIdx)
			p = openPlan(t, dir, o)
			if p.NewCommitIndex != *o.CommitIndex {
				t.Fatalf("with --commit-index %d: CommitIndex → %d", *o.CommitIndex, p.NewCommitIndex)
			}
			res, err := repair.Apply(p, dir, o, logtest.Audited(t))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := audit.Prove(res.Backup, dir, o.Expect(res.Plan))
			if err != nil || rep.Committed != *o.CommitIndex {
				t.Fatalf("audit: %v %+v", err, rep)
			}
		})
	}
}

// --commit-index is refused where it would raise or replace a sound
// commit index, or go below the snapshot.
func TestRepairCommitIndexFlagRefusals(t *testing.T) {
	healthy := filepath.Join(fixtures.Root(), "5.26.2", "table-basic", "wal")  // commit 8, checksum ok
	snap := filepath.Join(fixtures.Root(), "5.26.2", "legacy-snapshot", "wal") // snapshot 11
	flipped := filepath.Join(fixtures.Root(), "5.26.2", "legacy-basic+node-state-flip", "wal")
	term := int64(9)
	for _, c := range []struct {
		name string
		dir  string
		o    repair.Options
	}{
		{"raise a sound one", healthy, repair.Options{CommitIndex: i64(9)}},
		{"lower a sound one", healthy, repair.Options{CommitIndex: i64(5)}},
		{"negative", flipped, repair.Options{CommitIndex: i64(-1), SetTerm: &term, ClearVote: true}},
		{"below the snapshot", snap, repair.Options{CommitIndex: i64(5)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, err := logdir.Open(c.dir, logdir.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			_, err = repair.MakePlan(l, c.o)
			var fe *rebuild.FlagError
			if !errors.As(err, &fe) || !strings.Contains(fe.Msg, "--commit-index") {
				t.Fatalf("want a rebuild.FlagError naming --commit-index, got %v", err)
			}
		})
	}
	// The same value as a sound one is no change at all.
	l, err := logdir.Open(healthy, logdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if p, err := repair.MakePlan(l, repair.Options{CommitIndex: i64(8)}); err != nil || !p.Nothing() {
		t.Fatalf("--commit-index equal to the sound one: %v", err)
	}
}

// A WriteAheadLog whose checkpoint is missing while its slots hold entries:
// the plan refuses and names --commit-index; with it, the checkpoint is
// written with the operator's commit index and the write is proven.
func TestRepairWALMissingCheckpointNeedsCommitIndex(t *testing.T) {
	dir := fixtures.Copy(t, filepath.Join(fixtures.Root(), "6.12.0", "wal-basic", "wal"))
	if err := os.Remove(filepath.Join(dir, "checkpoint")); err != nil {
		t.Fatal(err)
	}
	plan := walPlan(t, dir, repair.WALRepairOptions{})
	refused := plan.Refusals()
	if len(refused) == 0 || refused[0].Flag != "--commit-index N" {
		t.Fatalf("refusals %+v", refused)
	}
	o := repair.WALRepairOptions{CommitIndex: i64(17)}
	plan = walPlan(t, dir, o)
	if len(plan.Refusals()) > 0 || plan.NewCommitIndex != 17 || plan.NewLastIndex != 20 {
		t.Fatalf(
			"with --commit-index 17: commit %d, last %d, refusals %+v",
			plan.NewCommitIndex,
			plan.NewLastIndex,
			plan.Refusals(),
		)
	}
	res, err := repair.ApplyWAL(plan, dir, o, logtest.Audited(t))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Prove(res.Backup, dir, o.Expect())
	if err != nil || rep.Committed != 17 || rep.Uncommitted != 3 {
		t.Fatalf("audit: %v %+v", err, rep)
	}
	// Without the operator's number the audit sees a commit index raised
	// above what the files prove.
	if _, err := audit.Prove(res.Backup, dir, repair.WALRepairOptions{}.Expect()); !errors.Is(err, audit.ErrViolation) {
		t.Fatalf("a raised commit index passed the audit: %v", err)
	}
	// A sound checkpoint keeps its own commit index.
	if _, err := walPlanErr(dir, repair.WALRepairOptions{CommitIndex: i64(5)}); err == nil {
		t.Fatal("--commit-index replaced a sound checkpoint's commit index")
	}
}

func walPlan(t testing.TB, dir string, o repair.WALRepairOptions) *repair.Plan {
	t.Helper()
	p, err := walPlanErr(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func walPlanErr(dir string, o repair.WALRepairOptions) (*repair.Plan, error) {
	l, err := logdir.Open(dir, o.Open())
	if err != nil {
		return nil, err
	}
	defer l.Close()
	return repair.MakeWALPlan(l, o)
}

// Refusals lists every refused finding and a refused truncation, each with
// the flag that allows it.
func TestPlanRefusals(t *testing.T) {
	dir := filepath.Join(fixtures.Root(), "5.26.2", "table-basic+partition-missing", "wal")
	p := openPlan(t, dir, repair.Options{})
	refused := p.Refusals()
	var drop bool
	for _, r := range refused {
		drop = drop || (strings.HasPrefix(r.What, "truncation") && r.Flag == "--allow-drop-committed")
	}
	if !drop || p.Drop == nil || !p.Drop.Refused {
		t.Fatalf("refusals %+v", refused)
	}
	healthy := openPlan(t, filepath.Join(fixtures.Root(), "5.26.2", "table-basic", "wal"), repair.Options{})
	if r := healthy.Refusals(); len(r) != 0 {
		t.Fatalf("a healthy log's plan refuses %+v", r)
	}
}
