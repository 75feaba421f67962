package rebuild

import (
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/logdir"
)

// LogOptions are the settings a log was opened with (the logdir overrides
// worth remembering in a journal): an in-place write opens its backup with
// them again.
type LogOptions struct {
	Format format.Format `json:"format,omitempty"`
	R      int64         `json:"r,omitempty"`
	M      int64         `json:"m,omitempty"`
	Force  bool          `json:"force,omitempty"`
}

// Open returns the logdir options.
func (o LogOptions) Open() logdir.Options {
	return logdir.Options{Format: o.Format, R: o.R, M: o.M, Force: o.Force}
}

// FlagError is a setting the operator gave that a plan cannot accept (a
// term that would let the node vote twice, an R out of range, a target
// release that cannot open the output): the command reports it as a usage
// error, and nothing is written.
type FlagError struct{ Msg, Hint string }

func (e *FlagError) Error() string { return e.Msg }
