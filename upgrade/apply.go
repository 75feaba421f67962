package upgrade

import (
	"fmt"
	"sync"

	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/convert"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/gate"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/release"
	"github.com/walctl/walctl/repair"
	"github.com/walctl/walctl/txn"
)

// Writes gives the transaction settings (package txn) of one write of an
// upgrade: dir is the directory the step changes in place, or reads for a
// new directory; exp is what the write may change, for its audit. The
// caller adds the lock, the command line, the file system and the audit
// itself — every step is one transaction of the one write path.
type Writes func(dir string, exp audit.Expect) txn.Config

// Result is what Apply did.
type Result struct {
	// Dir is the upgraded log (the input directory, or Out), and Open the
	// options that open it as written.
	Dir  string         `json:"dir"`
	Open logdir.Options `json:"-"`
	// Format, R and M are the upgraded log's settings (R and M for the
	// PersistentState formats): the node's configuration from now on.
	Format format.Format `json:"format"`
	R      int64         `json:"recordsPerPartition,omitempty"`
	M      int64         `json:"maxEntrySize,omitempty"`
	// Backup is the copy of the input an in-place step took first.
	Backup string `json:"backup,omitempty"`
	Steps  int    `json:"steps"`
	// After is the gate's answer on the upgraded log.
	After *gate.Report `json:"after"`
	// Notes are what the operations said (conversions).
	Notes []string `json:"notes,omitempty"`
}

// Apply carries out plan on dir: every step through its operation's own
// plan-and-apply, each one transaction (lock, backup, stage, audit, journal,
// publish: w gives its settings), each step planned again on the directory
// as it is then. It then judges the result with the gate.
func Apply(plan *Plan, dir string, o Options, w Writes) (*Result, error) {
	res := &Result{Dir: dir, Open: o.Log}
	if plan.Refused != "" {
		return nil, fmt.Errorf("%s: the upgrade plan is refused: %s", dir, plan.Refused)
	}
	if len(plan.Needs) > 0 {
		return nil, fmt.Errorf("%s: the upgrade needs %s", dir, plan.Needs[0])
	}
	for _, st := range plan.Steps {
		if err := applyStep(st, res, w); err != nil {
			return nil, err
		}
		res.Steps++
	}
	l, err := logdir.Open(res.Dir, res.Open)
	if err != nil {
		return nil, fmt.Errorf("open the upgraded log: %w", err)
	}
	defer l.Close()
	res.Format = l.Format
	if l.WAL() == nil {
		res.R, res.M = l.R, l.M
	}
	// The upgraded log's writer is whatever its files now show (walctl
	// rewrote them), not the input's --from-version.
	if res.After, err = gate.Gate(l, o.To, release.Version{}); err != nil {
		return nil, err
	}
	return res, nil
}

// applyStep runs one step on res.Dir and moves res on to its output.
func applyStep(st Step, res *Result, w Writes) error {
	opened, err := logdir.Open(res.Dir, res.Open)
	if err != nil {
		return err
	}
	// The in-place operations open the directory again on their backup:
	// close ours first (once).
	l, closeLog := opened, sync.OnceFunc(func() { opened.Close() })
	defer closeLog()
	switch st.Kind {
	case StepRepair:
		p, err := repair.MakePlan(l, st.repairOptions)
		if err != nil {
			return err
		}
		if why := unsafeRepair(p); why != "" {
			return fmt.Errorf("%s changed since the plan: the repair %s", res.Dir, why)
		}
		closeLog()
		r, err := repair.Apply(p, res.Dir, st.repairOptions, w(res.Dir, st.repairOptions.Expect(p)))
		if err != nil {
			return err
		}
		res.Backup = r.Backup
		res.Open = p.OutOptions(wal.Options{}) // a PersistentState repair
	case StepWALRepair:
		p, err := repair.MakeWALPlan(l, st.walOptions)
		if err != nil {
			return err
		}
		closeLog()
		r, err := repair.ApplyWAL(p, res.Dir, st.walOptions, w(res.Dir, st.walOptions.Expect()))
		if err != nil {
			return err
		}
		res.Backup = r.Backup
	case StepConvert:
		c, err := convert.Plan(l, st.convertOptions)
		if err != nil {
			return err
		}
		closeLog()
		r, err := convert.Apply(c, res.Dir, st.convertOptions, w(res.Dir, c.Expect(st.convertOptions)))
		if err != nil {
			return err
		}
		res.Backup, res.Notes = r.Backup, append(res.Notes, c.Notes...)
		if st.Out != "" {
			res.Dir = st.Out
		}
		res.Open = c.OutOptions()
	case StepToWAL:
		c, err := convert.PlanToWAL(l, st.toWAL)
		if err != nil {
			return err
		}
		return res.writeNew(c, c.Out, c.Notes, w)
	case StepFromWAL:
		c, err := convert.PlanFromWAL(l, st.fromWAL)
		if err != nil {
			return err
		}
		return res.writeNew(c, c.Out, c.Notes, w)
	default:
		return fmt.Errorf("upgrade: unknown step %q", st.Kind)
	}
	return nil
}

// newDirConversion is a conversion that writes a new directory: between
// the PersistentState and the WriteAheadLog, either way.
type newDirConversion interface {
	Expect(in logdir.Options) audit.Expect
	Write(w txn.Config) error
	OutOptions() logdir.Options
}

// writeNew writes c into out; the upgraded log is out from then on.
func (res *Result) writeNew(c newDirConversion, out string, notes []string, w Writes) error {
	if err := c.Write(w(res.Dir, c.Expect(res.Open))); err != nil {
		return err
	}
	res.Dir, res.Open, res.Notes = out, c.OutOptions(), append(res.Notes, notes...)
	return nil
}
