package cmd

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/internal/progress"
	"github.com/walctl/walctl/verify"
)

// verifyManyDoc is the JSON form of verify over several logs: the
// library's report and the exit code it gives.
type verifyManyDoc struct {
	Roots    []string           `json:"roots,omitempty"`
	Verdict  string             `json:"verdict"`
	ExitCode int                `json:"exitCode"`
	Counts   map[string]int     `json:"counts"`
	Logs     []verify.LogResult `json:"logs"`
}

// verifyTree verifies every log directory found below the roots.
func verifyTree(c *cli.Context, roots []string, o *verifyOptions) error {
	var dirs []string
	for _, root := range roots {
		found, err := verify.FindLogs(root)
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

// verifyMany verifies each dir and prints one row per log (or one JSON
// document); it exits with the worst code.
func verifyMany(c *cli.Context, dirs []string, o *verifyOptions, roots []string) error {
	rep := verify.Many(dirs, o.in.log, func(dir string, total int64) *progress.Bar {
		return barFor(c, total, "verifying "+dir)
	})
	doc := &verifyManyDoc{Roots: roots, Verdict: rep.Verdict, ExitCode: min(verify.Rank[rep.Verdict], exitError),
		Counts: rep.Counts, Logs: rep.Logs}
	err := show(c, o.json, doc, printVerifyMany, true)
	switch {
	case err != nil:
		return err
	case doc.ExitCode == exitDamaged:
		return damageError{}
	case doc.ExitCode == exitError:
		n := doc.Counts[verify.Unsure] + doc.Counts[verify.Unreadable]
		return hinted{err: fmt.Errorf("%d of %s could not be verified", n, plural(len(doc.Logs), "log")),
			hint: "see the NOTE of each (unsure: add the flags it names and verify that log alone)"}
	}
	return nil
}

func printVerifyMany(w io.Writer, d *verifyManyDoc) {
	var parts []string
	for _, v := range []string{verify.OK, verify.Damaged, verify.Unsure, verify.Unreadable} {
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
		case verify.OK:
			verdict = green(r.Verdict)
		case verify.Damaged:
			verdict = red(r.Verdict)
			note = strings.Join(r.Findings.ErrorCodes(), ", ")
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
	case verify.OK:
		return green(v)
	case verify.Damaged:
		return red(v)
	}
	return yellow(v)
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
