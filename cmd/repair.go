package cmd

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/internal/shellquote"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/release"
	"github.com/walctl/walctl/repair"
	"github.com/walctl/walctl/txn"
	"github.com/walctl/walctl/verify"
)

// repairOptions are repair's settings: the log's input settings, --json,
// the write (--apply, --backup, --force, --override-evidence), what the
// operator supplies (--set-term, --clear-vote, --commit-index,
// --allow-drop-committed), --from REPLICA and, for a WriteAheadLog,
// --target-version.
type repairOptions struct {
	in                            inputOptions
	json, apply, force, override  bool
	allowDropCommitted, clearVote bool
	backup, from                  string // from: absolute ("" without --from)
	setTerm, commitIndex          *int64
	target                        release.Version
}

func (o *repairOptions) flags() []cli.Flag {
	return append(o.in.flags(), flagsNamed("", "json", "override-evidence", "commit-index", "apply", "backup",
		"allow-drop-committed", "set-term", "clear-vote", "force", "target-version", "from")...)
}

func (o *repairOptions) read(c *cli.Context) error {
	if err := o.in.readOne(c); err != nil {
		return err
	}
	var err error
	if o.target, err = releaseFlag(c, "target-version"); err != nil {
		return err
	}
	o.json, o.apply, o.force, o.override = c.Bool("json"), c.Bool("apply"), c.Bool("force"), c.Bool("override-evidence")
	o.allowDropCommitted, o.clearVote, o.backup = c.Bool(
		"allow-drop-committed",
	), c.Bool(
		"clear-vote",
	), c.String(
		"backup",
	)
	o.from, o.setTerm, o.commitIndex = "", int64Flag(c, "set-term"), int64Flag(c, "commit-index")
	if c.IsSet("from") {
		if o.from = c.String("from"); o.from == "" {
			return usageError{
				msg:  "--from needs the replica's log directory",
				hint: "walctl repair --from REPLICA [--apply] DIR",
			}
		}
	}
	return nil
}

// int64Flag is the value of an optional number flag, nil when not given.
func int64Flag(c *cli.Context, name string) *int64 {
	if !c.IsSet(name) {
		return nil
	}
	n := c.Int64(name)
	return &n
}

// plan is the repair of a PersistentState log these settings ask for.
func (o *repairOptions) plan() repair.Options {
	lo := o.in.log
	ro := repair.Options{AllowDropCommitted: o.allowDropCommitted, ClearVote: o.clearVote, Backup: o.backup,
		OverrideEvidence: o.override, SetTerm: o.setTerm, CommitIndex: o.commitIndex,
		Log: rebuild.LogOptions{Format: lo.Format, R: lo.R, M: lo.M, Force: lo.Force}}
	if o.from != "" {
		ro.From = absPath(o.from)
	}
	return ro
}

// walPlan is the repair of a WriteAheadLog these settings ask for.
func (o *repairOptions) walPlan() (repair.WALRepairOptions, error) {
	lo := o.in.log
	wo := repair.WALRepairOptions{AllowDropCommitted: o.allowDropCommitted, Backup: o.backup, Force: lo.Force,
		WAL: lo.WAL, SetTerm: o.setTerm, CommitIndex: o.commitIndex}
	var err error
	wo.CheckpointForm, err = checkpointFor(o.target)
	return wo, err
}

func repairCommand() *cli.Command {
	return newCommand(&repairOptions{in: inputOptions{ps: true}}, "repair", "print what a repair would do (one "+
		"action per finding); with --apply, back up the directory and do it", "DIR", runRepair)
}

// repairDoc is the JSON form of a repair run.
type repairDoc struct {
	Plan    *repair.Plan     `json:"plan,omitempty"`
	Refused []repair.Refusal `json:"refused,omitempty"` // --apply on a plan that refuses: nothing written
	Applied *repair.Result   `json:"applied,omitempty"`
	Audit   *audit.Report    `json:"audit,omitempty"`
	Verify  *verify.Report   `json:"verify,omitempty"`
}

// repairWrite is what repair --apply writes with: the lock it holds on DIR
// and its command line.
type repairWrite struct {
	lock *txn.Lock
	args []string
}

func runRepair(c *cli.Context, o *repairOptions) error {
	dir, lo := c.Args().First(), o.in.log
	var wr *repairWrite
	if o.apply {
		args := canonicalArgs(c, dir)
		lk, j, err := lockForWrite(c, dir, args)
		if err != nil {
			return err
		}
		defer lk.Unlock()
		if j != nil {
			return finishPending(c, o, dir, lk, j)
		}
		wr = &repairWrite{lock: lk, args: args}
	} else if err := checkRead(dir); err != nil {
		return err
	}
	if err := checkEvidence(c, o.override, dir, lo); err != nil {
		return err
	}
	if o.from != "" {
		lk, err := lockReplica(o.from, dir)
		if err != nil {
			return err
		}
		defer lk.Unlock()
	}
	l, err := openUnheld(o.force, dir, lo)
	if err != nil {
		return err
	}
	if l.Format == format.WAL {
		return runRepairWAL(c, o, l, wr)
	}
	if !o.target.IsZero() {
		l.Close()
		return usageError{msg: "--target-version applies to a WriteAheadLog only", hint: "drop --target-version"}
	}
	ro := o.plan()
	plan, err := repair.MakePlan(l, ro)
	l.Close()
	if err != nil {
		return flagErr(err)
	}
	defer plan.Close()
	doc := &repairDoc{Plan: plan}
	if !o.apply {
		return reportPlanOnly(c, o.json, doc)
	}
	if refused := plan.Refusals(); len(refused) > 0 {
		return reportRefusedPlan(c, o.json, doc, refused)
	}
	if plan.Nothing() {
		return reportRepair(c, o, doc)
	}
	if err := preflight(dir, lo); err != nil {
		return err
	}
	cfg, bar := writeConfig(c, wr.lock, wr.args, ro.Expect(plan), &doc.Audit, repair.Auditor(plan, lo.WAL))
	doc.Applied, err = repair.Apply(plan, dir, ro, cfg)
	bar.Done()
	if err != nil {
		return err
	}
	return reportRepair(c, o, doc)
}

// openUnheld opens dir for a write, refusing it while another process
// holds the log's files, unless force.
func openUnheld(force bool, dir string, o logdir.Options) (*logdir.Log, error) {
	l, err := logdir.Open(dir, o)
	if err != nil {
		return nil, err
	}
	if err := checkHeld(force, l); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// checkHeld refuses to work on a log another process holds, unless --force.
func checkHeld(force bool, l *logdir.Log) error {
	holder := logdir.HeldBy(l)
	if holder == "" || force {
		return nil
	}
	return hinted{
		err:  fmt.Errorf("%s: another process holds a lock on %s: the node seems to be running", l.Dir, holder),
		hint: "stop the node first (or add --force if you are sure nothing writes to the directory)",
	}
}

func flagErr(err error) error {
	var fe *rebuild.FlagError
	if errors.As(err, &fe) {
		return usageError{msg: fe.Msg, hint: fe.Hint}
	}
	return err
}

// finishPending finishes the repair journaled in dir, which was publishing
// when it was interrupted (the same command line: lockForWrite checked).
func finishPending(c *cli.Context, o *repairOptions, dir string, lk *txn.Lock, j *txn.Journal) error {
	res, err := finishInterrupted(c, o.force, dir, lk, j)
	if err != nil {
		return err
	}
	doc := &repairDoc{
		Applied: &repair.Result{Backup: res.Backup, Steps: len(res.Replaced) + len(res.Removed), Resumed: true},
	}
	// The plan again, for the report: the backup still holds the input.
	if plan, err := repair.Replan(j); err == nil {
		doc.Plan, doc.Applied.Plan = plan, plan
	}
	return reportRepair(c, o, doc)
}

func errOr(err, other error) error {
	if err != nil {
		return err
	}
	return other
}

func reportPlanOnly(c *cli.Context, asJSON bool, doc *repairDoc) error {
	return show(c, asJSON, doc, func(w io.Writer, doc *repairDoc) {
		printPlan(w, doc.Plan)
		blank(w)
		printPlanResult(w, doc.Plan)
	}, !doc.Plan.DamageRemains())
}

func printPlanResult(w io.Writer, p *repair.Plan) {
	refused := 0
	for _, it := range p.Items {
		if it.Status == repair.Refused {
			refused++
		}
	}
	switch {
	case p.Heal != nil && len(p.Heal.Refused) > 0:
		printLine(
			w,
			"%s nothing was changed: repair --from refuses (above); walctl repair --apply carries out a plan only whole.",
			bold("result:"),
		)
	case p.Nothing() && refused == 0:
		printLine(w, "%s nothing to repair.", bold("result:"))
	case p.Nothing():
		printLine(
			w,
			"%s nothing was changed, and no step is safe without the flags named above (%s refused).",
			bold("result:"),
			plural(refused, "finding"),
		)
	case refused > 0 || (p.Drop != nil && p.Drop.Refused):
		printLine(
			w,
			"%s nothing was changed. Refused without the flags named above: %s; walctl repair --apply carries out a plan only whole, so it writes nothing until they are given (then %s, after a backup).",
			bold("result:"),
			plural(max(refused, 1), "finding"),
			plural(len(p.Steps), "step"),
		)
	default:
		printLine(w, "%s nothing was changed. %s carries out %s (the directory is copied to a backup first).",
			bold("result:"), applyWords(p), plural(len(p.Steps), "step"))
	}
}

// applyWords names the command that carries out p.
func applyWords(p *repair.Plan) string {
	if p.Heal != nil {
		return "walctl repair --from " + shellquote.Quote(p.Heal.From) + " --apply"
	}
	return "walctl repair --apply"
}

// reportRepair prints what was applied, verifies the directory again and
// exits with the verdict.
func reportRepair(c *cli.Context, o *repairOptions, doc *repairDoc) error {
	dir, lo := c.Args().First(), o.in.log
	if p := doc.Plan; p != nil {
		lo = p.OutOptions(lo.WAL)
	}
	v, err := verify.Dir(dir, verify.Options{Options: lo})
	if err != nil {
		return fmt.Errorf("verify after repair: %w", err)
	}
	doc.Verify = v
	return show(c, o.json, doc, printApplied, v.OK())
}

func printApplied(w io.Writer, doc *repairDoc) {
	if doc.Plan != nil {
		printPlan(w, doc.Plan)
		blank(w)
	}
	if a := doc.Applied; a != nil && a.Steps > 0 {
		verb := "applied"
		if a.Resumed {
			verb = "finished the interrupted repair:"
		}
		printLine(
			w,
			"%s %s %s; backup of the original directory: %s",
			bold("repair:"),
			verb,
			plural(a.Steps, "step"),
			a.Backup,
		)
		printAudit(w, doc.Audit)
	} else {
		printLine(w, "%s nothing to apply; nothing was changed.", bold("repair:"))
	}
	printVerdictLine(w, "verify after repair:", doc.Verify, doc.Verify.Dir)
}

// printVerdictLine prints verify's verdict and its error findings; dir is
// the directory as the user named it. The verify command it names carries
// the settings the log was verified with when the files do not tell them.
func printVerdictLine(w io.Writer, label string, v *verify.Report, dir string) {
	for _, f := range v.Findings {
		if f.Severity == raftlog.Error {
			printLine(w, "  %s %s %s index %s: %s", severityColor(string(f.Severity)), f.Code, f.File, indexWords(f),
				f.Message)
		}
	}
	errs, warns := v.Findings.Counts()
	verdict := green("ok")
	if !v.OK() {
		verdict = red("damaged")
	}
	command := shellquote.Join(append(append([]string{"walctl", "verify"}, v.Flags...), dir)...)
	printLine(
		w,
		"%s %s (%s, %s; %s for details)",
		bold(label),
		verdict,
		plural(errs, "error"),
		plural(warns, "warning"),
		command,
	)
}

func printPlan(w io.Writer, p *repair.Plan) {
	head := join(bold("Repair plan for"), " ", p.Dir)
	if p.Format == format.WAL {
		head += join(" (wal)")
	} else {
		head += join(fmt.Sprintf(" (%s, R = %d)", p.Format, p.R))
	}
	head += join(
		fmt.Sprintf(": snapshot index %d, last index %d, commit index %d", p.Snapshot, p.LastIndex, p.CommitIndex),
	)
	if p.NewLastIndex != p.LastIndex || p.NewCommitIndex != p.CommitIndex {
		head += join(fmt.Sprintf(" → last index %d, commit index %d", p.NewLastIndex, p.NewCommitIndex))
	}
	printLine(w, "%s", head)
	for _, n := range p.Notes {
		printLine(w, "  %s", n)
	}
	printHeal(w, p.Heal)
	if len(p.Steps) > 0 {
		blank(w)
		t := newTable(w, "STEP", "FILE", "ACTION", "KEEPS", "DROPS", "WHY")
		for i, s := range p.Steps {
			t.Row(i+1, s.File, s.What, rangeOrDash(s.Keeps), rangeOrDash(s.Drops), strings.Join(s.Why, "; "))
		}
		t.Render()
	}
	if len(p.Items) > 0 {
		blank(w)
		t := newTable(w, "SEVERITY", "CODE", "FILE", "INDEX", "STATUS", "ACTION")
		for _, it := range p.Items {
			f := it.Finding
			t.Row(severityColor(string(f.Severity)), string(f.Code), f.File, indexWords(f), statusColor(it.Status),
				it.Action)
		}
		t.Render()
	}
	if d := p.Drop; d != nil {
		blank(w)
		committed := "not committed"
		if p.Format == format.WAL && d.Committed == nil {
			committed = "not committed: " + d.Why
		}
		one := d.Range.From == d.Range.To
		if d.Committed != nil {
			holds := "them"
			if d.Committed.From == d.Committed.To {
				holds = "it"
			}
			committed = fmt.Sprintf(
				"%s committed: a majority of the cluster must still hold %s; the leader re-replicates %s",
				d.Committed,
				holds,
				holds,
			)
		}
		verb := "drops"
		if d.Refused {
			verb = "would drop (refused; " + d.Flag + " allows it)"
		}
		what := "entries"
		if one {
			what = "entry"
		}
		printLine(w, "%s %s %s %s (%s)", bold("truncation:"), verb, what, d.Range, committed)
	}
}

func statusColor(s repair.Status) styled {
	switch s {
	case repair.Refused:
		return red(string(s))
	case repair.Fixed, repair.Dropped:
		return green(string(s))
	}
	return join(string(s))
}

func rangeOrDash(r *raftlog.Range) string {
	if r == nil {
		return "-"
	}
	return r.String()
}

// runRepairWAL plans (and with --apply carries out) a WriteAheadLog repair.
func runRepairWAL(c *cli.Context, o *repairOptions, l *logdir.Log, wr *repairWrite) error {
	dir, lo := l.Dir, o.in.log
	wo, err := o.walPlan()
	if err != nil {
		l.Close()
		return err
	}
	plan, err := repair.MakeWALPlan(l, wo)
	if err == nil && o.from != "" {
		plan.Heal, err = repair.HealWAL(l, absPath(o.from))
	}
	l.Close()
	if err != nil {
		return flagErr(err)
	}
	doc := &repairDoc{Plan: plan}
	if !o.apply {
		return reportPlanOnly(c, o.json, doc)
	}
	if refused := plan.Refusals(); len(refused) > 0 {
		return reportRefusedPlan(c, o.json, doc, refused)
	}
	if !plan.Nothing() {
		if err := preflight(dir, lo); err != nil {
			return err
		}
		cfg, bar := writeConfig(c, wr.lock, wr.args, wo.Expect(), &doc.Audit, repair.Auditor(plan, lo.WAL))
		doc.Applied, err = repair.ApplyWAL(plan, dir, wo, cfg)
		bar.Done()
		if err != nil {
			return err
		}
	}
	if plan.DamageRemains() {
		_ = reportRepair(c, o, doc)
		return damageError{}
	}
	return reportRepair(c, o, doc)
}
