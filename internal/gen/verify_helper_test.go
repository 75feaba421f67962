package gen

import (
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// verified is what verify concludes; the tests cannot import cmd (cmd →
// repair → internal/gen would be a cycle), so they replay the log the way
// cmd.Verify does: logdir findings plus the raftlog replay.
type verified struct {
	Format   format.Format
	Verdict  string
	Findings raftlog.Findings
	Summary  raftlog.Summary
}

func verifyDir(dir string, o logdir.Options) (*verified, error) {
	l, err := logdir.Open(dir, o)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	b := raftlog.Bounds{Term: -1, Applied: -1, Last: -1, EntriesFrom: 1, KnownGaps: l.KnownGaps()}
	if s := l.State; s != nil {
		b.File, b.Term, b.Commit, b.Applied, b.Last = s.File, s.Term, s.CommitIndex, s.LastApplied, s.LastIndex
	}
	if s := l.Snapshot; s != nil {
		b.Snapshot, b.SnapshotTerm, b.EntriesFrom = s.Index, s.Term, s.Index+1
	}
	rp := raftlog.NewReplay(b)
	if err := l.Entries(l.First, l.Last, func(e raftlog.Entry) bool { rp.Add(e); return true }); err != nil {
		return nil, err
	}
	sum, fs := rp.Finish()
	v := &verified{Format: l.Format, Verdict: "ok", Findings: append(append(raftlog.Findings{}, l.Findings...), fs...), Summary: sum}
	if v.Findings.HasErrors() {
		v.Verdict = "damaged"
	}
	return v, nil
}
