package cmd

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/internal/progress"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "replay the whole log and report every damage, where it is, what the library does with it, and the fix",
		ArgsUsage: "DIR",
		Flags: append(formatFlags(), &cli.StringFlag{Name: "target-version",
			Usage: "the DotNext.Net.Cluster release that will open the log (e.g. 5.7.2): judge what it reads"}),
		Action: runVerify,
	}
}

type verifyDoc struct {
	Dir      string           `json:"dir"`
	Format   string           `json:"format"`
	Verdict  string           `json:"verdict"`
	Findings raftlog.Findings `json:"findings"`
	Summary  raftlog.Summary  `json:"summary"`
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
}

// Verify opens dir and runs every check; it is the library form of the
// command, used by repair and convert to check their output.
func Verify(dir string, o logdir.Options) (*verifyDoc, error) {
	return verifyWith(dir, o, nil)
}

// verifyWith is Verify with a progress bar made once the log is open. When
// detection cannot tell R but names the values that fit, every one is
// verified: if they all give the same verdict that verdict is the answer
// (with the findings of the smallest), else the log stays unsure.
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
// ("" when they are one command, or none).
func fixAll(fs raftlog.Findings) string {
	const prefix = "walctl repair --apply"
	var flags []string
	value := map[string]string{}
	commands := map[string]bool{}
	for _, f := range fs {
		if f.FixKind != finding.Run || !strings.HasPrefix(f.FixCommand, prefix+" ") {
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
	for _, flag := range flags {
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
	doc := &verifyDoc{Dir: dir, Format: l.Format, Verdict: "ok", Findings: fs.Group(), Summary: sum}
	doc.FixAll = fixAll(doc.Findings)
	if doc.Findings == nil {
		doc.Findings = raftlog.Findings{}
	}
	if fs.HasErrors() {
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
	doc, err := verifyWith(dir, o, func(l *logdir.Log) *progress.Bar { return newBar(c, l, "verifying") })
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

func printVerify(w io.Writer, d *verifyDoc) {
	s := d.Summary
	fmt.Fprintf(w, "%s %s (%s): indexes %s–%s, commit %d, snapshot %d, %d entries\n", bold("Replayed"), d.Dir, d.Format,
		orDash(s.First), orDash(s.Last), s.Commit, s.Snapshot, s.Entries)
	if len(d.Candidates) > 0 {
		fmt.Fprintf(w, "records per partition: not determined by the files; %s fit and every one gives this verdict "+
			"(indexes and files are shown for R = %d; walctl detect %s shows the evidence)\n",
			candidateWords(d.Candidates), d.Candidates[0], d.Dir)
	}
	if len(d.Findings) > 0 {
		fmt.Fprintln(w)
		t := newTable(w, "SEVERITY", "CODE", "FILE", "OFFSET", "INDEX", "MESSAGE")
		wrapLongText(t)
		for _, f := range d.Findings {
			t.Append([]string{severityColor(string(f.Severity)), string(f.Code), f.File, orDash(f.Offset),
				indexWords(f), f.Message})
		}
		t.Render()
		fmt.Fprintln(w)
		seen := map[string]bool{}
		for _, f := range d.Findings {
			key := string(f.Code) + "\x00" + f.Fix
			if f.Severity == raftlog.Info || seen[key] {
				continue
			}
			seen[key] = true
			fmt.Fprintf(w, "%s %s: %s\n", bold("fix"), f.Code, f.Fix)
		}
		if d.FixAll != "" {
			fmt.Fprintf(w, "%s %s (repair carries out a plan only whole: one run with every flag the fixes above need)\n",
				bold("fix all:"), d.FixAll)
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
	if d.Verdict == "ok" {
		fmt.Fprintf(w, "%s %s: %d warnings\n", bold("verdict:"), green("ok"), warns)
	} else {
		fmt.Fprintf(w, "%s %s: %d errors, %d warnings\n", bold("verdict:"), red("damaged"), errs, warns)
	}
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
