package repair

import (
	"fmt"
	"strconv"

	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// collectFindings is what verify reports for l: the codecs' and the
// directory's findings, then the replay's.
func collectFindings(l *logdir.Log) (raftlog.Findings, error) {
	fs := append(raftlog.Findings{}, l.Findings...)
	rp := raftlog.NewReplay(bounds(l))
	if err := l.Entries(l.First, l.Last, func(e raftlog.Entry) bool { rp.Add(e); return true }); err != nil {
		return nil, err
	}
	_, rf := rp.Finish()
	return append(fs, logdir.WithFixes(rf)...), nil
}

// bounds turns a log's node state into the replay's bounds (as verify does).
func bounds(l *logdir.Log) raftlog.Bounds {
	b := raftlog.Bounds{Term: -1, Applied: -1, Last: -1, EntriesFrom: 1, KnownGaps: l.KnownGaps()}
	if s := l.State; s != nil {
		b.File, b.Term, b.Commit, b.Applied, b.Last = s.File, s.Term, s.CommitIndex, s.LastApplied, s.LastIndex
	}
	if s := l.Snapshot; s != nil {
		b.Snapshot, b.SnapshotTerm, b.EntriesFrom = s.Index, s.Term, s.Index+1
	}
	return b
}

// layoutCodes are the codec findings a rebuild of the file resolves: the
// bytes are laid out again from the trusted slots.
var layoutCodes = map[string]bool{
	"short-header": true, "header-not-clean": true, "t2-header-overwritten": true, "torn-seal": true,
	"footer-mismatch": true, "t3-garbage-footer": true, "t1-missing-inline-records": true, "torn-tail": true,
	"invalid-record": true, "zero-record-in-chain": true, "trailing-zeros": true, "trailing-bytes": true,
	"stale-bytes": true, "stale-footer": true, "unsealed-partition": true, "beyond-last-index": true,
	"slot0-not-empty": true, "partition-shorter-than-prologue": true, "payload-overlap": true,
	"prologue-payload-behind-zero-records": true, "unreferenced-tail": true, "slot-zero-written": true,
	"length-over-slot": true, "misplaced-record": true, "missing-record": true, "stale-slot-bytes": true,
	"bytes-past-last-slot": true, "zero-leading-slots": true,
}

// stateCodes are the findings a node.state rewrite resolves.
var stateCodes = map[string]bool{
	"node-state-size": true, "node-state-checksum": true, "commit-beyond-last-index": true,
	"applied-beyond-commit": true, "snapshot-beyond-commit": true, "last-index-beyond-disk": true,
}

// items answers every finding with what the plan does about it.
func (pl *planner) items(fs raftlog.Findings) []Item {
	steps := map[string]int{}
	for i, s := range pl.p.Steps {
		steps[s.File] = i + 1
	}
	out := make([]Item, 0, len(fs))
	for _, f := range fs {
		it := Item{Finding: f}
		pl.classify(&it, steps)
		out = append(out, it)
	}
	return out
}

func (pl *planner) classify(it *Item, steps map[string]int) {
	f := it.Finding
	stateStep := steps[nodestate.FileName]
	switch {
	case pl.l.State == nil:
		pl.noState(it)
	case pl.healed(f) && (!layoutCodes[f.Code] || f.Code == "t1-missing-inline-records") && pl.healStep(f, steps) > 0:
		it.Status, it.Step = Fixed, pl.healStep(f, steps)
		it.Action = fmt.Sprintf("step %d rebuilds entry %d from %s", it.Step, f.Index, pl.rep.Dir)
	case f.Code == "geometry-conflict" && pl.o.OverrideEvidence:
		it.Status, it.Action = NoAction, "overridden by --override-evidence: the evidence is taken as damaged (the write is still audited against the files)"
	case pl.dropped(f):
		it.Status, it.Step = Dropped, max(steps[f.File], stateStep)
		it.Action = fmt.Sprintf("the log is truncated after index %d (%s)", pl.effLast, pl.badWhy)
	case pl.frozen(f):
		pl.refusedItem(it, pl.refusal, pl.refuseFlag)
	case f.Code == "zero-leading-slots" && steps[f.File] > 0 && pl.p.Steps[steps[f.File]-1].Kind == StepPatch:
		it.Status, it.Step = Fixed, steps[f.File]
		it.Action = fmt.Sprintf("step %d writes stub records over the zero slots of partition %s; nothing else in the file changes", it.Step, f.File)
	case layoutCodes[f.Code] && steps[f.File] > 0:
		it.Status, it.Step = Fixed, steps[f.File]
		it.Action = fmt.Sprintf("step %d rebuilds partition %s", it.Step, f.File)
	case f.Code == "unsealed-partition" && stateStep > 0 && pl.holdsNewLast(f.File):
		it.Status, it.Step = Fixed, stateStep
		it.Action = fmt.Sprintf("step %d lowers LastIndex to %d, which lies in partition %s: DotNext reads the partition holding LastIndex from its inline chain", stateStep, pl.effLast, f.File)
	case pl.stateFinding(f) && stateStep > 0:
		it.Status, it.Step = Fixed, stateStep
		it.Action = fmt.Sprintf("step %d rewrites node.state", stateStep)
	case pl.stateFinding(f) && pl.stateRefused != "":
		pl.refusedItem(it, "node.state cannot be rewritten: "+pl.stateRefused+stateAdvice(pl.ns.flags(), pl.maxTerm), pl.ns.flags())
	case f.Code == "commit-beyond-last-index" && pl.refused:
		pl.refusedItem(it, pl.refusal, pl.refuseFlag)
	default:
		pl.leftAlone(it)
	}
}

// healed: the finding is about an entry repair --from rebuilds.
func (pl *planner) healed(f raftlog.Finding) bool {
	return pl.src != nil && pl.src.heal != nil && f.Index > 0 && pl.src.heal.rebuilds(f.Index)
}

// healStep is the step that rebuilds the partition holding the finding's
// entry (0: none).
func (pl *planner) healStep(f raftlog.Finding, steps map[string]int) int {
	return steps[pl.src.names[pl.src.partitionOf(f.Index)]]
}

func stateAdvice(flags string, maxTerm int64) string {
	if flags == "" {
		return ""
	}
	return "; supply " + flags + ": " + termAdvice(maxTerm)
}

// holdsNewLast: file is the partition holding the LastIndex after the plan.
func (pl *planner) holdsNewLast(file string) bool {
	n, err := strconv.ParseInt(file, 10, 64)
	return err == nil && pl.src != nil && n == pl.src.partitionOf(pl.effLast)
}

// stateFinding: the finding is about node.state's fields.
func (pl *planner) stateFinding(f raftlog.Finding) bool {
	if stateCodes[f.Code] {
		return true
	}
	// A term above the current one is recorded when the operator supplies it.
	return f.Code == "term-above-current" && pl.o.SetTerm != nil
}

// dropped: the finding concerns an entry the applied truncation removes, or
// a file the plan deletes.
func (pl *planner) dropped(f raftlog.Finding) bool {
	if !pl.truncate {
		return false
	}
	if pl.removed[f.File] {
		return true
	}
	return f.Index > pl.effLast && f.Index <= pl.L && f.Code != "commit-beyond-last-index"
}

// frozen: the finding lies in the part of the log a refused truncation
// leaves untouched.
func (pl *planner) frozen(f raftlog.Finding) bool {
	if !pl.refused || pl.firstBad < 0 {
		return false
	}
	if f.Index >= pl.firstBad {
		return true
	}
	n, err := strconv.ParseInt(f.File, 10, 64)
	return err == nil && pl.frozenFrom >= 0 && n >= pl.frozenFrom
}

func (pl *planner) refusedItem(it *Item, why, flag string) {
	if it.Finding.Severity != raftlog.Error {
		it.Status, it.Action = NoAction, "left as is: it lies in the part of the log that is not repaired ("+why+")"
		return
	}
	it.Status, it.Flag = Refused, flag
	it.Action = "no safe repair: " + why
	if flag != "" {
		it.Action += " — re-run with " + flag
	}
}

func (pl *planner) noState(it *Item) {
	f := it.Finding
	if f.Severity == raftlog.Error {
		it.Status = Refused
		it.Action = "no safe repair: node.state is missing, so neither the term, the vote nor the commit index is known; restore node.state from a backup or rebuild the node from the cluster"
		return
	}
	pl.leftAlone(it)
}

// leftAlone is the answer to a finding no step acts on.
func (pl *planner) leftAlone(it *Item) {
	f := it.Finding
	switch f.Severity {
	case raftlog.Info:
		it.Status, it.Action = NoAction, "no action needed"
	case raftlog.Warning:
		it.Status, it.Action = NoAction, "left as is (warning): "+f.Fix
	default:
		it.Status, it.Action = Refused, "no safe repair: "+f.Fix
	}
}

// order puts the node.state step where a crash between steps leaves a log
// the library reads consistently: before the partitions when LastIndex goes
// down (entries past it are ignored), after them when it goes up.
func (pl *planner) order() {
	if pl.stateStep == nil {
		return
	}
	if pl.effLast > pl.L {
		pl.p.Steps = append(pl.p.Steps, *pl.stateStep)
		return
	}
	pl.p.Steps = append([]Step{*pl.stateStep}, pl.p.Steps...)
}
