package cmd

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/repair"
	"github.com/walctl/walctl/upgrade"
)

func upgradeCommand() *cli.Command {
	return &cli.Command{
		Name: "upgrade",
		Usage: "plan (and with --apply carry out) the smallest change that makes DotNext --to-version open the " +
			"log with every committed entry, the term and the vote",
		ArgsUsage: "DIR",
		Flags: append(formatFlags(),
			&cli.StringFlag{Name: "to-version", Usage: "the DotNext.Net.Cluster release the node moves to " +
				"(major.minor.patch)", Required: true},
			&cli.StringFlag{Name: "from-version", Usage: "the release that wrote the log (the node's current one); " +
				"default: judged from the files (walctl detect's \"written by\")"},
			&cli.BoolFlag{Name: "apply", Usage: "carry out the plan (each operation copies DIR to a backup first); " +
				"without it nothing is changed"},
			&cli.StringFlag{Name: "out", Usage: "the new directory of a conversion between PersistentState and " +
				"WriteAheadLog, or of a WriteAheadLog rewritten in another layout"},
			&cli.StringFlag{Name: "backup", Usage: "where an in-place step copies DIR first (default: a new " +
				"sibling DIR.walctl-backup-<UTC time>)"},
			&cli.BoolFlag{Name: "force", Usage: "go on although another process holds the log's files"},
			&cli.Int64Flag{Name: "out-records-per-partition", Usage: "a WriteAheadLog written as a PersistentState " +
				"log (releases before 5.22): the recordsPerPartition the application passes"},
			&cli.Int64Flag{Name: "out-max-entry-size", Usage: "with --out-records-per-partition: write the sparse " +
				"format with this MaxLogEntrySize"},
			&cli.StringFlag{Name: "out-snapshot-dir", Usage: "a log written as a WriteAheadLog: the directory " +
				"inside --out its snapshot is copied to as <index>-<term> (default db)"},
		),
		Action: runUpgrade,
	}
}

// upgradeDoc is the JSON form of an upgrade run.
type upgradeDoc struct {
	Plan    *upgrade.Plan   `json:"plan"`
	Applied *upgrade.Result `json:"applied,omitempty"`
	Verify  *verifyDoc      `json:"verify,omitempty"`
}

func runUpgrade(c *cli.Context) error {
	dir, err := oneDir(c)
	if err != nil {
		return err
	}
	o, err := upgradeOptions(c)
	if err != nil {
		return err
	}
	if j, err := repair.Pending(dir); err != nil || j != nil {
		if err != nil {
			return err
		}
		return hinted{err: fmt.Errorf("%s: an interrupted walctl %s is pending (its backup is "+
			"%s)", dir, j.Command, j.Backup),
			hint: "finish it first (walctl repair --apply DIR, or the convert command that started it), then run " +
				"walctl upgrade again"}
	}
	l, err := logdir.Open(dir, o.Log)
	if err != nil {
		return err
	}
	if c.Bool("apply") {
		if err := checkHeld(c, l); err != nil {
			l.Close()
			return err
		}
	}
	plan, err := upgrade.MakePlan(l, o)
	l.Close()
	if err != nil {
		return err
	}
	doc := &upgradeDoc{Plan: plan}
	if c.Bool("apply") && len(plan.Needs) > 0 && plan.Refused == "" {
		return usageError{msg: "the upgrade needs " + plan.Needs[0],
			hint: "walctl upgrade --to-version " + o.To.String() + " DIR shows the whole plan"}
	}
	if !c.Bool("apply") || plan.Nothing || plan.Refused != "" {
		if err := printOrJSON(c, doc, printUpgradePlan); err != nil {
			return err
		}
		if plan.Nothing {
			return nil
		}
		return damageError{}
	}
	if doc.Applied, err = upgrade.Apply(plan, dir, o); err != nil {
		return err
	}
	vo := doc.Applied.Open
	vo.Target = o.To
	if doc.Verify, err = Verify(doc.Applied.Dir, vo); err != nil {
		return fmt.Errorf("verify after the upgrade: %w", err)
	}
	if err := printOrJSON(c, doc, printUpgradeApplied); err != nil {
		return err
	}
	if doc.Verify.Verdict != "ok" {
		return damageError{}
	}
	return nil
}

// upgradeOptions reads the flags.
func upgradeOptions(c *cli.Context) (upgrade.Options, error) {
	lo, err := logOptions(c)
	if err != nil {
		return upgrade.Options{}, err
	}
	lo.Force = c.Bool("force")
	o := upgrade.Options{Log: lo, Out: c.String("out"), Backup: c.String("backup"),
		R: c.Int64("out-records-per-partition"),
		M: c.Int64("out-max-entry-size"), SnapshotDir: c.String("out-snapshot-dir")}
	if o.To, err = releaseFlag(c, "to-version"); err != nil {
		return o, err
	}
	if o.From, err = releaseFlag(c, "from-version"); err != nil {
		return o, err
	}
	switch {
	case c.IsSet("out-records-per-partition") && (o.R < 2 || o.R > 53_687_091):
		return o, usageError{msg: fmt.Sprintf("--out-records-per-partition %d is out of "+
			"range", o.R), hint: "DotNext accepts 2 ≤ R ≤ 53687091"}
	case c.IsSet("out-max-entry-size") && (o.M < 1 || o.R == 0):
		return o, usageError{msg: "--out-max-entry-size needs a positive M and " +
			"--out-records-per-partition", hint: "give the node's MaxLogEntrySize and recordsPerPartition"}
	}
	return o, nil
}

// printOrJSON prints doc as JSON with --json, else as text.
func printOrJSON(c *cli.Context, doc *upgradeDoc, text func(io.Writer, *upgradeDoc)) error {
	if c.Bool("json") {
		return writeJSON(c.App.Writer, doc)
	}
	text(c.App.Writer, doc)
	return nil
}

func printUpgradePlan(w io.Writer, doc *upgradeDoc) {
	p := doc.Plan
	printUpgradeHead(w, p)
	switch {
	case p.Nothing:
		fmt.Fprintf(w, "%s nothing to change: DotNext %s opens %s as its writer reads "+
			"it.\n", bold("result:"), p.To, p.Dir)
	case p.Refused != "":
		fmt.Fprintf(w, "%s %s\n", red("refused:"), p.Refused)
		if p.Flag != "" {
			fmt.Fprintf(w, "  add %s\n", p.Flag)
		}
		fmt.Fprintf(w, "%s nothing was changed.\n", bold("result:"))
	case len(p.Needs) > 0:
		for _, n := range p.Needs {
			fmt.Fprintf(w, "  %s %s\n", bold("needs:"), n)
		}
		fmt.Fprintf(w, "%s nothing was changed. walctl upgrade --to-version %s --apply with the flags above "+
			"carries out %s.\n",
			bold("result:"), p.To, plural(len(p.Steps), "step"))
	default:
		fmt.Fprintf(w, "%s nothing was changed. walctl upgrade --to-version %s --apply carries out %s (each "+
			"operation copies what it rewrites to a backup first).\n",
			bold("result:"), p.To, plural(len(p.Steps), "step"))
	}
}

// printUpgradeHead prints the gate's answer, the steps, the application's
// changes and the notes.
func printUpgradeHead(w io.Writer, p *upgrade.Plan) {
	g := p.Gate
	fmt.Fprintf(w, "%s %s (%s, written by %s, from the %s; judged as %s) to DotNext "+
		"%s\n", bold("Upgrade plan for"), p.Dir, g.Family, g.Writer, g.WriterFrom, g.JudgedAs, p.To)
	fmt.Fprintf(w, "  %s DotNext %s %s\n", bold("now:"), p.To, gateWords(g))
	for _, f := range g.Findings {
		if f.Severity != raftlog.Info {
			fmt.Fprintf(w, "  %s %s: %s\n", severityColor(string(f.Severity)), f.Code, f.Message)
		}
	}
	if len(p.Steps) > 0 {
		fmt.Fprintln(w)
		t := newTable(w, "STEP", "OPERATION", "WHAT", "SAME BY HAND")
		wrapLongText(t)
		for i, s := range p.Steps {
			t.Append([]string{fmt.Sprint(i + 1), string(s.Kind), s.What, s.Command})
		}
		t.Render()
	}
	printList(w, "application:", p.Application)
	printList(w, "note:", p.Notes)
	fmt.Fprintln(w)
}

func printList(w io.Writer, label string, lines []string) {
	for _, l := range lines {
		fmt.Fprintf(w, "  %s %s\n", bold(label), l)
	}
}

func printUpgradeApplied(w io.Writer, doc *upgradeDoc) {
	printUpgradeHead(w, doc.Plan)
	a := doc.Applied
	fmt.Fprintf(w, "%s applied %s; the upgraded log is %s", bold("upgrade:"), plural(a.Steps, "step"), a.Dir)
	if a.Backup != "" {
		fmt.Fprintf(w, "; backup of the original directory: %s", a.Backup)
	}
	fmt.Fprintln(w)
	printList(w, "note:", a.Notes)
	if a.After != nil {
		fmt.Fprintf(w, "%s DotNext %s %s\n", bold("after:"), doc.Plan.To, gateWords(a.After))
	}
	printVerdictLine(w, "verify --target-version "+doc.Plan.To.String()+" after the upgrade:", doc.Verify)
}
