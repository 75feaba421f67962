package cmd

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/internal/progress"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/upgrade"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "replay the whole log and report every damage, where it is, what the library does with it, and the fix",
		ArgsUsage: "DIR [DIR...] | --recursive ROOT...",
		Description: "With several DIRs, or with --recursive (every log directory below each ROOT: a directory with " +
			"node.state, or a WriteAheadLog root; walctl's backups DIR.walctl-backup-* and .walctl* folders are " +
			"skipped), verify prints one row per log and exits with the worst code (0 ok, 1 damaged, 2 unsure or " +
			"unreadable). The format flags apply to every log.",
		Flags: append(formatFlags(),
			&cli.BoolFlag{Name: "recursive", Aliases: []string{"r"}, Usage: "verify every log directory below each ROOT"},
			&cli.StringFlag{Name: "target-version",
				Usage: "the DotNext.Net.Cluster release that will open the log (e.g. 5.7.2): an error for everything " +
					"it reads otherwise than the writer"},
			&cli.StringFlag{Name: "from-version",
				Usage: "with --target-version: the release that wrote the log (the node's current one); default: " +
					"judged from the files (walctl detect's \"written by\")"},
		),
		Action: runVerify,
	}
}

type verifyDoc struct {
	Dir      string           `json:"dir"`
	Format   string           `json:"format"`
	Verdict  string           `json:"verdict"`
	Findings raftlog.Findings `json:"findings"`
	Summary  raftlog.Summary  `json:"summary"`
	// Target is the upgrade gate's answer with --target-version (its
	// findings are among Findings).
	Target *upgrade.Report `json:"target,omitempty"`
}

// Verify opens dir and runs every check; it is the library form of the
// command, used by repair and convert to check their output.
func Verify(dir string, o logdir.Options) (*verifyDoc, error) {
	return verifyWith(dir, o, nil)
}

// verifyWith is Verify with a progress bar made once the log is open.
// With o.Target set, the upgrade gate's findings for that release are
// added (from: the writer's release, zero for the files' newest).
func verifyWith(dir string, o logdir.Options, bar func(*logdir.Log) *progress.Bar) (*verifyDoc, error) {
	l, err := logdir.Open(dir, o)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	fs := append(raftlog.Findings{}, l.Findings...)
	if holder := logdir.HeldBy(l); holder != "" {
		fs.Add(raftlog.Finding{Severity: raftlog.Warning, Code: "log-in-use", File: holder, Offset: -1, Index: raftlog.NoIndex,
			Message: "another process holds a lock on " + holder + ": the node seems to be running, so files may change under walctl",
			Fix:     "stop the node before verifying or repairing"})
	}
	rp := raftlog.NewReplay(bounds(l))
	var pb *progress.Bar
	if bar != nil {
		pb = bar(l)
	}
	err = l.Entries(l.First, l.Last, func(e raftlog.Entry) bool { rp.Add(e); pb.Add(1); return true })
	pb.Done()
	if err != nil {
		return nil, err
	}
	sum, replayFindings := rp.Finish()
	fs = append(fs, logdir.WithFixes(replayFindings)...)
	doc := &verifyDoc{Dir: dir, Format: l.Format, Verdict: "ok", Findings: fs, Summary: sum}
	if !o.Target.IsZero() {
		if doc.Target, err = upgrade.Gate(l, o.Target, o.From); err != nil {
			return nil, err
		}
		doc.Findings = append(doc.Findings, doc.Target.Findings...)
		doc.Target.Findings = nil
	}
	if doc.Findings == nil {
		doc.Findings = raftlog.Findings{}
	}
	if doc.Findings.HasErrors() {
		doc.Verdict = "damaged"
	}
	return doc, nil
}

func runVerify(c *cli.Context) error {
	dirs := c.Args().Slice()
	if len(dirs) == 0 {
		return usageError{msg: "verify needs a log directory", hint: "walctl verify DIR [DIR...], or walctl verify --recursive ROOT"}
	}
	o, err := logOptions(c)
	if err != nil {
		return err
	}
	if o.Target, err = targetVersion(c); err != nil {
		return err
	}
	if o.From, err = releaseFlag(c, "from-version"); err != nil {
		return err
	}
	if !o.From.IsZero() && o.Target.IsZero() {
		return usageError{msg: "--from-version needs --target-version", hint: "walctl verify --target-version V " +
			"[--from-version W] DIR"}
	}
	if c.Bool("recursive") {
		return verifyTree(c, dirs, o)
	}
	if len(dirs) > 1 {
		return verifyMany(c, dirs, o, nil)
	}
	if err := checkRead(dirs[0]); err != nil {
		return err
	}
	doc, err := verifyWith(dirs[0], o, func(l *logdir.Log) *progress.Bar { return newBar(c, l, "verifying") })
	if err != nil {
		return err
	}
	w := c.App.Writer
	if c.Bool("json") {
		err = writeJSON(w, doc)
	} else {
		printVerify(w, doc)
	}
	if err != nil {
		return err
	}
	if doc.Verdict != "ok" {
		return damageError{}
	}
	return nil
}

// counts returns the number of error and warning findings.
func counts(fs raftlog.Findings) (errs, warns int) {
	for _, f := range fs {
		switch f.Severity {
		case raftlog.Error:
			errs++
		case raftlog.Warning:
			warns++
		}
	}
	return errs, warns
}

// replayedText says which entries a replay saw: "10 entries, indexes 1–10"
// or "no entries".
func replayedText(s raftlog.Summary) string {
	if s.Entries == 0 || s.First < 0 {
		return "no entries"
	}
	return fmt.Sprintf("%s, indexes %s", plural64(s.Entries, "entry"), raftlog.Range{From: s.First, To: s.Last})
}

func printVerify(w io.Writer, d *verifyDoc) {
	s := d.Summary
	printLine(w, "%s %s (%s): %s, commit index %d, snapshot index %d", bold("Replayed"), d.Dir, d.Format,
		replayedText(s), s.Commit, s.Snapshot)
	if len(d.Findings) > 0 {
		blank(w)
		t := newTable(w, "SEVERITY", "CODE", "FILE", "OFFSET", "INDEX", "MESSAGE")
		for _, f := range d.Findings {
			t.Row(severityColor(string(f.Severity)), f.Code, f.File, orDash(f.Offset), orDash(f.Index), f.Message)
		}
		t.Render()
		blank(w)
		seen := map[string]bool{}
		for _, f := range d.Findings {
			if f.Severity == raftlog.Info || seen[f.Code] {
				continue
			}
			seen[f.Code] = true
			printLine(w, "%s %s: %s", bold("fix"), f.Code, f.Fix)
		}
	}
	errs, warns := counts(d.Findings)
	blank(w)
	if d.Target != nil {
		printGate(w, d.Target)
	}
	if d.Verdict == "ok" {
		printLine(w, "%s %s: %s", bold("verdict:"), green("ok"), plural(warns, "warning"))
	} else {
		printLine(w, "%s %s: %s, %s", bold("verdict:"), red("damaged"), plural(errs, "error"), plural(warns, "warning"))
	}
}

// printGate is the one-line answer of the upgrade gate.
func printGate(w io.Writer, r *upgrade.Report) {
	printLine(w, "%s DotNext %s %s (the log's writer: %s, from the %s; judged as %s)", bold("target:"), r.Target,
		gateWords(r), r.Writer, r.WriterFrom, r.JudgedAs)
}

// gateWords says in a few words what release r.Target makes of the log.
func gateWords(r *upgrade.Report) styled {
	switch {
	case !r.Opens && r.Intact:
		return yellow("cannot open the log, nor can its writer's release")
	case !r.Opens:
		return red("cannot open the log")
	case r.Intact:
		return green("opens the log with every committed entry, the term and the vote as its writer reads them")
	case !r.Blocked():
		return yellow("reads committed entries its writer loses")
	}
	return red("reads the log otherwise than its writer")
}
