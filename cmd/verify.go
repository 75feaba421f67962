package cmd

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/internal/progress"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/release"
	"github.com/walctl/walctl/upgrade"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "replay the whole log and report every damage, where it is, what the library does with it, and the fix",
		ArgsUsage: "DIR",
		Flags: append(formatFlags(), &cli.StringFlag{Name: "target-version",
			Usage: "the DotNext.Net.Cluster release that will open the log (e.g. 5.7.2): an error for everything " +
				"it reads otherwise than the writer"},
			&cli.StringFlag{Name: "from-version",
				Usage: "with --target-version: the release that wrote the log (the node's current one); default: " +
					"judged from the files (walctl detect's \"written by\")"}),
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
	return verifyWith(dir, o, release.Version{}, nil)
}

// verifyWith is Verify with a progress bar made once the log is open.
// With o.Target set, the upgrade gate's findings for that release are
// added (from: the writer's release, zero for the files' newest).
func verifyWith(dir string, o logdir.Options, from release.Version, bar func(*logdir.Log) *progress.Bar) (*verifyDoc,
	error) {
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
		if doc.Target, err = upgrade.Gate(l, o.Target, from); err != nil {
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
	dir, err := oneDir(c)
	if err != nil {
		return err
	}
	o, err := logOptions(c)
	if err != nil {
		return err
	}
	if o.Target, err = targetVersion(c); err != nil {
		return err
	}
	from, err := releaseFlag(c, "from-version")
	if err != nil {
		return err
	}
	if !from.IsZero() && o.Target.IsZero() {
		return usageError{msg: "--from-version needs --target-version", hint: "walctl verify --target-version V " +
			"[--from-version W] DIR"}
	}
	doc, err := verifyWith(dir, o, from, func(l *logdir.Log) *progress.Bar { return newBar(c, l, "verifying") })
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

func printVerify(w io.Writer, d *verifyDoc) {
	s := d.Summary
	fmt.Fprintf(w, "%s %s (%s): indexes %s–%s, commit %d, snapshot %d, %d entries\n", bold("Replayed"), d.Dir, d.Format,
		orDash(s.First), orDash(s.Last), s.Commit, s.Snapshot, s.Entries)
	if len(d.Findings) > 0 {
		fmt.Fprintln(w)
		t := newTable(w, "SEVERITY", "CODE", "FILE", "OFFSET", "INDEX", "MESSAGE")
		wrapLongText(t)
		for _, f := range d.Findings {
			t.Append([]string{severityColor(string(f.Severity)), f.Code, f.File, orDash(f.Offset), orDash(f.Index), f.Message})
		}
		t.Render()
		fmt.Fprintln(w)
		seen := map[string]bool{}
		for _, f := range d.Findings {
			if f.Severity == raftlog.Info || seen[f.Code] {
				continue
			}
			seen[f.Code] = true
			fmt.Fprintf(w, "%s %s: %s\n", bold("fix"), f.Code, f.Fix)
		}
	}
	errs, warns := 0, 0
	for _, f := range d.Findings {
		switch f.Severity {
		case raftlog.Error:
			errs++
		case raftlog.Warning:
			warns++
		}
	}
	fmt.Fprintln(w)
	if d.Target != nil {
		printGate(w, d.Target)
	}
	if d.Verdict == "ok" {
		fmt.Fprintf(w, "%s %s: %d warnings\n", bold("verdict:"), green("ok"), warns)
	} else {
		fmt.Fprintf(w, "%s %s: %d errors, %d warnings\n", bold("verdict:"), red("damaged"), errs, warns)
	}
}

// printGate is the one-line answer of the upgrade gate.
func printGate(w io.Writer, r *upgrade.Report) {
	fmt.Fprintf(w, "%s DotNext %s %s (the log's writer: %s, from the %s; judged as "+
		"%s)\n", bold("target:"), r.Target, gateWords(r), r.Writer, r.WriterFrom, r.JudgedAs)
}

// gateWords says in a few words what release r.Target makes of the log.
func gateWords(r *upgrade.Report) string {
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
