package cmd

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/diff"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// diffOptions are diff's settings: the input settings (for every DIR),
// --json and --context.
type diffOptions struct {
	in      inputOptions
	json    bool
	context int
}

func (o *diffOptions) flags() []cli.Flag {
	return append(o.in.flags(), flagsNamed("", "json", "context")...)
}

func (o *diffOptions) read(c *cli.Context) error {
	o.json, o.context = c.Bool("json"), c.Int("context")
	if c.NArg() < 2 {
		return usageError{msg: fmt.Sprintf("diff needs at least two log directories, got %d", c.NArg()),
			hint: "walctl diff [flags] DIR DIR [DIR...]"}
	}
	if o.context < 0 || o.context > 1000 {
		return usageError{msg: fmt.Sprintf("--context %d is out of range", o.context), hint: "use 0 to 1000 rows"}
	}
	return o.in.read(c)
}

func diffCommand() *cli.Command {
	cmd := newCommand(&diffOptions{in: inputOptions{ps: true}}, "diff", "compare the logs of several replicas: "+
		"where they stop agreeing, who is behind or divergent, and the safest source", "DIR DIR [DIR...]", runDiff)
	cmd.Description = "Entries are aligned by index and compared by term, command id, length and payload SHA-256 (never by " +
		"file offset), so any mix of formats can be compared. Each difference is classified: local damage on one " +
		"node (healed with walctl repair --from), a node behind, or a divergence. Exit 0 when the logs are " +
		"consistent (every log a prefix of another) with no Log Matching violation, no DotNext #292-padded entry " +
		"and no local damage, 1 otherwise, 2 on error. The format flags apply to every DIR."
	return cmd
}

func runDiff(c *cli.Context, o *diffOptions) error {
	dirs := c.Args().Slice()
	if err := checkRead(dirs...); err != nil {
		return err
	}
	logs, err := openAll(dirs, o.in.log)
	defer closeAll(logs)
	if err != nil {
		return err
	}
	names := nodeNames(dirs)
	reps := make([]diff.Replica, len(logs))
	for k, l := range logs {
		reps[k] = diff.FromLogdir(names[k], l)
	}
	ctx := o.context
	if ctx == 0 {
		ctx = -1 // diff.Options: 0 means the default
	}
	rep, err := diff.Compare(reps, diff.Options{Context: ctx})
	if err != nil {
		return err
	}
	return show(c, o.json, rep, printDiff, rep.OK())
}

func openAll(dirs []string, o logdir.Options) ([]*logdir.Log, error) {
	var logs []*logdir.Log
	for _, d := range dirs {
		l, err := logdir.Open(d, o)
		if err != nil {
			return logs, err
		}
		logs = append(logs, l)
	}
	return logs, nil
}

func closeAll(logs []*logdir.Log) {
	for _, l := range logs {
		l.Close()
	}
}

// nodeNames names each directory by its last path elements: as few as make
// the names unique ("node1", or "a/wal" and "b/wal").
func nodeNames(dirs []string) []string {
	parts := make([][]string, len(dirs))
	longest := 1
	for k, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			abs = d
		}
		parts[k] = strings.Split(filepath.ToSlash(filepath.Clean(abs)), "/")
		longest = max(longest, len(parts[k]))
	}
	for depth := 1; ; depth++ {
		names, seen, unique := make([]string, len(dirs)), map[string]bool{}, true
		for k, p := range parts {
			names[k] = strings.Join(p[max(0, len(p)-depth):], "/")
			unique = unique && !seen[names[k]]
			seen[names[k]] = true
		}
		if unique {
			return names
		}
		if depth >= longest {
			// the same directory given twice: number the repeats
			for k := range names {
				names[k] = fmt.Sprintf("%s#%d", names[k], k+1)
			}
			return names
		}
	}
}

func printDiff(w io.Writer, r *diff.Report) {
	printLine(w, "%s %s", bold("Compared"), plural(len(r.Nodes), "log"))
	blank(w)
	t := newTable(w, "NODE", "FORMAT", "TERM", "VOTE", "COMMIT", "LAST", "SNAPSHOT", "STANDING")
	for _, n := range r.Nodes {
		t.Row(
			n.Name,
			n.Format,
			n.Term,
			voteText(n.Vote),
			n.CommitIndex,
			n.LastIndex,
			snapshotText(n.Snapshot),
			standingText(n),
		)
	}
	t.Render()
	blank(w)
	printFacts(w, r)
	for _, win := range r.Windows {
		blank(w)
		printWindow(w, r, win)
	}
	if r.WindowsOmitted > 0 {
		blank(w)
		printLine(w, "%d more divergence windows not shown (see --json)", r.WindowsOmitted)
	}
	printDiffFindings(w, r.Findings)
	blank(w)
	printLine(w, "%s %s", bold("verdict:"), verdictText(r))
}

func voteText(v *string) string {
	if v == nil {
		return "-"
	}
	return *v
}

func snapshotText(s *diff.SnapshotRef) string {
	if s == nil {
		return "-"
	}
	return fmt.Sprintf("%d (term %d)", s.Index, s.Term)
}

func standingText(n diff.Node) styled {
	var parts []styled
	for _, s := range n.Diverging {
		state := join("uncommitted")
		if s.Committed {
			state = red("committed")
		}
		parts = append(parts, join(red("divergent"), " ", rangeText(s.From, s.To), " (", state, ")"))
	}
	for _, m := range n.Missing {
		parts = append(parts, join(yellow("behind"), ": missing ", rangeText(m.From, m.To)))
	}
	if n.CorruptTotal > 0 {
		parts = append(parts, join(red("corrupt"), " at ", joinIndexes(n.Corrupt, n.CorruptTotal)))
	}
	if n.Padded292Total > 0 {
		parts = append(
			parts,
			join(red("#292-padded"), " at ", joinIndexes(n.Padded292, n.Padded292Total), " (walctl repair --apply)"),
		)
	}
	if n.LocalDamageTotal > 0 {
		parts = append(parts, localDamageStanding(n))
	}
	if len(parts) == 0 {
		return green("identical")
	}
	out := parts[0]
	for _, p := range parts[1:] {
		out += ", " + p
	}
	return out
}

// localDamageStanding: the node's own damage, by run and defect.
func localDamageStanding(n diff.Node) styled {
	var runs []string
	for _, d := range n.LocalDamage {
		r := rangeText(d.From, d.To)
		if d.Bug != "" {
			r += " (" + d.Bug + ")"
		}
		runs = append(runs, r)
	}
	return join(red("damaged"), " ", strings.Join(runs, ", "))
}

func joinIndexes(is []int64, total int64) string {
	s := make([]string, len(is))
	for j, i := range is {
		s[j] = fmt.Sprint(i)
	}
	out := strings.Join(s, ", ")
	if total > int64(len(is)) {
		out += fmt.Sprintf(" (+%d more)", total-int64(len(is)))
	}
	return out
}

func rangeText(from, to int64) string {
	return raftlog.Range{From: from, To: to}.String()
}

func optIndex(i *int64) string {
	if i == nil {
		return "none"
	}
	return fmt.Sprint(*i)
}

// factIndent is where the values of printFacts start (and continue).
const factIndent = 26

func printFacts(w io.Writer, r *diff.Report) {
	fact := func(label string, value any) {
		printHang(w, factIndent, "%-*s%s", factIndent, label+":", display(value))
	}
	fact("shared committed prefix", r.SharedCommittedPrefix)
	fact("first differing index", optIndex(r.FirstDifferingIndex))
	fact("first conflict index", optIndex(r.FirstConflictIndex))
	lmv := join(r.LogMatchingViolations)
	if r.LogMatchingViolations > 0 {
		lmv = red(r.LogMatchingViolations)
	}
	fact("log matching violations", lmv)
	fact("safest source", join(bold(r.Source.Node), ": ", r.Source.Reason))
	if len(r.Nodes) > 2 {
		blank(w)
		t := newTable(w, "PAIR", "COMMON PREFIX", "SHARED COMMITTED", "FIRST DIFFERING", "FIRST CONFLICT", "VIOLATIONS")
		for _, p := range r.Pairs {
			t.Row(
				p.A+" "+p.B,
				p.CommonPrefix,
				p.SharedCommittedPrefix,
				optIndex(p.FirstDifferingIndex),
				optIndex(p.FirstConflictIndex),
				p.LogMatchingViolations,
			)
		}
		t.Render()
	}
	for _, n := range r.Notes {
		printLine(w, "%s %s", faint("note:"), n)
	}
}

// printWindow prints one divergence side by side: per node the term and the
// first 8 hex digits of the payload SHA-256.
func printWindow(w io.Writer, r *diff.Report, win diff.Window) {
	var padded styled
	for _, row := range win.Rows {
		for _, c := range row.Cells {
			if c.Status == diff.StatusPadded {
				padded = join(
					", ",
					red("#292"),
					" the entry with DotNext #292 padding (the sha256 is of what the library delivers)",
				)
			}
		}
	}
	printLine(
		w,
		"%s %s (term:sha256 prefix; %s differs from the majority, %s same term but other payload%s, %s damaged on "+
			"this node only, * uncommitted)",
		bold("Indexes"),
		rangeText(win.From, win.To),
		red("✗"),
		red("≠"),
		padded,
		red("⚠"),
	)
	header := []string{"INDEX"}
	for _, n := range r.Nodes {
		header = append(header, n.Name)
	}
	t := newTable(w, header...)
	for _, row := range win.Rows {
		line := []any{rangeText(row.Index, row.To)}
		if row.Elided > 0 {
			for range r.Nodes {
				line = append(line, faint(fmt.Sprintf("… %d rows", row.Elided)))
			}
			t.Row(line...)
			continue
		}
		for _, c := range row.Cells {
			line = append(line, cellText(c))
		}
		t.Row(line...)
	}
	t.Render()
}

func cellText(c diff.Cell) styled {
	var s string
	switch c.Kind {
	case diff.KindMissing:
		switch c.Status {
		case diff.StatusMissing:
			return yellow("missing")
		case diff.StatusDamaged:
			return red("missing ⚠")
		}
		return faint("-")
	case diff.KindCovered:
		return faint("in snapshot")
	case diff.KindSnapshot:
		s = fmt.Sprintf("snapshot t%d", c.Term)
	default:
		s = fmt.Sprintf("%d:%.8s", c.Term, c.SHA256)
		if !c.Committed {
			s += "*"
		}
		if c.Damaged {
			s += " (damaged)"
		}
	}
	switch c.Status {
	case diff.StatusDamaged:
		return red(s + " ⚠")
	case diff.StatusDivergent:
		return red(s + " ✗")
	case diff.StatusCorrupt:
		return red(s + " ≠")
	case diff.StatusPadded:
		return red(s + " #292")
	}
	return join(s)
}

func printDiffFindings(w io.Writer, fs raftlog.Findings) {
	if len(fs) == 0 {
		return
	}
	blank(w)
	t := newTable(w, "SEVERITY", "CODE", "INDEX", "MESSAGE")
	for _, f := range fs {
		t.Row(severityColor(string(f.Severity)), string(f.Code), orDash(f.Index), f.Message)
	}
	t.Render()
	blank(w)
	seen := map[string]bool{}
	for _, f := range fs {
		if f.Severity == raftlog.Info || seen[string(f.Code)] {
			continue
		}
		seen[string(f.Code)] = true
		printLine(w, "%s %s: %s", bold("fix"), f.Code, f.Fix)
	}
}

// onlyLocalDamage: every difference is local damage or a node behind; no
// history diverged.
func onlyLocalDamage(r *diff.Report) bool {
	for _, d := range r.Differences {
		if d.Class == diff.ClassDivergence {
			return false
		}
	}
	return true
}

// localDamageVerdict names the damaged nodes and what heals each.
func localDamageVerdict(r *diff.Report) string {
	var parts []string
	for _, d := range r.Differences {
		if d.Class != diff.ClassLocalDamage {
			continue
		}
		what := d.Node
		if d.Bug != "" {
			what += ", " + d.Bug
		}
		parts = append(parts, fmt.Sprintf("%s: %s", what, d.Heal))
	}
	return "no history diverged; heal each damaged node from a replica — " + strings.Join(parts, "; ")
}

func verdictText(r *diff.Report) styled {
	errs, warns := r.Findings.Counts()
	tail := ": " + plural(errs, "error") + ", " + plural(warns, "warning")
	violations := plural64(r.LogMatchingViolations, "Log Matching violation")
	if r.LocalDamage() && onlyLocalDamage(r) {
		return join(red("local damage"), " (", localDamageVerdict(r), ")", tail)
	}
	if len(r.Padded292) > 0 && r.Consistent && r.LogMatchingViolations == 0 {
		var nodes []string
		for _, n := range r.Nodes {
			if n.Padded292Total > 0 {
				nodes = append(nodes, n.Name)
			}
		}
		return join(red("padded"), fmt.Sprintf(" (the logs agree as the library reads them, but %s hold DotNext "+
			"#292-padded entries: walctl repair --apply on each)", strings.Join(nodes, ", ")), tail)
	}
	switch {
	case r.Identical:
		return join(green("identical"), tail)
	case r.OK():
		return join(
			green("consistent"),
			fmt.Sprintf(" (every log a prefix of another; first difference at %s)", optIndex(r.FirstDifferingIndex)),
			tail,
		)
	case r.LogMatchingViolations > 0 && r.Padded292ViolationCount > 0:
		return join(red("inconsistent"), fmt.Sprintf(" (first conflict at %s, %s, %d of them DotNext #292 padding: "+
			"walctl repair --apply on the padded nodes)", optIndex(r.FirstConflictIndex), violations, r.Padded292ViolationCount), tail)
	case r.LogMatchingViolations > 0:
		return join(
			red("inconsistent"),
			fmt.Sprintf(" (first conflict at %s, %s)", optIndex(r.FirstConflictIndex), violations),
			tail,
		)
	}
	return join(red("inconsistent"), fmt.Sprintf(" (first conflict at %s)", optIndex(r.FirstConflictIndex)), tail)
}
