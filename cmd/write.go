package cmd

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/internal/progress"
	"github.com/walctl/walctl/internal/termtext"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/txn"
)

// The cmd side of walctl's one write path (package txn): the lock, what
// an interrupted write means for the next command, the command line a
// journal keeps, and the transaction's settings.

// fsKey is where MainFS leaves the file system writes go through.
const fsKey = "walctl.fs"

// writeFS is the file system of this run's writes (txn.OS unless a test
// injects faults through MainFS).
func writeFS(c *cli.Context) txn.FS {
	if fsys, ok := c.App.Metadata[fsKey].(txn.FS); ok && fsys != nil {
		return fsys
	}
	return txn.OS
}

// notCanonical are the flags that do not change what a write does: they
// are left out of the command line a journal keeps.
var notCanonical = map[string]bool{"json": true, "force": true}

// canonicalArgs is the command line of this write without "walctl", in one
// spelling: every flag set, by its long name in the command's order, paths
// absolute, then DIR absolute. A journal keeps it; a later run resumes the
// write only with the same one, and it is the command the user is told to run.
func canonicalArgs(c *cli.Context, dir string) []string {
	args := []string{c.Command.Name}
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		if notCanonical[name] || !c.IsSet(name) {
			continue
		}
		switch f.(type) {
		case *cli.BoolFlag:
			if c.Bool(name) {
				args = append(args, "--"+name)
			} else {
				args = append(args, "--"+name+"=false")
			}
		case *cli.Int64Flag:
			args = append(args, "--"+name, strconv.FormatInt(c.Int64(name), 10))
		case *cli.IntFlag:
			args = append(args, "--"+name, strconv.Itoa(c.Int(name)))
		default:
			v := c.String(name)
			if name == "backup" || name == "out" || name == "from" {
				v = absPath(v)
			}
			args = append(args, "--"+name, v)
		}
	}
	return append(args, absPath(dir))
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// lockForWrite takes walctl's lock on dir for a writing command and
// settles an unfinished write found there: one with other arguments stops
// this run (*txn.PendingError, exit 2); one that had not begun publishing is
// discarded (dir is unchanged) and this run starts over; one that was
// publishing is returned for the caller to finish.
func lockForWrite(c *cli.Context, dir string, args []string) (*txn.Lock, *txn.Journal, error) {
	lk, err := txn.LockDir(dir, txn.Holder{Op: args[0], Args: args})
	if err != nil {
		return nil, nil, err
	}
	j, err := txn.ReadJournal(dir)
	if j != nil {
		j.Args = respelled(j.Args)
	}
	switch {
	case err != nil:
		lk.Unlock()
		return nil, nil, err
	case j == nil:
		if err := txn.Tidy(dir, writeFS(c)); err != nil {
			lk.Unlock()
			return nil, nil, err
		}
		return lk, nil, nil
	case !slices.Equal(j.Args, args):
		lk.Unlock()
		return nil, nil, &txn.PendingError{J: j}
	case !j.Touched():
		if err := txn.Discard(dir, j, writeFS(c)); err != nil {
			lk.Unlock()
			return nil, nil, err
		}
		fmt.Fprintf(
			c.App.ErrWriter,
			"walctl: the interrupted run (started %s) stopped before it changed %s: starting over\n",
			j.Started.Format("2006-01-02 15:04:05Z"),
			termtext.Escape(dir),
		)
		return lk, nil, nil
	}
	return lk, j, nil
}

// finishInterrupted finishes the write journaled in dir that was publishing
// when it was interrupted (lockForWrite returned its journal). Finishing
// renames files into dir as the write itself would, so it waits, like the
// write, until the node no longer holds dir (force: the operator says
// nothing writes to it).
func finishInterrupted(c *cli.Context, force bool, dir string, lk *txn.Lock, j *txn.Journal) (*txn.Result, error) {
	if err := checkHeld(force, &logdir.Log{Dir: dir}); err != nil {
		return nil, err
	}
	return txn.Finish(dir, j, txn.Config{Lock: lk, FS: writeFS(c)})
}

// respelled is a journal's command line in today's flag names: the
// journal of an in-place conversion begun by an earlier build names the
// output's R and M --records-per-partition and --max-entry-size.
func respelled(args []string) []string {
	if len(args) == 0 || args[0] != "convert" {
		return args
	}
	out := slices.Clone(args)
	for i, a := range out {
		switch a {
		case "--" + flagR:
			out[i] = "--out-" + flagR
		case "--" + flagM:
			out[i] = "--out-" + flagM
		}
	}
	return out
}

// checkRead is what every read-only command asks first about each
// directory: is another walctl writing it, is a write pending in it, is it
// one of walctl's temporary folders. The answer is all the command says.
func checkRead(dirs ...string) error {
	for _, d := range dirs {
		if err := txn.Check(d); err != nil {
			return err
		}
	}
	return nil
}

// writeConfig is the transaction's settings for this run: the command
// line, the lock, the audit, the file system, a progress bar for the backup.
// Every write is audited (writeAuditor): exp says what it may change, the
// proof goes to *report; checks are the command's own checks of its output.
// The bar's Done is for the caller.
func writeConfig(c *cli.Context, lk *txn.Lock, args []string, exp audit.Expect, report **audit.Report,
	checks txn.Auditor) (txn.Config, *lazyBar) {
	bar := &lazyBar{c: c, what: "backing up"}
	return txn.Config{
		Args:     args,
		Lock:     lk,
		Auditor:  writeAuditor(exp, report, checks),
		FS:       writeFS(c),
		Progress: bar.set,
	}, bar
}

// lazyBar is a progress bar whose total is known only when work starts.
type lazyBar struct {
	c    *cli.Context
	what string
	made bool
	bar  *progress.Bar
	last int64
}

func (b *lazyBar) set(done, total int64) {
	if !b.made {
		b.bar, b.made = barFor(b.c, total, b.what), true
	}
	b.bar.Add(done - b.last)
	b.last = done
}

// Done removes the bar.
func (b *lazyBar) Done() { b.bar.Done() }
