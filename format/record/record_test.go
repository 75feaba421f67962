package record

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

func TestValid(t *testing.T) {
	ok := Record{Term: 3, Timestamp: 638712864010000000, Length: 32, Offset: 592}
	cases := []struct {
		name string
		rec  Record
		want error
	}{
		{"plain", ok, nil},
		{"with id", Record{Term: 1, Length: 0, Offset: 552, Flags: 1, ID: 7}, nil},
		{"stub", Stub(552), nil},
		{"negative length", Record{Length: -1}, ErrNegativeLength},
		{"negative offset", Record{Offset: -40}, ErrNegativeOffset},
		{"flags", Record{Flags: 2}, ErrBadFlags},
		{"stray id", Record{ID: 5}, ErrStrayID},
		{"timestamp", Record{Timestamp: MaxTicks + 1}, ErrTimestamp},
		{"negative timestamp", Record{Timestamp: -1}, ErrTimestamp},
		{"negative term", Record{Term: -1}, ErrNegativeTerm},
		{"overflow", Record{Offset: math.MaxInt64 - 10, Length: 11}, ErrEndOverflow},
	}
	for _, c := range cases {
		if got := c.rec.Valid(); !errors.Is(got, c.want) {
			t.Errorf("%s: Valid() = %v, want %v", c.name, got, c.want)
		}
		if c.rec.OK() != (c.want == nil) {
			t.Errorf("%s: OK() = %v, want %v", c.name, c.rec.OK(), c.want == nil)
		}
	}
}

func TestEndBoundaries(t *testing.T) {
	cases := []struct {
		off, n int64
		ok     bool
	}{
		{0, 0, true},
		{math.MaxInt32, 1, true},
		{math.MaxInt64, 0, true},
		{math.MaxInt64, 1, false},
		{1 << 62, 1<<62 - 1, true},
		{1 << 62, 1 << 62, false},
		{math.MinInt64, -1, false},
	}
	for _, c := range cases {
		_, ok := Record{Offset: c.off, Length: c.n}.End()
		if ok != c.ok {
			t.Errorf("End(%d+%d) ok=%v, want %v", c.off, c.n, ok, c.ok)
		}
	}
	if got := (Record{Offset: math.MaxInt64, Length: 1}).WrappingEnd(); got != math.MinInt64 {
		t.Errorf("WrappingEnd wraps to %d", got)
	}
}

func TestCommandID(t *testing.T) {
	if (Record{Flags: 0, ID: 0}).CommandID() != nil {
		t.Error("no flag, but a command id")
	}
	if id := (Record{Flags: 1, ID: 0}).CommandID(); id == nil || *id != 0 {
		t.Error("command id 0 with the flag must be reported")
	}
}

func FuzzRoundTrip(f *testing.F) {
	fixtureRecords(f)
	f.Add(make([]byte, Size))
	f.Add(Record{Term: 4, Timestamp: 638712864100000000, Length: 64, Offset: 640, Flags: 1}.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < Size {
			return
		}
		r := Decode(b)
		if Decode(b) != r {
			t.Fatal("not deterministic")
		}
		if !bytes.Equal(r.Bytes(), b[:Size]) {
			t.Fatal("encode(decode(x)) != x")
		}
		if r.OK() != (r.Valid() == nil) {
			t.Fatalf("OK() = %v but Valid() = %v", r.OK(), r.Valid())
		}
		if r.Valid() == nil {
			if end, ok := r.End(); !ok || end < r.Offset || end != r.WrappingEnd() {
				t.Fatal("valid record with a bad end")
			}
		}
	})
}
