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

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:  "diff",
		Usage: "compare the logs of several replicas: where they stop agreeing, who is behind or divergent, and the safest source",
		Description: "Entries are aligned by index and compared by term, command id, length and payload SHA-256 (never by\n" +
			"file offset), so any mix of formats can be compared. Exit 0 when the logs are consistent (every log a\n" +
			"prefix of another) with no Log Matching violation and no DotNext #292-padded entry, 1 otherwise, 2 on\n" +
			"error. The format flags apply to every DIR.",
		ArgsUsage: "DIR DIR [DIR...]",
		Flags: append(formatFlags(),
			&cli.IntFlag{Name: "context", Value: 3, Usage: "rows shown before and after each divergence"},
		),
		Action: runDiff,
	}
}

func runDiff(c *cli.Context) error {
	if c.NArg() < 2 {
		return usageError{msg: fmt.Sprintf("diff needs at least two log directories, got %d", c.NArg()),
			hint: "walctl diff [flags] DIR DIR [DIR...] (flags go before the directories)"}
	}
	if ctx := c.Int("context"); ctx < 0 || ctx > 1000 {
		return usageError{msg: fmt.Sprintf("--context %d is out of range", ctx), hint: "use 0 to 1000 rows"}
	}
	o, err := logOptions(c)
	if err != nil {
		return err
	}
	dirs := c.Args().Slice()
	logs, err := openAll(dirs, o)
	defer closeAll(logs)
	if err != nil {
		return err
	}
	names := nodeNames(dirs)
	reps := make([]diff.Replica, len(logs))
	for k, l := range logs {
		reps[k] = diff.FromLogdir(names[k], l)
	}
	ctx := c.Int("context")
	if ctx == 0 {
		ctx = -1 // diff.Options: 0 means the default
	}
	rep, err := diff.Compare(reps, diff.Options{Context: ctx})
	if err != nil {
		return err
	}
	w := c.App.Writer
	if c.Bool("json") {
		err = writeJSON(w, rep)
	} else {
		printDiff(w, rep)
	}
	if err != nil {
		return err
	}
	if !rep.OK() {
		return damageError{}
	}
	return nil
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
	fmt.Fprintf(w, "%s %d logs\n\n", bold("Compared"), len(r.Nodes))
	t := newTable(w, "NODE", "FORMAT", "TERM", "VOTE", "COMMIT", "LAST", "SNAPSHOT", "STANDING")
	for _, n := range r.Nodes {
		t.Append([]string{n.Name, n.Format, fmt.Sprint(n.Term), voteText(n.Vote), fmt.Sprint(n.CommitIndex), fmt.Sprint(n.LastIndex),
			snapshotText(n.Snapshot), standingText(n)})
	}
	t.Render()
	fmt.Fprintln(w)
	printFacts(w, r)
	for _, win := range r.Windows {
		fmt.Fprintln(w)
		printWindow(w, r, win)
	}
	if r.WindowsOmitted > 0 {
		fmt.Fprintf(w, "\n%d more divergence windows not shown (see --json)\n", r.WindowsOmitted)
	}
	printDiffFindings(w, r.Findings)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%s %s\n", bold("verdict:"), verdictText(r))
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

func standingText(n diff.Node) string {
	var parts []string
	for _, s := range n.Diverging {
		state := "uncommitted"
		if s.Committed {
			state = red("committed")
		}
		parts = append(parts, fmt.Sprintf("%s %s (%s)", red("divergent"), rangeText(s.From, s.To), state))
	}
	for _, m := range n.Missing {
		parts = append(parts, fmt.Sprintf("%s: missing %s", yellow("behind"), rangeText(m.From, m.To)))
	}
	if n.CorruptTotal > 0 {
		parts = append(parts, fmt.Sprintf("%s at %s", red("corrupt"), joinIndexes(n.Corrupt, n.CorruptTotal)))
	}
	if n.Padded292Total > 0 {
		parts = append(parts, fmt.Sprintf("%s at %s (walctl repair --apply)", red("#292-padded"),
			joinIndexes(n.Padded292, n.Padded292Total)))
	}
	if len(parts) == 0 {
		return green("identical")
	}
	return strings.Join(parts, ", ")
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
	if from == to {
		return fmt.Sprint(from)
	}
	return fmt.Sprintf("%d–%d", from, to)
}

func optIndex(i *int64) string {
	if i == nil {
		return "none"
	}
	return fmt.Sprint(*i)
}

func printFacts(w io.Writer, r *diff.Report) {
	fmt.Fprintf(w, "shared committed prefix:  %d\n", r.SharedCommittedPrefix)
	fmt.Fprintf(w, "first differing index:    %s\n", optIndex(r.FirstDifferingIndex))
	fmt.Fprintf(w, "first conflict index:     %s\n", optIndex(r.FirstConflictIndex))
	lmv := fmt.Sprint(r.LogMatchingViolations)
	if r.LogMatchingViolations > 0 {
		lmv = red(lmv)
	}
	fmt.Fprintf(w, "log matching violations:  %s\n", lmv)
	fmt.Fprintf(w, "safest source:            %s: %s\n", bold(r.Source.Node), r.Source.Reason)
	if len(r.Nodes) > 2 {
		fmt.Fprintln(w)
		t := newTable(w, "PAIR", "COMMON PREFIX", "SHARED COMMITTED", "FIRST DIFFERING", "FIRST CONFLICT", "VIOLATIONS")
		for _, p := range r.Pairs {
			t.Append([]string{p.A + " " + p.B, fmt.Sprint(p.CommonPrefix), fmt.Sprint(p.SharedCommittedPrefix),
				optIndex(p.FirstDifferingIndex), optIndex(p.FirstConflictIndex), fmt.Sprint(p.LogMatchingViolations)})
		}
		t.Render()
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "%s %s\n", faint("note:"), n)
	}
}

// printWindow prints one divergence side by side: per node the term and the
// first 8 hex digits of the payload SHA-256.
func printWindow(w io.Writer, r *diff.Report, win diff.Window) {
	padded := ""
	for _, row := range win.Rows {
		for _, c := range row.Cells {
			if c.Status == diff.StatusPadded {
				padded = fmt.Sprintf(", %s the entry with DotNext #292 padding (the sha256 is of what the library delivers)",
					red("#292"))
			}
		}
	}
	fmt.Fprintf(w,
		"%s %s (term:sha256 prefix; %s differs from the majority, %s same term but other payload%s, * uncommitted)\n",
		bold("Indexes"), rangeText(win.From, win.To), red("✗"), red("≠"), padded)
	header := []string{"INDEX"}
	for _, n := range r.Nodes {
		header = append(header, n.Name)
	}
	t := newTable(w, header...)
	for _, row := range win.Rows {
		line := []string{rangeText(row.Index, row.To)}
		if row.Elided > 0 {
			for range r.Nodes {
				line = append(line, faint(fmt.Sprintf("… %d rows", row.Elided)))
			}
			t.Append(line)
			continue
		}
		for _, c := range row.Cells {
			line = append(line, cellText(c))
		}
		t.Append(line)
	}
	t.Render()
}

func cellText(c diff.Cell) string {
	var s string
	switch c.Kind {
	case diff.KindMissing:
		if c.Status == diff.StatusMissing {
			return yellow("missing")
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
	case diff.StatusDivergent:
		return red(s + " ✗")
	case diff.StatusCorrupt:
		return red(s + " ≠")
	case diff.StatusPadded:
		return red(s + " #292")
	}
	return s
}

func printDiffFindings(w io.Writer, fs raftlog.Findings) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintln(w)
	t := newTable(w, "SEVERITY", "CODE", "INDEX", "MESSAGE")
	for _, f := range fs {
		t.Append([]string{severityColor(string(f.Severity)), string(f.Code), orDash(f.Index), f.Message})
	}
	t.Render()
	seen := map[string]bool{}
	for _, f := range fs {
		if f.Severity == raftlog.Info || seen[string(f.Code)] {
			continue
		}
		if len(seen) == 0 {
			fmt.Fprintln(w)
		}
		seen[string(f.Code)] = true
		fmt.Fprintf(w, "%s %s: %s\n", bold("fix"), f.Code, f.Fix)
	}
}

func verdictText(r *diff.Report) string {
	errs, warns := 0, 0
	for _, f := range r.Findings {
		switch f.Severity {
		case raftlog.Error:
			errs++
		case raftlog.Warning:
			warns++
		}
	}
	counts := fmt.Sprintf("%d errors, %d warnings", errs, warns)
	if len(r.Padded292) > 0 && r.Consistent && r.LogMatchingViolations == 0 {
		var nodes []string
		for _, n := range r.Nodes {
			if n.Padded292Total > 0 {
				nodes = append(nodes, n.Name)
			}
		}
		return red("padded") + fmt.Sprintf(" (the logs agree as the library reads them, but %s hold DotNext "+
			"#292-padded entries: walctl repair --apply on each): %s", strings.Join(nodes, ", "), counts)
	}
	switch {
	case r.Identical:
		return green("identical") + ": " + counts
	case r.OK():
		return green("consistent") + fmt.Sprintf(" (every log a prefix of another; first difference at %s): %s", optIndex(r.FirstDifferingIndex), counts)
	case r.LogMatchingViolations > 0 && r.Padded292ViolationCount > 0:
		return red("inconsistent") + fmt.Sprintf(" (first conflict at %s, %d Log Matching violations, %d of them "+
			"DotNext #292 padding: walctl repair --apply on the padded nodes): %s",
			optIndex(r.FirstConflictIndex), r.LogMatchingViolations, r.Padded292ViolationCount, counts)
	case r.LogMatchingViolations > 0:
		return red("inconsistent") + fmt.Sprintf(" (first conflict at %s, %d Log Matching violations): %s", optIndex(r.FirstConflictIndex), r.LogMatchingViolations, counts)
	}
	return red("inconsistent") + fmt.Sprintf(" (first conflict at %s): %s", optIndex(r.FirstConflictIndex), counts)
}
