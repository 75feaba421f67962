package repair_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/repair"
)

// replicaSet is a replicas/<version>/<scenario> folder with the damage its
// expect.json names.
type replicaSet struct {
	name   string
	dir    string
	nodes  []string
	expect struct {
		CommitIndex map[string]int64   `json:"commitIndex"`
		Damaged244  map[string][]int64 `json:"damaged244"`
		Padded292   map[string][]int64 `json:"padded292"`
	}
}

func replicaSets(t *testing.T) []replicaSet {
	t.Helper()
	exps, _ := filepath.Glob(filepath.Join(fixtures.Root(), "replicas", "*", "*", "expect.json"))
	sort.Strings(exps)
	var out []replicaSet
	for _, e := range exps {
		s := replicaSet{dir: filepath.Dir(e)}
		s.name, _ = filepath.Rel(fixtures.Root(), s.dir)
		b, err := os.ReadFile(e)
		if err != nil || json.Unmarshal(b, &s.expect) != nil {
			t.Fatalf("%s: %v", e, err)
		}
		nodes, _ := filepath.Glob(filepath.Join(s.dir, "node*[0-9]"))
		for _, n := range nodes {
			if fi, err := os.Stat(n); err == nil && fi.IsDir() {
				s.nodes = append(s.nodes, filepath.Base(n))
			}
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		t.Fatal("no replica sets")
	}
	return out
}

// copySet copies every node of a set into one temp folder.
func copySet(t *testing.T, s replicaSet) string {
	t.Helper()
	root := t.TempDir()
	for _, n := range s.nodes {
		src := fixtures.Copy(t, filepath.Join(s.dir, n))
		if err := os.Rename(src, filepath.Join(root, n)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// diffReport is the part of `walctl diff --json` these tests read.
type diffReport struct {
	Consistent            bool             `json:"consistent"`
	Identical             bool             `json:"identical"`
	SharedCommittedPrefix int64            `json:"sharedCommittedPrefix"`
	CommitIndex           map[string]int64 `json:"commitIndex"`
	Differences           []struct {
		Class string `json:"class"`
		Node  string `json:"node"`
		Bug   string `json:"bug"`
		Heal  string `json:"heal"`
	} `json:"differences"`
	Findings []raftlog.Finding `json:"findings"`
}

func diffOf(t *testing.T, root string, nodes []string) (diffReport, int) {
	t.Helper()
	args := []string{"diff", "--json"}
	for _, n := range nodes {
		args = append(args, filepath.Join(root, n))
	}
	out, errs, code := run(args...)
	var r diffReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("diff: exit %d, %v: %s %s", code, err, out, errs)
	}
	return r, code
}

// Every replica set with a node a library defect damaged: diff names the
// damage as local, with the command that heals it; after that command on
// every damaged node (repair --from a healthy node, repair --apply for
// #292 padding) the set is consistent and every committed entry identical
// up to the lowest commit index, and the healthy nodes were only read.
func TestHealReplicaSets(t *testing.T) {
	healed := 0
	for _, s := range replicaSets(t) {
		if len(s.expect.Damaged244)+len(s.expect.Padded292) == 0 {
			continue
		}
		healed++
		t.Run(s.name, func(t *testing.T) {
			root := copySet(t, s)
			before, code := diffOf(t, root, s.nodes)
			if code != 1 {
				t.Fatalf("diff of the damaged set: exit %d, want 1", code)
			}
			damaged := map[string]bool{}
			for n := range s.expect.Damaged244 {
				damaged[n] = true
			}
			for n := range s.expect.Padded292 {
				damaged[n] = true
			}
			heals := map[string]string{}
			for _, d := range before.Differences {
				if d.Class == "divergence" {
					t.Errorf("a divergence in a set damaged by a library defect: %+v", d)
				}
				if d.Class == "local-damage" {
					heals[d.Node] = d.Heal
				}
			}
			for _, f := range before.Findings {
				if f.Code == "replica-divergent-committed" || strings.Contains(f.Fix, "which history to keep") {
					t.Errorf("a two-histories finding for local damage: %+v", f)
				}
			}
			if len(heals) != len(damaged) {
				t.Fatalf("local damage on %v, want %v", heals, damaged)
			}
			sums := map[string]string{}
			for _, n := range s.nodes {
				sums[n] = logtest.TreeHash(t, filepath.Join(root, n))
			}
			for n := range damaged {
				args := strings.Fields(heals[n]) // the command diff names, run as it is
				if args[0] != "walctl" {
					t.Fatalf("heal of %s is not a command: %q", n, heals[n])
				}
				if out, errs, code := run(args[1:]...); code != 0 {
					t.Fatalf("%s: exit %d\n%s%s", heals[n], code, out, errs)
				}
			}
			for _, n := range s.nodes {
				if !damaged[n] && logtest.TreeHash(t, filepath.Join(root, n)) != sums[n] {
					t.Errorf("healthy node %s changed", n)
				}
			}
			after, code := diffOf(t, root, s.nodes)
			low := int64(-1)
			for _, c := range after.CommitIndex {
				if low < 0 || c < low {
					low = c
				}
			}
			if code != 0 || !after.Consistent || after.SharedCommittedPrefix != low || len(after.Differences) > 0 {
				t.Errorf(
					"after healing: exit %d, consistent %v, shared committed prefix %d (lowest commit %d), differences %+v",
					code,
					after.Consistent,
					after.SharedCommittedPrefix,
					low,
					after.Differences,
				)
			}
		})
	}
	if healed == 0 {
		t.Fatal("no replica set with a library-damaged node")
	}
}

// The 5.7.1 leader (#244 T1): the plan rebuilds 4–31 from a follower,
// keeps every payload the leader still holds (the library wrote them at
// the places the rebuild lays them out), writes nothing without --apply,
// and after --apply the leader holds every entry the follower holds.
func TestHeal244Leader(t *testing.T) {
	set := filepath.Join(fixtures.Root(), "replicas", "5.7.1", "cluster-agree")
	leader, follower := fixtures.Copy(t, filepath.Join(set, "node1")), filepath.Join(set, "node2")
	sum := logtest.TreeHash(t, leader)
	p := openPlan(t, leader, repair.Options{From: follower})
	defer p.Close()
	if logtest.TreeHash(t, leader) != sum {
		t.Fatal("planning changed the leader's files")
	}
	h := p.Heal
	if h == nil || len(h.Refused) > 0 || h.RebuiltTotal != 28 || h.Compared != 3 {
		t.Fatalf("heal %+v", h)
	}
	for _, e := range h.Rebuilt {
		want := repair.PayloadKept
		if e.Length == 0 {
			want = repair.PayloadEmpty
		}
		if e.Payload != want || e.Term != 1 {
			t.Errorf("entry %d: payload %s, term %d; want %s, term 1", e.Index, e.Payload, e.Term, want)
		}
	}
	if h.Kept == 0 || h.Kept+int64(countEmpty(h.Rebuilt)) != h.RebuiltTotal {
		t.Errorf("%d payloads kept of %d rebuilt entries", h.Kept, h.RebuiltTotal)
	}
	if out, errs, code := run("repair", "--from", follower, "--apply", leader); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	got, want := logtest.OnDisk(t, leader, logdir.Options{}), logtest.OnDisk(t, follower, logdir.Options{})
	for i := int64(1); i <= 31; i++ {
		g, w := got[i], want[i]
		if g.State != raftlog.EntryOK || g.Term != w.Term || g.Length != w.Length || g.SHA256 != w.SHA256 ||
			!raftlog.SameCommand(g.CommandID, w.CommandID) || g.Ticks != w.Ticks {
			t.Errorf("entry %d after heal %+v, follower %+v", i, g.Entry, w.Entry)
		}
	}
}

func countEmpty(es []repair.HealEntry) int {
	n := 0
	for _, e := range es {
		if e.Length == 0 {
			n++
		}
	}
	return n
}

// Single-node fixtures healed from another fixture that holds the same
// entries, across formats: a #244 T1 leader from a 5.26.2 log, a zeroed
// legacy record from a Table log, a missing Table partition from a legacy
// log (the partition file is created). Afterwards every committed entry is
// the one the manifest appended, and verify is clean.
func TestHealFixtures(t *testing.T) {
	cases := []struct {
		dir, from string
		rebuilt   []int64
		kept      int64
	}{
		{"5.7.1/table-single-appends", "5.26.2/table-single-appends", []int64{4, 5, 6}, 1},
		{"5.26.2/legacy-basic+record-zeroed", "5.26.2/table-basic", []int64{6}, 0},
		{"5.26.2/table-basic+partition-missing", "5.26.2/legacy-basic", []int64{4, 5, 6, 7}, 0},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			f := fixtures.Load(t, filepath.Join(fixtures.Root(), filepath.FromSlash(c.dir)))
			from := filepath.Join(fixtures.Root(), filepath.FromSlash(c.from), "wal")
			dir := fixtures.Copy(t, f.WAL)
			p := openPlan(t, dir, repair.Options{From: from})
			p.Close()
			var rebuilt []int64
			for _, e := range p.Heal.Rebuilt {
				rebuilt = append(rebuilt, e.Index)
			}
			if !reflect.DeepEqual(rebuilt, c.rebuilt) || p.Heal.Kept != c.kept || len(p.Heal.Refused) > 0 {
				t.Fatalf(
					"rebuilt %v (kept %d, refused %+v), want %v (kept %d)",
					rebuilt,
					p.Heal.Kept,
					p.Heal.Refused,
					c.rebuilt,
					c.kept,
				)
			}
			fromSum := logtest.TreeHash(t, from)
			if out, errs, code := run("repair", "--from", from, "--apply", dir); code != 0 {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			if logtest.TreeHash(t, from) != fromSum {
				t.Error("the replica changed")
			}
			var committed []int64
			for i := int64(1); i <= f.Manifest.Readback.State.LastCommittedEntryIdx; i++ {
				committed = append(committed, i)
			}
			logtest.CheckIntact(t, f, dir, logdir.Options{}, committed)
			if v, errs := logtest.VerifyAs(t, dir, logdir.Options{}); v != "ok" {
				t.Errorf("verify after heal: %s %+v", v, errs)
			}
		})
	}
}

// The refusals: where the replica is not a copy of DIR's own history, or
// cannot supply what DIR lost, or DIR's term would have to move, repair
// --from --apply exits 1, says why, and no byte of DIR or the replica
// changes.
func TestHealRefusals(t *testing.T) {
	rep := filepath.Join(fixtures.Root(), "replicas", "6.12.0")
	cases := []struct {
		name     string
		dir      func(t *testing.T) string
		from     func(t *testing.T) string
		kind     string
		at       int64
		contains string
	}{
		// node1 committed 12–17 in term 2; node2 holds other entries of
		// term 1 at 12–14 (its uncommitted suffix): divergence, not damage.
		{
			"divergent set, WriteAheadLog",
			func(t *testing.T) string { return fixtures.Copy(t, filepath.Join(rep, "cluster-divergent", "node1")) },
			fixed(filepath.Join(rep, "cluster-divergent", "node2")),
			repair.RefuseDivergence,
			12,
			"histories diverged",
		},
		{"divergent set, DIR converted to a Table log and damaged", func(t *testing.T) string {
			return damagedCopy(t, filepath.Join(rep, "cluster-divergent", "node1"), 5)
		}, fixed(filepath.Join(rep, "cluster-divergent", "node2")), repair.RefuseDivergence, 12, "histories diverged"},
		// node2 of the lagging set ends at 11: it cannot supply entry 20.
		{"lagging set, the replica lacks the entry", func(t *testing.T) string {
			return damagedCopy(t, filepath.Join(rep, "cluster-lagging", "node1"), 20)
		}, fixed(filepath.Join(rep, "cluster-lagging", "node2")), repair.RefuseLacks, 20, "never moves a commit index back"},
		// A healthy replica, but DIR is a WriteAheadLog whose entry 20 is
		// damaged: walctl does not rebuild WriteAheadLog entries.
		{
			"WriteAheadLog DIR with damage",
			func(t *testing.T) string { return flippedWAL(t, filepath.Join(rep, "cluster-lagging", "node1")) },
			fixed(
				filepath.Join(rep, "cluster-lagging", "node3"),
			),
			repair.RefuseFormat,
			20,
			"PersistentState logs only",
		},
		// The replica's entry 4 is of term 2, DIR's current term is 1.
		{"term above DIR's", func(t *testing.T) string { return genLog(t, []int64{1, 1, 1, 1}, 1, 4, 4) },
			func(t *testing.T) string { return genLog(t, []int64{1, 1, 1, 2}, 2, 4, 0) }, repair.RefuseTerm, 4, "above DIR's current term"},
		// The replica holds entry 2 damaged (nothing to compare) and entry
		// 3 of term 1, after DIR's entry 2 of term 2.
		{"terms would move backwards", func(t *testing.T) string { return genLog(t, []int64{1, 2, 2}, 2, 3, 3) },
			func(t *testing.T) string { return genLog(t, []int64{1, 1, 1}, 1, 3, 2) }, repair.RefuseTerm, 3, "would move backwards"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, from := c.dir(t), c.from(t)
			dirSum, fromSum := logtest.TreeHash(t, dir), logtest.TreeHash(t, from)
			out, errs, code := run("repair", "--json", "--from", from, "--apply", dir)
			if code != 1 {
				t.Fatalf("exit %d, want 1\n%s%s", code, out, errs)
			}
			var doc struct {
				Plan struct{ Heal *repair.Heal } `json:"plan"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Plan.Heal == nil {
				t.Fatalf("%v: %s", err, out)
			}
			found := false
			for _, r := range doc.Plan.Heal.Refused {
				if r.Kind == c.kind && r.Range.From <= c.at && c.at <= r.Range.To &&
					strings.Contains(r.Why, c.contains) {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s refusal at %d saying %q: %+v", c.kind, c.at, c.contains, doc.Plan.Heal.Refused)
			}
			if logtest.TreeHash(t, dir) != dirSum || logtest.TreeHash(t, from) != fromSum {
				t.Error("a refused repair --from changed files")
			}
			if m, _ := filepath.Glob(dir + ".walctl-backup-*"); len(m) > 0 {
				t.Errorf("a refused repair --from left a backup: %v", m)
			}
			// The text says the same, and so does the plan without --apply.
			txt, _, code := run("repair", "--from", from, dir)
			if code != 1 || !strings.Contains(txt, "refused: "+c.kind) {
				t.Errorf("plan: exit %d\n%s", code, txt)
			}
		})
	}
}

func fixed(dir string) func(*testing.T) string { return func(*testing.T) string { return dir } }

// damagedCopy converts a WriteAheadLog node to a Table log (R = 4) with
// walctl convert, then deletes the partition file that holds entry i: DIR
// needs a rebuild of that partition's committed entries.
func damagedCopy(t *testing.T, wal string, i int64) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "ps")
	if o, errs, code := run("convert", "--to", "v2", "--out-records-per-partition", "4", "--out", out, wal); code != 0 {
		t.Fatalf("convert: exit %d\n%s%s", code, o, errs)
	}
	if err := os.Remove(filepath.Join(out, fmt.Sprint(i/4))); err != nil {
		t.Fatal(err)
	}
	return out
}

// zeroRecord zeroes the 40-byte record of entry i where logdir found it.
func zeroRecord(t *testing.T, dir string, i int64) {
	t.Helper()
	l := logtest.Open(t, dir)
	var at raftlog.Location
	if err := l.Entries(i, i, func(e raftlog.Entry) bool { at = e.Record; return false }); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if at.File == "" || at.Offset < 0 {
		t.Fatalf("no record of entry %d in %s", i, dir)
	}
	f, err := os.OpenFile(filepath.Join(dir, at.File), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(make([]byte, 40), at.Offset); err != nil {
		t.Fatal(err)
	}
}

// flippedWAL copies a WriteAheadLog node and flips a payload byte of entry
// 20 (its hash then fails: the entry is damaged).
func flippedWAL(t *testing.T, src string) string {
	t.Helper()
	dir := fixtures.Copy(t, src)
	l := logtest.Open(t, dir)
	var sp raftlog.Span
	if err := l.Entries(20, 20, func(e raftlog.Entry) bool { sp = e.Payload[0]; return false }); err != nil {
		t.Fatal(err)
	}
	l.Close()
	p := filepath.Join(dir, filepath.FromSlash(sp.File))
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[sp.Offset] ^= 0xff
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// genLog writes a legacy log (R = 4) whose entry k has term terms[k-1] and
// a payload that depends on its index only (so that two logs agree where
// their terms do), node term `term`, commit index commit; with zero > 0
// the record of entry zero is zeroed.
func genLog(t *testing.T, terms []int64, term, commit, zero int64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "log")
	w, err := ps.Create(dir, ps.Config{Format: format.Legacy, R: 4})
	if err != nil {
		t.Fatal(err)
	}
	for k, tm := range terms {
		p := fmt.Sprintf("entry %d", k+1)
		if err := w.Append(ps.Entry{Index: int64(k + 1), Term: tm, Length: int64(len(p))}, strings.NewReader(p)); err != nil {
			t.Fatal(err)
		}
	}
	last := int64(len(terms))
	if err := w.Close(nodestate.State{Term: term, CommitIndex: commit, LastApplied: commit, LastIndex: last}); err != nil {
		t.Fatal(err)
	}
	if zero > 0 {
		zeroRecord(t, dir, zero)
	}
	return dir
}

// A crash at every step of repair --from --apply on the 5.7.1 leader
// leaves each file old or new, and the same command then finishes with
// the result of an uninterrupted run.
func TestHealCrash(t *testing.T) {
	set := filepath.Join(fixtures.Root(), "replicas", "5.7.1", "cluster-agree")
	crashTest(t, filepath.Join(set, "node1"), []string{"repair", "--from", filepath.Join(set, "node2"), "--apply"}, 0)
}

// A Table-format node healed from a WriteAheadLog replica: the rebuilt
// partition holds the replica's entries (term, command id, payload) in the
// Table layout, and diff then finds the two logs identical.
func TestHealFromWAL(t *testing.T) {
	set := filepath.Join(fixtures.Root(), "replicas", "6.12.0", "cluster-agree")
	dir := damagedCopy(t, filepath.Join(set, "node1"), 13) // partition 3: entries 12–15
	from := filepath.Join(set, "node2")
	if out, errs, code := run("repair", "--from", from, "--apply", dir); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	out, errs, code := run("diff", "--json", dir, from)
	var r struct{ Identical bool }
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != 0 || !r.Identical {
		t.Errorf("diff after heal: exit %d, %v\n%s%s", code, err, out, errs)
	}
}

// #244 T1 in the sparse format (a zero record, the payload in its slot):
// diff calls it local damage by T1, and repair --from rebuilds the record
// and keeps the payload, which sits where the sparse layout puts it.
func TestHealSparseT1(t *testing.T) {
	src := filepath.Join(fixtures.Root(), "5.26.2", "sparse-basic", "wal")
	dir := fixtures.Copy(t, src)
	zeroRecord(t, dir, 5)
	out, errs, code := run("diff", "--json", src, dir)
	var r diffReport
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != 1 {
		t.Fatalf("diff: exit %d, %v\n%s%s", code, err, out, errs)
	}
	if len(r.Differences) != 1 || r.Differences[0].Class != "local-damage" ||
		r.Differences[0].Bug != "DotNext #244 T1" {
		t.Fatalf("differences %+v", r.Differences)
	}
	p := openPlan(t, dir, repair.Options{From: src})
	p.Close()
	if h := p.Heal; len(h.Rebuilt) != 1 || h.Rebuilt[0].Index != 5 || h.Rebuilt[0].Payload != repair.PayloadKept {
		t.Fatalf("heal %+v", h)
	}
	if out, errs, code := run("repair", "--from", src, "--apply", dir); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if r, code := diffOf(t, "/", []string{src, dir}); code != 0 || !r.Identical {
		t.Errorf("after heal: exit %d, %+v", code, r)
	}
}

// A #292-padded entry is the appended entry with padding, not another
// entry: repair --from compares what was appended, finds no divergence,
// and the plain repair's correction of the record runs.
func TestHealPadded292(t *testing.T) {
	set := filepath.Join(fixtures.Root(), "replicas", "6.4.0", "cluster-agree")
	dir, from := fixtures.Copy(t, filepath.Join(set, "node1")), filepath.Join(set, "node2")
	out, errs, code := run("repair", "--from", from, "--apply", dir)
	if code != 0 ||
		!strings.Contains(out, "31 intact committed entries of DIR compared with the replica's, all equal") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if r, code := diffOf(t, "/", []string{from, dir}); code != 0 || !r.Identical {
		t.Errorf("after repair: exit %d, %+v", code, r)
	}
}
