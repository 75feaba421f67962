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

// CommitTrusted reports whether node.state's CommitIndex can be trusted: a
// checksum mismatch or a cut file means any field may be wrong, CommitIndex
// included. The one place for the question, asked by the raise rule
// (RaiseLast) and by repair before it writes a commit index back.
func CommitTrusted(s *raftlog.NodeState) bool {
	return s != nil && s.Checksum != raftlog.ChecksumMismatch && s.Size >= s.ExpectedSize
}

// RaiseLast is the commit-beyond-last-index raise rule, one place for what
// verify advises (adviseCommitBeyond) and what repair does (its planner's
// decideLast). When node.state can be trusted (CommitTrusted) and its
// CommitIndex lies above its LastIndex, node.state was not flushed after
// the log grew: the records after LastIndex that are on disk and intact are
// the log's entries again, so LastIndex is raised to CommitIndex, or to
// intactTo when that is lower (intactTo is the last index up to which every
// record after LastIndex is on disk and intact; CommitIndex must then come
// down to it, which drops committed entries). last is s.LastIndex when
// nothing is raised.
//
// newTerm says that the raise needs a term above term (--set-term): the
// entries it brings in carry terms up to maxTerm, above the node's term, and
// a node that has not reached a term may vote in it a second time. Repair
// passes the highest term of the whole raised log, which is the same unless
// the log's terms go down (a damage of its own).
func RaiseLast(s *raftlog.NodeState, intactTo, maxTerm, term int64) (last int64, newTerm bool) {
	if !CommitTrusted(s) || s.CommitIndex <= s.LastIndex || intactTo <= s.LastIndex {
		return s.LastIndex, false
	}
	return min(intactTo, s.CommitIndex), maxTerm > term
}

// adviseCommitBeyond words commit-beyond-last-index as repair acts on it
// (RaiseLast): when every record up to CommitIndex is on disk and intact,
// repair raises LastIndex to CommitIndex and drops nothing; when only those
// up to some index are, it raises LastIndex that far and lowers CommitIndex
// to it, which needs --allow-drop-committed; either needs --set-term when
// the records carry a term above node.state's. With no intact record after
// LastIndex, CommitIndex comes down to LastIndex (--allow-drop-committed).
func (l *Log) adviseCommitBeyond(fs raftlog.Findings) {
	s := l.State
	if l.WAL() != nil || !CommitTrusted(s) {
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
		if err != nil {
			continue
		}
		last, newTerm := RaiseLast(s, next-1, maxTerm, s.Term)
		if last == s.LastIndex {
			continue // nothing after LastIndex is intact: CommitIndex comes down (the default form)
		}
		form, facts := "raise", finding.F{"commit": s.CommitIndex, "last": s.LastIndex, "to": last,
			"range": raftlog.Range{From: s.LastIndex + 1, To: last}.String()}
		if last < s.CommitIndex {
			form, facts["lost"] = "raise-part", raftlog.Range{From: last + 1, To: s.CommitIndex}.String()
		}
		if newTerm {
			form += "-term"
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
