// Package audit proves, before a write is trusted, that it kept what walctl
// promises to keep: every committed entry the input holds intact, the term
// and the vote, and a commit index never above a trusted one. It is one
// mechanism for every write path (repair --apply, convert in place or to a
// new directory, to and from a WriteAheadLog): the caller hands it the input
// directory, the written output and what the operator asked for, and it
// reads both again on its own.
//
// The input is read with the geometry detection finds in the files, never
// with the operator's flags: a flag that misplaces every index makes the
// write and the audit disagree instead of agreeing on the same mistake. Only
// where detection is genuinely unsure (it lists candidates) may the caller's
// setting be used, and only if it is one of them. The output is read with
// the geometry the write used, and its own detection must agree with it.
package audit

import (
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"

	"github.com/walctl/walctl/detect"
	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// Expect is what the write was asked to do.
type Expect struct {
	// In are the input settings the write used (the operator's flags). The
	// audit consults them only where detection of the input is unsure, and
	// only when they are among its candidates.
	In logdir.Options
	// Out is the geometry the write laid the output out with (format, R, M,
	// WriteAheadLog chunk size, hash, layout).
	Out logdir.Options
	// SetTerm is --set-term: the output's term is then this one (or the
	// input's, when the write had no reason to change it).
	SetTerm *int64
	// ClearVote is --clear-vote: the output may then hold no vote.
	ClearVote bool
	// CommitIndex is --commit-index, the cluster's commit index from the
	// operator: it replaces a CommitIndex the input cannot be trusted with,
	// and bounds a trusted one from above.
	CommitIndex *int64
	// AllowDropCommitted is --allow-drop-committed: committed entries at
	// and after the first entry the input does not hold intact may be gone
	// (a log has no holes, so entries after a damaged one go with it).
	AllowDropCommitted bool
	// Replica is the replica of repair --from: a committed index the input
	// does not hold intact (or at all) may then hold, in the output, the
	// replica's entry there — intact, committed on the replica, and equal
	// to it in term, command id, length and payload bytes. Nothing else may
	// differ from the input. The replica is read by detection, on its own.
	Replica string
	// SnapshotByApplication: the output holds no snapshot file by design
	// (convert --to wal without --copy-snapshot): the node's state machine
	// restores the input's snapshot itself, so the output is read as if it
	// held a snapshot at the input's index and term.
	SnapshotByApplication bool
	// Observe, when not nil, lets a check of the caller share the proof's
	// walk instead of reading both logs once more: it is handed the two logs
	// as the proof opened them and from, the first index the walk reports,
	// and returns each, which the walk calls with every input entry it reads
	// from there on (ei), the output's entry at that index (eo, nil: none)
	// and whether the proof compared their payload bytes equal, after the
	// proof's check of the pair passed; and done, called once the whole
	// proof passed. Returning a nil each declines (the caller then reads
	// the logs on its own). An error from either fails the audit.
	Observe func(in, out *logdir.Log, from int64) (each func(ei raftlog.Entry, eo *raftlog.Entry, sameBytes bool) error,
		done func() error)
	// Checked, when not nil, lets a caller that verifies the output share
	// the proof's open of it: when the proof opens the output as plain
	// walctl verify does — by its detection alone, which gives the geometry
	// the write used — it opens it with logdir.OpenChecked and hands over
	// the log with its replay's summary and findings, before proving
	// anything. It is not called when the output had to be opened with the
	// write's settings. An error fails the audit.
	Checked func(out *logdir.Log, sum raftlog.Summary, fs raftlog.Findings) error
}

// ErrViolation is wrapped by every failed proof.
var ErrViolation = errors.New("the write does not keep what it must")

// Violation is the first thing the output does not keep: an entry (Index ≥
// 0) or a node-state field (Index = raftlog.NoIndex).
type Violation struct {
	Index int64
	Field string // entry, term, command id, length, payload, node state, node term, vote, commit index, snapshot, geometry
	In    string // the input's value, in words
	Out   string // the output's value, in words
	Why   string
}

func (v *Violation) Error() string {
	var b strings.Builder
	b.WriteString("audit: ")
	if v.Index != raftlog.NoIndex {
		fmt.Fprintf(&b, "entry %d: ", v.Index)
	}
	fmt.Fprintf(&b, "%s: input %s, output %s", v.Field, v.In, v.Out)
	if v.Why != "" {
		b.WriteString(" — " + v.Why)
	}
	return b.String()
}

func (v *Violation) Unwrap() error { return ErrViolation }

// Report is what was proven.
type Report struct {
	Input  string `json:"input"`
	Output string `json:"output"`
	// InGeometry says how the input was read (detection, or the caller's
	// setting among detection's candidates).
	InGeometry string `json:"inputGeometry"`
	Snapshot   int64  `json:"snapshotIndex"`
	// CommitIndex is the input's trusted commit index, CommitFrom where it
	// comes from; OutCommit is the output's.
	CommitIndex int64  `json:"commitIndex"`
	CommitFrom  string `json:"commitFrom"`
	OutCommit   int64  `json:"outputCommitIndex"`
	// Committed are the committed entries proven kept, in Kept (nil: none).
	Committed int64          `json:"committed"`
	Kept      *raftlog.Range `json:"kept,omitempty"`
	// Uncommitted are entries after the commit index found equal; Dropped
	// the input's entries the output no longer holds (uncommitted, or with
	// --allow-drop-committed after the first damaged one).
	Uncommitted int64 `json:"uncommitted"`
	Dropped     int64 `json:"dropped"`
	// Unproven are the input's entries that are not intact (nothing to keep).
	Unproven int64  `json:"notIntact"`
	Bytes    int64  `json:"payloadBytes"`
	Term     string `json:"term"`
	Vote     string `json:"vote"`

	// Rebuilt are the committed entries the input does not hold intact that
	// the output holds equal to the replica's (repair --from).
	Rebuilt int64  `json:"rebuiltFromReplica,omitempty"`
	Replica string `json:"replica,omitempty"`
}

// String is the report in one line, for the commands.
func (r *Report) String() string {
	kept := "no committed entry to keep"
	if r.Kept != nil {
		kept = fmt.Sprintf("committed %s (%d entries) kept byte for byte", r.Kept, r.Committed)
	}
	if r.Snapshot > 0 {
		if r.Kept == nil {
			kept = "no committed entry after it"
		}
		kept = fmt.Sprintf("snapshot %d kept (same index and term), %s", r.Snapshot, kept)
	}
	if r.Replica != "" {
		kept += fmt.Sprintf(", %d rebuilt equal to the committed entries of %s", r.Rebuilt, r.Replica)
	}
	return fmt.Sprintf(
		"input re-read on its own (%s): %s, %d uncommitted kept, %d dropped, %d not intact in the input (%d payload bytes compared); %s, %s; commit index %d ≤ %d (%s)",
		r.InGeometry,
		kept,
		r.Uncommitted,
		r.Dropped,
		r.Unproven,
		r.Bytes,
		r.Term,
		r.Vote,
		r.OutCommit,
		r.CommitIndex,
		r.CommitFrom,
	)
}

// Prove reads input and output again and proves that output keeps what
// exp says the write must keep. A failed proof is a *Violation (wrapping
// ErrViolation) naming the first difference; other errors say that one of
// the two could not be read (the proof is then not given either).
func Prove(input, output string, exp Expect) (*Report, error) {
	return ProveRead(nil, input, output, exp)
}

// Read is the audit's reading of an input begun ahead (Begin), while a
// write stages its output: the same open Prove makes of the input, made
// earlier. Nothing a write does changes its input before the audit.
type Read struct {
	input string
	done  chan struct{}
	l     *logdir.Log
	how   string
	err   error
	taken bool
}

// Begin starts reading input as Prove with exp will, on another goroutine.
func Begin(input string, exp Expect) *Read {
	r := &Read{input: input, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.l, r.how, r.err = openInput(input, exp.In)
	}()
	return r
}

// Close waits for the read and closes what Prove did not take.
func (r *Read) Close() {
	if r == nil {
		return
	}
	<-r.done
	if !r.taken && r.l != nil {
		r.l.Close()
	}
	r.taken = true
}

// take is the input as read ahead when r read this input (Prove then owns
// the log), else read now.
func (r *Read) take(input string, hint logdir.Options) (*logdir.Log, string, error) {
	if r == nil || r.taken || r.input != input {
		return openInput(input, hint)
	}
	<-r.done
	r.taken = true
	return r.l, r.how, r.err
}

// ProveRead is Prove with the input read ahead by r (nil: read it now).
func ProveRead(r *Read, input, output string, exp Expect) (*Report, error) {
	// The two logs are opened at once, on two cores: neither open reads
	// anything of the other (openAsDetected needs nothing of the input).
	early := make(chan detected, 1)
	go func() {
		var d detected
		d.l, d.det, d.err = openAsDetected(output, exp)
		early <- d
	}()
	in, how, err := r.take(input, exp.In)
	pre := <-early
	if err != nil {
		if pre.l != nil {
			pre.l.Close()
		}
		return nil, fmt.Errorf("audit: read the input %s: %w", input, err)
	}
	defer in.Close()
	out, cleanup, err := openOutput(output, exp, in, pre)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	defer out.Close()
	a := &auditor{in: in, out: out, exp: exp, r: &Report{Input: input, Output: output, InGeometry: how}}
	if exp.Replica != "" {
		rep, _, err := openInput(exp.Replica, logdir.Options{})
		if err != nil {
			return nil, fmt.Errorf("audit: read the replica %s: %w", exp.Replica, err)
		}
		defer rep.Close()
		a.rep = newReplica(rep)
		defer a.rep.close()
		a.r.Replica = exp.Replica
	}
	if err := a.nodeState(); err != nil {
		return nil, err
	}
	if err := a.snapshot(); err != nil {
		return nil, err
	}
	var done func() error
	if exp.Observe != nil {
		a.each, done = exp.Observe(in, out, a.inSnap+1)
	}
	if err := a.entries(); err != nil {
		return nil, err
	}
	if a.each != nil && done != nil {
		if err := done(); err != nil {
			return nil, err
		}
	}
	return a.r, nil
}

// openInput opens the input by detection alone; where detection is unsure
// the caller's settings are used only if they are among its candidates.
func openInput(dir string, hint logdir.Options) (*logdir.Log, string, error) {
	l, err := logdir.Open(dir, logdir.Options{})
	if err == nil {
		return l, describe(l, "detection"), nil
	}
	var unsure *logdir.ErrUnsure
	if !errors.As(err, &unsure) {
		return nil, "", err
	}
	o, err := fromCandidates(unsure.Detection, hint)
	if err != nil {
		return nil, "", err
	}
	if l, err = logdir.Open(dir, o); err != nil {
		return nil, "", err
	}
	// With candidates, the files that prove the others conflict by nature;
	// without any, nothing may conflict with the value taken.
	for _, f := range l.Findings {
		if f.Code == finding.GeometryConflict && len(unsure.Detection.Candidates) == 0 {
			l.Close()
			return nil, "", fmt.Errorf("the write's settings contradict the files: %s", f.Message)
		}
	}
	if f, ok := tooSmall(l); ok {
		l.Close()
		return nil, "", fmt.Errorf("the write's R = %d is too small for the files: %s", l.R, f.Message)
	}
	if err := bestCandidate(dir, l, unsure.Detection.Candidates); err != nil {
		l.Close()
		return nil, "", err
	}
	return l, describe(l, "the write's setting, one of detection's candidates"), nil
}

// bestCandidate: the candidate R the write took must read at least as long
// a run of intact entries from the snapshot on as every other candidate. A
// wrong R misplaces the entries of every partition after the first: its
// reading shows a gap or a damaged entry where the right one shows the
// entry, and a write that trusted it would drop entries that are there.
func bestCandidate(dir string, l *logdir.Log, candidates []int64) error {
	if len(candidates) < 2 {
		return nil
	}
	mine, err := intactRun(l)
	if err != nil {
		return err
	}
	for _, r := range candidates {
		if r == l.R {
			continue
		}
		other, err := logdir.Open(dir, logdir.Options{Format: l.Format, R: r, M: l.M, Force: true})
		if err != nil {
			continue
		}
		if _, small := tooSmall(other); small {
			other.Close() // a file uses more slots than r: r cannot be the log's R
			continue
		}
		run, err := intactRun(other)
		other.Close()
		if err == nil && run > mine {
			return &Violation{
				Index: raftlog.NoIndex,
				Field: "geometry",
				In:    fmt.Sprintf("read with R = %d (also a candidate), intact up to index %d", r, run),
				Out:   fmt.Sprintf("the write's R = %d reads it intact only up to %d", l.R, mine),
				Why:   "entries would be dropped or moved only because of the R chosen: check the node's configured records per partition",
			}
		}
	}
	return nil
}

// tooSmall returns the geometry-conflict finding of a partition that uses
// more slots than the R l was opened with (detect's checkR words it so):
// no log written with that R holds such a file.
func tooSmall(l *logdir.Log) (raftlog.Finding, bool) {
	for _, f := range l.Findings {
		if f.Code == finding.GeometryConflict && strings.Contains(f.Message, "slots, more than R") {
			return f, true
		}
	}
	return raftlog.Finding{}, false
}

// intactRun is the last index of the run of intact entries that starts
// after the snapshot (the snapshot index when the first is not intact).
func intactRun(l *logdir.Log) (int64, error) {
	var s int64
	if l.Snapshot != nil {
		s = max(l.Snapshot.Index, 0)
	}
	damaged := damagedIndexes(l)
	last := s
	err := l.Entries(s+1, l.Last, func(e raftlog.Entry) bool {
		if e.IsSnapshot {
			return true
		}
		if e.Index != last+1 || !intact(e, damaged) {
			return false
		}
		last = e.Index
		return true
	})
	return last, err
}

// damagedIndexes are the indexes with a finding that makes the entry's
// content untrustworthy.
func damagedIndexes(l *logdir.Log) map[int64]bool {
	damaged := map[int64]bool{}
	for _, f := range l.Findings {
		if f.Severity == raftlog.Error && f.Index != raftlog.NoIndex && damageCodes[f.Code] {
			damaged[f.Index] = true
		}
	}
	return damaged
}

// fromCandidates checks the caller's settings against an unsure detection.
func fromCandidates(det *detect.Result, hint logdir.Options) (logdir.Options, error) {
	o := logdir.Options{Format: det.Format, R: det.R, M: det.M, Force: true}
	unsure := func(what string) error {
		return fmt.Errorf("detection is unsure (%s) and %s", det.Confidence, what)
	}
	switch det.Format {
	case format.WAL:
		if hint.Format != "" && hint.Format != format.WAL {
			return o, unsure(fmt.Sprintf("the write read it as %s", hint.Format))
		}
		o.Format, o.R, o.M, o.WAL = format.WAL, 0, 0, hint.WAL
		return o, nil
	case format.Unknown:
		if hint.Format == "" {
			return o, unsure("the write gave no format")
		}
		o.Format = hint.Format
	default:
		if hint.Format != "" && hint.Format != det.Format {
			return o, unsure(fmt.Sprintf("the files are %s, not the %s the write assumed", det.Format, hint.Format))
		}
	}
	switch {
	case len(det.Candidates) > 0:
		if !contains(det.Candidates, hint.R) {
			return o, unsure(fmt.Sprintf("R = %d is not one of its candidates %v", hint.R, det.Candidates))
		}
		o.R = hint.R
	case det.R > 0:
		if hint.R > 0 && hint.R != det.R {
			return o, unsure(fmt.Sprintf("the files give R = %d, not the %d the write assumed", det.R, hint.R))
		}
	case hint.R > 0:
		o.R = hint.R // any R above the used slots fits: checked for conflicts when opened
	default:
		return o, unsure("the write gave no R")
	}
	if o.Format == format.Sparse {
		switch {
		case det.M > 0 && hint.M > 0 && hint.M != det.M:
			return o, unsure(fmt.Sprintf("the files give M = %d, not the %d the write assumed", det.M, hint.M))
		case det.M == 0 && hint.M == 0:
			return o, unsure("the write gave no M")
		case det.M == 0:
			o.M = hint.M
		}
	}
	return o, nil
}

func contains(list []int64, v int64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func describe(l *logdir.Log, how string) string {
	switch {
	case l.Format == format.WAL:
		return fmt.Sprintf("wal, by %s", how)
	case l.M > 0:
		return fmt.Sprintf("%s, R = %d, M = %d, by %s", l.Format, l.R, l.M, how)
	}
	return fmt.Sprintf("%s, R = %d, by %s", l.Format, l.R, how)
}

// openOutput opens the output with the write's geometry after checking that
// the output's own detection agrees with it. cleanup removes the snapshot
// placeholder of SnapshotByApplication.
func openOutput(dir string, exp Expect, in *logdir.Log, pre detected) (*logdir.Log, func(), error) {
	nothing := func() {}
	l, det, err := pre.l, pre.det, pre.err
	if l != nil || err != nil {
		return l, nothing, err
	}
	o := exp.Out
	o.Force = true
	if det == nil {
		if det, err = detect.Directory(dir, detect.Overrides{WAL: wal.Options{SnapshotDir: o.WAL.SnapshotDir}}); err != nil {
			return nil, nothing, fmt.Errorf("audit: read the output %s: %w", dir, err)
		}
	}
	if v := disagree(det, o); v != nil {
		return nil, nothing, v
	}
	if o.Format == "" {
		o.Format = det.Format
	}
	cleanup := nothing
	if exp.SnapshotByApplication && o.Format == format.WAL && in.Snapshot != nil && in.Snapshot.Index > 0 &&
		!walHasSnapshot(dir, o) {
		tmp, err := os.MkdirTemp("", "walctl-audit-")
		if err != nil {
			return nil, nothing, err
		}
		cleanup = func() { os.RemoveAll(tmp) }
		// An empty <index>-<term> file: the snapshot the application restores.
		name := filepath.Join(tmp, fmt.Sprintf("%d-%d", in.Snapshot.Index, in.Snapshot.Term))
		if err := os.WriteFile(name, nil, 0o600); err != nil {
			cleanup()
			return nil, nothing, err
		}
		o.WAL.SnapshotDir = tmp
	}
	l, err = logdir.Open(dir, o)
	if err != nil {
		cleanup()
		return nil, nothing, fmt.Errorf("audit: read the output %s: %w", dir, err)
	}
	for _, f := range l.Findings {
		if f.Code == finding.GeometryConflict {
			l.Close()
			cleanup()
			return nil, nothing, &Violation{
				Index: raftlog.NoIndex,
				Field: "geometry",
				In:    "the write's settings",
				Out:   f.Message,
				Why:   "the output's files contradict the geometry it was written with",
			}
		}
	}
	return l, cleanup, nil
}

// detected is what openAsDetected returns.
type detected struct {
	l   *logdir.Log
	det *detect.Result
	err error
}

// openAsDetected opens a PersistentState output by its own detection alone
// (as plain walctl verify opens it) when that reads it with the geometry
// the write used (format, R, M; detection sure, agreeing, no geometry
// conflict): the same log the write's settings would open, with one
// detection instead of two. Else it returns no log, and the detection when
// it was made, for openOutput to open the output with the write's
// settings.
func openAsDetected(dir string, exp Expect) (*logdir.Log, *detect.Result, error) {
	o := exp.Out
	if !o.Format.Partitioned() || o.WAL != (wal.Options{}) {
		return nil, nil, nil
	}
	var (
		l   *logdir.Log
		sum raftlog.Summary
		fs  raftlog.Findings
		err error
	)
	if exp.Checked != nil {
		l, sum, fs, err = logdir.OpenChecked(dir, logdir.Options{}, nil, nil)
	} else {
		l, err = logdir.Open(dir, logdir.Options{})
	}
	if err != nil {
		var unsure *logdir.ErrUnsure
		if errors.As(err, &unsure) {
			return nil, unsure.Detection, nil
		}
		return nil, nil, nil // openOutput reads it again and words the error
	}
	if v := disagree(l.Detection, o); v != nil {
		l.Close()
		return nil, nil, v
	}
	if l.Format != o.Format || (o.R != 0 && l.R != o.R) || (o.M != 0 && l.M != o.M) || hasConflict(l) {
		det := l.Detection
		l.Close()
		return nil, det, nil
	}
	if exp.Checked != nil {
		if err := exp.Checked(l, sum, fs); err != nil {
			l.Close()
			return nil, nil, err
		}
	}
	return l, nil, nil
}

func hasConflict(l *logdir.Log) bool {
	for _, f := range l.Findings {
		if f.Code == finding.GeometryConflict {
			return true
		}
	}
	return false
}

func walHasSnapshot(dir string, o logdir.Options) bool {
	l, err := logdir.Open(dir, o)
	if err != nil {
		return false
	}
	defer l.Close()
	return l.Snapshot != nil && l.Snapshot.Index > 0
}

// disagree compares the output's own detection with the write's geometry:
// where detection is sure it must match, where it is unsure the write's
// value must be among its candidates.
func disagree(det *detect.Result, o logdir.Options) *Violation {
	geom := func(what string, written, detected any) *Violation {
		return &Violation{
			Index: raftlog.NoIndex,
			Field: "geometry",
			In:    fmt.Sprintf("written with %s %v", what, written),
			Out:   fmt.Sprintf("the output's own detection says %v (%s)", detected, det.Confidence),
			Why:   "the output would not be read back the way it was written",
		}
	}
	if o.Format != "" && det.Format != format.Unknown && det.Format != o.Format {
		return geom("format", o.Format, det.Format)
	}
	sure := det.Conf() >= detect.Confidence(2) // medium or better: logdir opens it without flags
	if det.Format == format.WAL {
		if det.WAL == nil || det.Conf() < detect.Confidence(3) {
			return nil // the slots do not prove the layout: the write's is the answer
		}
		w, d := o.WAL, det.WAL
		if h, auto, _ := wal.ParseHash(w.Hash); !auto && h.String() != d.Hash {
			return geom("hash", h, d.Hash)
		}
		if w.Layout != "" && w.Layout != d.Layout {
			return geom("layout", w.Layout, d.Layout)
		}
		if w.ChunkSize > 0 && w.ChunkSize != d.ChunkSize {
			return geom("chunk size", w.ChunkSize, d.ChunkSize)
		}
		return nil
	}
	switch {
	case o.R == 0:
	case len(det.Candidates) > 0 && !contains(det.Candidates, o.R):
		return geom("R", o.R, fmt.Sprintf("one of %v", det.Candidates))
	case sure && det.R > 0 && det.R != o.R:
		return geom("R", o.R, fmt.Sprintf("R = %d", det.R))
	}
	if o.M > 0 && det.M > 0 && det.M != o.M {
		return geom("M", o.M, fmt.Sprintf("M = %d", det.M))
	}
	return nil
}

// auditor carries one Prove call.
type auditor struct {
	in, out *logdir.Log
	exp     Expect
	r       *Report

	obligC  int64 // entries up to here the input holds intact must be kept
	boundC  int64 // the output's commit index may not exceed it
	trusted bool  // the input's own commit index is trusted
	inSnap  int64
	outSnap int64
	// sawOutSnap: an output snapshot above the input's sits on an intact
	// input entry of its term.
	sawOutSnap bool
	// rep is the replica of repair --from (nil without).
	rep *replica
	// each is Expect.Observe's, sameBytes whether same compared the
	// current pair's payload bytes equal.
	each      func(ei raftlog.Entry, eo *raftlog.Entry, sameBytes bool) error
	sameBytes bool
}

// nodeState checks term, vote and commit index, and works out the input's
// trusted commit index.
func (a *auditor) nodeState() error {
	in, out := a.in.State, a.out.State
	if in == nil {
		if out != nil {
			return &Violation{Index: raftlog.NoIndex, Field: "node state", In: "none", Out: "a node state",
				Why: "the input's term, vote and commit index are unknown, so the output cannot have them"}
		}
		a.r.Term, a.r.Vote, a.r.CommitFrom = "no node state", "no vote", "no node state"
		return nil
	}
	if out == nil {
		return &Violation{Index: raftlog.NoIndex, Field: "node state", In: "present", Out: "missing"}
	}
	if a.in.Snapshot != nil {
		a.inSnap = max(a.in.Snapshot.Index, 0)
	}
	a.trust()
	if err := a.term(in, out); err != nil {
		return err
	}
	if err := a.vote(in, out); err != nil {
		return err
	}
	a.r.OutCommit = out.CommitIndex
	if out.CommitIndex > a.boundC {
		return &Violation{
			Index: raftlog.NoIndex,
			Field: "commit index",
			In:    fmt.Sprintf("%d (%s)", a.boundC, a.r.CommitFrom),
			Out: fmt.Sprint(
				out.CommitIndex,
			),
			Why: "a commit index above a trusted one makes uncommitted entries committed",
		}
	}
	return nil
}

// trust works out the input's commit index that can be trusted: node.state's
// own when its checksum and size are sound, a torn WriteAheadLog checkpoint's
// surviving low bytes when the slots confirm them, else (a torn checkpoint,
// a missing one while slots hold entries) what the files prove: the
// snapshot index. --commit-index replaces an untrusted one and bounds a
// trusted one from above.
func (a *auditor) trust() {
	st := a.in.State
	c, from := st.CommitIndex, st.File
	trusted := st.Checksum != raftlog.ChecksumMismatch && (st.ExpectedSize == 0 || st.Size >= st.ExpectedSize) && c >= 0
	if w := a.in.WAL(); w != nil {
		trusted = true
		switch cp, ext := w.Checkpoint, w.Extent(); {
		case cp.Torn() && ext.RecoveredConfirmed:
			c, from = max(ext.RecoveredC, a.inSnap), "the torn checkpoint's surviving bytes, confirmed by the slots"
		case cp.Torn(), (!cp.Present || cp.Form == wal.CheckpointEmpty) && ext.LastWritten > ext.S:
			trusted = false // the commit index is not on disk
		default:
			from = "checkpoint"
		}
	}
	a.trusted = trusted
	switch n := a.exp.CommitIndex; {
	case !trusted && n != nil:
		c, from = *n, "--commit-index (the input's own is untrusted)"
	case !trusted:
		c, from = a.inSnap, "the snapshot index: the input's own commit index is untrusted"
	case n != nil && *n < c:
		a.obligC = max(c, a.inSnap)
		a.boundC = max(*n, a.inSnap)
		a.r.CommitIndex, a.r.CommitFrom = a.boundC, from+", lowered by --commit-index"
		return
	}
	a.obligC = max(c, a.inSnap)
	a.boundC = a.obligC
	a.r.CommitIndex, a.r.CommitFrom = a.boundC, from
}

func (a *auditor) term(in, out *raftlog.NodeState) error {
	switch t := a.exp.SetTerm; {
	case out.Term == in.Term:
		a.r.Term = fmt.Sprintf("term %d unchanged", in.Term)
	case t != nil && out.Term == *t:
		a.r.Term = fmt.Sprintf("term %d → %d (--set-term)", in.Term, *t)
	default:
		why := "the term changes only with --set-term"
		if t != nil {
			why = fmt.Sprintf("--set-term asked for %d", *t)
		}
		return &Violation{
			Index: raftlog.NoIndex,
			Field: "node term",
			In:    fmt.Sprint(in.Term),
			Out:   fmt.Sprint(out.Term),
			Why:   why,
		}
	}
	return nil
}

// vote compares the votes by the member they name, not by their bytes: a
// conversion may rewrite an old vote layout into the current one.
func (a *auditor) vote(in, out *raftlog.NodeState) error {
	inV, outV := member(in), member(out)
	newTerm := a.exp.SetTerm != nil && out.Term > in.Term
	switch {
	case inV == outV:
		a.r.Vote = "vote unchanged"
	case outV == "" && a.exp.ClearVote:
		a.r.Vote = "vote cleared (--clear-vote)"
	case outV == "" && newTerm:
		a.r.Vote = "vote cleared (a new term starts without one)"
	default:
		why := "the vote changes only with --clear-vote (or cleared with a new --set-term)"
		if outV != "" {
			why = "the output names another member: the node could vote twice in one term"
		}
		return &Violation{Index: raftlog.NoIndex, Field: "vote", In: orNone(inV), Out: orNone(outV), Why: why}
	}
	return nil
}

// member is the member a vote names, "" for none: an IP endpoint as
// address:port, decoded in the layout its bytes are stored in (format/
// nodestate tells the layout before 4.8.0 from 4.8.0+), so that a vote
// convert rewrote into the 4.8.0+ layout names the same member; any other
// id (DNS, HTTP, URI: its layout cannot be told) by its 28 bytes.
func member(ns *raftlog.NodeState) string {
	if !ns.HasVote {
		return ""
	}
	if ns.Vote.Endpoint != "" {
		return ns.Vote.Endpoint
	}
	return fmt.Sprintf("id %X", ns.Vote.Raw[:])
}

func orNone(s string) string {
	if s == "" {
		return "no vote"
	}
	return s
}

// snapshot: entries the input's snapshot covers are kept by an output
// snapshot at the same index and term.
func (a *auditor) snapshot() error {
	a.r.Snapshot = a.inSnap
	if a.out.Snapshot != nil {
		a.outSnap = max(a.out.Snapshot.Index, 0)
	}
	switch {
	case a.inSnap == 0 && a.outSnap == 0:
		return nil
	case a.outSnap < a.inSnap:
		return &Violation{
			Index: a.inSnap,
			Field: "snapshot",
			In:    fmt.Sprintf("snapshot at %d", a.inSnap),
			Out:   snapWords(a.outSnap),
			Why:   "the entries the input's snapshot covers are gone",
		}
	case a.outSnap == a.inSnap && a.out.Snapshot.Term != a.in.Snapshot.Term:
		return &Violation{Index: a.inSnap, Field: "snapshot", In: fmt.Sprintf("term %d", a.in.Snapshot.Term),
			Out: fmt.Sprintf("term %d", a.out.Snapshot.Term)}
	}
	// outSnap > inSnap: the output's snapshot must cover committed entries
	// the input holds intact with its term; entries() checks that.
	return nil
}

func snapWords(s int64) string {
	if s == 0 {
		return "no snapshot"
	}
	return fmt.Sprintf("snapshot at %d", s)
}

// damageCodes are the findings that make an entry's content untrustworthy
// even when its record decodes: a footer and an inline record that
// disagree, overlapping payloads, a WriteAheadLog entry that fails its
// checks. An entry with such an error finding is not intact, so there is
// nothing the write must keep of it. Layout findings (an unsealed
// partition, a torn seal, a header overwritten by #244 T2) say nothing
// against the entry, which must then be kept.
var damageCodes = map[finding.Code]bool{
	finding.FooterMismatch:          true,
	finding.MisplacedRecord:         true,
	finding.MissingRecord:           true,
	finding.PayloadOverlap:          true,
	finding.LengthOverSlot:          true,
	finding.ZeroRecordInChain:       true,
	finding.InvalidRecord:           true,
	finding.RecordZeroed:            true,
	finding.T1MissingInlineRecords:  true,
	finding.TornTail:                true,
	finding.SlotZeroWritten:         true,
	finding.PartitionMissing:        true,
	finding.SlotZero:                true,
	finding.RecordInvalid:           true,
	finding.HashMismatch:            true,
	finding.HashMismatchUncommitted: true,
	finding.DataChunkMissing:        true,
	finding.DataChunkShort:          true,
	finding.MetadataTruncated:       true,
	finding.MetadataPageMissing:     true,
	finding.CommandIDWithoutFlag:    true,
	finding.CheckpointPastEnd:       true,
}

// entries streams both logs in index order and proves every entry.
func (a *auditor) entries() error {
	damaged := damagedIndexes(a.in)
	// Past the input's last index the files may still hold records a write
	// takes in: committed ones when node.state lagged behind its own
	// CommitIndex, uncommitted slots that verify and chain after a torn
	// WriteAheadLog checkpoint. They are read too, up to what the output
	// holds, so that no output entry goes unchecked.
	inTo := max(a.in.Last, a.out.Last)
	if a.trusted {
		inTo = max(inTo, a.obligC)
	}
	outNext, stop := iter.Pull2(a.out.Seq(a.out.First, a.out.Last, false))
	defer stop()
	// eo points at cur, the output's entry in hand: one variable for the
	// whole walk, not a heap copy of every entry (nothing keeps eo past the
	// next pull).
	var eo, cur *raftlog.Entry = nil, new(raftlog.Entry)
	pull := func() error {
		e, err, ok := outNext()
		switch {
		case err != nil:
			return err
		case !ok:
			eo = nil
		default:
			*cur, eo = e, cur
		}
		return nil
	}
	if err := pull(); err != nil {
		return err
	}
	next := a.inSnap + 1 // the next index the input should hold
	firstBad := int64(-1)
	for ei, err := range a.in.Seq(a.inSnap+1, inTo, true) {
		if err != nil {
			return err
		}
		if ei.IsSnapshot || ei.Index <= a.inSnap {
			continue
		}
		if ei.Index > next && firstBad < 0 {
			firstBad = next // a gap: the input does not hold next..ei.Index-1
		}
		next = ei.Index + 1
		// Output entries before ei: the input holds none of them.
		for eo != nil && (eo.IsSnapshot || eo.Index < ei.Index) {
			if err := a.extra(*eo); err != nil {
				return err
			}
			if err := pull(); err != nil {
				return err
			}
		}
		ok := intact(ei, damaged)
		if !ok && firstBad < 0 {
			firstBad = ei.Index
		}
		var match *raftlog.Entry
		if eo != nil && eo.Index == ei.Index {
			match = eo
		}
		// No record at all (an empty slot), or past the input's last index
		// anything but an intact record: the input does not hold the index.
		if match != nil && (ei.State == raftlog.EntryEmpty || (ei.Index > a.in.Last && !ok)) {
			if err := a.extra(*match); err != nil {
				return err
			}
		}
		a.sameBytes = false
		if err := a.entry(ei, match, ok, firstBad); err != nil {
			return err
		}
		if a.each != nil {
			if err := a.each(ei, match, a.sameBytes); err != nil {
				return err
			}
		}
		if match != nil {
			if err := pull(); err != nil {
				return err
			}
		}
	}
	for eo != nil {
		if err := a.extra(*eo); err != nil {
			return err
		}
		if err := pull(); err != nil {
			return err
		}
	}
	if a.outSnap > a.inSnap && !a.sawOutSnap {
		return &Violation{Index: a.outSnap, Field: "snapshot", In: "no intact committed entry at this index",
			Out: fmt.Sprintf(
				"snapshot at %d",
				a.outSnap,
			), Why: "the output's snapshot covers entries the input does not hold"}
	}
	return nil
}

// Intact returns the rule the audit judges l's entries by: a valid record,
// its whole payload present, its hash (where the format keeps one) matching,
// and no damage finding at its index. A write that decides which entries
// it may rebuild (repair --from) uses the same rule, so that the write and
// its proof never disagree on what was intact.
func Intact(l *logdir.Log) func(raftlog.Entry) bool {
	damaged := damagedIndexes(l)
	return func(e raftlog.Entry) bool { return intact(e, damaged) }
}

func intact(e raftlog.Entry, damaged map[int64]bool) bool {
	return e.State == raftlog.EntryOK && e.PayloadAvailable() == e.Length && (e.HashOK == nil || *e.HashOK) &&
		!damaged[e.Index]
}

// entry proves one index the input holds: ei, faced by eo (nil: the output
// does not hold it).
func (a *auditor) entry(ei raftlog.Entry, eo *raftlog.Entry, ok bool, firstBad int64) error {
	covered := eo == nil && ei.Index <= a.outSnap
	must := ok && ei.Index <= a.obligC && !(a.exp.AllowDropCommitted && firstBad >= 0 && ei.Index > firstBad)
	switch {
	case !ok && eo != nil && a.rep != nil && ei.Index <= a.obligC && ei.State != raftlog.EntryEmpty && ei.Index <= a.in.Last:
		// (an empty slot, or an index past the input's last, went to extra)
		a.r.Unproven++
		return a.rebuilt(*eo)
	case !ok:
		a.r.Unproven++ // nothing to keep; the commit bound keeps it from becoming committed
		return nil
	case covered:
		// The output's snapshot covers it: only its last index is checked,
		// by term (the snapshot is the state machine's, not the entries').
		if ei.Index == a.outSnap {
			if ei.Term != a.out.Snapshot.Term {
				return &Violation{Index: ei.Index, Field: "snapshot", In: fmt.Sprintf("term %d", ei.Term),
					Out: fmt.Sprintf("snapshot term %d", a.out.Snapshot.Term)}
			}
			a.sawOutSnap = true
		}
		if ei.Index > a.boundC {
			return &Violation{
				Index: ei.Index,
				Field: "snapshot",
				In:    "not committed",
				Out:   fmt.Sprintf("covered by the output's snapshot at %d", a.outSnap),
				Why:   "a snapshot covers committed entries only",
			}
		}
		a.count(ei, true)
		return nil
	case eo == nil && must:
		return &Violation{
			Index: ei.Index,
			Field: "entry",
			In:    fmt.Sprintf("committed, term %d, %d bytes", ei.Term, ei.Length),
			Out:   "missing",
			Why: fmt.Sprintf(
				"every entry up to commit index %d (%s) that the input holds intact must be kept",
				a.obligC,
				a.r.CommitFrom,
			),
		}
	case eo == nil:
		if ei.Index <= a.in.Last {
			a.r.Dropped++ // records past the input's last index were not part of its log
		}
		return nil
	}
	if v := a.same(ei, *eo); v != nil {
		return v
	}
	a.count(ei, ei.Index <= a.obligC)
	return nil
}

func (a *auditor) count(e raftlog.Entry, committed bool) {
	if !committed {
		a.r.Uncommitted++
		return
	}
	a.r.Committed++
	if a.r.Kept == nil {
		a.r.Kept = &raftlog.Range{From: e.Index, To: e.Index}
	}
	a.r.Kept.To = e.Index
}

func reason(e raftlog.Entry) string {
	switch {
	case e.State != raftlog.EntryOK:
		return e.State.String() + ": " + e.Reason
	case e.HashOK != nil && !*e.HashOK:
		return "hash mismatch"
	case e.PayloadAvailable() != e.Length:
		return fmt.Sprintf("%d of %d payload bytes", e.PayloadAvailable(), e.Length)
	}
	return "a damage finding"
}

// same proves that eo keeps ei: index, term, command id, length and the
// payload bytes (streamed from both, compared byte for byte).
func (a *auditor) same(ei, eo raftlog.Entry) *Violation {
	v := func(field, in, out string) *Violation {
		why := "an intact entry the input holds may not change"
		if ei.Index <= a.obligC {
			why = "a committed entry may not change"
		}
		return &Violation{Index: ei.Index, Field: field, In: in, Out: out, Why: why}
	}
	switch {
	case eo.State != raftlog.EntryOK || eo.PayloadAvailable() != eo.Length || (eo.HashOK != nil && !*eo.HashOK):
		return v("entry", "intact", "not intact ("+reason(eo)+")")
	case ei.Term != eo.Term:
		return v("term", fmt.Sprint(ei.Term), fmt.Sprint(eo.Term))
	case !raftlog.SameCommand(ei.CommandID, eo.CommandID):
		return v("command id", raftlog.CommandText(ei.CommandID), raftlog.CommandText(eo.CommandID))
	case ei.Length != eo.Length && corrected292(ei, eo):
		// dotNext #292: the input's record also covers the zero padding the
		// writer skipped; the correction keeps exactly the appended payload,
		// so that is what the output must hold.
		ei.Length, ei.Payload = ei.Padding292.TrueLength, ei.Padding292.TruePayload
	case ei.Length != eo.Length:
		return v("length", fmt.Sprint(ei.Length), fmt.Sprint(eo.Length))
	}
	at, err := logdir.PayloadDiff(a.in, ei, a.out, eo)
	if err != nil {
		return &Violation{Index: ei.Index, Field: "payload", In: "readable", Out: "unreadable: " + err.Error()}
	}
	if at >= 0 {
		return v("payload", fmt.Sprintf("%d bytes", ei.Length), fmt.Sprintf("differs from byte %d on", at))
	}
	a.r.Bytes += ei.Length
	a.sameBytes = true
	return nil
}

// corrected292 reports whether eo is ei with its proven #292 padding
// removed (format/wal: the record's Offset moved to the chunk boundary).
func corrected292(ei, eo raftlog.Entry) bool {
	p := ei.Padding292
	return p != nil && p.Proven && eo.Length == p.TrueLength
}

// extra is an output entry at an index the input does not hold at all: a
// write never invents entries (a committed one would be applied, an
// uncommitted one with a matching term would pass Raft's consistency check).
func (a *auditor) extra(eo raftlog.Entry) error {
	if eo.IsSnapshot || eo.Index <= a.outSnap {
		return nil
	}
	if a.rep != nil && eo.Index <= a.obligC {
		return a.rebuilt(eo)
	}
	return &Violation{
		Index: eo.Index,
		Field: "entry",
		In:    "not held",
		Out:   fmt.Sprintf("term %d, %d bytes", eo.Term, eo.Length),
		Why:   "the output holds an entry the input does not",
	}
}

// rebuilt proves an output entry at a committed index the input does not
// hold intact: it is the replica's entry there, which the replica holds
// intact and has committed. An entry equal to the replica's is never
// "invented": the cluster committed it.
func (a *auditor) rebuilt(eo raftlog.Entry) error {
	v := func(in, why string) *Violation {
		return &Violation{
			Index: eo.Index,
			Field: "entry",
			In:    in,
			Out:   fmt.Sprintf("term %d, %d bytes", eo.Term, eo.Length),
			Why:   why,
		}
	}
	er, err := a.rep.at(eo.Index)
	if err != nil {
		return err
	}
	switch {
	case er == nil:
		return v(
			"not held intact, nor by the replica",
			"the output holds an entry neither the input nor the replica holds",
		)
	case !a.rep.intact(*er) || (er.Padding292 != nil && er.Padding292.Proven):
		return v(
			"not held intact, and damaged on the replica ("+reason(*er)+")",
			"a rebuilt entry must be the replica's intact one",
		)
	case eo.Index > a.rep.commit:
		return v(fmt.Sprintf("not held intact; the replica has not committed it (commit index %d)", a.rep.commit),
			"a rebuilt entry must be one the replica committed")
	case eo.State != raftlog.EntryOK || eo.PayloadAvailable() != eo.Length || (eo.HashOK != nil && !*eo.HashOK):
		return v("the replica's intact entry", "the rebuilt entry is not intact ("+reason(eo)+")")
	case er.Term != eo.Term:
		return v(fmt.Sprintf("the replica's term %d", er.Term), "a rebuilt entry must equal the replica's")
	case !raftlog.SameCommand(er.CommandID, eo.CommandID):
		return v(
			"the replica's command id "+raftlog.CommandText(er.CommandID),
			"a rebuilt entry must equal the replica's",
		)
	case er.Length != eo.Length:
		return v(fmt.Sprintf("the replica's %d bytes", er.Length), "a rebuilt entry must equal the replica's")
	}
	at, err := logdir.PayloadDiff(a.rep.l, *er, a.out, eo)
	if err != nil {
		return &Violation{
			Index: eo.Index,
			Field: "payload",
			In:    "the replica's, readable",
			Out:   "unreadable: " + err.Error(),
		}
	}
	if at >= 0 {
		return &Violation{Index: eo.Index, Field: "payload", In: fmt.Sprintf("the replica's %d bytes", er.Length),
			Out: fmt.Sprintf("differs from byte %d on", at), Why: "a rebuilt entry must equal the replica's"}
	}
	a.r.Rebuilt++
	a.r.Bytes += eo.Length
	return nil
}

// replica reads the replica's entries forward, in the increasing index
// order the audit asks for them.
type replica struct {
	l      *logdir.Log
	intact func(raftlog.Entry) bool
	commit int64
	next   func() (raftlog.Entry, error, bool)
	stop   func()
	peek   *raftlog.Entry
}

func newReplica(l *logdir.Log) *replica {
	r := &replica{l: l, intact: Intact(l)}
	var s int64
	if l.Snapshot != nil {
		s = max(l.Snapshot.Index, 0)
	}
	switch {
	case l.WAL() != nil:
		r.commit = l.WAL().Commit()
	case l.State != nil:
		r.commit = l.State.CommitIndex
	}
	r.commit = max(r.commit, s)
	r.next, r.stop = iter.Pull2(l.Seq(s+1, l.Last, false))
	return r
}

// at returns the replica's entry at i (nil when it holds none); i must not
// go down between calls.
func (r *replica) at(i int64) (*raftlog.Entry, error) {
	for r.peek == nil || r.peek.Index < i {
		e, err, ok := r.next()
		switch {
		case err != nil:
			return nil, err
		case !ok:
			return nil, nil
		case e.IsSnapshot:
			continue
		}
		r.peek = &e
	}
	if r.peek.Index != i {
		return nil, nil
	}
	return r.peek, nil
}

func (r *replica) close() { r.stop() }

// Preflight proves, before anything is written, that the input read with
// the settings the write will use (in: the operator's format, R, M and
// WriteAheadLog flags) holds every entry that the input read by detection
// holds intact, at the same index with the same term, command id, length
// and payload bytes. A write that reads the input another way than its
// files prove (a setting given with --override-evidence, or one that no
// single file contradicts) would move or lose entries; Preflight refuses it
// while nothing is written yet. Settings equal to detection's cost nothing.
func Preflight(input string, in logdir.Options) error {
	if in.Format == "" && in.R == 0 && in.M == 0 && in.WAL == (wal.Options{}) {
		return nil
	}
	det, how, err := openInput(input, in)
	if err != nil {
		return fmt.Errorf("audit: read the input %s: %w", input, err)
	}
	defer det.Close()
	if sameGeometry(det, in) {
		return nil
	}
	in.Force = true
	view, err := logdir.Open(input, in)
	if err != nil {
		return fmt.Errorf("audit: read the input %s with the write's settings: %w", input, err)
	}
	defer view.Close()
	a := &auditor{in: det, out: view, r: &Report{Input: input, Output: input, InGeometry: how}}
	if det.State != nil {
		a.trust()
	}
	a.outSnap = a.inSnap
	if err := a.entries(); err != nil {
		var v *Violation
		if errors.As(err, &v) {
			v.Why = fmt.Sprintf(
				"read with the write's settings (%s) the input is not what its files hold (%s)",
				describe(view, "the flags"),
				how,
			)
		}
		return err
	}
	return nil
}

// sameGeometry: the settings read the input as detection does.
func sameGeometry(l *logdir.Log, o logdir.Options) bool {
	if (o.Format != "" && o.Format != l.Format) || (o.R != 0 && o.R != l.R) || (o.M != 0 && o.M != l.M) {
		return false
	}
	w := l.WAL()
	if w == nil || o.WAL == (wal.Options{}) {
		return true
	}
	p := w.Params
	h, auto, _ := wal.ParseHash(o.WAL.Hash)
	return (o.WAL.ChunkSize == 0 || o.WAL.ChunkSize == p.ChunkSize) && (auto || h == p.Hash) &&
		(o.WAL.Layout == "" || o.WAL.Layout == p.Layout) && (o.WAL.SlotSize == 0 || o.WAL.SlotSize == p.SlotSize) &&
		(o.WAL.PageSize == 0 || o.WAL.PageSize == p.PageSize)
}
