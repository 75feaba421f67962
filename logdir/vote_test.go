package logdir

import (
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/raftlog"
)

// Every PersistentState fixture: the model's vote is the member the
// writing library read back, and the old-vote-layout note is given exactly
// for the node.state files that store the vote in the layout before 4.8.0
// (the writer's own release reads it right, every release since 4.8.0 reads
// a vote for another member).
func TestVoteLayoutOfFixtures(t *testing.T) {
	notes := 0
	for _, f := range fixtures.All(t, "fixturegen-ps") {
		if f.Manifest.Damage != nil {
			continue
		}
		st := f.Manifest.Settings
		l, err := Open(f.WAL, Options{Format: st.LogFormat(), R: st.RecordsPerPartition, M: st.MaxLogEntrySize})
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		l.Close()
		rb := f.Manifest.Readback.State
		if rb.Vote == "expected" && (l.State == nil || !l.State.HasVote || l.State.Vote.Endpoint != rb.ExpectedMember) {
			t.Errorf("%s: vote %+v, the library read %s", f.Name, l.State, rb.ExpectedMember)
		}
		var note *raftlog.Finding
		for i, fd := range l.Findings {
			if fd.Code == "old-vote-layout" {
				note = &l.Findings[i]
			}
		}
		old := l.State != nil && l.State.Vote.Layout == "before 4.8.0"
		switch {
		case old != (note != nil):
			t.Errorf("%s: layout %q, note %v", f.Name, l.State.Vote.Layout, note)
		case note != nil:
			notes++
			if note.Severity != raftlog.Info || note.File != "node.state" || note.Offset != 81 {
				t.Errorf("%s: %+v", f.Name, *note)
			}
		}
	}
	if notes == 0 {
		t.Fatal("no fixture stores its vote in the layout before 4.8.0")
	}
}
