package cmd

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/walctl/walctl/diff"
	"github.com/walctl/walctl/internal/fixtures"
)

// diffFacts are the fields of a replica set's expect.json that
// `walctl diff --json` reports under the same names (the nodes' Agreement
// first: a name that differs reads as zero on one side).
type diffFacts struct {
	diff.Agreement
	LastIndex   map[string]int64 `json:"lastIndex"`
	CommitIndex map[string]int64 `json:"commitIndex"`
	Behind      []behindFact     `json:"behind"`
	Divergent   []divergentFact  `json:"divergent"`
	// Padded292: per node, the indexes it holds with #292 padding.
	Padded292 map[string][]int64 `json:"padded292"`
	// Damaged244: per node, the indexes of its local #244 damage.
	Damaged244 map[string][]int64 `json:"damaged244"`
}

type behindFact struct {
	Node        string `json:"node"`
	LastIndex   int64  `json:"lastIndex"`
	MissingFrom int64  `json:"missingFrom"`
	MissingTo   int64  `json:"missingTo"`
}

type divergentFact struct {
	Node      string `json:"node"`
	FromIndex int64  `json:"fromIndex"`
	ToIndex   int64  `json:"toIndex"`
}

// normal makes empty lists compare equal however they were written.
func (f diffFacts) normal() diffFacts {
	if len(f.Behind) == 0 {
		f.Behind = nil
	}
	if len(f.Divergent) == 0 {
		f.Divergent = nil
	}
	if len(f.Damaged244) == 0 {
		f.Damaged244 = nil
	}
	return f
}

type replicaDir struct {
	name, dir string
	nodes     []string
}

func replicaDirs(t *testing.T) []replicaDir {
	t.Helper()
	exps, _ := filepath.Glob(filepath.Join(fixtures.Root(), "replicas", "*", "*", "expect.json"))
	sort.Strings(exps)
	if len(exps) == 0 {
		t.Fatal("no replica sets")
	}
	var out []replicaDir
	for _, e := range exps {
		d := filepath.Dir(e)
		rel, _ := filepath.Rel(fixtures.Root(), d)
		rd := replicaDir{name: filepath.ToSlash(rel), dir: d}
		for _, n := range []string{"node1", "node2", "node3"} {
			if _, err := os.Stat(filepath.Join(d, n)); err == nil {
				rd.nodes = append(rd.nodes, n)
			}
		}
		out = append(out, rd)
	}
	return out
}

func (r replicaDir) paths(nodes ...string) []string {
	var ps []string
	for _, n := range nodes {
		ps = append(ps, filepath.Join(r.dir, n))
	}
	return ps
}

func readFacts(t *testing.T, path string) diffFacts {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f diffFacts
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// Every replica set: `walctl diff --json node1 node2 node3` reports the
// facts of expect.json and exits 0 (consistent, no violation) or 1,
// without changing a byte.
func TestDiffReplicaSets(t *testing.T) {
	for _, rs := range replicaDirs(t) {
		t.Run(rs.name, func(t *testing.T) {
			want := readFacts(t, filepath.Join(rs.dir, "expect.json"))
			args := append([]string{"diff", "--json"}, rs.paths(rs.nodes...)...)
			out, errs, code := runReadOnly(t, rs.dir, args...)
			var got diffFacts
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("exit %d, bad JSON (%v): %s %s", code, err, out, errs)
			}
			if got, want := got.normal(), want.normal(); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			wantCode := exitDamaged
			if want.Consistent && want.LogMatchingViolations == 0 && len(want.Padded292) == 0 {
				wantCode = exitOK
			}
			if code != wantCode || errs != "" {
				t.Errorf("exit %d (stderr %q), want %d", code, errs, wantCode)
			}
		})
	}
}

// Per pair, the facts the cluster run observed (manifest.observed.pairs),
// for the sets whose files were not damaged after the run.
func TestDiffReplicaPairs(t *testing.T) {
	for _, rs := range replicaDirs(t) {
		want := readFacts(t, filepath.Join(rs.dir, "expect.json"))
		var man struct {
			Damage   json.RawMessage `json:"damage"`
			Observed struct {
				Pairs []struct {
					A, B          string
					CommonPrefix  int64           `json:"commonPrefix"`
					FirstConflict *int64          `json:"firstConflictIndex"`
					Overlap       int64           `json:"committedOverlap"`
					Violations    json.RawMessage `json:"logMatchingViolations"`
				} `json:"pairs"`
			} `json:"observed"`
		}
		b, err := os.ReadFile(filepath.Join(rs.dir, "manifest.json"))
		if err != nil || json.Unmarshal(b, &man) != nil {
			t.Fatalf("%s: manifest: %v", rs.name, err)
		}
		if len(man.Damage) > 0 && string(man.Damage) != "null" {
			continue
		}
		for _, p := range man.Observed.Pairs {
			t.Run(rs.name+"/"+p.A+"-"+p.B, func(t *testing.T) {
				out, errs, code := run(t, append([]string{"diff", "--json"}, rs.paths(p.A, p.B)...)...)
				var got diffFacts
				if err := json.Unmarshal([]byte(out), &got); err != nil {
					t.Fatalf("exit %d: %v %s", code, err, errs)
				}
				// The run lists every index from the first clash on whose Log
				// Matching premise fails (same term, a differing prefix); walctl
				// counts the indexes whose own entries clash: none exactly when
				// the list is empty, and the first one where the list starts.
				var observed []int64
				if err := json.Unmarshal(p.Violations, &observed); err != nil {
					t.Fatal(err)
				}
				clashes := (got.LogMatchingViolations == 0) == (len(observed) == 0) && (len(observed) == 0 ||
					(observed[0] == deref64(got.FirstConflictIndex) && got.LogMatchingViolations <= int64(len(observed))))
				if deref64(got.FirstConflictIndex) != deref64(p.FirstConflict) || !clashes ||
					got.SharedCommittedPrefix != min(p.Overlap, p.CommonPrefix) {
					t.Errorf("got %+v, observed %+v", got, p)
				}
				padded := len(want.Padded292[p.A]) > 0 || len(want.Padded292[p.B]) > 0
				if want := map[bool]int{true: exitOK, false: exitDamaged}[p.FirstConflict == nil && !padded]; code != want {
					t.Errorf("exit %d, want %d", code, want)
				}
			})
		}
	}
}

// Mixed formats, same entries: identical, exit 0; the names are made
// unique from the paths (both directories are called wal).
func TestDiffMixedFormats(t *testing.T) {
	legacy := filepath.Join(fixtures.Root(), "5.26.2", "legacy-basic", "wal")
	table := filepath.Join(fixtures.Root(), "5.26.2", "table-basic", "wal")
	out, errs, code := run(t, "diff", "--json", legacy, table)
	var got struct {
		Identical bool             `json:"identical"`
		LastIndex map[string]int64 `json:"lastIndex"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitOK {
		t.Fatalf("exit %d %v %s", code, err, errs)
	}
	want := map[string]int64{"legacy-basic/wal": 10, "table-basic/wal": 10}
	if !got.Identical || !reflect.DeepEqual(got.LastIndex, want) {
		t.Errorf("identical %v, last %v", got.Identical, got.LastIndex)
	}
}

func TestDiffUsage(t *testing.T) {
	node := filepath.Join(fixtures.Root(), "replicas", "6.12.0", "cluster-agree", "node1")
	cases := []struct {
		name     string
		args     []string
		contains string
	}{
		{"one directory", []string{"diff", node}, "at least two"},
		{"no directory", []string{"diff"}, "at least two"},
		{"negative context", []string{"diff", "--context", "-1", node, node}, "--context"},
		{"missing directory", []string{"diff", node, filepath.Join(t.TempDir(), "nope")}, "no such file"},
		{"not a log", []string{"diff", node, t.TempDir()}, "not a DotNext log"},
		{"bad format", []string{"diff", "--format", "zip", node, node}, "--format"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errs, code := run(t, c.args...)
			if code != exitError || !strings.Contains(errs, c.contains) || out != "" ||
				strings.Contains(errs, "panic") {
				t.Errorf("exit %d, stdout %q, stderr %q (want %q)", code, out, errs, c.contains)
			}
		})
	}
}

// The same directory twice is a valid (trivially identical) comparison.
func TestDiffSameDirTwice(t *testing.T) {
	node := filepath.Join(fixtures.Root(), "replicas", "6.12.0", "cluster-agree", "node1")
	out, errs, code := run(t, "diff", "--context", "0", node, node)
	if code != exitOK || !strings.Contains(out, "node1#1") || !strings.Contains(out, "identical") {
		t.Errorf("exit %d: %s %s", code, out, errs)
	}
}

// The 6.4.0 cluster whose followers hold entry 20 with #292 padding: diff
// names #292 as the cause, picks the leader that holds the appended payload
// as the source and advises repair on the padded nodes; after
// `walctl repair --apply` on each of them the logs are identical.
func TestDiffPadded292ThenRepair(t *testing.T) {
	set := filepath.Join(fixtures.Root(), "replicas", "6.4.0", "cluster-agree")
	root := t.TempDir()
	var dirs []string
	for _, n := range []string{"node1", "node2", "node3"} {
		dirs = append(dirs, fixtures.CopyTo(t, filepath.Join(set, n), filepath.Join(root, n)))
	}
	out, errs, code := run(t, append([]string{"diff", "--json"}, dirs...)...)
	var r struct {
		Source     struct{ Node string } `json:"source"`
		Padded292  map[string][]int64    `json:"padded292"`
		Violations []struct {
			Index int64  `json:"index"`
			Cause string `json:"cause"`
		} `json:"violations"`
		Findings []struct {
			Severity, Code, Message, Fix string
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != exitDamaged {
		t.Fatalf("exit %d (%v): %s", code, err, errs)
	}
	if r.Source.Node != "node2" || fmt.Sprint(r.Padded292) != "map[node1:[20] node3:[20]]" ||
		len(r.Violations) != 1 || r.Violations[0].Index != 20 || !strings.Contains(r.Violations[0].Cause, "#292") {
		t.Errorf("source %s, padded %v, violations %+v", r.Source.Node, r.Padded292, r.Violations)
	}
	var padded []string
	for _, f := range r.Findings {
		switch f.Code {
		case "log-matching-violation":
			t.Errorf("a Log Matching violation without #292 as its cause: %s", f.Message)
		case "replica-padded-292":
			padded = append(padded, f.Message[:5])
			if !strings.Contains(f.Fix, "walctl repair --apply "+dirs[0]) ||
				!strings.Contains(f.Fix, "walctl repair --apply "+dirs[2]) ||
				!strings.Contains(f.Message, "node2 holds the appended payload") {
				t.Errorf("finding %+v", f)
			}
		}
	}
	if fmt.Sprint(padded) != "[node1 node3]" {
		t.Errorf("padded findings for %v", padded)
	}
	text, _, _ := run(t, append([]string{"diff"}, dirs...)...)
	if !strings.Contains(text, "#292") || !strings.Contains(text, "safest source:            node2") {
		t.Errorf("text output:\n%s", text)
	}
	for _, k := range []int{0, 2} {
		backup := filepath.Join(root, fmt.Sprintf("backup%d", k))
		if out, errs, code := run(t, "repair", "--apply", "--backup", backup, dirs[k]); code != 0 {
			t.Fatalf("repair %s: exit %d\n%s%s", dirs[k], code, out, errs)
		}
	}
	out, errs, code = run(t, append([]string{"diff", "--json"}, dirs...)...)
	var after diffFacts
	if err := json.Unmarshal([]byte(out), &after); err != nil || code != exitOK || !after.Identical ||
		after.Padded292 != nil || after.LogMatchingViolations != 0 || after.FirstConflictIndex != nil {
		t.Errorf("after repair: exit %d %+v (%v) %s", code, after, err, errs)
	}
}
