package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/internal/progress"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// verifyManyDoc is the JSON form of verify over several logs: one result per
// log, the worst verdict and the exit code it gives.
type verifyManyDoc struct {
	Roots    []string       `json:"roots,omitempty"`
	Verdict  string         `json:"verdict"`
	ExitCode int            `json:"exitCode"`
	Counts   map[string]int `json:"counts"`
	Logs     []logResult    `json:"logs"`
}

// logResult is one log's verification: the single-log document's fields, or
// the error that kept walctl from verifying it.
type logResult struct {
	Dir      string           `json:"dir"`
	Format   format.Format    `json:"format"`
	Verdict  string           `json:"verdict"` // ok, damaged, unsure, unreadable
	Errors   int              `json:"errors"`
	Warnings int              `json:"warnings"`
	Findings raftlog.Findings `json:"findings,omitempty"`
	Summary  *raftlog.Summary `json:"summary,omitempty"`
	Error    string           `json:"error,omitempty"`
	Hint     string           `json:"hint,omitempty"`
}

// verdictRank orders verdicts from best to worst, and gives their exit codes.
var verdictRank = map[string]int{"ok": 0, "damaged": 1, "unsure": 2, "unreadable": 3}

func exitFor(verdict string) int { return min(verdictRank[verdict], ExitError) }

// verifyTree verifies every log directory found below the roots.
func verifyTree(c *cli.Context, roots []string, o logdir.Options) error {
	var dirs []string
	for _, root := range roots {
		found, err := findLogs(root)
		if err != nil {
			return err
		}
		if len(found) == 0 {
			return hinted{err: fmt.Errorf("%s: no log directory below it", root),
				hint: "a log directory holds node.state, or checkpoint or state with metadata/ and data/"}
		}
		dirs = append(dirs, found...)
	}
	return verifyMany(c, dirs, o, roots)
}

// findLogs walks root for log directories: a directory holding node.state,
// or a WriteAheadLog root. It does not descend into a log (a WAL's metadata/
// is no log), into walctl's own backups (DIR.walctl-backup-<time>) or into its
// temp and staging folders (.walctl*). Unreadable directories are returned
// too, so that the verification reports them.
func findLogs(root string) ([]string, error) {
	if _, err := os.Stat(root); err != nil {
		return nil, err
	}
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() && p != root {
				dirs = append(dirs, p)
				return fs.SkipDir
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if p != root && (strings.HasPrefix(name, ".walctl") || strings.Contains(name, ".walctl-backup-")) {
			return fs.SkipDir
		}
		if isLogDir(p) {
			dirs = append(dirs, p)
			return fs.SkipDir
		}
		return nil
	})
	sort.Strings(dirs)
	return dirs, err
}

func isLogDir(dir string) bool {
	if fi, err := os.Stat(filepath.Join(dir, "node.state")); err == nil && !fi.IsDir() {
		return true
	}
	return wal.IsWAL(dir)
}

// verifyMany verifies each dir and prints one row per log (or one JSON
// document); it exits with the worst code.
func verifyMany(c *cli.Context, dirs []string, o logdir.Options, roots []string) error {
	doc := &verifyManyDoc{Roots: roots, Verdict: "ok", Counts: map[string]int{}, Logs: []logResult{}}
	for _, dir := range dirs {
		r := verifyOne(c, dir, o)
		doc.Logs = append(doc.Logs, r)
		doc.Counts[r.Verdict]++
		if verdictRank[r.Verdict] > verdictRank[doc.Verdict] {
			doc.Verdict = r.Verdict
		}
	}
	doc.ExitCode = exitFor(doc.Verdict)
	w := c.App.Writer
	if c.Bool("json") {
		if err := writeJSON(w, doc); err != nil {
			return err
		}
	} else {
		printVerifyMany(w, doc)
	}
	switch doc.ExitCode {
	case ExitDamaged:
		return damageError{}
	case ExitError:
		n := doc.Counts["unsure"] + doc.Counts["unreadable"]
		return hinted{err: fmt.Errorf("%d of %s could not be verified", n, plural(len(doc.Logs), "log")),
			hint: "see the NOTE of each (unsure: add the flags it names and verify that log alone)"}
	}
	return nil
}

func verifyOne(c *cli.Context, dir string, o logdir.Options) logResult {
	if err := checkRead(dir); err != nil {
		// Another walctl writes it, or an interrupted write is pending: not
		// verified, and the note says what to do.
		return logResult{Dir: dir, Format: format.Unknown, Verdict: "unreadable", Error: oneLine(err.Error())}
	}
	v, err := verifyWith(dir, o, func(l *logdir.Log) *progress.Bar { return newBar(c, l, "verifying "+dir) })
	if err != nil {
		r := logResult{Dir: dir, Format: format.Unknown, Verdict: "unreadable", Error: oneLine(err.Error())}
		var unsure *logdir.ErrUnsure
		if errors.As(err, &unsure) {
			r.Verdict = "unsure"
			if unsure.Detection != nil && unsure.Detection.Format != "" {
				r.Format = unsure.Detection.Format
			}
			r.Hint = "add " + strings.Join(unsureFlags(unsure), " ")
		}
		return r
	}
	r := logResult{Dir: dir, Format: v.Format, Verdict: v.Verdict, Findings: v.Findings, Summary: &v.Summary}
	r.Errors, r.Warnings = counts(v.Findings)
	return r
}

func printVerifyMany(w io.Writer, d *verifyManyDoc) {
	var parts []string
	for _, v := range []string{"ok", "damaged", "unsure", "unreadable"} {
		if n := d.Counts[v]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, v))
		}
	}
	base := commonDir(d.Roots)
	where := ""
	if base != "" {
		where = " below " + base
	}
	printLine(w, "%s %s%s: %s", bold("Verified"), plural(len(d.Logs), "log"), where, strings.Join(parts, ", "))
	blank(w)
	t := newTable(w, "DIR", "FORMAT", "VERDICT", "ERRORS", "WARNINGS", "NOTE").keep(0)
	for _, r := range d.Logs {
		verdict := join(r.Verdict)
		note := ""
		switch r.Verdict {
		case "ok":
			verdict = green(r.Verdict)
		case "damaged":
			verdict = red(r.Verdict)
			note = strings.Join(errorCodes(r.Findings), ", ")
		default:
			verdict = yellow(r.Verdict)
			note = strings.TrimPrefix(r.Error, r.Dir+": ")
			if r.Hint != "" {
				note += "; " + r.Hint
			}
		}
		t.Row(relTo(base, r.Dir), r.Format, verdict, r.Errors, r.Warnings, note)
	}
	t.Render()
	blank(w)
	printLine(w, "%s %s (exit %d); walctl verify DIR shows the findings of one log", bold("verdict:"),
		verdictStyle(d.Verdict), d.ExitCode)
}

func verdictStyle(v string) styled {
	switch v {
	case "ok":
		return green(v)
	case "damaged":
		return red(v)
	}
	return yellow(v)
}

// errorCodes lists the distinct codes of the error findings, in order.
func errorCodes(fs raftlog.Findings) []string {
	var codes []string
	seen := map[finding.Code]bool{}
	for _, f := range fs {
		if f.Severity == raftlog.Error && !seen[f.Code] {
			seen[f.Code] = true
			codes = append(codes, string(f.Code))
		}
	}
	return codes
}

// commonDir is the deepest directory that holds every root ("" for none).
func commonDir(roots []string) string {
	if len(roots) == 0 {
		return ""
	}
	base := filepath.Clean(roots[0])
	for _, r := range roots[1:] {
		r = filepath.Clean(r)
		for base != "." && base != string(filepath.Separator) && !within(base, r) {
			base = filepath.Dir(base)
		}
		if !within(base, r) {
			return ""
		}
	}
	return base
}

func within(base, p string) bool {
	rel, err := filepath.Rel(base, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// relTo shows dir relative to base (the header line names it), else as
// given.
func relTo(base, dir string) string {
	if base == "" || !within(base, dir) {
		return dir
	}
	rel, _ := filepath.Rel(base, dir)
	return filepath.ToSlash(rel)
}
