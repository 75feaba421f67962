package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/gate"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/verify"
)

// verifyOptions are verify's settings: the log's input settings, --json,
// --recursive, and the upgrade gate's --target-version and --from-version.
type verifyOptions struct {
	in        inputOptions
	json      bool
	recursive bool
}

func (o *verifyOptions) flags() []cli.Flag {
	return append(o.in.flags(), flagsNamed("", "json", "recursive", "target-version", "from-version")...)
}

func (o *verifyOptions) read(c *cli.Context) error {
	o.json, o.recursive = c.Bool("json"), c.Bool("recursive")
	if c.NArg() == 0 {
		return usageError{
			msg:  "verify needs a log directory",
			hint: "walctl verify DIR [DIR...], or walctl verify --recursive ROOT",
		}
	}
	if err := o.in.read(c); err != nil {
		return err
	}
	var err error
	if o.in.log.Target, err = releaseFlag(c, "target-version"); err != nil {
		return err
	}
	if o.in.log.From, err = releaseFlag(c, "from-version"); err != nil {
		return err
	}
	if !o.in.log.From.IsZero() && o.in.log.Target.IsZero() {
		return usageError{msg: "--from-version needs --target-version", hint: "walctl verify --target-version V " +
			"[--from-version W] DIR"}
	}
	return nil
}

func verifyCommand() *cli.Command {
	cmd := newCommand(&verifyOptions{in: inputOptions{ps: true}}, "verify", "replay the whole log and report every "+
		"damage, where it is, what the library does with it, and the fix", "DIR [DIR...] | --recursive ROOT...",
		runVerify)
	cmd.Description = "With several DIRs, or with --recursive (every log directory below each ROOT: a directory " +
		"with node.state, or a WriteAheadLog root; walctl's backups DIR.walctl-backup-* and .walctl* folders are " +
		"skipped), verify prints one row per log and exits with the worst code (0 ok, 1 damaged, 2 unsure or " +
		"unreadable). The format flags apply to every log."
	return cmd
}

func runVerify(c *cli.Context, o *verifyOptions) error {
	dirs := c.Args().Slice()
	if o.recursive {
		return verifyTree(c, dirs, o)
	}
	if len(dirs) > 1 {
		return verifyMany(c, dirs, o, nil)
	}
	if err := checkRead(dirs[0]); err != nil {
		return err
	}
	doc, err := verify.Dir(dirs[0], verify.Options{Options: o.in.log, Progress: barOf(c, "verifying")})
	if err != nil {
		return err
	}
	doc.CarryFlags(o.in.typed)
	return show(c, o.json, doc, printVerify, doc.OK())
}

// replayedText says which entries a replay saw: "10 entries, indexes 1–10"
// or "no entries".
func replayedText(s raftlog.Summary) string {
	if s.Entries == 0 || s.First < 0 {
		return "no entries"
	}
	return fmt.Sprintf("%s, indexes %s", plural64(s.Entries, "entry"), raftlog.Range{From: s.First, To: s.Last})
}

func printVerify(w io.Writer, d *verify.Report) {
	s := d.Summary
	printLine(w, "%s %s (%s): %s, commit index %d, snapshot index %d", bold("Replayed"), d.Dir, d.Format,
		replayedText(s), s.Commit, s.Snapshot)
	if len(d.Candidates) > 0 {
		printLine(w, "records per partition: not determined by the files; %s fit and every one gives this verdict "+
			"(indexes and files are shown for R = %d; walctl detect %s shows the evidence)",
			candidateWords(d.Candidates), d.Candidates[0], d.Dir)
	}
	if len(d.Findings) > 0 {
		blank(w)
		t := newTable(w, "SEVERITY", "CODE", "FILE", "OFFSET", "INDEX", "MESSAGE")
		for _, f := range d.Findings {
			t.Row(severityColor(string(f.Severity)), string(f.Code), f.File, orDash(f.Offset), indexWords(f),
				f.Message)
		}
		t.Render()
		blank(w)
		seen := map[string]bool{}
		for _, f := range d.Findings {
			key := string(f.Code) + "\x00" + f.Fix
			if f.Severity == raftlog.Info || seen[key] {
				continue
			}
			seen[key] = true
			printLine(w, "%s %s: %s", bold("fix"), f.Code, f.Fix)
		}
		if d.FixAll != "" {
			printLine(w, "%s %s (repair carries out a plan only whole: one run with every flag the fixes above need)",
				bold("fix all:"), d.FixAll)
		}
	}
	errs, warns := d.Findings.Counts()
	blank(w)
	if d.Target != nil {
		printGate(w, d.Target)
	}
	if d.OK() {
		printLine(w, "%s %s: %s", bold("verdict:"), green("ok"), plural(warns, "warning"))
	} else {
		printLine(w, "%s %s: %s, %s", bold("verdict:"), red("damaged"), plural(errs, "error"), plural(warns, "warning"))
	}
}

// printGate is the one-line answer of the upgrade gate.
func printGate(w io.Writer, r *gate.Report) {
	printLine(w, "%s DotNext %s %s (the log's writer: %s, from the %s; judged as %s)", bold("target:"), r.Target,
		gateWords(r), r.Writer, r.WriterFrom, r.JudgedAs)
}

// gateWords says in a few words what release r.Target makes of the log.
func gateWords(r *gate.Report) styled {
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

// indexWords is the INDEX cell of a finding: its index, or the range and
// count of a merged one.
func indexWords(f raftlog.Finding) string {
	if f.Count < 2 {
		return orDash(f.Index)
	}
	if w := finding.Indexes(f.Indexes); strings.Contains(w, ",") {
		return w // a short list says its count
	}
	return fmt.Sprintf("%s (%d)", finding.Indexes(f.Indexes), f.Count)
}

// candidateWords renders R candidates: "6, 7, 8" or "6–10" when consecutive.
func candidateWords(rs []int64) string {
	consecutive := true
	for i := 1; i < len(rs); i++ {
		consecutive = consecutive && rs[i] == rs[i-1]+1
	}
	if consecutive && len(rs) > 2 {
		return "R = " + finding.Range(rs[0], rs[len(rs)-1])
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprint(r)
	}
	return "R = " + strings.Join(parts, ", ")
}
