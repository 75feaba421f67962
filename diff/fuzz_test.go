package diff

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/raftlog"
)

// fuzzReplicas decodes bytes into 2–4 small fake logs: per log a commit
// index, an optional snapshot and up to 23 entries, each byte giving a term
// (1–4), a payload variant and whether the entry is damaged, or a hole, or
// an empty slot.
func fuzzReplicas(data []byte) []Replica {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	n := 2 + int(next()%3)
	var reps []Replica
	for k := 0; k < n; k++ {
		commit := int64(next() % 32)
		snapByte := next()
		snap, snapTerm := int64(0), int64(0)
		if snapByte%4 == 0 && snapByte > 0 {
			snap, snapTerm = int64(snapByte>>2)%8+1, int64(snapByte>>5)%4+1
		}
		var words []string
		for j := int(next() % 24); j > 0; j-- {
			b := next()
			term := int64(b>>4)%4 + 1
			w := itoa(term)
			switch b & 3 {
			case 3:
				w = "-"
				if b&8 != 0 {
					w = "e"
				}
			case 2:
				w += "y"
			case 1:
				w += "x"
			}
			if b&4 != 0 && b&3 != 3 {
				w += "!" // its own read finds it damaged
			}
			words = append(words, w)
		}
		reps = append(reps, fake(string(rune('a'+k)), commit, strings.Join(words, " "), snap, snapTerm))
	}
	return reps
}

// encodeTerms is the inverse for seeds: one log per term list.
func encodeTerms(commits []int64, terms [][]int64) []byte {
	out := []byte{byte(len(terms) - 2)}
	for k, ts := range terms {
		out = append(out, byte(commits[k]), 0, byte(len(ts)))
		for _, t := range ts {
			out = append(out, byte((t-1)%4)<<4)
		}
	}
	return out
}

// FuzzCompare: no panic, no error, deterministic, the oracle's facts,
// independent of the order of the logs, and well-formed ranges and windows.
func FuzzCompare(f *testing.F) {
	// Seeds: the term sequences of the real cluster runs.
	mans, _ := filepath.Glob(filepath.Join(fixtures.Root(), "replicas", "*", "*", "manifest.json"))
	sort.Strings(mans)
	for _, m := range mans {
		var man struct {
			Observed struct {
				Nodes []struct {
					Commit int64   `json:"lastCommittedEntryIndex"`
					Terms  []int64 `json:"termsByIndex"`
				} `json:"nodes"`
			} `json:"observed"`
		}
		fixtures.ReadJSON(f, m, &man)
		var commits []int64
		var terms [][]int64
		for _, n := range man.Observed.Nodes {
			commits, terms = append(commits, n.Commit), append(terms, n.Terms)
		}
		if len(terms) >= 2 && len(terms) <= 4 {
			f.Add(encodeTerms(commits, terms))
		}
	}
	f.Add([]byte{0, 3, 0, 3, 0x00, 0x10, 0x11, 3, 0, 3, 0x00, 0x10, 0x10})
	f.Add([]byte{1, 5, 0x14, 4, 0x20, 0x21, 0x23, 0x30, 2, 0, 2, 0x00, 0x00, 9, 0x28, 1, 0x20})
	f.Fuzz(func(t *testing.T, data []byte) {
		reps := fuzzReplicas(data)
		r, err := Compare(reps, Options{Context: 2})
		if err != nil {
			t.Fatal(err)
		}
		again := mustCompare(t, fuzzReplicas(data), Options{Context: 2})
		a, _ := json.Marshal(r)
		b, _ := json.Marshal(again)
		if string(a) != string(b) {
			t.Fatal("not deterministic")
		}
		var logs []oLog
		for _, rep := range reps {
			logs = append(logs, oracleOfFake(rep))
		}
		if got, want := factsOf(r), oracle(logs...); !reflect.DeepEqual(got, want) {
			t.Fatalf("facts\n got %+v\nwant %+v", got, want)
		}
		rev := append([]Replica{}, reps...)
		for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
			rev[i], rev[j] = rev[j], rev[i]
		}
		if got := factsOf(mustCompare(t, rev, Options{})); !reflect.DeepEqual(got, factsOf(r)) {
			t.Fatalf("order matters: %+v vs %+v", got, factsOf(r))
		}
		checkShape(t, r)
		checkLocalDamage(t, reps, r)
	})
}

// checkLocalDamage: local damage lies only where the node's own read finds
// its entry damaged or empty, or lacks it inside its declared range, and
// some other node holds an intact entry there.
func checkLocalDamage(t *testing.T, reps []Replica, r *Report) {
	t.Helper()
	held := func(rep Replica, i int64) (raftlog.Entry, bool) {
		for _, e := range rep.Log.(*fakeLog).entries {
			if e.Index == i && !e.IsSnapshot {
				return e, true
			}
		}
		return raftlog.Entry{}, false
	}
	for k, n := range r.Nodes {
		for _, d := range n.LocalDamage {
			for i := d.From; i <= d.To; i++ {
				e, ok := held(reps[k], i)
				if ok && e.State == raftlog.EntryOK {
					t.Fatalf("%s: local damage at %d where it holds an intact entry", n.Name, i)
				}
				if !ok && i > max(reps[k].State.CommitIndex, reps[k].State.LastIndex) {
					t.Fatalf("%s: local damage at %d past its declared range", n.Name, i)
				}
				intact := false
				for j, o := range reps {
					if oe, ok := held(o, i); ok && j != k && oe.State == raftlog.EntryOK {
						intact = true
					}
				}
				if !intact {
					t.Fatalf("%s: local damage at %d, but no other node holds it intact", n.Name, i)
				}
			}
		}
	}
}

// checkShape checks what must hold of any report.
func checkShape(t *testing.T, r *Report) {
	t.Helper()
	if r.Consistent != (r.FirstConflictIndex == nil) || r.Identical != (r.FirstDifferingIndex == nil) {
		t.Fatalf("consistent/identical disagree with the indexes: %+v", r)
	}
	if r.FirstConflictIndex != nil && *r.FirstConflictIndex < *r.FirstDifferingIndex {
		t.Fatalf("first conflict %d before first difference %d", *r.FirstConflictIndex, *r.FirstDifferingIndex)
	}
	if r.LogMatchingViolations > 0 && r.Consistent {
		t.Fatal("a Log Matching violation in consistent logs")
	}
	top := int64(0)
	for _, n := range r.Nodes {
		top = max(top, n.LastIndex)
		if r.SharedCommittedPrefix > n.CommitIndex || n.AgreedCommitted > n.CommitIndex ||
			n.AgreedCommitted > n.AgreedPrefix {
			t.Fatalf("prefixes past the commit index: shared %d, node %+v", r.SharedCommittedPrefix, n)
		}
	}
	for _, n := range r.Nodes {
		var rs []Range
		rs = append(rs, n.Missing...)
		for _, s := range n.Diverging {
			rs = append(rs, Range{s.From, s.To})
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].From < rs[j].From })
		for j, x := range rs {
			if x.From < 1 || x.To < x.From || x.To > top || (j > 0 && x.From <= rs[j-1].To) {
				t.Fatalf("%s: bad or overlapping ranges %v", n.Name, rs)
			}
		}
	}
	for _, p := range r.Pairs {
		if p.Consistent != (p.FirstConflictIndex == nil) || p.SharedCommittedPrefix < r.SharedCommittedPrefix {
			t.Fatalf("pair %+v against overall shared %d", p, r.SharedCommittedPrefix)
		}
	}
	for _, w := range r.Windows {
		if len(w.Rows) > 4*2+9 {
			t.Fatalf("window of %d rows", len(w.Rows))
		}
		for j, row := range w.Rows {
			// increasing; indexes no log holds have no row
			if row.To < row.Index || (j > 0 && row.Index <= w.Rows[j-1].To) {
				t.Fatalf("window rows out of order: %+v", w)
			}
			if row.Elided == 0 && len(row.Cells) != len(r.Nodes) {
				t.Fatalf("row with %d cells for %d nodes", len(row.Cells), len(r.Nodes))
			}
		}
	}
}
