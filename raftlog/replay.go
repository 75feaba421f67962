package raftlog

import (
	"fmt"
	"math"
	"sort"

	"github.com/walctl/walctl/finding"
)

// Range is an inclusive range of log indexes.
type Range struct{ From, To int64 }

func (r Range) contains(i int64) bool { return r.From <= i && i <= r.To }

func (r Range) String() string {
	if r.From == r.To {
		return fmt.Sprint(r.From)
	}
	return fmt.Sprintf("%d–%d", r.From, r.To)
}

// Bounds are what the node state declares about the log, for the replay.
type Bounds struct {
	File          string // where the bounds were read from (node.state, checkpoint)
	Term          int64  // current term; -1 unknown (lost: reported by the state file's own finding)
	HasVote       bool
	Commit        int64
	Applied       int64 // -1 when the format keeps none
	Last          int64 // -1 unknown
	Snapshot      int64 // 0 = no snapshot
	SnapshotTerm  int64
	KnownGaps     []Range // index ranges already reported as missing (e.g. a missing partition file)
	EntriesFrom   int64   // first index the log should hold (Snapshot+1 usually)
	CommitSetting string  // "CommitIndex" or "checkpoint" for messages
	// Untrusted: the state file's indexes are lost or garbage, which its own
	// finding reports once; the replay does not judge them again.
	Untrusted bool
	// WAL: the log is a WriteAheadLog (walctl repair --from rebuilds
	// PersistentState logs only).
	WAL bool
}

// TermCount is how many entries a term holds.
type TermCount struct {
	Term    int64 `json:"term"`
	Entries int64 `json:"entries"`
	Bytes   int64 `json:"bytes"`
}

// Summary is the replay's result.
type Summary struct {
	First     int64       `json:"firstIndex"`
	Last      int64       `json:"lastIndex"`
	Commit    int64       `json:"commitIndex"`
	Snapshot  int64       `json:"snapshotIndex"`
	Entries   int64       `json:"entries"`
	Bytes     int64       `json:"bytes"`
	Terms     []TermCount `json:"terms"`
	Unusable  int64       `json:"unusable"`
	LastTerm  int64       `json:"lastTerm"`
	lastIndex int64
}

// Replay walks a log's entries in index order and checks Raft's invariants:
// indexes contiguous from the snapshot to the last index, terms never
// decreasing and never above the current term, and the commit, applied,
// snapshot and last index bounds. Feed it with Add, then call Finish.
type Replay struct {
	b        Bounds
	sum      Summary
	terms    map[int64]*TermCount
	term     *TermCount // the last entry's: terms come in runs, a map lookup per entry is a tenth of a replay
	prev     int64      // previous index seen
	maxTerm  int64      // highest term of a usable entry so far
	maxAt    int64
	findings Findings
	firstOK  bool
	above    []Entry // entries whose term is above the current term
}

// NewReplay starts a replay.
func NewReplay(b Bounds) *Replay {
	r := &Replay{b: b, terms: map[int64]*TermCount{}, prev: -1}
	r.sum.First, r.sum.Last, r.sum.Commit, r.sum.Snapshot = -1, -1, b.Commit, b.Snapshot
	r.checkBounds()
	return r
}

func (r *Replay) add(code finding.Code, form string, off, idx int64, facts finding.F) {
	r.findings.Add(New(code, form, r.b.File, off, idx, facts))
}

func (r *Replay) checkBounds() {
	b := r.b
	if b.Untrusted || b.Commit < 0 || b.Snapshot < 0 {
		return // reported with the state file's own damage
	}
	if b.Last >= 0 && b.Commit > b.Last {
		r.add(finding.CommitBeyondLastIndex, "", -1, b.Commit, finding.F{"commit": b.Commit, "last": b.Last})
	}
	if b.Applied >= 0 && b.Applied > b.Commit {
		r.add(finding.AppliedBeyondCommit, "", -1, b.Applied, finding.F{"applied": b.Applied, "commit": b.Commit})
	}
	if b.Snapshot > b.Commit {
		r.add(finding.SnapshotBeyondCommit, "", -1, b.Snapshot, finding.F{"snapshot": b.Snapshot, "commit": b.Commit})
	}
}

// Add feeds the next entry (the snapshot first, if any).
func (r *Replay) Add(e Entry) {
	if r.prev >= 0 && e.Index != r.prev+1 {
		r.gap(e.Index)
	} else if r.prev < 0 && !e.IsSnapshot && e.Index > r.b.EntriesFrom && r.b.EntriesFrom > 0 {
		r.prev = r.b.EntriesFrom - 1
		r.gap(e.Index)
	}
	if e.Index > r.prev {
		r.prev = e.Index
	}
	if r.sum.First < 0 {
		r.sum.First = e.Index
	}
	r.sum.Last = e.Index
	if e.IsSnapshot {
		r.maxTerm, r.maxAt = e.Term, e.Index
		return
	}
	r.sum.Entries++
	if e.State != EntryOK {
		r.sum.Unusable++
		if e.State == EntryEmpty {
			r.emptyEntry(e)
		}
		return
	}
	r.sum.Bytes += e.Length
	tc := r.term
	if tc == nil || tc.Term != e.Term {
		if tc = r.terms[e.Term]; tc == nil {
			tc = &TermCount{Term: e.Term}
			r.terms[e.Term] = tc
		}
		r.term = tc
	}
	tc.Entries++
	tc.Bytes += e.Length
	r.checkTerm(e)
	r.sum.LastTerm = e.Term
}

func (r *Replay) gap(at int64) {
	if at <= r.prev {
		r.add(finding.IndexOutOfOrder, "", -1, at, finding.F{"prev": r.prev})
		return
	}
	r.missingThrough(at - 1)
}

// missingThrough reports the indexes after the previous one up to to. It
// takes the last missing index, not the next present one, so that a last
// index of 2^63−1 does not overflow.
func (r *Replay) missingThrough(to int64) {
	missing := Range{r.prev + 1, to}
	for _, g := range r.b.KnownGaps {
		if g.contains(missing.From) && g.contains(missing.To) {
			return
		}
	}
	if to == math.MaxInt64 {
		r.add(finding.IndexGap, "open", -1, missing.From, finding.F{"missing": missing.String(), "prev": r.prev})
		return
	}
	r.add(
		finding.IndexGap,
		"",
		-1,
		missing.From,
		finding.F{"missing": missing.String(), "prev": r.prev, "next": to + 1},
	)
}

func (r *Replay) emptyEntry(e Entry) {
	for _, g := range r.b.KnownGaps {
		if g.contains(e.Index) {
			return // already reported with its cause
		}
	}
	form := ""
	switch {
	case e.Committed && r.b.WAL:
		form = "committed-wal"
	case e.Committed:
		form = "committed"
	}
	r.findings.Add(New(finding.RecordZeroed, form, e.Record.File, e.Record.Offset, e.Index, finding.F{"from": e.Index}))
}

func (r *Replay) checkTerm(e Entry) {
	if e.Term < r.maxTerm {
		r.findings.Add(New(finding.TermDecreased, "", e.Record.File, e.Record.Offset, e.Index,
			finding.F{"term": e.Term, "maxTerm": r.maxTerm, "maxAt": r.maxAt}))
	} else {
		r.maxTerm, r.maxAt = e.Term, e.Index
	}
	if r.b.Term >= 0 && e.Term > r.b.Term {
		r.above = append(r.above, e)
	}
}

// termFindings judges the current term against the entries above it, once
// the highest term is known: a term of 0 was reset (one finding for the
// file), a lower one lags behind (one finding per entry, merged by Group).
func (r *Replay) termFindings() {
	if len(r.above) == 0 {
		return
	}
	hi := int64(0)
	for _, e := range r.above {
		hi = max(hi, e.Term)
	}
	file := r.b.File
	if file == "" {
		file = "the state file"
	}
	if r.b.Term == 0 {
		first, last := r.above[0].Index, r.above[len(r.above)-1].Index
		vote := " and no vote"
		if r.b.HasVote {
			vote = " (with a vote)"
		}
		r.add(finding.TermReset, "", -1, first, finding.F{"stateFile": file, "vote": vote, "maxTerm": hi,
			"entries": Range{first, last}.String(), "minTerm": hi + 1})
		return
	}
	for _, e := range r.above {
		r.findings.Add(New(finding.TermAboveCurrent, "", e.Record.File, e.Record.Offset, e.Index,
			finding.F{"term": e.Term, "current": r.b.Term, "stateFile": file, "maxTerm": hi, "minTerm": hi + 1}))
	}
}

// Finish ends the replay and returns its summary and findings.
func (r *Replay) Finish() (Summary, Findings) {
	if r.prev < 0 && r.b.EntriesFrom > 0 {
		r.prev = r.b.EntriesFrom - 1
	}
	if r.b.Last >= 0 && r.prev >= 0 && r.prev < r.b.Last {
		r.missingThrough(r.b.Last)
	}
	r.termFindings()
	for _, tc := range r.terms {
		r.sum.Terms = append(r.sum.Terms, *tc)
	}
	sort.Slice(r.sum.Terms, func(i, j int) bool { return r.sum.Terms[i].Term < r.sum.Terms[j].Term })
	return r.sum, r.findings
}
