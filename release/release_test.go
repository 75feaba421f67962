package release

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want Version
		ok   bool
	}{
		{"5.26.2", V(5, 26, 2), true},
		{"v4.2", V(4, 2, 0), true},
		{"6", V(6, 0, 0), true},
		{" 4.15.3 ", V(4, 15, 3), true},
		{"5.7.3-beta.1", V(5, 7, 3), true},
		{"", Version{}, false},
		{"5.x", Version{}, false},
		{"1.2.3.4", Version{}, false},
		{"-1.0", Version{}, false},
		{"99999.0.0", Version{}, false},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("Parse(%q) = %v, %v; want %v ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestCompare(t *testing.T) {
	order := []string{
		"4.0.0",
		"4.2.0",
		"4.7.1",
		"4.8.0",
		"4.15.3",
		"5.3.0",
		"5.4.0",
		"5.7.2",
		"5.7.3",
		"5.26.2",
		"6.0.0",
	}
	for i, a := range order {
		for j, b := range order {
			got := MustParse(a).Compare(MustParse(b))
			want := map[bool]int{true: -1, false: 1}[i < j]
			if i == j {
				want = 0
			}
			if got != want {
				t.Errorf("%s vs %s: %d, want %d", a, b, got, want)
			}
		}
	}
}

func TestRangeWords(t *testing.T) {
	cases := []struct {
		r    Range
		want string
	}{
		{Before(MemberIDLengthFirst), "before 4.8.0"},
		{Since(MemberIDLengthFirst), "4.8.0 or later"},
		{Between(PersistentState4, MemberIDLengthFirst), "4.0.0–4.7.x"},
		{Between(MemberIDLengthFirst, TableFormat), "4.8.0–5.3.x"},
		{Between(TableFormat, Issue244Fixed), "5.4.0–5.7.2"},
		{Between(TableFormat, CachedAppendsWritten), "5.4.0–5.7.1"},
		{Between(Issue244Fixed, PersistentStateRemoved), "5.7.3–5.x"},
		{Between(V(5, 0, 0), V(6, 0, 0)), "5.x"},
		{PersistentState, "4.0.0–5.x"},
		{Any, "any release"},
		{Between(TableFormat, MemberIDLengthFirst), "no release"},
	}
	for _, c := range cases {
		if got := c.r.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.r, got, c.want)
		}
	}
}

// Ranges are half-open: a boundary release is on exactly one side.
func TestRangeBoundaries(t *testing.T) {
	b := MemberIDLengthFirst
	if Before(b).Contains(b) || !Since(b).Contains(b) || !Before(b).Contains(V(4, 7, 99)) {
		t.Error("4.8.0 must be in 'since' and not in 'before'")
	}
	if !Before(b).Intersect(Since(b)).Empty() {
		t.Error("before ∩ since must be empty")
	}
	got := PersistentState.Intersect(Before(b))
	if got != Between(PersistentState4, b) {
		t.Errorf("intersection %+v", got)
	}
	if r := Any.Intersect(Since(TableFormat)); r != Since(TableFormat) {
		t.Errorf("any ∩ since = %+v", r)
	}
}

// The legacy-only disjunction of detect: intersecting it with other
// evidence keeps the condition on the spans that need it.
func TestSetIntersect(t *testing.T) {
	legacy := Set{
		{Range: Between(PersistentState4, TableFormat)},
		{Range: Between(TableFormat, PersistentStateRemoved), Condition: "with UseLegacyBinaryFormat"},
	}
	if got := legacy.String(); got != "4.0.0–5.3.x, or 5.4.0–5.x with UseLegacyBinaryFormat" {
		t.Errorf("legacy: %q", got)
	}
	vote48 := Of(Since(MemberIDLengthFirst))
	seq := Of(Before(Issue244Fixed))
	got := legacy.Intersect(vote48).Intersect(seq)
	if s := got.String(); s != "4.8.0–5.3.x, or 5.4.0–5.7.2 with UseLegacyBinaryFormat" {
		t.Errorf("4.15.3/legacy-snapshot evidence: %q", s)
	}
	if !got.Contains(V(5, 3, 0)) || !got.Contains(V(5, 7, 1)) || got.Contains(V(5, 7, 3)) || got.Contains(V(4, 2, 0)) {
		t.Errorf("membership wrong: %v", got)
	}
	pre := legacy.Intersect(Of(Before(MemberIDLengthFirst)))
	if s := pre.String(); s != "4.0.0–4.7.x" {
		t.Errorf("4.2.0/legacy-basic evidence: %q", s)
	}
	if !legacy.Intersect(Of(Since(PersistentStateRemoved))).Empty() {
		t.Error("legacy ∩ 6.x must be empty")
	}
}

func TestVersionJSON(t *testing.T) {
	b, err := json.Marshal(Between(TableFormat, Issue244Fixed))
	if err != nil || string(b) != `{"from":"5.4.0","until":"5.7.3"}` {
		t.Fatalf("%s %v", b, err)
	}
	b, _ = json.Marshal(Before(TableFormat))
	if string(b) != `{"until":"5.4.0"}` {
		t.Errorf("open lower bound: %s", b)
	}
	var r Range
	if err := json.Unmarshal([]byte(`{"from":"4.8.0"}`), &r); err != nil || r != Since(MemberIDLengthFirst) {
		t.Errorf("unmarshal: %+v %v", r, err)
	}
}

// ParseTarget is strict: all three parts, inside Covered, errors naming the
// range (issue 15: --target-version 9.9 was accepted silently).
func TestParseTarget(t *testing.T) {
	cases := []struct {
		in   string
		want Version
		err  string
	}{
		{"5.26.2", V(5, 26, 2), ""},
		{"v6.12.2", V(6, 12, 2), ""},
		{"4.0.0", V(4, 0, 0), ""},
		{"6.12.9", V(6, 12, 9), ""},
		{"5.7", Version{}, "not a release number"},
		{"9.9", Version{}, "not a release number"},
		{"9.9.9", Version{}, "outside the releases walctl knows (4.0.0–6.12.x)"},
		{"3.3.1", Version{}, "outside the releases walctl knows (4.0.0–6.12.x)"},
		{"6.13.0", Version{}, "outside"},
		{"x.y.z", Version{}, "not a release number"},
		{"", Version{}, "not a release number"},
	}
	for _, c := range cases {
		got, err := ParseTarget(c.in)
		if got != c.want || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("ParseTarget(%q) = %v, %v; want %v, %q", c.in, got, err, c.want, c.err)
		}
	}
}

func TestNewest(t *testing.T) {
	cases := []struct {
		s    Set
		want Version
	}{
		{Of(Between(TableFormat, Issue244Fixed)), V(5, 7, 2)},
		{Of(Before(MemberIDLengthFirst)), V(4, 7, 9999)},
		{Of(Between(Issue244Fixed, PersistentStateRemoved)), V(5, 9999, 9999)},
		{Of(Since(CheckpointV1)), V(6, 12, 9999)},
		{Set{{Range: Between(MemberIDLengthFirst, TableFormat)}, {Range: Between(TableFormat, PersistentStateRemoved),
			Condition: "c"}}, V(5, 9999, 9999)},
		{Set{}, Version{}},
	}
	for _, c := range cases {
		if got := c.s.Newest(); got != c.want {
			t.Errorf("%v: newest %v, want %v", c.s, got, c.want)
		}
	}
	if !V(5, 9999, 9999).Less(PersistentStateRemoved) || V(5, 9999, 9999).Less(V(5, 26, 2)) {
		t.Error("the newest 5.x must sort after every 5.x and before 6.0.0")
	}
}
