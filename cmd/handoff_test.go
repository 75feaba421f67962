package cmd

import (
	"errors"
	"math"
	"testing"

	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// TestEachEntryHandOff: the output runs on its own goroutine but sees every
// entry once, in index order; its first error stops the walk and is what
// eachEntry returns, whatever batch it falls in.
func TestEachEntryHandOff(t *testing.T) {
	l, err := logdir.Open(fixtureLog("5.26.2", "table-basic"), logdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	all := entryFilter{from: 0, to: math.MaxInt64, term: -1}
	var want []int64
	if err := l.Entries(0, math.MaxInt64, func(e raftlog.Entry) bool { want = append(want, e.Index); return true }); err != nil {
		t.Fatal(err)
	}
	if len(want) < 3 {
		t.Fatalf("fixture has %d entries", len(want))
	}
	var got []int64
	if err := eachEntry(l, all, 0, func(e raftlog.Entry, sum string, _ int64, _ []byte, _ *trueView) error {
		if len(sum) != 64 {
			t.Errorf("entry %d: digest %q", e.Index, sum)
		}
		got = append(got, e.Index)
		return nil
	}); err != nil || len(got) != len(want) {
		t.Fatalf("all entries: %v, got %v want %v", err, got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order: got %v want %v", got, want)
		}
	}
	stop := errors.New("write failed")
	calls := 0
	err = eachEntry(l, all, 0, func(e raftlog.Entry, _ string, _ int64, _ []byte, _ *trueView) error {
		if calls++; calls == 2 {
			return stop
		}
		if calls > 2 {
			t.Errorf("output called after its error (entry %d)", e.Index)
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Errorf("eachEntry = %v, want the output's error", err)
	}
}
