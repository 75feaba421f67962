// Package progress shows a progress bar on stderr for long operations — only
// on a terminal, only after the operation has run for about a second, and
// never when the user asked for JSON or quiet output.
package progress

import (
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
)

// Delay is how long an operation runs before a bar appears.
const Delay = time.Second

// Bar counts work done against a known total. A nil *Bar is valid and does nothing.
type Bar struct {
	w       io.Writer
	total   int64
	what    string
	start   time.Time
	done    int64
	pending int64
	bar     *progressbar.ProgressBar
}

// New returns a bar for total units of work described by what, or nil when
// w is not a terminal or enabled is false.
func New(w io.Writer, enabled bool, total int64, what string) *Bar {
	f, ok := w.(*os.File)
	if !enabled || !ok || total <= 0 || !(isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return nil
	}
	return &Bar{w: w, total: total, what: what, start: time.Now()}
}

// Add records n more units; it looks at the clock only every 1024 units so
// that the hot path stays cheap.
func (b *Bar) Add(n int64) {
	if b == nil {
		return
	}
	b.done += n
	b.pending += n
	if b.pending < 1024 && b.bar == nil {
		return
	}
	if b.bar == nil {
		if time.Since(b.start) < Delay {
			b.pending = 0
			return
		}
		b.bar = progressbar.NewOptions64(b.total, progressbar.OptionSetWriter(b.w),
			progressbar.OptionSetDescription(b.what), progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30))
		b.pending = b.done
	}
	b.bar.Add64(b.pending)
	b.pending = 0
}

// Done removes the bar.
func (b *Bar) Done() {
	if b != nil && b.bar != nil {
		b.bar.Finish()
	}
}

// Maker makes the bar of one long operation once its total is known; a
// library takes one from its caller (nil: no bars).
type Maker func(what string, total int64) *Bar

// New is m's bar, nil when m is nil.
func (m Maker) New(what string, total int64) *Bar {
	if m == nil {
		return nil
	}
	return m(what, total)
}

// For binds what: the form verify.Options.Progress takes.
func (m Maker) For(what string) func(total int64) *Bar {
	if m == nil {
		return nil
	}
	return func(total int64) *Bar { return m(what, total) }
}
