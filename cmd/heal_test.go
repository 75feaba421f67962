package cmd

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
)

func set571(t *testing.T) string {
	t.Helper()
	return filepath.Join(fixtures.Root(), "replicas", "5.7.1", "cluster-agree")
}

// The 5.7.1 set: one node's files were damaged by DotNext #244 (T1); diff
// says so — local damage on node1, the defect, the indexes, the command
// that heals it — and never that two histories diverged.
func TestDiffNamesLocalDamage(t *testing.T) {
	set := set571(t)
	nodes := []string{filepath.Join(set, "node1"), filepath.Join(set, "node2"), filepath.Join(set, "node3")}
	out, errs, code := runReadOnly(t, set, append([]string{"diff"}, nodes...)...)
	if code != exitDamaged || errs != "" {
		t.Fatalf("exit %d, %s", code, errs)
	}
	for _, want := range []string{"replica-local-damage", "node1: entries 4–31", "DotNext #244 T1", "damaged 4–31",
		"walctl repair --from " + nodes[1] + " --apply " + nodes[0], "verdict: local damage (no history diverged"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, not := range []string{"replica-divergent-committed", "which history to keep", "two replicas committed"} {
		if strings.Contains(out, not) {
			t.Errorf("output says %q:\n%s", not, out)
		}
	}
	js, _, code := runReadOnly(t, set, append([]string{"diff", "--json"}, nodes...)...)
	var doc struct {
		Differences []struct {
			Class   string `json:"class"`
			Node    string `json:"node"`
			Indexes []struct{ From, To int64 }
			Total   int64  `json:"total"`
			Bug     string `json:"bug"`
			Source  string `json:"source"`
			Heal    string `json:"heal"`
		} `json:"differences"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil || code != exitDamaged {
		t.Fatalf("exit %d: %v", code, err)
	}
	if len(doc.Differences) != 1 {
		t.Fatalf("differences %+v", doc.Differences)
	}
	d := doc.Differences[0]
	if d.Class != "local-damage" || d.Node != "node1" || d.Total != 28 || len(d.Indexes) != 1 || d.Indexes[0].From != 4 ||
		d.Indexes[0].To != 31 || d.Bug != "DotNext #244 T1" || d.Source != "node2" ||
		!strings.HasPrefix(d.Heal, "walctl repair --from") {
		t.Errorf("difference %+v", d)
	}
}

// verify on the damaged leader points to the replica repair.
func TestVerifyPointsToRepairFrom(t *testing.T) {
	dir := filepath.Join(set571(t), "node1")
	out, _, code := runReadOnly(t, dir, "verify", dir)
	if code != exitDamaged ||
		!strings.Contains(out, "fix t1-missing-inline-records: walctl repair --from REPLICA --apply DIR") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// repair --from without --apply is a plan, per entry, and writes nothing:
// neither DIR nor the replica.
func TestRepairFromPlan(t *testing.T) {
	set := set571(t)
	out, errs, code := runReadOnly(t, set, "repair", "--from", filepath.Join(set, "node2"), filepath.Join(set, "node1"))
	if code != exitOK || errs != "" {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	for _, want := range []string{"3 intact committed entries of DIR compared with the replica's, all equal",
		"28 entries rebuilt from the replica (21 of 21 payloads kept", "kept: DIR's bytes equal the replica's",
		"none (empty entry)", "4–7 rebuilt from the replica", "step 2 rebuilds entry 4 from", "result: nothing was changed"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
}

// --from needs another node's log directory.
func TestRepairFromUsage(t *testing.T) {
	set := set571(t)
	node1 := filepath.Join(set, "node1")
	for _, c := range []struct {
		from, saying string
	}{
		{node1, "is DIR itself"},
		{node1 + "/.", "is DIR itself"},
		{filepath.Join(set, "node9"), "node9"},
	} {
		out, errs, code := runReadOnly(t, set, "repair", "--from", c.from, "--apply", node1)
		if code != exitError || !strings.Contains(errs, c.saying) {
			t.Errorf("--from %s: exit %d, %q %s", c.from, code, errs, out)
		}
	}
	if m, _ := filepath.Glob(node1 + ".walctl-backup*"); len(m) > 0 {
		t.Errorf("a refused run made a backup: %v", m)
	}
}
