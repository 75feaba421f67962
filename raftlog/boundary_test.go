package raftlog

import (
	"math"
	"testing"

	"github.com/walctl/walctl/internal/hostile"
)

// Bounds at the int64 boundaries: the replay reports a gap up to the last
// index without overflowing LastIndex+1 (it used to report "index
// -9223372036854775808 follows 3"), and never panics.
func TestReplayBoundsAtBoundaries(t *testing.T) {
	for _, v := range hostile.Values {
		for _, b := range []Bounds{{Term: -1, Applied: -1, Last: v, Commit: 1, EntriesFrom: 1},
			{Term: v, Applied: v, Last: -1, Commit: v, Snapshot: v, EntriesFrom: 1},
			{Term: -1, Applied: -1, Last: 3, Commit: 1, EntriesFrom: v}} {
			rp := NewReplay(b)
			for i := int64(1); i <= 3; i++ {
				rp.Add(Entry{Index: i, Term: 1, State: EntryOK})
			}
			_, fs := rp.Finish()
			for _, f := range fs {
				if f.Code == "index-out-of-order" {
					t.Errorf("%+v: %s", b, f.Message)
				}
			}
		}
	}
	rp := NewReplay(Bounds{Term: -1, Applied: -1, Last: math.MaxInt64, EntriesFrom: 1})
	rp.Add(Entry{Index: 1, Term: 1, State: EntryOK})
	_, fs := rp.Finish()
	if len(fs) != 1 || fs[0].Code != "index-gap" || fs[0].Index != 2 {
		t.Fatalf("findings %v", fs)
	}
}
