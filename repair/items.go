package repair

import (
	"fmt"
	"strconv"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// collectFindings is what verify reports for l (logdir.Log.Check): the
// codecs' and the directory's findings, then the replay's, one per
// occurrence, so that a plan answers each.
func collectFindings(l *logdir.Log) (raftlog.Findings, error) {
	_, fs, err := l.Check(nil)
	return fs, err
}

// layoutCodes are the codec findings a rebuild of the file resolves: the
// bytes are laid out again from the trusted slots.
var layoutCodes = map[finding.Code]bool{
	finding.ShortHeader:                      true,
	finding.HeaderNotClean:                   true,
	finding.T2HeaderOverwritten:              true,
	finding.TornSeal:                         true,
	finding.FooterMismatch:                   true,
	finding.T3GarbageFooter:                  true,
	finding.T1MissingInlineRecords:           true,
	finding.TornTail:                         true,
	finding.InvalidRecord:                    true,
	finding.ZeroRecordInChain:                true,
	finding.TrailingZeros:                    true,
	finding.TrailingBytes:                    true,
	finding.StaleBytes:                       true,
	finding.StaleFooter:                      true,
	finding.UnsealedPartition:                true,
	finding.BeyondLastIndex:                  true,
	finding.Slot0NotEmpty:                    true,
	finding.PartitionShorterThanPrologue:     true,
	finding.PayloadOverlap:                   true,
	finding.ProloguePayloadBehindZeroRecords: true,
	finding.UnreferencedTail:                 true,
	finding.SlotZeroWritten:                  true,
	finding.LengthOverSlot:                   true,
	finding.MisplacedRecord:                  true,
	finding.MissingRecord:                    true,
	finding.StaleSlotBytes:                   true,
	finding.BytesPastLastSlot:                true,
	finding.ZeroLeadingSlots:                 true,
}

// stateCodes are the findings a node.state rewrite resolves.
var stateCodes = map[finding.Code]bool{
	finding.NodeStateSize:         true,
	finding.NodeStateChecksum:     true,
	finding.CommitBeyondLastIndex: true,
	finding.AppliedBeyondCommit:   true,
	finding.SnapshotBeyondCommit:  true,
	finding.LastIndexBeyondDisk:   true,
}

// groupItems merges the answers to findings of one code and cause
// (raftlog.Findings.Group) that the plan treats alike: one row per cause.
func groupItems(items []Item) []Item {
	type key struct {
		status     Status
		action     string
		step       int
		flag, code string
	}
	var out []Item
	at := map[key]int{}
	byKey := map[key][]raftlog.Finding{}
	var order []key
	for _, it := range items {
		f := it.Finding
		if f.Index == raftlog.NoIndex || f.Facts == nil {
			out = append(out, it)
			continue
		}
		k := key{it.Status, it.Action, it.Step, it.Flag, finding.GroupKey(f.Code, f.Form, f.Facts)}
		if _, ok := at[k]; !ok {
			at[k] = len(out)
			out = append(out, it)
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], f)
	}
	for _, k := range order {
		if fs := byKey[k]; len(fs) > 1 {
			out[at[k]].Finding = raftlog.Findings(fs).Group()[0]
		}
	}
	return out
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
	return groupItems(out)
}

func (pl *planner) classify(it *Item, steps map[string]int) {
	f := it.Finding
	stateStep := steps[nodestate.FileName]
	switch {
	case pl.l.State == nil:
		pl.noState(it)
	case pl.healed(f) && (!layoutCodes[f.Code] || f.Code == finding.T1MissingInlineRecords) &&
		pl.healStep(f, steps) > 0:
		it.Status, it.Step = Fixed, pl.healStep(f, steps)
		it.Action = fmt.Sprintf("step %d rebuilds entry %d from %s", it.Step, f.Index, pl.rep.Dir)
	case f.Code == finding.GeometryConflict && pl.o.OverrideEvidence:
		it.Status, it.Action = NoAction, "overridden by --override-evidence: the evidence is taken as damaged (the write is still audited against the files)"
	case pl.dropped(f):
		it.Status, it.Step = Dropped, max(steps[f.File], stateStep)
		it.Action = fmt.Sprintf("the log is truncated after index %d (%s)", pl.effLast, pl.badWhy)
	case pl.frozen(f):
		pl.refusedItem(it, pl.refusal, pl.refuseFlag)
	case f.Code == finding.ZeroLeadingSlots && steps[f.File] > 0 && pl.p.Steps[steps[f.File]-1].Kind == StepPatch:
		it.Status, it.Step = Fixed, steps[f.File]
		it.Action = fmt.Sprintf(
			"step %d writes stub records over the zero slots of partition %s; nothing else in the file changes",
			it.Step,
			f.File,
		)
	case layoutCodes[f.Code] && steps[f.File] > 0:
		it.Status, it.Step = Fixed, steps[f.File]
		it.Action = fmt.Sprintf("step %d rebuilds partition %s", it.Step, f.File)
	case f.Code == finding.UnsealedPartition && stateStep > 0 && pl.holdsNewLast(f.File):
		it.Status, it.Step = Fixed, stateStep
		it.Action = fmt.Sprintf(
			"step %d lowers LastIndex to %d, which lies in partition %s: DotNext reads the partition holding LastIndex from its inline chain",
			stateStep,
			pl.effLast,
			f.File,
		)
	case f.Code == finding.CommitBeyondLastIndex && pl.refused: // a node.state step does not fix it then
		pl.refusedItem(it, pl.refusal, pl.refuseFlag)
	case pl.stateFinding(f) && stateStep > 0:
		it.Status, it.Step = Fixed, stateStep
		it.Action = fmt.Sprintf("step %d rewrites node.state", stateStep)
	case pl.stateFinding(f) && pl.stateRefused != "":
		pl.refusedItem(
			it,
			"node.state cannot be rewritten: "+pl.stateRefused+stateAdvice(pl.ns.flags(), pl.maxTerm),
			pl.ns.flags(),
		)
	default:
		pl.leftAlone(it)
	}
}

// healed: the finding is about an entry repair --from rebuilds.
func (pl *planner) healed(f raftlog.Finding) bool {
	return pl.heal != nil && f.Index > 0 && pl.heal.rebuilds(f.Index)
}

// healStep is the step that rebuilds the partition holding the finding's
// entry (0: none).
func (pl *planner) healStep(f raftlog.Finding, steps map[string]int) int {
	return steps[pl.src.Name(pl.src.PartitionOf(f.Index))]
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
	return err == nil && pl.src != nil && n == pl.src.PartitionOf(pl.effLast)
}

// stateFinding: the finding is about node.state's fields.
func (pl *planner) stateFinding(f raftlog.Finding) bool {
	if stateCodes[f.Code] {
		return true
	}
	// A term above the current one, or a term reset to 0, is recorded when
	// the operator supplies the term.
	return (f.Code == finding.TermAboveCurrent || f.Code == finding.TermReset) && pl.o.SetTerm != nil
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
	return f.Index > pl.effLast && f.Index <= pl.L && f.Code != finding.CommitBeyondLastIndex
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
	switch {
	case f.Severity == raftlog.Info:
		it.Status, it.Action = NoAction, "no action needed"
	case f.Severity == raftlog.Warning:
		it.Status, it.Action = NoAction, "left as is (warning): "+f.Fix
	case f.FixKind == finding.NoLocalRepair:
		it.Status, it.Action = Refused, f.Fix // it says so itself
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
