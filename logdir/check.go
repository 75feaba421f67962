package logdir

import (
	"iter"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/raftlog"
)

// Bounds turns the log's node state into the replay's bounds: the one place
// that says which of its fields the replay may judge (a lost term, lost or
// garbage indexes are reported once, by the state file's own finding).
func (l *Log) Bounds() raftlog.Bounds {
	b := raftlog.Bounds{Term: -1, Applied: -1, Last: -1, EntriesFrom: 1, KnownGaps: l.KnownGaps()}
	if s := l.State; s != nil {
		b.File, b.Term, b.Commit, b.Applied, b.Last = s.File, s.Term, s.CommitIndex, s.LastApplied, s.LastIndex
		b.HasVote = s.HasVote
	}
	if s := l.Snapshot; s != nil {
		b.Snapshot, b.SnapshotTerm, b.EntriesFrom = s.Index, s.Term, s.Index+1
	}
	if l.termLost || l.stateLost || l.Findings.Has(finding.StateTruncated) || l.Findings.Has(finding.StateMissing) {
		b.Term = -1
	}
	b.Untrusted = l.stateLost
	b.WAL = l.WAL() != nil
	return b
}

// Check runs every check verify runs on l: the codecs' and the directory's
// findings, then the replay of the entries (each, when not nil, sees every
// entry as it passes: a progress bar). The findings are in the order they
// were found, one per occurrence (raftlog.Findings.Group merges them).
func (l *Log) Check(each func(raftlog.Entry)) (raftlog.Summary, raftlog.Findings, error) {
	fs := append(raftlog.Findings{}, l.Findings...)
	rp := raftlog.NewReplay(l.Bounds())
	err := l.Entries(l.First, l.Last, func(e raftlog.Entry) bool {
		rp.Add(e)
		if each != nil {
			each(e)
		}
		return true
	})
	if err != nil {
		return raftlog.Summary{}, nil, err
	}
	sum, rf := rp.Finish()
	fs = append(fs, rf...)
	l.adviseCommitBeyond(fs)
	return sum, fs, nil
}

// adviseCommitBeyond words commit-beyond-last-index as repair acts on it
// (repair.planner.decideLast): when node.state can be trusted and every
// record up to CommitIndex is on disk and intact, repair raises LastIndex to
// CommitIndex (with --set-term when those records carry a term above
// node.state's) and drops nothing; otherwise it lowers CommitIndex, which
// needs --allow-drop-committed.
func (l *Log) adviseCommitBeyond(fs raftlog.Findings) {
	s := l.State
	if l.WAL() != nil || s == nil || s.Checksum == raftlog.ChecksumMismatch || s.Size < s.ExpectedSize {
		return
	}
	for i, f := range fs {
		if f.Code != finding.CommitBeyondLastIndex || f.Form != "" {
			continue
		}
		next, maxTerm := s.LastIndex+1, int64(0)
		err := l.EntriesOnDisk(next, s.CommitIndex, func(e raftlog.Entry) bool {
			if e.Index != next || e.State != raftlog.EntryOK {
				return false
			}
			next, maxTerm = next+1, max(maxTerm, e.Term)
			return true
		})
		if err != nil || next <= s.CommitIndex {
			continue
		}
		form, facts := "raise", finding.F{"commit": s.CommitIndex, "last": s.LastIndex,
			"range": raftlog.Range{From: s.LastIndex + 1, To: s.CommitIndex}.String()}
		if maxTerm > s.Term {
			form = "raise-term"
			facts["maxTerm"], facts["term"], facts["minTerm"] = maxTerm, s.Term, maxTerm+1
		}
		fs[i] = raftlog.New(f.Code, form, f.File, f.Offset, f.Index, facts)
	}
}

// Seq yields the entries with from ≤ index ≤ to as Entries does (onDisk:
// as EntriesOnDisk does, records past Last included), then the error that
// stopped the walk, if any: the form iter.Pull2 takes, to walk two logs in
// lockstep.
func (l *Log) Seq(from, to int64, onDisk bool) iter.Seq2[raftlog.Entry, error] {
	return func(yield func(raftlog.Entry, error) bool) {
		stopped := false
		each := func(e raftlog.Entry) bool {
			stopped = !yield(e, nil)
			return !stopped
		}
		var err error
		if onDisk {
			err = l.EntriesOnDisk(from, to, each)
		} else {
			err = l.Entries(from, to, each)
		}
		if err != nil && !stopped {
			yield(raftlog.Entry{}, err)
		}
	}
}
