package repair_test

import (
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/release"
	"github.com/walctl/walctl/repair"
)

// repair's VoteLayoutFor rewrites node.state only: the vote of a 4.2.0 log
// in the 4.8.0+ layout for 5.26.2 (checksum recomputed), and back to the
// layout before 4.8.0 for 4.2.0; every partition file stays byte for byte.
func TestRepairVoteLayoutFor(t *testing.T) {
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), "4.2.0", "legacy-basic"))
	want, ok := logtest.InputMember(t, f)
	if !ok {
		t.Fatal("no vote")
	}
	for _, v := range []string{"5.26.2", "4.15.3"} {
		dir := fixtures.Copy(t, f.WAL)
		before := fixtures.Files(t, dir)
		o := repair.Options{VoteLayoutFor: release.MustParse(v)}
		plan := openPlan(t, dir, o)
		if len(plan.Steps) != 1 || plan.Steps[0].Kind != repair.StepNodeState {
			t.Fatalf("%s: steps %+v", v, plan.Steps)
		}
		if _, err := repair.Apply(plan, dir, o, logtest.Audited(t)); err != nil {
			t.Fatal(err)
		}
		after := fixtures.Files(t, dir)
		if changed := logtest.DiffNames(before, after); len(changed) != 1 || changed[0] != nodestate.FileName {
			t.Errorf("%s: files changed %v", v, changed)
		}
		st := nodestate.Decode(after[nodestate.FileName])
		if nodestate.Status(after[nodestate.FileName]) != nodestate.ChecksumOK {
			t.Errorf("%s: checksum not recomputed", v)
		}
		logtest.ReadsBy480(t, v, st.Vote, want)
		if again := openPlan(t, dir, o); !again.Nothing() {
			t.Errorf("%s: a second run plans %+v", v, again.Steps)
		}
	}
	dir := fixtures.Copy(t, f.WAL)
	if plan := openPlan(t, dir, repair.Options{VoteLayoutFor: release.MustParse("4.2.0")}); !plan.Nothing() {
		t.Errorf("4.2.0 reads the stored layout: %+v", plan.Steps)
	}
}
