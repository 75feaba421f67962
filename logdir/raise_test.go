package logdir

import (
	"testing"

	"github.com/walctl/walctl/raftlog"
)

// TestRaiseLast is the commit-beyond-last-index raise rule that verify's
// advice and repair both follow: LastIndex 10, CommitIndex 15, term 4.
func TestRaiseLast(t *testing.T) {
	sound := raftlog.NodeState{LastIndex: 10, CommitIndex: 15, Term: 4, Checksum: raftlog.ChecksumOK, Size: 128,
		ExpectedSize: 128}
	with := func(f func(*raftlog.NodeState)) *raftlog.NodeState {
		s := sound
		f(&s)
		return &s
	}
	for _, tc := range []struct {
		name              string
		s                 *raftlog.NodeState
		intactTo, maxTerm int64
		last              int64
		newTerm           bool
	}{
		{"every record to CommitIndex intact", &sound, 15, 4, 15, false},
		{"more records than CommitIndex", &sound, 20, 4, 15, false},
		{"records of a higher term", &sound, 15, 5, 15, true},
		{"some records intact", &sound, 12, 4, 12, false},
		{"none intact after LastIndex", &sound, 10, 9, 10, false},
		{"a bad record below LastIndex", &sound, 7, 9, 10, false},
		{"checksum mismatch", with(func(s *raftlog.NodeState) { s.Checksum = raftlog.ChecksumMismatch }), 15, 4,
			10, false},
		{"checksum absent", with(func(s *raftlog.NodeState) { s.Checksum = raftlog.ChecksumAbsent }), 15, 4,
			15, false},
		{"cut node.state", with(func(s *raftlog.NodeState) { s.Size = 100 }), 15, 4, 10, false},
		{"longer node.state", with(func(s *raftlog.NodeState) { s.Size = 200 }), 15, 4, 15, false},
		{"CommitIndex at LastIndex", with(func(s *raftlog.NodeState) { s.CommitIndex = 10 }), 15, 9, 10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, newTerm := RaiseLast(tc.s, tc.intactTo, tc.maxTerm, tc.s.Term)
			if got != tc.last || newTerm != tc.newTerm {
				t.Errorf("RaiseLast(intactTo %d, maxTerm %d) = %d, %v; want %d, %v", tc.intactTo, tc.maxTerm, got,
					newTerm, tc.last, tc.newTerm)
			}
		})
	}
	if CommitTrusted(nil) {
		t.Error("CommitTrusted(nil) = true: without node.state there is no CommitIndex to trust")
	}
}
