package diff

import (
	"errors"
	"io"
	"io/fs"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/raftlog"
)

// Hand-built replica sets for the rules the fixtures do not reach. The
// overall facts are checked against the oracle; the table gives standing,
// severities and the source.
func TestStandings(t *testing.T) {
	type node struct {
		commit     int64
		spec       string
		snap, term int64
	}
	cases := []struct {
		name  string
		nodes []node
		// per node: standing words, missing ranges, diverging ranges (c = committed)
		standing []string
		missing  []string
		diverge  []string
		source   string
		codes    []string // severity code, in order
	}{
		{
			"identical",
			[]node{{3, "1 1 2", 0, 0}, {3, "1 1 2", 0, 0}},
			[]string{"identical", "identical"},
			[]string{"", ""},
			[]string{"", ""},
			"n1",
			nil,
		},
		{"a follower behind", []node{{4, "1 1 2 2", 0, 0}, {2, "1 1", 0, 0}, {4, "1 1 2 2", 0, 0}},
			[]string{"identical", "behind", "identical"}, []string{"", "3–4", ""}, []string{"", "", ""}, "n1",
			[]string{"info replica-behind"}},
		// The old leader's uncommitted suffix is longer than the new leader's
		// log: the others are not "behind" on entries of a dead branch.
		{"long stale suffix", []node{{2, "1 1 1 1 1 1", 0, 0}, {4, "1 1 2 2", 0, 0}, {4, "1 1 2 2", 0, 0}},
			[]string{"divergent", "identical", "identical"}, []string{"", "", ""}, []string{"3–6", "", ""}, "n2",
			[]string{"warning replica-divergent-uncommitted"}},
		{"committed entry differs", []node{{3, "1 1 1", 0, 0}, {3, "1 1 2", 0, 0}, {2, "1 1 2", 0, 0}},
			[]string{"divergent", "identical", "identical"}, []string{"", "", ""}, []string{"3c", "", ""}, "n2",
			[]string{"error replica-divergent-committed"}},
		{"divergent and behind", []node{{2, "1 1 1", 0, 0}, {5, "1 1 2 2 2", 0, 0}, {5, "1 1 2 2 2", 0, 0}},
			[]string{
				"divergent+behind",
				"identical",
				"identical",
			}, []string{"4–5", "", ""}, []string{"3", "", ""}, "n2",
			[]string{"warning replica-divergent-uncommitted", "info replica-behind"}},
		{"rotted payload", []node{{3, "1 1 1x", 0, 0}, {3, "1 1 1", 0, 0}, {3, "1 1 1", 0, 0}},
			[]string{"corrupt", "identical", "identical"}, []string{"", "", ""}, []string{"", "", ""}, "n2",
			[]string{"error log-matching-violation"}},
		// Two nodes, same term, different payloads: nothing tells which one is
		// right; the earlier node is the reference.
		{"rotted payload, two nodes", []node{{3, "1 1 1", 0, 0}, {3, "1 1 1x", 0, 0}},
			[]string{"identical", "corrupt"}, []string{"", ""}, []string{"", ""}, "n1",
			[]string{"error log-matching-violation"}},
		{"hole", []node{{1, "1 - 1", 0, 0}, {3, "1 1 1", 0, 0}},
			[]string{"behind", "identical"}, []string{"2", ""}, []string{"", ""}, "n2",
			[]string{"info replica-behind"}},
		// A committed index missing inside the node's own log, held by the
		// other node: local damage, not a node behind.
		{"hole below the commit index", []node{{3, "1 - 1", 0, 0}, {3, "1 1 1", 0, 0}},
			[]string{"damaged", "identical"}, []string{"", ""}, []string{"", ""}, "n2",
			[]string{"error replica-local-damage"}},
		{"snapshot agrees by term", []node{{7, "2 2", 5, 2}, {7, "1 1 2 2 2 2 2", 0, 0}},
			[]string{"identical", "identical"}, []string{"", ""}, []string{"", ""}, "n1",
			[]string{"info replica-snapshot"}},
		{"snapshot of another term", []node{{7, "3 3", 5, 3}, {7, "1 1 2 2 2 2 2", 0, 0}, {7, "1 1 2 2 2 2 2", 0, 0}},
			[]string{"divergent", "identical", "identical"}, []string{"", "", ""}, []string{"5–7c", "", ""}, "n2",
			[]string{"error replica-divergent-committed", "info replica-snapshot"}},
		{"behind a snapshot", []node{{6, "2", 5, 2}, {2, "1 1", 0, 0}},
			[]string{"identical", "behind"}, []string{"", "3–6"}, []string{"", ""}, "n1",
			[]string{"info replica-snapshot", "info replica-behind"}},
		{"both snapshots", []node{{9, "3 3", 7, 3}, {9, "3 3 3 3", 5, 2}},
			[]string{"identical", "identical"}, []string{"", ""}, []string{"", ""}, "n1",
			[]string{"info replica-snapshot", "info replica-snapshot"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var reps []Replica
			var logs []oLog
			for k, n := range c.nodes {
				r := fake("n"+string(rune('1'+k)), n.commit, n.spec, n.snap, n.term)
				reps = append(reps, r)
				logs = append(logs, oracleOfFake(r))
			}
			r := mustCompare(t, reps, Options{})
			if got, want := factsOf(r), oracle(logs...); !reflect.DeepEqual(got, want) {
				t.Errorf("facts\n got %+v\nwant %+v", got, want)
			}
			for k, n := range r.Nodes {
				if got := strings.Join(n.Standing, "+"); got != c.standing[k] {
					t.Errorf("%s standing %s, want %s", n.Name, got, c.standing[k])
				}
				if got := rangesText(n.Missing, nil); got != c.missing[k] {
					t.Errorf("%s missing %q, want %q", n.Name, got, c.missing[k])
				}
				if got := rangesText(nil, n.Diverging); got != c.diverge[k] {
					t.Errorf("%s diverging %q, want %q", n.Name, got, c.diverge[k])
				}
			}
			if r.Source.Node != c.source {
				t.Errorf("source %s (%s), want %s", r.Source.Node, r.Source.Reason, c.source)
			}
			var codes []string
			for _, f := range r.Findings {
				codes = append(codes, string(f.Severity)+" "+string(f.Code))
				if f.Message == "" || f.Fix == "" {
					t.Errorf("finding without message or fix: %+v", f)
				}
			}
			if !reflect.DeepEqual(codes, c.codes) {
				t.Errorf("findings %v, want %v", codes, c.codes)
			}
		})
	}
}

func rangesText(rs []Range, ss []Span) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.String())
	}
	for _, s := range ss {
		w := Range{s.From, s.To}.String()
		if s.Committed {
			w += "c"
		}
		out = append(out, w)
	}
	return strings.Join(out, ",")
}

// A log whose entries come out of order, one whose payloads cannot be read
// and one whose decoder flags an entry: compared as far as possible, each
// reported once.
func TestHostileLogs(t *testing.T) {
	good := fake("good", 3, "1 1 1", 0, 0)
	unordered := fake("unordered", 3, "1 1 1", 0, 0)
	f := unordered.Log.(*fakeLog)
	f.entries = append(f.entries, f.entries[0], raftlog.Entry{Index: 0, Term: 9}, raftlog.Entry{Index: -5, Term: 9})
	unreadable := fake("unreadable", 3, "1 1 1", 0, 0)
	unreadable.Log = failingPayload{unreadable.Log.(*fakeLog)}
	damaged := fake("damaged", 3, "1 1 1", 0, 0)
	damaged.Log.(*fakeLog).entries[1].State = raftlog.EntryDamaged

	r := mustCompare(t, []Replica{good, unordered, unreadable, damaged}, Options{})
	want := map[finding.Code]bool{
		finding.ReplicaUnorderedEntries:  true,
		finding.ReplicaPayloadUnreadable: true,
		finding.ReplicaEntryDamaged:      true,
	}
	for _, fd := range r.Findings {
		delete(want, fd.Code)
	}
	if len(want) > 0 {
		t.Errorf("missing findings %v in %+v", want, r.Findings)
	}
	// Unreadable payloads differ from everything readable.
	if deref(r.FirstConflictIndex) != 1 || r.Nodes[2].Damaged != 3 {
		t.Errorf("first conflict %v, unreadable node damaged %d", deref(r.FirstConflictIndex), r.Nodes[2].Damaged)
	}
	if r.Nodes[1].Entries != 3 || strings.Join(r.Nodes[1].Standing, "") != "identical" {
		t.Errorf("unordered node %+v", r.Nodes[1])
	}
}

type failingPayload struct{ *fakeLog }

// failingPayload's files are gone: damage, compared and reported.
func (failingPayload) Payload(raftlog.Entry) (io.Reader, error) {
	return nil, &fs.PathError{Op: "open", Path: "data/4", Err: fs.ErrNotExist}
}

// brokenDisk fails reads for another reason: the comparison stops.
type brokenDisk struct{ *fakeLog }

func (brokenDisk) Payload(raftlog.Entry) (io.Reader, error) {
	return nil, errors.New("input/output error")
}

type failingEntries struct{ *fakeLog }

func (failingEntries) Entries(int64, int64, func(raftlog.Entry) bool) error {
	return errors.New("partition unreadable")
}

func TestCompareErrors(t *testing.T) {
	a, b := fake("a", 1, "1", 0, 0), fake("b", 1, "1", 0, 0)
	broken := fake("broken", 1, "1", 0, 0)
	broken.Log = failingEntries{broken.Log.(*fakeLog)}
	noLog := fake("nolog", 1, "1", 0, 0)
	noLog.Log = nil
	eio := fake("eio", 1, "1", 0, 0)
	eio.Log = brokenDisk{eio.Log.(*fakeLog)}
	for name, reps := range map[string][]Replica{
		"one log":         {a},
		"same name twice": {a, a},
		"unnamed":         {a, {Log: b.Log}},
		"no log":          {a, noLog},
		"unreadable log":  {a, broken},
		"I/O error":       {a, eio},
	} {
		if _, err := Compare(reps, Options{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// Windows: ctx rows around each divergence, close divergences merged, long
// runs elided, and at most MaxWindows kept.
func TestWindows(t *testing.T) {
	base := strings.Repeat("1 ", 60)
	flip := func(at ...int) string {
		w := strings.Fields(base)
		for _, i := range at {
			w[i-1] = "1x"
		}
		return strings.Join(w, " ")
	}
	long := make([]int, 0, 30)
	for i := 20; i < 50; i++ {
		long = append(long, i)
	}
	cases := []struct {
		name    string
		ctx     int
		flips   []int
		maxWin  int
		windows []string // from–to (elided count)
		omitted int64
	}{
		{"one", 3, []int{30}, 0, []string{"27–33"}, 0},
		{"no context", -1, []int{30}, 0, []string{"30"}, 0},
		{"at the start", 3, []int{1}, 0, []string{"1–4"}, 0},
		{"at the end", 3, []int{60}, 0, []string{"57–60"}, 0},
		{"merged when 2·ctx apart", 3, []int{30, 37}, 0, []string{"27–40"}, 0},
		{"split when further", 3, []int{30, 38}, 0, []string{"27–33", "35–41"}, 0},
		{"long run elided", 3, long, 0, []string{"17–52 (22)"}, 0},
		{"capped", 1, []int{10, 20, 30, 40}, 2, []string{"9–11", "19–21"}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reps := []Replica{fake("a", 60, base, 0, 0), fake("b", 60, flip(c.flips...), 0, 0)}
			r := mustCompare(t, reps, Options{Context: c.ctx, MaxWindows: c.maxWin})
			var got []string
			for _, w := range r.Windows {
				s := Range{w.From, w.To}.String()
				var elided int64
				rows := int64(0)
				for j, row := range w.Rows {
					elided += row.Elided
					rows += row.To - row.Index + 1
					if j > 0 && row.Index != w.Rows[j-1].To+1 {
						t.Errorf("window %s: row %d does not follow row %d", s, row.Index, w.Rows[j-1].To)
					}
				}
				if rows != w.To-w.From+1 {
					t.Errorf("window %s covers %d rows", s, rows)
				}
				if elided > 0 {
					s += " (" + itoa(elided) + ")"
				}
				got = append(got, s)
			}
			if !reflect.DeepEqual(got, c.windows) || r.WindowsOmitted != c.omitted {
				t.Errorf("windows %v (+%d), want %v (+%d)", got, r.WindowsOmitted, c.windows, c.omitted)
			}
		})
	}
}

func itoa(i int64) string { return Range{i, i}.String() }

// The facts do not depend on the order the logs are given in.
func TestOrderDoesNotMatter(t *testing.T) {
	specs := []string{"1 1 2 2 2", "1 1 1 1", "1 1 2 2x", "1 1 2"}
	var fwd, back []Replica
	for k, s := range specs {
		fwd = append(fwd, fake(string(rune('a'+k)), int64(k+1), s, 0, 0))
	}
	for k := len(fwd) - 1; k >= 0; k-- {
		back = append(back, fwd[k])
	}
	a, b := factsOf(mustCompare(t, fwd, Options{})), factsOf(mustCompare(t, back, Options{}))
	if !reflect.DeepEqual(a, b) {
		t.Errorf("forward %+v\nbackward %+v", a, b)
	}
}

// Indexes at the edge of int64 and a snapshot claiming most of the range:
// no wrap-around, no row below 1, and the loop does not count its way up.
func TestExtremeIndexes(t *testing.T) {
	edge := fake("edge", 1<<62, "1", 0, 0)
	f := edge.Log.(*fakeLog)
	f.entries = append(
		f.entries,
		raftlog.Entry{Index: math.MaxInt64 - 1, Term: 1},
		raftlog.Entry{Index: math.MaxInt64, Term: 1},
	)
	edge.Last = math.MaxInt64
	snap := fake("snap", 1<<62, "", 1<<62, 3)
	r := mustCompare(t, []Replica{edge, snap, fake("plain", 1, "1", 0, 0)}, Options{})
	checkShape(t, r)
	if r.LastIndex["edge"] != math.MaxInt64 || deref(r.FirstDifferingIndex) != 2 {
		t.Errorf("last %v first differing %v", r.LastIndex, deref(r.FirstDifferingIndex))
	}
}
