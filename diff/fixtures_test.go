package diff

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/logdir"
)

// replicaExpect is a replica set's expect.json: the Agreement of the nodes
// under the names the Report gives it (an expect.json name that differs
// reads as zero and fails TestReplicaSets), then the rest.
type replicaExpect struct {
	Agreement
	LastIndex   map[string]int64 `json:"lastIndex"`
	CommitIndex map[string]int64 `json:"commitIndex"`
	Behind      []Behind         `json:"behind"`
	Divergent   []struct {
		Node      string `json:"node"`
		FromIndex int64  `json:"fromIndex"`
		ToIndex   int64  `json:"toIndex"`
	} `json:"divergent"`
	Overwritten []Overwrite        `json:"overwritten"`
	Padded292   map[string][]int64 `json:"padded292"`
	Damaged244  map[string][]int64 `json:"damaged244"`
}

// replicaManifest is the part of a replica set's manifest.json the tests use.
type replicaManifest struct {
	Damage   *struct{ Node string } `json:"damage"`
	Observed struct {
		Pairs []struct {
			A, B              string
			CommonPrefix      int64             `json:"commonPrefix"`
			FirstConflict     *int64            `json:"firstConflictIndex"`
			CommittedOverlap  int64             `json:"committedOverlap"`
			LogMatchingViolas []json.RawMessage `json:"logMatchingViolations"`
		} `json:"pairs"`
	} `json:"observed"`
}

// nodeReadback is a replica's nodeN.readback.json.
type nodeReadback struct {
	State struct {
		LastCommittedEntryIdx int64 `json:"lastCommittedEntryIndex"`
	} `json:"state"`
	Entries []fixtures.ReadEntry `json:"entries"`
}

type replicaSet struct {
	name   string
	dir    string
	nodes  []string // node1, node2, …
	expect replicaExpect
	man    replicaManifest
}

func replicaSets(t *testing.T) []replicaSet {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(fixtures.Root(), "replicas", "*", "*", "expect.json"))
	sort.Strings(dirs)
	if len(dirs) == 0 {
		t.Fatal("no replica sets under testdata/fixtures/replicas")
	}
	var sets []replicaSet
	for _, e := range dirs {
		d := filepath.Dir(e)
		rel, _ := filepath.Rel(filepath.Join(fixtures.Root(), "replicas"), d)
		s := replicaSet{name: filepath.ToSlash(rel), dir: d}
		fixtures.ReadJSON(t, e, &s.expect)
		fixtures.ReadJSON(t, filepath.Join(d, "manifest.json"), &s.man)
		nodes, _ := filepath.Glob(filepath.Join(d, "node*[0-9]"))
		sort.Strings(nodes)
		for _, n := range nodes {
			if info, err := os.Stat(n); err == nil && info.IsDir() {
				s.nodes = append(s.nodes, filepath.Base(n))
			}
		}
		sets = append(sets, s)
	}
	return sets
}

// openReplicas opens log directories as replicas named names.
func openReplicas(t testing.TB, dirs, names []string) []Replica {
	t.Helper()
	var reps []Replica
	for k, d := range dirs {
		l, err := logdir.Open(d, logdir.Options{})
		if err != nil {
			t.Fatalf("open %s: %v", d, err)
		}
		t.Cleanup(func() { l.Close() })
		reps = append(reps, FromLogdir(names[k], l))
	}
	return reps
}

func (s replicaSet) replicas(t testing.TB, names ...string) []Replica {
	var dirs []string
	for _, n := range names {
		dirs = append(dirs, filepath.Join(s.dir, n))
	}
	return openReplicas(t, dirs, names)
}

// Every replica set: the facts of expect.json, exactly.
func TestReplicaSets(t *testing.T) {
	for _, s := range replicaSets(t) {
		t.Run(s.name, func(t *testing.T) {
			r := mustCompare(t, s.replicas(t, s.nodes...), Options{})
			x := s.expect
			want := facts{Identical: x.Identical, Consistent: x.Consistent, Shared: x.SharedCommittedPrefix,
				FirstDiff: deref(x.FirstDifferingIndex), FirstConflict: deref(x.FirstConflictIndex),
				Violations: x.LogMatchingViolations, LastIndex: x.LastIndex, CommitIndex: x.CommitIndex}
			if got := factsOf(r); !reflect.DeepEqual(got, want) {
				t.Errorf("facts\n got %+v\nwant %+v", got, want)
			}
			if r.OK() != (x.Consistent && x.LogMatchingViolations == 0 && len(x.Padded292) == 0) {
				t.Errorf("OK() = %v", r.OK())
			}
			if !reflect.DeepEqual(r.Padded292, x.Padded292) {
				t.Errorf("padded292 %v, want %v", r.Padded292, x.Padded292)
			}
			checkPadded292Source(t, r)
			if len(r.Damaged244) > 0 || len(x.Damaged244) > 0 {
				if !reflect.DeepEqual(r.Damaged244, x.Damaged244) {
					t.Errorf("damaged244 %v, want %v", r.Damaged244, x.Damaged244)
				}
			}
			checkClasses(t, r, x)
			if !reflect.DeepEqual(r.Behind, listed(x.Behind)) {
				t.Errorf("behind %+v, want %+v", r.Behind, x.Behind)
			}
			var div []string
			for _, d := range r.Divergent {
				div = append(div, d.Node+":"+Range{d.FromIndex, d.ToIndex}.String())
			}
			var wantDiv []string
			for _, d := range x.Divergent {
				wantDiv = append(wantDiv, d.Node+":"+Range{d.FromIndex, d.ToIndex}.String())
			}
			if !reflect.DeepEqual(div, wantDiv) {
				t.Errorf("divergent %v, want %v", div, wantDiv)
			}
			// Entries already overwritten on disk leave no trace to compare;
			// the pending ones must match exactly.
			var pending []Overwrite
			for _, o := range x.Overwritten {
				if !o.PhysicallyOverwritten {
					pending = append(pending, o)
				}
			}
			if !reflect.DeepEqual(r.Overwritten, listed(pending)) {
				t.Errorf("overwritten %+v, want %+v", r.Overwritten, pending)
			}
			checkSeverities(t, r)
		})
	}
}

// checkPadded292Source: a node with #292-padded entries is never the
// source while another node holds none, and every violation padding
// explains names it as the cause.
func checkPadded292Source(t *testing.T, r *Report) {
	t.Helper()
	if len(r.Padded292) == 0 {
		return
	}
	if _, padded := r.Padded292[r.Source.Node]; padded && len(r.Padded292) < len(r.Nodes) {
		t.Errorf("source %s holds padded entries: %s", r.Source.Node, r.Source.Reason)
	}
	for _, v := range r.Violations {
		if !strings.Contains(v.Cause, "#292") {
			t.Errorf("violation at %d without #292 as its cause: %+v", v.Index, v)
		}
	}
	if r.Padded292ViolationCount != r.LogMatchingViolations {
		t.Errorf("%d of %d violations explained by #292", r.Padded292ViolationCount, r.LogMatchingViolations)
	}
}

// checkClasses: a node the fixture names as damaged by a library defect
// (damaged244, padded292) has local damage at exactly those indexes, named
// with the defect and the command that heals it, and no divergence or
// "two histories" finding; every other node has no local damage.
func checkClasses(t *testing.T, r *Report, x replicaExpect) {
	t.Helper()
	want := map[string][]int64{}
	bug := map[string]string{}
	for n, is := range x.Damaged244 {
		want[n], bug[n] = is, BugT1
	}
	for n, is := range x.Padded292 {
		want[n], bug[n] = is, Bug292
	}
	got := map[string][]int64{}
	for _, d := range r.Differences {
		switch d.Class {
		case ClassLocalDamage:
			if d.Bug != bug[d.Node] {
				t.Errorf("%s: local damage by %q, want %q", d.Node, d.Bug, bug[d.Node])
			}
			for _, rg := range d.Indexes {
				for i := rg.From; i <= rg.To; i++ {
					got[d.Node] = append(got[d.Node], i)
				}
			}
			cmd := "walctl repair --from "
			if d.Bug == Bug292 {
				cmd = "walctl repair --apply "
			}
			if !strings.HasPrefix(d.Heal, cmd) || !strings.HasSuffix(d.Heal, d.Dir) {
				t.Errorf("%s: heal %q", d.Node, d.Heal)
			}
			for _, i := range want[d.Source] {
				for _, rg := range d.Indexes {
					if rg.From <= i && i <= rg.To {
						t.Errorf("%s heals from %s, which lost index %d too", d.Node, d.Source, i)
					}
				}
			}
		case ClassDivergence:
			if want[d.Node] != nil {
				t.Errorf("%s: a divergence on a node damaged by a library defect: %+v", d.Node, d)
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("local damage %v, want %v", got, want)
	}
	if len(want) > 0 {
		for _, f := range r.Findings {
			if f.Code == finding.ReplicaDivergentCommitted || strings.Contains(f.Fix, "decide which history to keep") {
				t.Errorf("a damaged set gets a two-histories finding: %+v", f)
			}
		}
	}
}

// checkSeverities: a Log Matching violation not explained by #292 padding,
// a committed divergence and a node with padded entries are errors, an
// uncommitted divergence a warning.
func checkSeverities(t *testing.T, r *Report) {
	t.Helper()
	count := map[string]int{}
	for _, f := range r.Findings {
		count[string(f.Severity)+" "+string(f.Code)]++
	}
	if got := int64(count["error "+string(finding.LogMatchingViolation)]); got != r.LogMatchingViolations-r.Padded292ViolationCount {
		t.Errorf("%d log-matching errors for %d violations (%d explained by #292)",
			got, r.LogMatchingViolations, r.Padded292ViolationCount)
	}
	if got := count["error "+string(finding.ReplicaPadded292)]; got != len(r.Padded292) {
		t.Errorf("%d %s errors for %d padded nodes", got, finding.ReplicaPadded292, len(r.Padded292))
	}
	var committed, uncommitted int
	for _, d := range r.Divergent {
		if d.Committed {
			committed++
		} else {
			uncommitted++
		}
	}
	if count["error "+string(finding.ReplicaDivergentCommitted)] != committed ||
		count["warning "+string(finding.ReplicaDivergentUncommitted)] != uncommitted {
		t.Errorf("findings %v for %d committed and %d uncommitted divergent spans", count, committed, uncommitted)
	}
}

// The oracle itself reproduces expect.json from what the library read back
// from each node: it can then be trusted on sets that have no expect.json.
func TestOracleAgreesWithExpect(t *testing.T) {
	for _, s := range replicaSets(t) {
		t.Run(s.name, func(t *testing.T) {
			var logs []oLog
			for _, n := range s.nodes {
				var rb nodeReadback
				fixtures.ReadJSON(t, filepath.Join(s.dir, n+".readback.json"), &rb)
				logs = append(logs, oracleOfReadback(n, rb.State.LastCommittedEntryIdx, rb.Entries))
			}
			got := oracle(logs...)
			x := s.expect
			if got.Shared != x.SharedCommittedPrefix || got.FirstDiff != deref(x.FirstDifferingIndex) ||
				got.FirstConflict != deref(x.FirstConflictIndex) || got.Violations != x.LogMatchingViolations ||
				got.Consistent != x.Consistent || got.Identical != x.Identical {
				t.Errorf("oracle %+v disagrees with expect.json %+v", got, x)
			}
		})
	}
}

// Per pair, the facts the cluster run observed (sets whose files were not
// damaged afterwards: the observation predates the damage).
func TestReplicaPairs(t *testing.T) {
	for _, s := range replicaSets(t) {
		if s.man.Damage != nil {
			continue
		}
		for _, p := range s.man.Observed.Pairs {
			t.Run(s.name+"/"+p.A+"-"+p.B, func(t *testing.T) {
				r := mustCompare(t, s.replicas(t, p.A, p.B), Options{})
				if len(r.Pairs) != 1 {
					t.Fatalf("%d pairs for two nodes", len(r.Pairs))
				}
				got := r.Pairs[0]
				// The run lists every index from the first clash on whose Log
				// Matching premise fails (same term, a differing prefix); walctl
				// counts the indexes whose own entries clash. They agree on
				// whether there is one and on where the first is.
				clashes := (got.LogMatchingViolations == 0) == (len(p.LogMatchingViolas) == 0)
				if len(p.LogMatchingViolas) > 0 {
					clashes = clashes && string(p.LogMatchingViolas[0]) == fmt.Sprint(deref(got.FirstConflictIndex)) &&
						got.LogMatchingViolations <= int64(len(p.LogMatchingViolas))
				}
				if got.CommonPrefix != p.CommonPrefix || deref(got.FirstConflictIndex) != deref(p.FirstConflict) ||
					!clashes ||
					got.SharedCommittedPrefix != min(p.CommittedOverlap, p.CommonPrefix) {
					t.Errorf("pair %+v, observed %+v", got, p)
				}
				if got.SharedCommittedPrefix != r.SharedCommittedPrefix ||
					deref(got.FirstDifferingIndex) != deref(r.FirstDifferingIndex) {
					t.Errorf("the only pair %+v disagrees with the overall facts", got)
				}
			})
		}
	}
}

func oracleOfReadback(name string, commit int64, entries []fixtures.ReadEntry) oLog {
	l := oLog{name: name, commit: commit, entries: map[int64]oEntry{}}
	for _, e := range entries {
		if e.IsSnapshot {
			l.snap, l.snapTerm = e.Index, e.Term
			continue
		}
		l.entries[e.Index] = oEntry{term: e.Term, cmd: cmdText(e.CommandID), length: e.Length, sha: e.SHA256}
	}
	return l
}

// Every pair of healthy single-node fixtures — mixed formats and versions,
// the same entries written in different formats, prefixes, payloads
// flipped in logs without checksums — compared as two replicas: the facts
// the oracle derives from the two manifests' readback.
func TestFixturePairs(t *testing.T) {
	type opened struct {
		f   fixtures.Fixture
		rep Replica
	}
	var all []opened
	for _, tool := range []string{"fixturegen-ps", "fixturegen-wal"} {
		for _, f := range fixtures.All(t, tool) {
			if f.Expect.Verdict != "ok" || f.Manifest.Readback.HasError() {
				continue
			}
			all = append(all, opened{f, openReplicas(t, []string{f.WAL}, []string{f.Name})[0]})
		}
	}
	if len(all) < 20 {
		t.Fatalf("only %d healthy fixtures", len(all))
	}
	pairs := 0
	for a := range all {
		for b := a + 1; b < len(all); b++ {
			x, y := all[a], all[b]
			r := mustCompare(t, []Replica{x.rep, y.rep}, Options{})
			want := oracle(oracleOfFixture(x.f), oracleOfFixture(y.f))
			if got := factsOf(r); !reflect.DeepEqual(got, want) {
				t.Errorf("%s vs %s:\n got %+v\nwant %+v", x.f.Name, y.f.Name, got, want)
			}
			pairs++
		}
	}
	t.Logf("%d fixture pairs compared", pairs)
}

func oracleOfFixture(f fixtures.Fixture) oLog {
	rb := f.Manifest.Readback
	return oracleOfReadback(f.Name, rb.State.LastCommittedEntryIdx, rb.Entries)
}

// A payload flipped in a log without checksums verifies clean on its own;
// next to its source it is a Log Matching violation at the damaged index.
func TestPayloadFlipIsLogMatchingViolation(t *testing.T) {
	for _, name := range []string{"5.26.2/legacy-basic+payload-flip", "5.26.2/table-nocheck+payload-flip"} {
		t.Run(name, func(t *testing.T) {
			f := fixtures.Load(t, filepath.Join(fixtures.Root(), filepath.FromSlash(name)))
			src := strings.SplitN(name, "+", 2)[0]
			reps := openReplicas(
				t,
				[]string{filepath.Join(fixtures.Root(), filepath.FromSlash(src), "wal"), f.WAL},
				[]string{"source", "flipped"},
			)
			r := mustCompare(t, reps, Options{})
			idx := *f.Manifest.Damage.Index
			if r.LogMatchingViolations != 1 || len(r.Violations) != 1 || r.Violations[0].Index != idx {
				t.Fatalf("violations %d %+v, want one at %d", r.LogMatchingViolations, r.Violations, idx)
			}
			if r.OK() || deref(r.FirstConflictIndex) != idx {
				t.Errorf("first conflict %v, want %d", deref(r.FirstConflictIndex), idx)
			}
		})
	}
}
