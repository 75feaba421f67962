package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/detect"
	"github.com/walctl/walctl/internal/termtext"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/repair"
)

// checkEvidence refuses, before anything is read for writing, settings
// that contradict exact evidence in the files (exit 2) — unless the user
// insists with --override-evidence, which does not turn the audit off.
func checkEvidence(c *cli.Context, override bool, dir string, o logdir.Options) error {
	cs, err := detect.Contradictions(dir, detect.Overrides{Format: o.Format, R: o.R, M: o.M, WAL: o.WAL})
	if err != nil || len(cs) == 0 {
		return nil // an unreadable directory is reported by the command itself
	}
	words := make([]string, len(cs))
	for i, x := range cs {
		words[i] = x.String()
	}
	if override {
		for _, w := range words {
			fmt.Fprintf(
				c.App.ErrWriter,
				"walctl: warning: %s — overridden by --override-evidence; the write is still audited against the files\n",
				termtext.Escape(w),
			)
		}
		return nil
	}
	return hinted{err: fmt.Errorf("%s: refused before writing anything: %s", dir, strings.Join(words, "; ")),
		hint: fmt.Sprintf(
			"drop the setting and let detection read the files (walctl detect %s); if that evidence is itself damaged, add --override-evidence (the write is still audited)",
			dir,
		)}
}

// unproven is an error that exits 1 (damage, or a write that cannot be
// proven) and is printed like any other error.
type unproven struct {
	err  error
	hint string
}

func (d unproven) Error() string { return d.err.Error() }
func (d unproven) Unwrap() error { return d.err }

// preflight refuses (exit 1, nothing written) a write whose settings read
// the input otherwise than its files prove: the audit would reject the
// output, so it is better not written at all.
func preflight(dir string, in logdir.Options) error {
	if err := audit.Preflight(dir, in); err != nil {
		return unproven{err: fmt.Errorf("%s: refused before writing anything: %w", dir, err),
			hint: fmt.Sprintf(
				"drop the settings and let detection read the files (walctl detect %s); nothing was written",
				dir,
			)}
	}
	return nil
}

func printAudit(w io.Writer, rep *audit.Report) {
	if rep != nil {
		printLine(w, "%s %s", bold("audit:"), rep.String())
	}
}

// reportRefusedPlan answers --apply on a plan that refuses something: no
// partial repairs, so nothing is written (exit 1).
func reportRefusedPlan(c *cli.Context, asJSON bool, doc *repairDoc, refused []repair.Refusal) error {
	w := c.App.Writer
	doc.Refused = refused
	if asJSON {
		return errOr(writeJSON(w, doc), damageError{})
	}
	printPlan(w, doc.Plan)
	blank(w)
	printLine(
		w,
		"%s nothing was written: walctl repair --apply carries out a plan only whole, and this one refuses %s:",
		red("refused:"),
		plural(len(refused), "item"),
	)
	for _, r := range refused {
		allow := "no flag makes it safe"
		if r.Flag != "" {
			allow = r.Flag + " allows it"
		}
		printLine(w, "  - %s [%s]", r.What, allow)
	}
	return damageError{}
}
