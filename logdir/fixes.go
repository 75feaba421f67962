package logdir

import (
	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/raftlog"
)

// Fix returns the usual fix of a finding code in words (its first form):
// the registry (package finding) holds one text per code, so every command
// proposes the same repair for the same problem. A finding carries its own
// fix, worded for its facts; prefer that.
func Fix(code finding.Code) string {
	return finding.FixOf(code, "", nil).String()
}

// WithFixes fills in the Fix of findings that have none (findings built
// with raftlog.New have theirs).
func WithFixes(fs raftlog.Findings) raftlog.Findings {
	for i := range fs {
		if fs[i].Fix == "" {
			fx := finding.FixOf(fs[i].Code, fs[i].Form, fs[i].Facts)
			fs[i].Fix, fs[i].FixKind, fs[i].FixCommand = fx.String(), fx.Kind, fx.Command
		}
	}
	return fs
}
