package cmd

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/txn"
	"github.com/walctl/walctl/upgrade"
	"github.com/walctl/walctl/verify"
)

// upgradeOptions are upgrade's settings: the log's input settings, the
// releases (--to-version, --from-version), the write (--apply, --out,
// --backup, --force), the settings of a new log (--out-…) and --json.
type upgradeOptions struct {
	in          inputOptions
	json, apply bool
	upgrade.Options
}

func (o *upgradeOptions) flags() []cli.Flag {
	return append(o.in.flags(), flagsNamed("", "json", "to-version", "from-version", "apply", "out", "backup",
		"force", "out-records-per-partition", "out-max-entry-size", "out-snapshot-dir")...)
}

func (o *upgradeOptions) read(c *cli.Context) error {
	if err := o.in.readOne(c); err != nil {
		return err
	}
	o.json, o.apply = c.Bool("json"), c.Bool("apply")
	lo := o.in.log
	lo.Force = c.Bool("force")
	o.Options = upgrade.Options{Log: lo, Out: c.String("out"), Backup: c.String("backup"),
		R: c.Int64("out-records-per-partition"), M: c.Int64("out-max-entry-size"),
		SnapshotDir: c.String("out-snapshot-dir")}
	var err error
	if o.To, err = releaseFlag(c, "to-version"); err != nil {
		return err
	}
	if o.From, err = releaseFlag(c, "from-version"); err != nil {
		return err
	}
	switch {
	case c.IsSet("out-records-per-partition") && (o.R < ps.MinR || o.R > ps.MaxR):
		return usageError{msg: fmt.Sprintf("--out-records-per-partition %d is out of "+
			"range", o.R), hint: "DotNext accepts " + ps.RRange}
	case c.IsSet("out-max-entry-size") && (o.M < 1 || o.R == 0):
		return usageError{msg: "--out-max-entry-size needs a positive M and " +
			"--out-records-per-partition", hint: "give the node's MaxLogEntrySize and recordsPerPartition"}
	}
	return nil
}

func upgradeCommand() *cli.Command {
	return newCommand(&upgradeOptions{in: inputOptions{ps: true}}, "upgrade", "plan (and with --apply carry out) "+
		"the smallest change that makes DotNext --to-version open the log with every committed entry, the term "+
		"and the vote", "DIR", runUpgrade)
}

// upgradeDoc is the JSON form of an upgrade run.
type upgradeDoc struct {
	Plan    *upgrade.Plan   `json:"plan"`
	Applied *upgrade.Result `json:"applied,omitempty"`
	// Audits are the proofs of the upgrade's writes, one per step.
	Audits []*audit.Report `json:"audits,omitempty"`
	Verify *verify.Report  `json:"verify,omitempty"`
}

func runUpgrade(c *cli.Context, o *upgradeOptions) error {
	dir := c.Args().First()
	var err error
	args := canonicalArgs(c, dir)
	var lk *txn.Lock
	if o.apply {
		var j *txn.Journal
		if lk, j, err = lockForWrite(c, dir, args); err != nil {
			return err
		}
		defer lk.Unlock()
		if j != nil {
			// A step of this upgrade was publishing when it was interrupted:
			// finish it; the plan below starts from the files as they are.
			if _, err := finishInterrupted(c, o.Log.Force, dir, lk, j); err != nil {
				return err
			}
		}
	} else if err := checkRead(dir); err != nil {
		return err
	}
	l, err := logdir.Open(dir, o.Log)
	if err != nil {
		return err
	}
	if o.apply {
		if err := checkHeld(o.Log.Force, l); err != nil {
			l.Close()
			return err
		}
	}
	plan, err := upgrade.MakePlan(l, o.Options)
	l.Close()
	if err != nil {
		return err
	}
	doc := &upgradeDoc{Plan: plan}
	if o.apply && len(plan.Needs) > 0 && plan.Refused == "" {
		return usageError{msg: "the upgrade needs " + plan.Needs[0],
			hint: "walctl upgrade --to-version " + o.To.String() + " DIR shows the whole plan"}
	}
	if !o.apply || plan.Nothing || plan.Refused != "" {
		return show(c, o.json, doc, printUpgradePlan, plan.Nothing)
	}
	var reports []**audit.Report
	var bars []*lazyBar
	writes := func(d string, exp audit.Expect) txn.Config {
		lock := lk
		if d != dir {
			lock = nil // a directory an earlier step wrote: the transaction locks it itself
		}
		rep := new(*audit.Report)
		cfg, bar := writeConfig(c, lock, args, exp, rep, nil)
		reports, bars = append(reports, rep), append(bars, bar)
		return cfg
	}
	doc.Applied, err = upgrade.Apply(plan, dir, o.Options, writes)
	for _, b := range bars {
		b.Done()
	}
	for _, r := range reports {
		if *r != nil {
			doc.Audits = append(doc.Audits, *r)
		}
	}
	if err != nil {
		return err
	}
	vo := doc.Applied.Open
	vo.Target = o.To
	if doc.Verify, err = verify.Dir(doc.Applied.Dir, verify.Options{Options: vo}); err != nil {
		return fmt.Errorf("verify after the upgrade: %w", err)
	}
	return show(c, o.json, doc, printUpgradeApplied, doc.Verify.OK())
}

func printUpgradePlan(w io.Writer, doc *upgradeDoc) {
	p := doc.Plan
	printUpgradeHead(w, p)
	switch {
	case p.Nothing:
		printLine(w, "%s nothing to change: DotNext %s opens %s as its writer reads it.", bold("result:"), p.To, p.Dir)
	case p.Refused != "":
		printLine(w, "%s %s", red("refused:"), p.Refused)
		if p.Flag != "" {
			printLine(w, "  add %s", p.Flag)
		}
		printLine(w, "%s nothing was changed.", bold("result:"))
	case len(p.Needs) > 0:
		for _, n := range p.Needs {
			printLine(w, "  %s %s", bold("needs:"), n)
		}
		printLine(
			w,
			"%s nothing was changed. walctl upgrade --to-version %s --apply with the flags above carries out %s.",
			bold("result:"),
			p.To,
			plural(len(p.Steps), "step"),
		)
	default:
		printLine(w, "%s nothing was changed. walctl upgrade --to-version %s --apply carries out %s (each "+
			"operation copies what it rewrites to a backup first).", bold("result:"), p.To, plural(len(p.Steps), "step"))
	}
}

// printUpgradeHead prints the gate's answer, the steps, the application's
// changes and the notes.
func printUpgradeHead(w io.Writer, p *upgrade.Plan) {
	g := p.Gate
	printLine(w, "%s %s (%s, written by %s, from the %s; judged as %s) to DotNext %s", bold("Upgrade plan for"), p.Dir,
		g.Family, g.Writer, g.WriterFrom, g.JudgedAs, p.To)
	printLine(w, "  %s DotNext %s %s", bold("now:"), p.To, gateWords(g))
	for _, f := range g.Findings {
		if f.Severity != raftlog.Info {
			printLine(w, "  %s %s: %s", severityColor(string(f.Severity)), f.Code, f.Message)
		}
	}
	if len(p.Steps) > 0 {
		blank(w)
		t := newTable(w, "STEP", "OPERATION", "WHAT", "SAME BY HAND")
		for i, s := range p.Steps {
			t.Row(i+1, string(s.Kind), s.What, s.Command)
		}
		t.Render()
	}
	printList(w, "application:", p.Application)
	printList(w, "note:", p.Notes)
	blank(w)
}

func printList(w io.Writer, label string, lines []string) {
	for _, l := range lines {
		printLine(w, "  %s %s", bold(label), l)
	}
}

func printUpgradeApplied(w io.Writer, doc *upgradeDoc) {
	printUpgradeHead(w, doc.Plan)
	a := doc.Applied
	line := join(bold("upgrade:"), " applied ", plural(a.Steps, "step"), "; the upgraded log is ", a.Dir)
	if a.Backup != "" {
		line += join("; backup of the original directory: ", a.Backup)
	}
	printLine(w, "%s", line)
	for _, r := range doc.Audits {
		printAudit(w, r)
	}
	printList(w, "note:", a.Notes)
	if a.After != nil {
		printLine(w, "%s DotNext %s %s", bold("after:"), doc.Plan.To, gateWords(a.After))
	}
	printVerdictLine(w, "verify --target-version "+doc.Plan.To.String()+" after the upgrade:", doc.Verify, a.Dir)
}
