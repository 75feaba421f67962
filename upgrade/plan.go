package upgrade

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/walctl/walctl/convert"
	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/gate"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/release"
	"github.com/walctl/walctl/repair"
)

// Options steer MakePlan and Apply.
type Options struct {
	// To is the release the node moves to; From the release that wrote the
	// log (zero: the newest the files allow).
	To   release.Version `json:"to"`
	From release.Version `json:"from,omitzero"`
	// Log are the overrides the log is opened with.
	Log logdir.Options `json:"-"`
	// Out is the new directory of a step that writes one: a conversion
	// between the PersistentState and the WriteAheadLog, or a WriteAheadLog
	// rewritten in another record layout (never written in place).
	Out    string `json:"out,omitempty"`
	Backup string `json:"-"`
	// R and M are the output's records per partition and max entry size of
	// a WriteAheadLog written as a PersistentState log (the node's
	// recordsPerPartition; M only for the sparse format).
	R int64 `json:"recordsPerPartition,omitempty"`
	M int64 `json:"maxEntrySize,omitempty"`
	// SnapshotDir is where a conversion to the WriteAheadLog writes the
	// snapshot, relative to Out (<index>-<term>, SimpleStateMachine's
	// naming; default db).
	SnapshotDir string `json:"snapshotDir,omitempty"`
}

// StepKind names the existing operation a step composes.
type StepKind string

const (
	// StepRepair: repair.MakePlan and repair.Apply, in place (sealing
	// unsealed partitions, stub records over zero leading slots, a short
	// legacy prologue extended, the vote in V's layout).
	StepRepair StepKind = "repair"
	// StepWALRepair: repair.MakeWALPlan and repair.ApplyWAL, in place: the
	// checkpoint in the form V reads.
	StepWALRepair StepKind = "wal-repair"
	// StepConvert: repair.PlanConvert and repair.ApplyConvert to another
	// PersistentState format (in place, or into Out).
	StepConvert StepKind = "convert"
	// StepToWAL: repair.ConvertToWAL into Out.
	StepToWAL StepKind = "convert-to-wal"
	// StepFromWAL: repair.ConvertFromWAL into Out.
	StepFromWAL StepKind = "convert-from-wal"
)

// Step is one operation of an upgrade.
type Step struct {
	Kind StepKind `json:"kind"`
	// What the step does, why (the gate's codes it answers), and the
	// walctl command that does the same by hand.
	What    string   `json:"what"`
	Why     []string `json:"why"`
	Command string   `json:"command"`
	// Out is the directory the step writes ("" in place).
	Out string `json:"out,omitempty"`
	// Repair is the repair plan of a repair step, as computed now.
	Repair *repair.Plan `json:"repair,omitempty"`

	repairOptions  repair.Options
	walOptions     repair.WALRepairOptions
	convertOptions convert.Options
	toWAL          convert.WALOptions
	fromWAL        convert.FromWALOptions
}

// Plan is what an upgrade of one directory to release To needs.
type Plan struct {
	Dir  string          `json:"dir"`
	To   release.Version `json:"to"`
	Gate *gate.Report    `json:"gate"`
	// Nothing: To reads the log as its writer does; no step.
	Nothing bool   `json:"nothing"`
	Steps   []Step `json:"steps"`
	// Refused says why no safe step makes To read the log, and Flag what
	// the operator can add.
	Refused string `json:"refused,omitempty"`
	Flag    string `json:"flag,omitempty"`
	// Needs names what Apply needs that the options do not give (the new
	// directory of a conversion): the steps show it as NEWDIR.
	Needs []string `json:"needs,omitempty"`
	// Application lists what the application must change (a conversion
	// between the PersistentState and the WriteAheadLog).
	Application []string `json:"application,omitempty"`
	Notes       []string `json:"notes,omitempty"`
}

// MakePlan works out the smallest change that makes o.To open l with every
// committed entry, the term and the vote as l's writer reads them. It
// writes nothing.
func MakePlan(l *logdir.Log, o Options) (*Plan, error) {
	g, err := gate.Gate(l, o.To, o.From)
	if err != nil {
		return nil, err
	}
	p := &Plan{Dir: l.Dir, To: o.To, Gate: g, Steps: []Step{}}
	if !g.Blocked() {
		p.Nothing = true
		if len(g.Recovered) > 0 {
			p.Notes = append(p.Notes, fmt.Sprintf("DotNext %s reads committed entries %s that the writer's release "+
				"loses: nothing to change for %s (walctl repair fixes the writer's side)",
				o.To, gate.RangeWords(g.Recovered), o.To))
		}
		return p, nil
	}
	if l.WAL() != nil {
		err = p.planWAL(l, o)
	} else {
		err = p.planPS(l, o)
	}
	return p, err
}

// refuse records why no step is safe.
func (p *Plan) refuse(why, flag string) {
	p.Refused, p.Flag, p.Steps = why, flag, []Step{}
}

func gateCodes(g *gate.Report) []string {
	var out []string
	seen := map[finding.Code]bool{}
	for _, f := range g.Findings {
		if f.Severity == raftlog.Error && !seen[f.Code] {
			seen[f.Code] = true
			out = append(out, string(f.Code))
		}
	}
	return out
}

// planPS picks the operation for a PersistentState log.
func (p *Plan) planPS(l *logdir.Log, o Options) error {
	v := o.To
	why := gateCodes(p.Gate)
	ro := repair.Options{Backup: o.Backup, Log: rebuild.LogOptions{Format: l.Format, R: l.R, M: l.M,
		Force: o.Log.Force}}
	switch {
	case !v.Less(release.PersistentStateRemoved):
		if !p.repairFirst(l, ro) {
			return nil
		}
		return p.toWAL(l, o, why)
	case v.Less(release.TableFormat) && l.Format != format.Legacy:
		if !p.repairFirst(l, ro) {
			return nil
		}
		co := convert.Options{To: format.Legacy, InPlace: o.Out == "", Out: o.Out, Backup: o.Backup, Target: v,
			Log: rebuild.LogOptions{Format: l.Format, R: l.R, M: l.M, Force: o.Log.Force}}
		if len(p.Steps) == 0 {
			if _, err := convert.Plan(l, co); err != nil {
				return p.refuseErr(err, "")
			}
		}
		p.Steps = append(p.Steps, Step{Kind: StepConvert, Out: o.Out, Why: why, convertOptions: co,
			What: fmt.Sprintf("rewrite the %s log in the legacy format, the only one DotNext %s reads, with the "+
				"vote in the layout it reads", l.Format, v),
			Command: fmt.Sprintf("walctl convert --to legacy --target-version %s %s %s", v, placeWords(o), l.Dir)})
		return nil
	}
	if p.Gate.VoteDiffers {
		ro.VoteLayoutFor = v
	}
	rp, err := repair.MakePlan(l, ro)
	if err != nil {
		return p.refuseErr(err, "")
	}
	if why := unsafeRepair(rp); why != "" {
		flag := ""
		if rp.Drop != nil {
			flag = rp.Drop.Flag
		}
		p.refuse(fmt.Sprintf("the repair DotNext %s needs %s: review it with walctl repair DIR", v, why), flag)
		return nil
	}
	if rp.Nothing() {
		p.refuse(fmt.Sprintf("no walctl operation makes DotNext %s read this log as its writer does: %s",
			v, strings.Join(errorMessages(p.Gate), "; ")), "")
		return nil
	}
	cmd := "walctl repair --apply " + l.Dir
	if !ro.VoteLayoutFor.IsZero() {
		cmd = fmt.Sprintf("walctl upgrade --to-version %s --apply %s (repair has no flag for the vote layout)",
			v, l.Dir)
	}
	p.Steps = append(p.Steps, Step{Kind: StepRepair, Why: why, Repair: rp, repairOptions: ro, Command: cmd,
		What: "repair in place: " + repairWords(rp)})
	p.dropNote(rp)
	return nil
}

// repairFirst adds the repair a conversion needs first: a conversion
// refuses to carry damage over (a missing record, a torn tail, the #292
// padding), and repair fixes what it can without dropping a committed
// entry. It reports whether the plan may go on.
func (p *Plan) repairFirst(l *logdir.Log, ro repair.Options) bool {
	var rp *repair.Plan
	var err error
	if l.WAL() != nil {
		rp, err = repair.MakeWALPlan(l, repair.WALRepairOptions{Backup: ro.Backup, Force: ro.Log.Force})
	} else {
		rp, err = repair.MakePlan(l, ro)
	}
	switch {
	case err != nil:
		p.refuse("the log cannot be repaired before the conversion: "+err.Error(), "")
		return false
	case rp.Nothing():
		return true
	}
	if why := unsafeRepair(rp); why != "" {
		p.refuse(fmt.Sprintf("the conversion DotNext %s needs refuses damaged entries, and the repair that would "+
			"fix them %s: review it with walctl repair DIR", p.To, why), "")
		return false
	}
	kind, cmd := StepRepair, "walctl repair --apply "+l.Dir
	if l.WAL() != nil {
		kind = StepWALRepair
	}
	p.Steps = append(p.Steps, Step{Kind: kind, Repair: rp, Command: cmd, Why: []string{"damage a conversion does " +
		"not carry over"},
		repairOptions: ro, walOptions: repair.WALRepairOptions{Backup: ro.Backup, Force: ro.Log.Force},
		What: "repair in place what the conversion would refuse: " + repairWords(rp)})
	p.dropNote(rp)
	return true
}

// unsafeRepair says why a repair plan is not part of an upgrade: it
// drops a committed entry, or leaves an error it cannot fix.
func unsafeRepair(rp *repair.Plan) string {
	switch d := rp.Drop; {
	case d != nil && d.Committed != nil:
		return fmt.Sprintf("would drop committed entries %s (%s)", d.Committed, d.Why)
	case d != nil && d.Refused:
		return "would drop entries " + d.Range.String() + " only with " + d.Flag
	}
	for _, it := range rp.Items {
		if it.Status == repair.Refused {
			return fmt.Sprintf("cannot fix %s (%s)", it.Finding.Code, it.Action)
		}
	}
	return ""
}

// repairWords lists what a repair plan rewrites.
func repairWords(rp *repair.Plan) string {
	what := []string{}
	for _, st := range rp.Steps {
		file := st.File
		if _, err := strconv.ParseInt(file, 10, 64); err == nil {
			file = "partition " + file
		}
		what = append(what, file+": "+st.What)
	}
	return strings.Join(what, "; ")
}

// dropNote says which uncommitted entries a repair step drops.
func (p *Plan) dropNote(rp *repair.Plan) {
	if d := rp.Drop; d != nil {
		p.Notes = append(p.Notes, fmt.Sprintf("the repair drops the uncommitted entries %s (%s): the leader sends "+
			"them again", d.Range, d.Why))
	}
}

func errorMessages(g *gate.Report) []string {
	var out []string
	for _, f := range g.Findings {
		if f.Severity == raftlog.Error {
			out = append(out, f.Message)
		}
	}
	return out
}

// refuseErr turns a refusal of an operation into the plan's refusal.
func (p *Plan) refuseErr(err error, hint string) error {
	var ie *convert.InputError
	var fe *rebuild.FlagError
	switch {
	case errors.As(err, &ie):
		p.refuse(strings.Join(ie.Reasons, "; "), hint)
	case errors.As(err, &fe):
		p.refuse(fe.Msg, fe.Hint)
	default:
		return err
	}
	return nil
}

func placeWords(o Options) string {
	if o.Out != "" {
		return "--out " + o.Out
	}
	return "--in-place"
}

// toWAL writes a PersistentState log, or a WriteAheadLog in another
// layout, as the WriteAheadLog release To reads.
func (p *Plan) toWAL(l *logdir.Log, o Options, why []string) error {
	v := o.To
	form, err := convert.CheckpointFormFor(v)
	if err != nil {
		return p.refuseErr(err, "")
	}
	if o.Out == "" {
		p.Needs = append(p.Needs, fmt.Sprintf("--out NEWDIR: DotNext %s reads this log only as a WriteAheadLog in "+
			"a new directory (walctl never writes one in place)", v))
		o.Out = "NEWDIR"
	}
	// The snapshot is copied (convert's default): without it the new log
	// starts after the snapshot index with nothing before it.
	wo := convert.WALOptions{Out: o.Out, CheckpointForm: form, SnapshotDir: o.SnapshotDir}
	if !v.Less(release.WALRecord32) {
		wo.Layout = wal.Layout6
	}
	what := fmt.Sprintf("write the entries as a WriteAheadLog in %s: the record layout and the %d-byte checkpoint "+
		"DotNext %s reads", o.Out, form, v)
	cmd := fmt.Sprintf("walctl convert --to wal --target-version %s --out %s", v, o.Out)
	if wo.Layout == wal.Layout6 {
		cmd += " --out-wal-layout 6"
	}
	cmd += " --copy-snapshot"
	if o.SnapshotDir != "" {
		cmd += " --out-snapshot-dir " + o.SnapshotDir
	}
	p.Steps = append(p.Steps, Step{Kind: StepToWAL, Out: o.Out, Why: why, toWAL: wo, What: what,
		Command: cmd + " " + l.Dir})
	if l.WAL() == nil {
		p.Application = append(p.Application,
			fmt.Sprintf("DotNext %s has no PersistentState: the application must construct a WriteAheadLog over %s "+
				"(Options.Location) instead of MemoryBasedStateMachine/DiskBasedStateMachine, and give it an "+
				"IStateMachine (e.g. SimpleStateMachine) that applies the same commands", v, o.Out),
			fmt.Sprintf("the state machine keeps its snapshots in its own directory (SimpleStateMachine: "+
				"<dir>/<index>-<term>; walctl copies the old log's snapshot to %s/%s), restored before the "+
				"WriteAheadLog is constructed", o.Out, snapDir(o)),
			"keep ChunkSize 4096 and HashAlgorithm None in the WriteAheadLog options (what walctl wrote), or "+
				"convert again with --out-chunk-size/--out-hash")
	}
	return nil
}

// planWAL carries out gate.WALStepFor's step for a WriteAheadLog, the one
// verify's fix names.
func (p *Plan) planWAL(l *logdir.Log, o Options) error {
	v, w := o.To, l.WAL()
	why := gateCodes(p.Gate)
	vr := w.ReadBy(v)
	ro := repair.Options{Backup: o.Backup, Log: rebuild.LogOptions{Force: o.Log.Force}}
	switch step := gate.WALStepFor(v, vr, w); step {
	case gate.WALToPS:
		if !p.repairFirst(l, ro) {
			return nil
		}
		return p.fromWAL(l, o, why)
	case gate.WALRewrite6x, gate.WALRewrite, gate.WALRewrite5x:
		if step == gate.WALRewrite6x {
			p.Notes = append(p.Notes, "instead of the rewrite, the node can keep the 5.x layout with the "+
				"AppContext switch DotNext.IO.WriteAheadLog.IgnoreTimestamp=false (runtimeconfig.json), for good: "+
				"then nothing has to change on disk")
		}
		if !p.repairFirst(l, ro) {
			return nil
		}
		return p.toWAL(l, o, why)
	}
	form, err := convert.CheckpointFormFor(v)
	if err != nil {
		return p.refuseErr(err, "")
	}
	wo := repair.WALRepairOptions{CheckpointForm: form, Backup: o.Backup, Force: o.Log.Force, WAL: o.Log.WAL}
	wp, err := repair.MakeWALPlan(l, wo)
	if err != nil {
		return p.refuseErr(err, "")
	}
	if wp.Nothing() || wp.DamageRemains() {
		p.refuse(fmt.Sprintf("no walctl operation makes DotNext %s read this log as its writer does: %s",
			v, strings.Join(errorMessages(p.Gate), "; ")), "")
		return nil
	}
	p.Steps = append(p.Steps, Step{Kind: StepWALRepair, Why: why, Repair: wp, walOptions: wo,
		What:    "rewrite in place: " + repairWords(wp),
		Command: fmt.Sprintf("walctl repair --target-version %s --apply %s", v, l.Dir)})
	return nil
}

// fromWAL writes a WriteAheadLog as the PersistentState log an older
// release reads.
func (p *Plan) fromWAL(l *logdir.Log, o Options, why []string) error {
	v := o.To
	if o.Out == "" {
		p.Needs = append(p.Needs, fmt.Sprintf("--out NEWDIR: DotNext %s has no WriteAheadLog and reads this log "+
			"only as a PersistentState log in a new directory (walctl never writes one in place)", v))
		o.Out = "NEWDIR"
	}
	if o.R == 0 {
		p.Needs = append(p.Needs, fmt.Sprintf("--out-records-per-partition R: the recordsPerPartition the "+
			"application will pass to DotNext %s's PersistentState (nothing on disk says it)", v))
		o.R = 0
	}
	to := format.V2
	switch {
	case v.Less(release.TableFormat):
		to = format.Legacy
	case o.M > 0:
		to = format.Sparse
	}
	fo := convert.FromWALOptions{To: to, R: o.R, M: o.M, Out: o.Out, Target: v}
	p.Steps = append(p.Steps, Step{Kind: StepFromWAL, Out: o.Out, Why: why, fromWAL: fo,
		What: fmt.Sprintf("write the entries as a PersistentState log (%s, R = %s) in %s, with the vote in the "+
			"layout DotNext %s reads", to, rWords(o.R), o.Out, v),
		Command: fmt.Sprintf("walctl convert --to %s --out-records-per-partition %s --target-version %s --out %s "+
			"%s", to, rWords(o.R), v, o.Out, l.Dir)})
	p.Application = append(p.Application,
		fmt.Sprintf("DotNext %s has no WriteAheadLog: the application must construct a PersistentState "+
			"(MemoryBasedStateMachine or DiskBasedStateMachine) over %s with recordsPerPartition "+
			"%s%s", v, o.Out, rWords(o.R),
			map[format.Format]string{format.Legacy: "", format.V2: " (the default Table format)",
				format.Sparse: fmt.Sprintf(" and MaxLogEntrySize %d", o.M)}[to]),
		"its state machine's snapshots move into the PersistentState: the WriteAheadLog's snapshot becomes the "+
			"PersistentState snapshot file, its index, term and length in node.state (a snapshot whose bytes are "+
			"not in the directory is refused: let the node install one from the leader)")
	return nil
}

func snapDir(o Options) string {
	if o.SnapshotDir != "" {
		return o.SnapshotDir
	}
	return wal.DefaultSnapshotDir
}

func rWords(r int64) string {
	if r == 0 {
		return "R"
	}
	return strconv.FormatInt(r, 10)
}
