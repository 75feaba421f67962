package repair_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/repair"
)

// Every fixture expect.json marks repairable: repair --apply on a copy
// verifies clean, keeps every index of committedIntact with its appended
// term, command id, length and payload, leaves a backup equal to the input,
// and a second plan finds nothing to do.
func TestRepairRepairableFixtures(t *testing.T) {
	n := 0
	for _, f := range logtest.PSFixtures(t) {
		if !f.Expect.Repairable {
			continue
		}
		n++
		t.Run(f.Name, func(t *testing.T) {
			dir := fixtures.Copy(t, f.WAL)
			before := logtest.TreeHash(t, dir)
			settings := logtest.SettingsFor(t, f)
			plan := openPlan(t, dir, repair.Options{Log: settings})
			if plan.DamageRemains() || plan.Nothing() {
				t.Fatalf(
					"plan: damage remains %v, steps %d; items %+v",
					plan.DamageRemains(),
					len(plan.Steps),
					plan.Items,
				)
			}
			res, err := repair.Apply(
				plan,
				dir,
				repair.Options{Backup: filepath.Join(t.TempDir(), "backup"), Log: settings},
				logtest.Audited(t),
			)
			if err != nil {
				t.Fatal(err)
			}
			if got := logtest.TreeHash(t, res.Backup); got != before {
				t.Errorf("backup differs from the input")
			}
			if verdict, errs := logtest.VerifyAs(t, dir, settingsOf(plan)); verdict != "ok" {
				t.Fatalf("verify after repair: %s %+v", verdict, errs)
			}
			logtest.CheckIntact(t, f, dir, settingsOf(plan), f.Expect.CommittedIntact)
			if again := openPlan(t, dir, repair.Options{Log: logOf(plan)}); !again.Nothing() {
				t.Errorf("a second plan still has steps: %+v", again.Steps)
			}
		})
	}
	if n == 0 {
		t.Fatal("no repairable fixture found")
	}
}

func logOf(p *repair.Plan) rebuild.LogOptions {
	return rebuild.LogOptions{Format: p.Format, R: p.R, M: p.M, Force: true}
}

// A rebuild that drops no entry must give back the library's own bytes: the
// damaged copies differ from their healthy source in one place, and every
// file the repair rewrote without dropping anything equals the source's.
func TestRepairRestoresLibraryBytes(t *testing.T) {
	checked := 0
	for _, f := range logtest.PSFixtures(t) {
		src, ok := sourceOf(t, f)
		if !ok || !f.Expect.Repairable {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			dir := fixtures.Copy(t, f.WAL)
			plan := openPlan(t, dir, repair.Options{})
			if _, err := repair.Apply(plan, dir, repair.Options{Backup: filepath.Join(t.TempDir(), "b")}, logtest.Audited(t)); err != nil {
				t.Fatal(err)
			}
			got, want := fixtures.Files(t, dir), fixtures.Files(t, src.WAL)
			for _, st := range plan.Steps {
				if st.Kind != repair.StepRewrite || st.Drops != nil || plan.Drop != nil {
					continue
				}
				checked++
				if !bytes.Equal(got[st.File], want[st.File]) {
					t.Errorf("rebuilt %s (%s) differs from the library's file in %s", st.File, st.What, src.Name)
				}
			}
			for name, b := range want {
				if touched(plan, name) {
					continue
				}
				if !bytes.Equal(got[name], b) {
					t.Errorf("%s was not in the plan but differs from the source", name)
				}
			}
		})
	}
	if checked == 0 {
		t.Fatal("no rewrite compared with a library file")
	}
}

func touched(p *repair.Plan, name string) bool {
	for _, s := range p.Steps {
		if s.File == name {
			return true
		}
	}
	return false
}

// The damaged fixtures that are not repairable get a plan that says why for
// every error finding, and applying it leaves the committed entries alone.
func TestRepairRefusesUnrepairable(t *testing.T) {
	n := 0
	for _, f := range logtest.PSFixtures(t) {
		if f.Expect.Verdict != "damaged" || f.Expect.Repairable {
			continue
		}
		n++
		t.Run(f.Name, func(t *testing.T) {
			dir := fixtures.Copy(t, f.WAL)
			plan := openPlan(t, dir, repair.Options{})
			if !plan.DamageRemains() {
				t.Fatalf("plan claims to repair everything: %+v", plan.Items)
			}
			for _, it := range plan.Items {
				if it.Finding.Severity == raftlog.Error && it.Status == repair.Refused &&
					!strings.HasPrefix(it.Action, "no safe repair: ") {
					t.Errorf("refusal without a reason: %+v", it)
				}
			}
			if plan.NewLastIndex < plan.CommitIndex && plan.CommitIndex <= plan.LastIndex {
				t.Errorf(
					"plan drops committed entries without the flag: LastIndex %d → %d, CommitIndex %d",
					plan.LastIndex,
					plan.NewLastIndex,
					plan.CommitIndex,
				)
			}
			if _, err := repair.Apply(plan, dir, repair.Options{Backup: filepath.Join(t.TempDir(), "b")}, logtest.Audited(t)); err != nil {
				t.Fatal(err)
			}
			if verdict, _ := logtest.VerifyAs(t, dir, settingsOf(plan)); verdict != "damaged" {
				t.Errorf("verify says %s after a refused repair", verdict)
			}
		})
	}
	if n == 0 {
		t.Fatal("no unrepairable fixture found")
	}
}

// The same fixtures with the flag their plan names: the repair goes
// through, verifies clean, and keeps every entry below the damage intact.
func TestRepairWithTheNamedFlag(t *testing.T) {
	for _, f := range logtest.PSFixtures(t) {
		if f.Expect.Verdict != "damaged" || f.Expect.Repairable {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			dir := fixtures.Copy(t, f.WAL)
			plan := openPlan(t, dir, repair.Options{})
			o := optionsFor(t, f, plan)
			plan = openPlan(t, dir, o)
			if plan.DamageRemains() {
				t.Fatalf("with the flags the plan names, damage remains: %+v", plan.Items)
			}
			if _, err := repair.Apply(plan, dir, o, logtest.Audited(t)); err != nil {
				t.Fatal(err)
			}
			if verdict, errs := logtest.VerifyAs(t, dir, settingsOf(plan)); verdict != "ok" {
				t.Fatalf("verify: %s %+v", verdict, errs)
			}
			var keep []int64
			for i := plan.Snapshot + 1; i <= plan.NewLastIndex; i++ {
				keep = append(keep, i)
			}
			logtest.CheckIntact(t, f, dir, settingsOf(plan), keep)
		})
	}
}

// optionsFor turns the flags a plan asks for into options: the term the
// manifest says the node ended with, plus one.
func optionsFor(t *testing.T, f fixtures.Fixture, p *repair.Plan) repair.Options {
	var o repair.Options
	for _, it := range p.Items {
		if it.Status != repair.Refused {
			continue
		}
		if it.Flag == "" {
			t.Fatalf("refused without a flag that allows it: %+v", it)
		}
		if strings.Contains(it.Flag, "--allow-drop-committed") {
			o.AllowDropCommitted = true
		}
		if strings.Contains(it.Flag, "--set-term") {
			term := f.Manifest.Final.Term + 1
			o.SetTerm = &term
		}
		if strings.Contains(it.Flag, "--clear-vote") {
			o.ClearVote = true
		}
	}
	return o
}

// Healthy fixtures: nothing to do.
func TestRepairHealthyIsNothingToDo(t *testing.T) {
	for _, f := range logtest.PSFixtures(t) {
		if f.Expect.Verdict != "ok" {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			plan := openPlan(t, f.WAL, repair.Options{})
			if !plan.Nothing() || plan.DamageRemains() {
				t.Errorf(
					"healthy log: %d steps, damage remains %v: %+v",
					len(plan.Steps),
					plan.DamageRemains(),
					plan.Steps,
				)
			}
		})
	}
}

// Flags that would make node.state unsafe are refused.
func TestRepairRejectsUnsafeFlags(t *testing.T) {
	healthy := filepath.Join(fixtures.Root(), "5.26.2", "table-basic", "wal") // term 4, a vote
	cut := filepath.Join(fixtures.Root(), "5.26.2", "table-nocheck+node-state-cut", "wal")
	low, same, high := int64(3), int64(4), int64(5)
	cases := []struct {
		name string
		dir  string
		o    repair.Options
	}{
		{"term below the current one", healthy, repair.Options{SetTerm: &low}},
		{"vote cleared in the same term", healthy, repair.Options{SetTerm: &same, ClearVote: true}},
		{"vote cleared without a term", healthy, repair.Options{ClearVote: true}},
		{"term below an entry's term", cut, repair.Options{SetTerm: &high, ClearVote: true}}, // entries reach term 6
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := logtest.Open(t, c.dir)
			defer l.Close()
			_, err := repair.MakePlan(l, c.o)
			var fe *rebuild.FlagError
			if !asFlagError(err, &fe) {
				t.Fatalf("want a rebuild.FlagError, got %v", err)
			}
		})
	}
}
