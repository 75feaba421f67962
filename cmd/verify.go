package cmd

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
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
	Format   format.Format    `json:"format"`
	Verdict  string           `json:"verdict"`
	Findings raftlog.Findings `json:"findings"`
	Summary  raftlog.Summary  `json:"summary"`
	// Target is the upgrade gate's answer with --target-version (its
	// findings are among Findings).
	Target *upgrade.Report `json:"target,omitempty"`
	// Candidates: the records per partition detection could not choose
	// between, all of which give this verdict; the findings and indexes are
	// those of the first (smallest).
	Candidates []int64 `json:"candidates,omitempty"`
	// FixAll is one repair command with every flag the findings' repair
	// fixes need, when they need more than one: repair carries out a plan
	// only whole, so one run must carry them all.
	FixAll string `json:"fixAll,omitempty"`
	// Command is the walctl verify command that gives this verdict, when a
	// command verified a log it wrote (repair, convert).
	Command string `json:"command,omitempty"`
	// flags are the settings of Command (printVerdictLine names the
	// directory as the operator gave it).
	flags []string
}

// Verify opens dir and runs every check; it is the library form of the
// command, used by repair and convert to check their output.
func Verify(dir string, o logdir.Options) (*verifyDoc, error) {
	return verifyWith(dir, o, nil)
}

// verifyWith is Verify with a progress bar made once the log is open. When
// detection cannot tell R but names the values that fit, every one is
// verified: if they all give the same verdict that verdict is the answer
// (with the findings of the smallest), else the log stays unsure. With
// o.Target set, the upgrade gate's findings for that release are added
// (from: the writer's release, zero for the files' newest).
func verifyWith(dir string, o logdir.Options, bar func(*logdir.Log) *progress.Bar) (*verifyDoc, error) {
	doc, err := verifyOnce(dir, o, bar)
	var unsure *logdir.ErrUnsure
	if !errors.As(err, &unsure) || o.R != 0 || len(unsure.Detection.Candidates) < 2 {
		return doc, err
	}
	var first *verifyDoc
	verdicts := map[string][]int64{}
	for _, r := range unsure.Detection.Candidates {
		oc := o
		oc.R = r
		d, cerr := verifyOnce(dir, oc, nil)
		if cerr != nil {
			return nil, err
		}
		if first == nil {
			first = d
		}
		verdicts[d.Verdict] = append(verdicts[d.Verdict], r)
	}
	if len(verdicts) > 1 {
		return nil, fmt.Errorf("%w; the values that fit give different verdicts (ok with R = %v, damaged with R = %v)",
			err, verdicts["ok"], verdicts["damaged"])
	}
	first.Candidates = unsure.Detection.Candidates
	for i, f := range first.Findings {
		// A write needs the node's own R: the files allow several.
		if f.FixKind == finding.Run && strings.HasSuffix(f.FixCommand, " DIR") {
			cmd := strings.TrimSuffix(f.FixCommand, " DIR") + " --records-per-partition R DIR"
			first.Findings[i].Fix = strings.Replace(f.Fix, f.FixCommand, cmd, 1)
			first.Findings[i].FixCommand = cmd
		}
	}
	first.FixAll = fixAll(first.Findings)
	return first, nil
}

// inputFlags are the settings the operator gave to read the log (format,
// geometry, WriteAheadLog layout), as command-line words.
func inputFlags(c *cli.Context) []string {
	var out []string
	for _, name := range []string{"format", "records-per-partition", "max-entry-size", "chunk-size", "hash",
		"wal-layout", "snapshot-dir"} {
		if c.IsSet(name) {
			out = append(out, "--"+name, c.String(name))
		}
	}
	return out
}

// carryInputFlags adds the settings the log was read with to every walctl
// fix command: repair and convert need them as verify did.
func (d *verifyDoc) carryInputFlags(flags []string) {
	if len(flags) == 0 {
		return
	}
	extra := " " + strings.Join(flags, " ") + " DIR"
	for i, f := range d.Findings {
		if f.FixKind == finding.Run && strings.HasSuffix(f.FixCommand, " DIR") {
			cmd := strings.TrimSuffix(f.FixCommand, " DIR") + extra
			d.Findings[i].Fix = strings.Replace(f.Fix, f.FixCommand, cmd, 1)
			d.Findings[i].FixCommand = cmd
		}
	}
	if d.FixAll != "" {
		d.FixAll = strings.TrimSuffix(d.FixAll, " DIR") + extra
	}
}

// fixAll joins the flags of the findings' repair commands into one command
// ("" when they are one command, or none): repair carries out a plan only
// whole, so one run must carry every flag (--from REPLICA included: a plan
// that heals from a replica also makes every local repair).
func fixAll(fs raftlog.Findings) string {
	const prefix = "walctl repair"
	var flags []string
	value := map[string]string{}
	commands := map[string]bool{}
	for _, f := range fs {
		if f.FixKind != finding.Run || !strings.HasPrefix(f.FixCommand, prefix+" ") ||
			!strings.Contains(f.FixCommand, " --apply ") {
			continue
		}
		commands[f.FixCommand] = true
		args := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(f.FixCommand, prefix), " DIR"))
		for i := 0; i < len(args); i++ {
			flag := args[i]
			if _, ok := value[flag]; !ok {
				flags = append(flags, flag)
				value[flag] = ""
			}
			if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				value[flag] = args[i+1]
				i++
			}
		}
	}
	if len(commands) < 2 {
		return ""
	}
	out := []string{prefix}
	if v, ok := value["--from"]; ok {
		out = append(out, "--from", v) // first, as the fixes write it
	}
	out = append(out, "--apply")
	for _, flag := range flags {
		if flag == "--from" || flag == "--apply" {
			continue
		}
		out = append(out, flag)
		if v := value[flag]; v != "" {
			out = append(out, v)
		}
	}
	return strings.Join(append(out, "DIR"), " ")
}

// verifyOnce verifies dir as opened with o.
func verifyOnce(dir string, o logdir.Options, bar func(*logdir.Log) *progress.Bar) (*verifyDoc, error) {
	l, err := logdir.Open(dir, o)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	var pb *progress.Bar
	if bar != nil {
		pb = bar(l)
	}
	sum, fs, err := l.Check(func(raftlog.Entry) { pb.Add(1) })
	pb.Done()
	if err != nil {
		return nil, err
	}
	if holder := logdir.HeldBy(l); holder != "" {
		fs.Add(raftlog.New(finding.LogInUse, "", holder, -1, raftlog.NoIndex, nil))
	}
	doc := &verifyDoc{Dir: dir, Format: l.Format, Verdict: "ok", Summary: sum}
	if !o.Target.IsZero() {
		if doc.Target, err = upgrade.Gate(l, o.Target, o.From); err != nil {
			return nil, err
		}
		fs = append(fs, doc.Target.Findings...)
		doc.Target.Findings = nil
	}
	doc.Findings = fs.Group()
	doc.FixAll = fixAll(doc.Findings)
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
	doc.carryInputFlags(inputFlags(c))
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
