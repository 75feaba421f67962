package raftlog

import (
	"fmt"
	"math"
	"sort"
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
	Term          int64  // current term; -1 unknown
	Commit        int64
	Applied       int64 // -1 when the format keeps none
	Last          int64 // -1 unknown
	Snapshot      int64 // 0 = no snapshot
	SnapshotTerm  int64
	KnownGaps     []Range // index ranges already reported as missing (e.g. a missing partition file)
	EntriesFrom   int64   // first index the log should hold (Snapshot+1 usually)
	CommitSetting string  // "CommitIndex" or "checkpoint" for messages
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
	prev     int64 // previous index seen
	maxTerm  int64 // highest term of a usable entry so far
	maxAt    int64
	findings Findings
	firstOK  bool
}

// NewReplay starts a replay.
func NewReplay(b Bounds) *Replay {
	r := &Replay{b: b, terms: map[int64]*TermCount{}, prev: -1}
	r.sum.First, r.sum.Last, r.sum.Commit, r.sum.Snapshot = -1, -1, b.Commit, b.Snapshot
	r.checkBounds()
	return r
}

func (r *Replay) add(sev Severity, code string, off, idx int64, format string, args ...any) {
	r.findings.Add(Finding{Severity: sev, Code: code, File: r.b.File, Offset: off, Index: idx,
		Message: fmt.Sprintf(format, args...)})
}

func (r *Replay) checkBounds() {
	b := r.b
	if b.Last >= 0 && b.Commit > b.Last {
		r.add(Error, "commit-beyond-last-index", -1, b.Commit,
			"commit index %d is above the last index %d: entries the node claims committed do not exist", b.Commit, b.Last)
	}
	if b.Applied >= 0 && b.Applied > b.Commit {
		r.add(Warning, "applied-beyond-commit", -1, b.Applied,
			"last applied %d is above the commit index %d (the library never persists that)", b.Applied, b.Commit)
	}
	if b.Snapshot > b.Commit {
		r.add(Error, "snapshot-beyond-commit", -1, b.Snapshot,
			"snapshot index %d is above the commit index %d: a snapshot covers only committed entries", b.Snapshot, b.Commit)
	}
	if b.Commit < 0 || b.Snapshot < 0 {
		r.add(Error, "negative-index", -1, NoIndex, "negative commit (%d) or snapshot (%d) index", b.Commit, b.Snapshot)
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
	tc := r.terms[e.Term]
	if tc == nil {
		tc = &TermCount{Term: e.Term}
		r.terms[e.Term] = tc
	}
	tc.Entries++
	tc.Bytes += e.Length
	r.checkTerm(e)
	r.sum.LastTerm = e.Term
}

func (r *Replay) gap(at int64) {
	if at <= r.prev {
		r.add(Error, "index-out-of-order", -1, at, "index %d follows %d: indexes must increase by one", at, r.prev)
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
		r.add(Error, "index-gap", -1, missing.From, "indexes %s are missing after %d", missing, r.prev)
		return
	}
	r.add(Error, "index-gap", -1, missing.From, "indexes %s are missing between %d and %d", missing, r.prev, to+1)
}

func (r *Replay) emptyEntry(e Entry) {
	for _, g := range r.b.KnownGaps {
		if g.contains(e.Index) {
			return // already reported with its cause
		}
	}
	sev, what := Warning, "uncommitted"
	if e.Committed {
		sev, what = Error, "committed"
	}
	r.findings.Add(Finding{Severity: sev, Code: "record-zeroed", File: e.Record.File, Offset: e.Record.Offset, Index: e.Index,
		Message: fmt.Sprintf("%s entry %d has no record on disk (zero or placeholder slot): DotNext reads it as Term 0, Length 0%s",
			what, e.Index, map[bool]string{true: " and skips it when applying", false: ""}[e.Committed])})
}

func (r *Replay) checkTerm(e Entry) {
	if e.Term < r.maxTerm {
		r.findings.Add(Finding{Severity: Error, Code: "term-decreased", File: e.Record.File, Offset: e.Record.Offset, Index: e.Index,
			Message: fmt.Sprintf("entry %d has term %d, lower than term %d of entry %d: terms never decrease in a Raft log", e.Index, e.Term, r.maxTerm, r.maxAt)})
	} else {
		r.maxTerm, r.maxAt = e.Term, e.Index
	}
	if r.b.Term >= 0 && e.Term > r.b.Term {
		r.findings.Add(Finding{Severity: Warning, Code: "term-above-current", File: e.Record.File, Offset: e.Record.Offset, Index: e.Index,
			Message: fmt.Sprintf("entry %d has term %d, above the node's current term %d (node.state not flushed after the term change; the node adopts a higher term at its next election)", e.Index, e.Term, r.b.Term)})
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
	for _, tc := range r.terms {
		r.sum.Terms = append(r.sum.Terms, *tc)
	}
	sort.Slice(r.sum.Terms, func(i, j int) bool { return r.sum.Terms[i].Term < r.sum.Terms[j].Term })
	return r.sum, r.findings
}
