package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/walctl/walctl/internal/shellquote"
	"github.com/walctl/walctl/internal/termtext"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/txn"
)

// Exit codes: the one place they are defined (also listed in --help and the README).
const (
	exitOK      = 0 // success; verify: no error finding
	exitDamaged = 1 // damage found (verify, repair: damage remains; a write's audit failed: nothing written)
	// exitError: usage error, unreadable input, a log walctl cannot read with
	// confidence, another walctl writing the directory, or an interrupted
	// walctl write pending in it.
	exitError = 2
)

const exitHelp = `EXIT CODES:
   0  success (verify: no error finding; repair: repaired or nothing to do)
   1  damage found (verify: at least one error finding; repair: damage remains, or --apply refused a
      plan that refuses a finding; repair --apply, convert: the audit of the new log failed, nothing
      was written)
   2  usage error, unreadable input, detection unsure (add the flag the hint names), a setting that
      contradicts exact evidence in the files (nothing was written); another walctl is writing DIR;
      an interrupted walctl write is pending in DIR (the message names the command that finishes it)`

// damageError makes Main exit with exitDamaged without printing an error.
type damageError struct{}

func (damageError) Error() string { return "damage found" }

// usageError is a mistake in the command line; cmd is the command whose
// --help the hint names ("": walctl's own).
type usageError struct{ msg, hint, cmd string }

func (u usageError) Error() string { return u.msg }

// hinted is an error with a suggestion for the user.
type hinted struct {
	err  error
	hint string
}

func (h hinted) Error() string { return h.err.Error() }
func (h hinted) Unwrap() error { return h.err }

// report prints err as "walctl: error: …" (+ hint) and returns its exit code.
func report(w io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	if errors.As(err, new(damageError)) {
		return exitDamaged
	}
	var d unproven
	if errors.As(err, &d) {
		fmt.Fprintf(w, "walctl: error: %s\n", termtext.Escape(termtext.OneLine(err.Error())))
		if d.hint != "" {
			fmt.Fprintf(w, "walctl: hint: %s\n", termtext.Escape(termtext.OneLine(d.hint)))
		}
		return exitDamaged
	}
	msg, hint := termtext.OneLine(err.Error()), ""
	var u usageError
	var h hinted
	var unsure *logdir.ErrUnsure
	var refusal *txn.Refusal
	if errors.As(err, new(*txn.AuditError)) {
		fmt.Fprintf(w, "walctl: error: %s\n", termtext.Escape(msg))
		return exitDamaged
	}
	switch {
	case errors.As(err, new(*txn.PendingError)),
		errors.As(err, new(*txn.BusyError)),
		errors.As(err, new(*txn.TempError)):
		// said first and only: no hint that could send the user elsewhere
	case errors.As(err, &refusal):
		hint = refusal.Hint
	case errors.As(err, &u):
		help := "walctl --help"
		if u.cmd != "" {
			help = "walctl " + u.cmd + " --help"
		}
		hint = "see '" + help + "'"
		if u.hint != "" {
			hint = u.hint + "; " + hint
		}
	case errors.As(err, &unsure):
		hint = "add " + strings.Join(
			unsure.Flags(),
			" ",
		) + " (run `" + shellquote.Join(
			"walctl",
			"detect",
			unsure.Dir,
		) +
			"` for the evidence)"
	case errors.As(err, &h):
		hint = h.hint
	case errors.Is(err, fs.ErrNotExist):
		hint = "check the path: give the log directory (it holds node.state, or checkpoint and metadata/)"
	case errors.Is(err, fs.ErrPermission):
		hint = "walctl needs read permission on every file of the log (run as the node's user)"
	}
	// Escaped: a path or a name from the log could hold control characters.
	fmt.Fprintf(w, "walctl: error: %s\n", termtext.Escape(msg))
	if hint != "" {
		fmt.Fprintf(w, "walctl: hint: %s\n", termtext.Escape(termtext.OneLine(hint)))
	}
	return exitError
}
