package logdir

import (
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/internal/gen"
	"github.com/walctl/walctl/raftlog"
)

// PayloadDiff's one-span path (spanDiff) answers as the streaming path
// that reads the same bytes split over two spans: equal payloads, the
// first differing byte, one payload a prefix of the other, a span cut
// short by the end of its file.
func TestPayloadDiffOneSpanIsStreaming(t *testing.T) {
	l, _ := generated(t, gen.Spec{Config: ps.Config{Format: format.Legacy, R: 8}, Entries: 20,
		SizeMin: 40, SizeMax: 300, Seed: 5})
	var all []raftlog.Entry
	if err := l.Entries(l.First, l.Last, func(e raftlog.Entry) bool {
		if !e.IsSnapshot && len(e.Payload) == 1 && e.Length >= 40 {
			all = append(all, e)
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if len(all) < 3 {
		t.Fatalf("%d entries with one span", len(all))
	}
	// split is e's payload over two spans: the streaming path.
	split := func(e raftlog.Entry) raftlog.Entry {
		s := e.Payload[0]
		h := s.Length / 2
		e.Payload = []raftlog.Span{{File: s.File, Offset: s.Offset, Length: h},
			{File: s.File, Offset: s.Offset + h, Length: s.Length - h}}
		return e
	}
	with := func(e raftlog.Entry, f func(*raftlog.Span)) raftlog.Entry {
		s := e.Payload[0]
		f(&s)
		e.Payload = []raftlog.Span{s}
		return e
	}
	e, other := all[0], all[1]
	cases := []diffCase{
		{"same", e, e, -1},
		{"other entry", e, other, -2},
		{"shifted by one byte", e, with(e, func(s *raftlog.Span) { s.Offset++ }), -2},
		{"a prefix", e, with(e, func(s *raftlog.Span) { s.Length -= 7 }), e.Length - 7},
		{"cut by the end of the file", e, with(e, func(s *raftlog.Span) { s.Offset = 1 << 40 }), 0},
	}
	check(t, l, cases, split)
	// The same during a walk, which holds each file's bytes: spanDiff then
	// compares them where they are (a Table log's files are read whole).
	lt, _ := generated(t, gen.Spec{Config: ps.Config{Format: format.V2, R: 8}, Entries: 20,
		SizeMin: 40, SizeMax: 300, Seed: 5})
	walked := 0
	if err := lt.Entries(lt.First, lt.Last, func(e raftlog.Entry) bool {
		if e.IsSnapshot || len(e.Payload) != 1 || e.Length < 40 {
			return true
		}
		if _, ok := lt.held.r.(*partition.Whole); !ok || lt.held.name != e.Payload[0].File {
			t.Fatalf("entry %d: its file is not held in memory", e.Index)
		}
		walked++
		check(t, lt, []diffCase{
			{"same (held)", e, e, -1},
			{"shifted by one byte (held)", e, with(e, func(s *raftlog.Span) { s.Offset++ }), -2},
			{"a prefix (held)", e, with(e, func(s *raftlog.Span) { s.Length -= 7 }), e.Length - 7},
			{"cut by the end of the file (held)", e, with(e, func(s *raftlog.Span) { s.Offset = 1 << 40 }), 0},
		}, split)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if walked < 3 {
		t.Fatalf("%d entries with one span walked", walked)
	}
}

type diffCase struct {
	name string
	a, b raftlog.Entry
	want int64 // -2: any difference
}

// check compares PayloadDiff's one-span answer with the streaming one.
func check(t *testing.T, l *Log, cases []diffCase, split func(raftlog.Entry) raftlog.Entry) {
	t.Helper()
	for _, c := range cases {
		fast, err := PayloadDiff(l, c.a, l, c.b)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		slow, err := PayloadDiff(l, split(c.a), l, split(c.b))
		if err != nil {
			t.Fatalf("%s (two spans): %v", c.name, err)
		}
		if fast != slow || (c.want == -2 && fast < 0) || (c.want != -2 && fast != c.want) {
			t.Errorf("%s: one span %d, two spans %d, want %d", c.name, fast, slow, c.want)
		}
	}
}
