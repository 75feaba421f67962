// Package repair plans and carries out safe repairs of DotNext logs: of a
// PersistentState log (legacy, Table/v2, sparse) what verify finds, the
// healing of one from a replica (repair --from), and of a WriteAheadLog its
// checkpoint, state and #292-padded records. It never prints; conversion
// between formats is package convert's.
//
// The rule behind every action: nothing on disk is guessed. A partition is
// rebuilt with its codec's writer (byte-exact with the library) from the slots
// the codec trusts (package rebuild); node.state is rewritten from its own
// fields, clamped to the entries that really exist; what no byte on disk still
// holds (a lost term, a vote, a record) is either supplied by the operator
// through a flag or the entries that depend on it are dropped — and dropping a
// committed entry needs an explicit flag too.
//
// Apply and ApplyWAL write through package txn: the directory is copied to a
// backup, the plan is made again on the backup, every file it changes is
// rebuilt from the backup into a stage, the caller's auditor (with Auditor,
// the repair's own check of the stage) checks it, and only then is it
// published (journaled: a crash at any point leaves each file old or new, and
// the same command discards or finishes the interrupted run).
package repair

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/release"
)

// Options steer Plan and Apply.
type Options struct {
	// AllowDropCommitted lets the plan drop entries at or below CommitIndex
	// (the cluster's majority must still hold them).
	AllowDropCommitted bool `json:"allowDropCommitted,omitempty"`
	// SetTerm is the term the operator supplies for node.state (nil: keep).
	SetTerm *int64 `json:"setTerm,omitempty"`
	// ClearVote removes the vote from node.state.
	ClearVote bool `json:"clearVote,omitempty"`
	// CommitIndex is the cluster's commit index, supplied by the operator
	// for a node.state that cannot be trusted (nil: lower it to the
	// snapshot index instead).
	CommitIndex *int64 `json:"commitIndex,omitempty"`
	// OverrideEvidence: the operator holds the files' evidence for R or M
	// damaged (--override-evidence); geometry-conflict findings then do not
	// block the plan (the write is still audited against the files).
	OverrideEvidence bool `json:"overrideEvidence,omitempty"`
	// VoteLayoutFor rewrites the vote in the ClusterMemberId layout this
	// release reads (zero: keep the layout): the upgrade across 4.8.0.
	VoteLayoutFor release.Version `json:"voteLayoutFor,omitzero"`
	// From is the replica repair --from rebuilds DIR's damaged or missing
	// committed entries from (absolute; "" for a repair of DIR alone).
	From string `json:"from,omitempty"`
	// Backup is where Apply copies the directory first; "" means a new
	// sibling named <dir>.walctl-backup-<UTC timestamp>.
	Backup string `json:"-"`
	// Log are the overrides the log was opened with (format, R, M); Apply
	// opens the backup with them.
	Log rebuild.LogOptions `json:"log"`
}

// StepKind names a file operation.
type StepKind string

const (
	StepRewrite   StepKind = "rewrite"    // rebuild a partition file with its codec writer
	StepRemove    StepKind = "remove"     // delete a partition file
	StepNodeState StepKind = "node-state" // rewrite node.state
	// StepPatch rewrites a partition file with the old bytes, holes kept,
	// except the ranges it names (stub records over zero leading slots).
	StepPatch StepKind = "patch"
)

// Step is one file operation of a plan, in execution order.
type Step struct {
	Kind StepKind `json:"kind"`
	File string   `json:"file"`
	// What the new file holds, in words.
	What string `json:"what"`
	// Why: the findings (codes) or rules that call for this step.
	Why []string `json:"why"`
	// Keeps and Drops are the log indexes the rewritten file keeps and the
	// live entries it drops.
	Keeps *raftlog.Range `json:"keeps,omitempty"`
	Drops *raftlog.Range `json:"drops,omitempty"`
	// Records are the records a StepMetadataPage rewrites in place, with
	// their old and new values.
	Records []RecordFix `json:"records,omitempty"`

	recipe  *rebuild.Recipe
	state   []byte
	patches []slotPatch
	stubs   *stubPatch
}

// Status says how a plan treats a finding.
type Status string

const (
	Fixed    Status = "fixed"     // a step rewrites what the finding is about
	Dropped  Status = "dropped"   // the entry it concerns is dropped (truncation)
	Refused  Status = "refused"   // no safe repair without a flag (or at all)
	NoAction Status = "no-action" // nothing to do (info, or a warning left as is)
)

// Item is the plan's answer to one finding.
type Item struct {
	Finding raftlog.Finding `json:"finding"`
	Status  Status          `json:"status"`
	// Action in words: what happens, or why nothing safe can happen.
	Action string `json:"action"`
	// Step is the 1-based number of the step that acts on it, 0 for none.
	Step int `json:"step,omitempty"`
	// Flag is what the operator can add to allow a refused repair ("" when
	// no flag makes it safe).
	Flag string `json:"flag,omitempty"`
}

// Drop is a range of live entries the plan removes from the log.
type Drop struct {
	Range raftlog.Range `json:"range"`
	// Committed is the part at or below CommitIndex (nil: none).
	Committed *raftlog.Range `json:"committed,omitempty"`
	Why       string         `json:"why"`
	Refused   bool           `json:"refused"`
	Flag      string         `json:"flag,omitempty"`
}

// Plan is what a repair would do to one directory.
type Plan struct {
	Dir    string        `json:"dir"`
	Format format.Format `json:"format"`
	R      int64         `json:"recordsPerPartition"`
	M      int64         `json:"maxEntrySize,omitempty"`
	// Snapshot, LastIndex, CommitIndex are node.state's values; NewLastIndex
	// and NewCommitIndex what they are after the plan.
	Snapshot       int64    `json:"snapshotIndex"`
	LastIndex      int64    `json:"lastIndex"`
	CommitIndex    int64    `json:"commitIndex"`
	NewLastIndex   int64    `json:"newLastIndex"`
	NewCommitIndex int64    `json:"newCommitIndex"`
	Steps          []Step   `json:"steps"`
	Items          []Item   `json:"items"`
	Drop           *Drop    `json:"drop,omitempty"`
	Notes          []string `json:"notes,omitempty"`
	// Heal is what repair --from does entry by entry (nil without --from).
	Heal *Heal `json:"heal,omitempty"`

	src *rebuild.Source // the log the plan was computed on: steps rebuild from it
	rep *logdir.Log
}

// Close releases the replica a repair --from plan reads its entries from;
// the plan's steps cannot be staged after it.
func (p *Plan) Close() {
	if p != nil && p.rep != nil {
		p.rep.Close()
		p.rep = nil
	}
}

// DamageRemains reports whether an error finding is left unrepaired (or
// repair --from refuses).
func (p *Plan) DamageRemains() bool {
	if p.Heal != nil && len(p.Heal.Refused) > 0 {
		return true
	}
	for _, it := range p.Items {
		if it.Finding.Severity == raftlog.Error && (it.Status == Refused || it.Status == NoAction) {
			return true
		}
	}
	return false
}

// OutOptions open the repaired log with the settings the plan worked with:
// after a truncation to partition 0 (or to the snapshot) the files alone may
// no longer prove R. w are the WriteAheadLog settings the input was read
// with (a WriteAheadLog repair keeps its layout).
func (p *Plan) OutOptions(w wal.Options) logdir.Options {
	return logdir.Options{Format: p.Format, R: p.R, M: p.M, Force: true, WAL: w}
}

// Nothing reports whether the plan changes nothing.
func (p *Plan) Nothing() bool { return len(p.Steps) == 0 }

// MakePlan works out what a repair of l would do. It reads the partition files
// (one at a time) but writes nothing. Errors are for inputs walctl cannot plan
// for at all (a WriteAheadLog, unreadable files, contradictory flags).
func MakePlan(l *logdir.Log, o Options) (*Plan, error) {
	if !l.Format.Partitioned() {
		return nil, fmt.Errorf("%s: walctl repair handles the PersistentState formats (legacy, v2, sparse), not %q",
			l.Dir, l.Format)
	}
	pl := &planner{l: l, o: o, p: &Plan{Dir: l.Dir, Format: l.Format, R: l.R, M: l.M}, firstBad: -1, frozenFrom: -1}
	findings, err := collectFindings(l)
	if err != nil {
		return nil, err
	}
	if o.From != "" {
		if pl.rep, err = OpenReplica(o.From); err != nil {
			return nil, err
		}
		pl.p.rep = pl.rep
	}
	if l.State == nil {
		pl.p.Items = pl.items(findings)
		pl.p.Heal = noStateHeal(pl.rep)
		return pl.p, nil
	}
	if err := pl.run(); err != nil {
		pl.p.Close()
		return nil, err
	}
	pl.p.src = pl.src
	pl.p.Items = pl.items(findings)
	return pl.p, nil
}

// planner carries one MakePlan call.
type planner struct {
	l    *logdir.Log
	o    Options
	p    *Plan
	src  *rebuild.Source
	heal *healer     // repair --from's, also the source's Patcher (nil without --from)
	rep  *logdir.Log // the replica of repair --from (nil without)

	raw        []byte
	st         nodestate.State
	S, L, C, A int64

	scanTo     int64  // the last index the scan for bad records covers
	firstBad   int64  // first live index without a trusted record, -1 none
	badWhy     string // why, in words
	maxTerm    int64  // highest term of the entries kept
	effLast    int64  // LastIndex after the plan
	truncate   bool   // entries (effLast, L] are dropped
	refused    bool   // the end of the log the scan found may not be applied
	frozenFrom int64  // partitions from this number on are left alone (-1: none)
	refusal    string // why the truncation is refused
	refuseFlag string

	ns            stateCheck
	commitTrusted bool  // node.state's CommitIndex can be trusted
	trustC        int64 // the commit index node.state is rewritten from
	stateStep     *Step
	stateRefused  string
	removed       map[string]bool
}

func (pl *planner) run() error {
	raw, err := os.ReadFile(filepath.Join(pl.l.Dir, nodestate.FileName))
	if err != nil {
		return err
	}
	pl.raw, pl.st = raw, nodestate.Decode(raw)
	pl.L, pl.C, pl.A = pl.st.LastIndex, pl.st.CommitIndex, pl.st.LastApplied
	if pl.l.Snapshot != nil {
		pl.S = pl.l.Snapshot.Index
		pl.maxTerm = pl.l.Snapshot.Term
	}
	p := pl.p
	p.Snapshot, p.LastIndex, p.CommitIndex = pl.S, pl.L, pl.C
	if !rebuild.Sane(pl.S) || !rebuild.Sane(pl.L) || !rebuild.Sane(pl.C) {
		return pl.insane()
	}
	pl.ns = checkState(raw, pl.st, pl.o)
	if err := pl.commitTrust(); err != nil {
		return err
	}
	pl.scanTo = pl.L
	if pl.commitTrusted {
		pl.scanTo = max(pl.L, pl.C) // records up to a trusted CommitIndex may lie past LastIndex
	}
	if pl.src, err = rebuild.NewSource(pl.l, pl.scanTo); err != nil {
		return err
	}
	if err := pl.planHeal(pl.scanTo); err != nil {
		return err
	}
	if err := pl.findBad(pl.S+1, pl.scanTo); err != nil {
		return err
	}
	if err := pl.ns.validate(pl.o, pl.maxTerm); err != nil {
		return err
	}
	pl.decideLast()
	if err := pl.partitions(); err != nil {
		return err
	}
	pl.planNodeState()
	pl.order()
	if h := pl.heal; h != nil {
		h.finish()
	}
	return nil
}

// planHeal compares DIR with the replica of repair --from and lets the
// source read the entries it rebuilds from the replica.
func (pl *planner) planHeal(scanTo int64) error {
	if pl.rep == nil {
		return nil
	}
	term := pl.st.Term
	if pl.o.SetTerm != nil {
		term = *pl.o.SetTerm
	}
	h, err := planHeal(pl.l, pl.rep, healBounds{from: pl.S + 1, to: scanTo, commit: pl.trustC, term: term})
	if err != nil {
		return err
	}
	pl.heal, pl.src.Patcher, pl.p.Heal = h, h, h.h
	pl.src.AddAbsent(h.partitions(pl.src.G.R))
	return nil
}

func (pl *planner) insane() error {
	pl.stateRefused = "node.state holds a negative or impossibly large index: its fields cannot be trusted"
	pl.effLast, pl.p.NewLastIndex, pl.p.NewCommitIndex = pl.L, pl.L, pl.C
	return nil
}
