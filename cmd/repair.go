package cmd

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/repair"
)

func repairCommand() *cli.Command {
	return &cli.Command{
		Name:      "repair",
		Usage:     "print what a repair would do (one action per finding); with --apply, back up the directory and do it",
		ArgsUsage: "DIR",
		Flags: append(append(formatFlags(), writeFlags()...),
			&cli.Int64Flag{Name: "commit-index", Usage: "the cluster's commit index, for a node.state (or WriteAheadLog checkpoint) that cannot be trusted (from a healthy peer, or walctl diff); without it an untrusted commit index is lowered to the snapshot index"},
			&cli.BoolFlag{Name: "apply", Usage: "carry out the plan (after copying DIR to the backup); without it nothing is changed"},
			&cli.StringFlag{Name: "backup", Usage: "where DIR is copied before any write (must not exist or be empty; default: a new sibling DIR.walctl-backup-<UTC time>)"},
			&cli.BoolFlag{Name: "allow-drop-committed", Usage: "allow dropping entries at or below CommitIndex (only when a majority of the cluster still holds them)"},
			&cli.Int64Flag{Name: "set-term", Usage: "the term to write to node.state (a WriteAheadLog's state) when " +
				"its own is lost, untrusted or behind the log's terms: the cluster's current term + 1"},
			&cli.BoolFlag{Name: "clear-vote", Usage: "write node.state without a vote (with --set-term above the stored term, or when the vote is lost)"},
			&cli.BoolFlag{Name: "force", Usage: "go on although another process holds the log's files"},
			&cli.StringFlag{Name: "target-version", Usage: "WriteAheadLog: the DotNext release that will open the log; picks the checkpoint form (5.x: 8 bytes, 6.0–6.7: 12, 6.8+: 20)"},
		),
		Action: runRepair,
	}
}

// repairDoc is the JSON form of a repair run.
type repairDoc struct {
	Plan    *repair.Plan     `json:"plan,omitempty"`
	Refused []repair.Refusal `json:"refused,omitempty"` // --apply on a plan that refuses: nothing written
	Applied *repair.Result   `json:"applied,omitempty"`
	Audit   *audit.Report    `json:"audit,omitempty"`
	Verify  *verifyDoc       `json:"verify,omitempty"`
	Pending *repair.Journal  `json:"pending,omitempty"`
}

func runRepair(c *cli.Context) error {
	dir, err := oneDir(c)
	if err != nil {
		return err
	}
	lo, err := logOptions(c)
	if err != nil {
		return err
	}
	if j, err := repair.Pending(dir); err != nil || j != nil {
		if err != nil {
			return err
		}
		if j.Command == repair.WALJournalCommand {
			return finishPendingWAL(c, dir, lo)
		}
		return finishPending(c, dir, lo, j)
	}
	if err := checkEvidence(c, dir, lo); err != nil {
		return err
	}
	o := repairOptions(c, lo)
	l, err := logdir.Open(dir, lo)
	if err != nil {
		return err
	}
	if err := checkHeld(c, l); err != nil {
		l.Close()
		return err
	}
	if l.Format == "wal" {
		return runRepairWAL(c, l, lo)
	}
	if c.IsSet("target-version") {
		l.Close()
		return usageError{msg: "--target-version applies to a WriteAheadLog only", hint: "drop --target-version"}
	}
	plan, err := repair.MakePlan(l, o)
	l.Close()
	if err != nil {
		return flagErr(err)
	}
	doc := &repairDoc{Plan: plan}
	if !c.Bool("apply") {
		return reportPlanOnly(c, doc)
	}
	if refused := plan.Refusals(); len(refused) > 0 {
		return reportRefusedPlan(c, doc, refused)
	}
	if plan.Nothing() {
		return reportRepair(c, doc, lo)
	}
	if err := preflight(dir, lo); err != nil {
		return err
	}
	if doc.Applied, err = repair.Apply(plan, dir, o); err != nil {
		return err
	}
	if doc.Audit, err = proveWrite(c, doc.Applied.Backup, dir, doc.Applied.Backup, o.Expect(doc.Applied.Plan)); err != nil {
		return err
	}
	return reportRepair(c, doc, lo)
}

func repairOptions(c *cli.Context, lo logdir.Options) repair.Options {
	o := repair.Options{AllowDropCommitted: c.Bool("allow-drop-committed"), ClearVote: c.Bool("clear-vote"), Backup: c.String("backup"),
		OverrideEvidence: c.Bool("override-evidence"),
		Log:              repair.LogOptions{Format: lo.Format, R: lo.R, M: lo.M, Force: lo.Force}}
	if c.IsSet("set-term") {
		t := c.Int64("set-term")
		o.SetTerm = &t
	}
	o.CommitIndex = commitIndexFlag(c)
	return o
}

func commitIndexFlag(c *cli.Context) *int64 {
	if !c.IsSet("commit-index") {
		return nil
	}
	n := c.Int64("commit-index")
	return &n
}

// checkHeld refuses to work on a log another process holds, unless --force.
func checkHeld(c *cli.Context, l *logdir.Log) error {
	holder := logdir.HeldBy(l)
	if holder == "" || c.Bool("force") {
		return nil
	}
	return hinted{err: fmt.Errorf("%s: another process holds a lock on %s: the node seems to be running", l.Dir, holder),
		hint: "stop the node first (or add --force if you are sure nothing writes to the directory)"}
}

func flagErr(err error) error {
	var fe *repair.FlagError
	if errors.As(err, &fe) {
		return usageError{msg: fe.Msg, hint: fe.Hint}
	}
	return err
}

// finishPending handles a directory with the journal of an interrupted run.
func finishPending(c *cli.Context, dir string, lo logdir.Options, j *repair.Journal) error {
	w := c.App.Writer
	if j.Command != "repair" {
		return hinted{err: fmt.Errorf("%s: an interrupted walctl %s is pending (its backup is %s)", dir, j.Command, j.Backup),
			hint: fmt.Sprintf("run walctl %s again with the same arguments to finish it, or restore the directory from the backup", j.Command)}
	}
	doc := &repairDoc{Pending: j}
	if !c.Bool("apply") {
		if c.Bool("json") {
			return errOr(writeJSON(w, doc), damageError{})
		}
		fmt.Fprintf(w, "%s an interrupted repair of %s is pending (started %s, backup %s).\n", bold("pending:"), dir, j.Started.Format("2006-01-02 15:04:05Z"), j.Backup)
		fmt.Fprintf(w, "Run walctl repair --apply %s to finish it from the backup (the options of the first run are used), or restore the directory from the backup.\n", dir)
		return damageError{}
	}
	if err := checkHeld(c, &logdir.Log{Dir: dir}); err != nil {
		return err
	}
	res, err := repair.Resume(dir)
	if err != nil {
		return err
	}
	doc.Plan, doc.Applied = res.Plan, res
	if j.Repair != nil && res.Steps > 0 {
		if doc.Audit, err = proveWrite(c, res.Backup, dir, res.Backup, j.Repair.Expect(res.Plan)); err != nil {
			return err
		}
	}
	return reportRepair(c, doc, lo)
}

func errOr(err, other error) error {
	if err != nil {
		return err
	}
	return other
}

func reportPlanOnly(c *cli.Context, doc *repairDoc) error {
	w := c.App.Writer
	if c.Bool("json") {
		if err := writeJSON(w, doc); err != nil {
			return err
		}
	} else {
		printPlan(w, doc.Plan)
		fmt.Fprintln(w)
		printPlanResult(w, doc.Plan)
	}
	if doc.Plan.DamageRemains() {
		return damageError{}
	}
	return nil
}

func printPlanResult(w io.Writer, p *repair.Plan) {
	refused := 0
	for _, it := range p.Items {
		if it.Status == repair.Refused {
			refused++
		}
	}
	switch {
	case p.Nothing() && refused == 0:
		fmt.Fprintf(w, "%s nothing to repair.\n", bold("result:"))
	case p.Nothing():
		fmt.Fprintf(w, "%s nothing was changed, and no step is safe without the flags named above (%s refused).\n", bold("result:"), plural(refused, "finding"))
	case refused > 0 || (p.Drop != nil && p.Drop.Refused):
		fmt.Fprintf(w, "%s nothing was changed. Refused without the flags named above: %s; walctl repair --apply carries out a plan only whole, so it writes nothing until they are given (then %s, after a backup).\n",
			bold("result:"), plural(max(refused, 1), "finding"), plural(len(p.Steps), "step"))
	default:
		fmt.Fprintf(w, "%s nothing was changed. walctl repair --apply carries out %s (the directory is copied to a backup first).\n",
			bold("result:"), plural(len(p.Steps), "step"))
	}
}

// reportRepair prints what was applied, verifies the directory again and
// exits with the verdict.
func reportRepair(c *cli.Context, doc *repairDoc, lo logdir.Options) error {
	w := c.App.Writer
	dir := c.Args().First()
	if p := doc.Plan; p != nil {
		// The settings the plan worked with: after a truncation to partition 0
		// (or to the snapshot) the files alone may no longer prove R.
		lo = logdir.Options{Format: p.Format, R: p.R, M: p.M, Force: true, WAL: lo.WAL}
	}
	v, err := Verify(dir, lo)
	if err != nil {
		return fmt.Errorf("verify after repair: %w", err)
	}
	doc.Verify = v
	if c.Bool("json") {
		if err := writeJSON(w, doc); err != nil {
			return err
		}
	} else {
		printApplied(w, doc)
	}
	if v.Verdict != "ok" {
		return damageError{}
	}
	return nil
}

func printApplied(w io.Writer, doc *repairDoc) {
	if doc.Plan != nil {
		printPlan(w, doc.Plan)
		fmt.Fprintln(w)
	}
	if a := doc.Applied; a != nil && a.Steps > 0 {
		verb := "applied"
		if a.Resumed {
			verb = "finished the interrupted repair:"
		}
		fmt.Fprintf(w, "%s %s %s; backup of the original directory: %s\n", bold("repair:"), verb, plural(a.Steps, "step"), a.Backup)
		printAudit(w, doc.Audit)
	} else {
		fmt.Fprintf(w, "%s nothing to apply; nothing was changed.\n", bold("repair:"))
	}
	printVerdictLine(w, "verify after repair:", doc.Verify)
}

// printVerdictLine prints verify's verdict and its error findings.
func printVerdictLine(w io.Writer, label string, v *verifyDoc) {
	errs, warns := 0, 0
	for _, f := range v.Findings {
		switch f.Severity {
		case raftlog.Error:
			errs++
			fmt.Fprintf(w, "  %s %s %s index %s: %s\n", severityColor(string(f.Severity)), f.Code, f.File, orDash(f.Index), f.Message)
		case raftlog.Warning:
			warns++
		}
	}
	verdict := green("ok")
	if v.Verdict != "ok" {
		verdict = red("damaged")
	}
	command := v.Command
	if command == "" {
		command = "walctl verify " + v.Dir
	}
	fmt.Fprintf(w, "%s %s (%d errors, %d warnings; %s for details)\n", bold(label), verdict, errs, warns, command)
}

func printPlan(w io.Writer, p *repair.Plan) {
	if p.Format == "wal" {
		fmt.Fprintf(w, "%s %s (wal): snapshot %d, LastEntryIndex %d, commit index %d", bold("Repair plan for"), p.Dir, p.Snapshot, p.LastIndex, p.CommitIndex)
	} else {
		fmt.Fprintf(w, "%s %s (%s, R = %d): snapshot %d, LastIndex %d, CommitIndex %d", bold("Repair plan for"), p.Dir, p.Format, p.R, p.Snapshot, p.LastIndex, p.CommitIndex)
	}
	switch {
	case (p.NewLastIndex != p.LastIndex || p.NewCommitIndex != p.CommitIndex) && p.Format == "wal":
		fmt.Fprintf(w, " → LastEntryIndex %d, commit index %d", p.NewLastIndex, p.NewCommitIndex)
	case p.NewLastIndex != p.LastIndex || p.NewCommitIndex != p.CommitIndex:
		fmt.Fprintf(w, " → LastIndex %d, CommitIndex %d", p.NewLastIndex, p.NewCommitIndex)
	}
	fmt.Fprintln(w)
	for _, n := range p.Notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
	if len(p.Steps) > 0 {
		fmt.Fprintln(w)
		t := newTable(w, "STEP", "FILE", "ACTION", "KEEPS", "DROPS", "WHY")
		for i, s := range p.Steps {
			t.Append([]string{fmt.Sprint(i + 1), s.File, s.What, rangeOrDash(s.Keeps), rangeOrDash(s.Drops), strings.Join(s.Why, "; ")})
		}
		t.Render()
	}
	if len(p.Items) > 0 {
		fmt.Fprintln(w)
		t := newTable(w, "SEVERITY", "CODE", "FILE", "INDEX", "STATUS", "ACTION")
		for _, it := range p.Items {
			f := it.Finding
			t.Append([]string{severityColor(string(f.Severity)), string(f.Code), f.File, indexWords(f), statusColor(it.Status),
				it.Action})
		}
		t.Render()
	}
	if d := p.Drop; d != nil {
		fmt.Fprintln(w)
		committed := "not committed"
		if p.Format == "wal" && d.Committed == nil {
			committed = "not committed: " + d.Why
		}
		if d.Committed != nil {
			committed = fmt.Sprintf("%s committed: a majority of the cluster must still hold them; the leader re-replicates them", d.Committed)
		}
		verb := "drops"
		if d.Refused {
			verb = "would drop (refused; " + d.Flag + " allows it)"
		}
		what := "entries"
		if d.Range.From == d.Range.To {
			what = "entry"
		}
		fmt.Fprintf(w, "%s %s %s %s (%s)\n", bold("truncation:"), verb, what, d.Range, committed)
	}
}

func statusColor(s repair.Status) string {
	switch s {
	case repair.Refused:
		return red(string(s))
	case repair.Fixed, repair.Dropped:
		return green(string(s))
	}
	return string(s)
}

func rangeOrDash(r *raftlog.Range) string {
	if r == nil {
		return "-"
	}
	return r.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// walRepairOptions reads the repair flags for a WriteAheadLog.
func walRepairOptions(c *cli.Context, lo logdir.Options) (repair.WALRepairOptions, error) {
	o := repair.WALRepairOptions{AllowDropCommitted: c.Bool("allow-drop-committed"), Backup: c.String("backup"), Force: lo.Force, WAL: lo.WAL}
	if c.IsSet("set-term") {
		t := c.Int64("set-term")
		o.SetTerm = &t
	}
	o.CommitIndex = commitIndexFlag(c)
	if v := c.String("target-version"); v != "" {
		form, err := repair.CheckpointFormFor(v)
		if err != nil {
			return o, flagErr(err)
		}
		o.CheckpointForm = form
	}
	return o, nil
}

// runRepairWAL plans (and with --apply carries out) a WriteAheadLog repair.
func runRepairWAL(c *cli.Context, l *logdir.Log, lo logdir.Options) error {
	dir := l.Dir
	o, err := walRepairOptions(c, lo)
	if err != nil {
		l.Close()
		return err
	}
	plan, err := repair.MakeWALPlan(l, o)
	l.Close()
	if err != nil {
		return flagErr(err)
	}
	doc := &repairDoc{Plan: plan}
	if !c.Bool("apply") {
		return reportPlanOnly(c, doc)
	}
	if refused := plan.Refusals(); len(refused) > 0 {
		return reportRefusedPlan(c, doc, refused)
	}
	if !plan.Nothing() {
		if err := preflight(dir, lo); err != nil {
			return err
		}
		if doc.Applied, err = repair.ApplyWAL(plan, dir, o); err != nil {
			return err
		}
		if doc.Audit, err = proveWrite(c, doc.Applied.Backup, dir, doc.Applied.Backup, o.Expect()); err != nil {
			return err
		}
	}
	if plan.DamageRemains() {
		_ = reportRepair(c, doc, lo)
		return damageError{}
	}
	return reportRepair(c, doc, lo)
}

// finishPendingWAL finishes an interrupted WriteAheadLog repair.
func finishPendingWAL(c *cli.Context, dir string, lo logdir.Options) error {
	if !c.Bool("apply") {
		fmt.Fprintf(c.App.Writer, "%s an interrupted repair of %s is pending.\nRun walctl repair --apply %s to finish it from the backup (the options of the first run are used), or restore the directory from the backup.\n", bold("pending:"), dir, dir)
		return damageError{}
	}
	if err := checkHeld(c, &logdir.Log{Dir: dir}); err != nil {
		return err
	}
	jo, err := repair.PendingWALRepair(dir)
	if err != nil {
		return err
	}
	res, err := repair.ResumeWAL(dir)
	if err != nil {
		return err
	}
	doc := &repairDoc{Plan: res.Plan, Applied: res}
	if jo != nil && res.Steps > 0 {
		if doc.Audit, err = proveWrite(c, res.Backup, dir, res.Backup, jo.Expect()); err != nil {
			return err
		}
	}
	return reportRepair(c, doc, lo)
}
