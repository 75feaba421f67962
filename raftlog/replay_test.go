package raftlog

import (
	"testing"
)

func ok(i, term int64) Entry { return Entry{Index: i, Term: term, State: EntryOK, Committed: true} }

func codes(fs Findings) map[string]int {
	m := map[string]int{}
	for _, f := range fs {
		m[string(f.Code)]++
	}
	return m
}

// Each row feeds a small log through the replay and names the finding codes
// it must produce (and nothing else).
func TestReplay(t *testing.T) {
	base := Bounds{Term: 5, Commit: 3, Applied: 3, Last: 4, EntriesFrom: 1}
	cases := []struct {
		name    string
		b       Bounds
		entries []Entry
		want    map[string]int
	}{
		{"healthy", base, []Entry{ok(1, 1), ok(2, 1), ok(3, 2), ok(4, 3)}, map[string]int{}},
		{"gap", base, []Entry{ok(1, 1), ok(3, 2), ok(4, 3)}, map[string]int{"index-gap": 1}},
		{"missing head", base, []Entry{ok(2, 1), ok(3, 2), ok(4, 3)}, map[string]int{"index-gap": 1}},
		{"missing tail", base, []Entry{ok(1, 1), ok(2, 1)}, map[string]int{"index-gap": 1}},
		{"known gap", Bounds{Term: 5, Commit: 3, Applied: 3, Last: 4, EntriesFrom: 1, KnownGaps: []Range{{2, 3}}},
			[]Entry{ok(1, 1), ok(4, 3)}, map[string]int{}},
		{
			"duplicate",
			base,
			[]Entry{ok(1, 1), ok(2, 1), ok(2, 1), ok(3, 2), ok(4, 3)},
			map[string]int{"index-out-of-order": 1},
		},
		{"term decreases", base, []Entry{ok(1, 2), ok(2, 1), ok(3, 2), ok(4, 3)}, map[string]int{"term-decreased": 1}},
		{
			"term above current",
			base,
			[]Entry{ok(1, 1), ok(2, 1), ok(3, 2), ok(4, 6)},
			map[string]int{"term-above-current": 1},
		},
		{"commit beyond last", Bounds{Term: 5, Commit: 5, Applied: 3, Last: 4, EntriesFrom: 1},
			[]Entry{ok(1, 1), ok(2, 1), ok(3, 2), ok(4, 3)}, map[string]int{"commit-beyond-last-index": 1}},
		{"applied beyond commit", Bounds{Term: 5, Commit: 3, Applied: 4, Last: 4, EntriesFrom: 1},
			[]Entry{ok(1, 1), ok(2, 1), ok(3, 2), ok(4, 3)}, map[string]int{"applied-beyond-commit": 1}},
		{"snapshot beyond commit", Bounds{Term: 5, Commit: 3, Applied: 3, Last: 6, Snapshot: 5, EntriesFrom: 6},
			[]Entry{
				{Index: 5, Term: 2, IsSnapshot: true, State: EntryOK},
				ok(6, 3),
			}, map[string]int{"snapshot-beyond-commit": 1}},
		{"entry below snapshot term", Bounds{Term: 5, Commit: 6, Applied: 6, Last: 6, Snapshot: 5, EntriesFrom: 6},
			[]Entry{
				{Index: 5, Term: 3, IsSnapshot: true, State: EntryOK},
				ok(6, 2),
			}, map[string]int{"term-decreased": 1}},
		{
			"zeroed committed record",
			base,
			[]Entry{ok(1, 1), {Index: 2, State: EntryEmpty, Committed: true}, ok(3, 2), ok(4, 3)},
			map[string]int{"record-zeroed": 1},
		},
		{
			"damaged entries are the codec's to report",
			base,
			[]Entry{ok(1, 1), {Index: 2, State: EntryDamaged, Committed: true}, ok(3, 2), ok(4, 3)},
			map[string]int{},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewReplay(c.b)
			for _, e := range c.entries {
				r.Add(e)
			}
			_, fs := r.Finish()
			got := codes(fs)
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%s: %d findings, want %d (all: %v)", k, got[k], v, fs)
				}
			}
			for k := range got {
				if _, ok := c.want[k]; !ok {
					t.Errorf("unexpected %s: %v", k, fs)
				}
			}
		})
	}
}

func TestReplaySummary(t *testing.T) {
	r := NewReplay(Bounds{Term: 3, Commit: 3, Applied: 3, Last: 3, EntriesFrom: 1})
	for _, e := range []Entry{{Index: 1, Term: 1, Length: 10, State: EntryOK}, {Index: 2, Term: 1, Length: 5, State: EntryOK}, {Index: 3, Term: 3, State: EntryOK}} {
		r.Add(e)
	}
	s, _ := r.Finish()
	if s.Entries != 3 || s.Bytes != 15 || len(s.Terms) != 2 ||
		s.Terms[0] != (TermCount{Term: 1, Entries: 2, Bytes: 15}) ||
		s.First != 1 ||
		s.Last != 3 {
		t.Errorf("summary %+v", s)
	}
}

func TestTicksToTime(t *testing.T) {
	tm, ok := TicksToTime(638712864010000000)
	if !ok || tm.Format("2006-01-02T15:04:05Z07:00") != "2025-01-01T00:00:01Z" {
		t.Errorf("ticks → %v %v", tm, ok)
	}
	if _, ok := TicksToTime(-1); ok {
		t.Error("negative ticks accepted")
	}
	if _, ok := TicksToTime(MaxTicks + 1); ok {
		t.Error("ticks above DateTime.MaxValue accepted")
	}
}
