package convert

import (
	"fmt"
	"strings"

	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/internal/progress"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/txn"
	"github.com/walctl/walctl/verify"
)

// What a conversion proves of its output before it is published. The
// independent proof of package audit (every intact committed entry, the
// term and the vote kept; the builders below say what each conversion may
// change) runs first, then the conversion's own checks: the output verifies
// as plain walctl verify does, and every entry compares equal with the
// input's. Their results stay on the conversion for its report.

// Expect is what the conversion c with options o must keep: every entry,
// term, vote and commit index, in the new format and geometry.
// The audit's walk also makes the conversion's comparison of every entry
// (sharedCompare) when it reads the input as the comparison would: Check
// then takes it instead of reading both logs a third time. Likewise, when
// the audit opens the output as plain walctl verify does (by detection
// alone), the verification of the output is made on that open.
func (c *Conversion) Expect(o Options) audit.Expect {
	exp := audit.Expect{In: o.Log.Open(), Out: logdir.Options{Format: c.To, R: c.NewR, M: c.NewM}}
	c.shared, c.verified = nil, nil
	exp.Checked = func(out *logdir.Log, sum raftlog.Summary, fs raftlog.Findings) error {
		rep, err := verify.Opened(out, sum, fs)
		if err != nil {
			return fmt.Errorf("verify the output: %w", err)
		}
		c.verified = &verifiedOutput{dir: out.Dir, rep: rep}
		return nil
	}
	in := logdir.Options{Format: c.From, R: c.R, M: c.M}
	observe := sharedCompare(in, nil, func(cmp *Comparison) { c.shared = &sharedResult{cmp: cmp} })
	exp.Observe = func(la, lb *logdir.Log, from int64) (func(raftlog.Entry, *raftlog.Entry, bool) error,
		func() error) {
		c.shared = nil
		each, done := observe(la, lb, from)
		if each == nil {
			return nil, nil
		}
		return each, func() error {
			if err := done(); err != nil {
				return err
			}
			c.shared.in, c.shared.out = la.Dir, lb.Dir
			return nil
		}
	}
	return exp
}

// Expect is what the conversion c to a WriteAheadLog must keep; in are the
// settings the input was read with. With --no-snapshot the output holds no
// snapshot file (the application restores it; wal.SnapshotRecordFile names
// it).
func (c *WALConversion) Expect(in logdir.Options) audit.Expect {
	return audit.Expect{In: in, Out: c.OutOptions(), SnapshotByApplication: c.SnapshotFile == ""}
}

// Expect is what the conversion c of a WriteAheadLog must keep; in are the
// settings the input was read with.
func (c *FromWALConversion) Expect(in logdir.Options) audit.Expect {
	return audit.Expect{In: in, Out: c.OutOptions()}
}

// Checked holds a conversion's own checks of its output: verify's report
// (for the directory the operator will find the output in) and the
// comparison with the input.
type Checked struct {
	Verify     *verify.Report `json:"-"`
	Comparison *Comparison    `json:"-"`
}

// OK reports whether the output verified clean and compared equal.
func (k *Checked) OK() bool { return k.Verify.OK() && k.Comparison.OK() }

// problems says what is wrong with the output, or nil.
func (k *Checked) problems() error {
	var why []string
	if !k.Verify.OK() {
		why = append(why, fmt.Sprintf("verify of the output: damaged (%s)", verify.Short(k.Verify.Errors(nil, false))))
	}
	if cmp := k.Comparison; !cmp.OK() {
		why = append(why, fmt.Sprintf("%d of %d entries differ from the input (%s)", cmp.Count, cmp.Entries,
			verify.Short(cmp.Mismatches)))
	}
	if len(why) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(why, "; "))
}

// Auditor is the conversion's own check of its stage (txn.Auditor), with
// bars for the verification and the comparison; in are the settings the
// input is read with, shown the directory the operator will find the
// output in.
func (c *Conversion) Auditor(in logdir.Options, shown string, bars progress.Maker) txn.Auditor {
	return txn.AuditFunc(func(input, output string) error { return c.Check(input, output, in, shown, bars) })
}

// Check verifies output and compares every entry with source's; the
// results stay on c. It is the audit's check, and the check of a
// conversion finished after an interruption (against its backup).
func (c *Conversion) Check(source, output string, in logdir.Options, shown string, bars progress.Maker) error {
	out := c.OutOptions()
	v, err := c.verify(output, shown, out, bars)
	if err != nil {
		return fmt.Errorf("verify the output: %w", err)
	}
	cmp, err := c.compare(source, output, in, out, bars)
	if err != nil {
		return fmt.Errorf("compare the output with the input: %w", err)
	}
	c.Verify, c.Comparison = v, cmp
	return c.problems()
}

// verify is the verification of output: the one made on the audit's open
// of it, or else verify.Written's.
func (c *Conversion) verify(output, shown string, out logdir.Options, bars progress.Maker) (*verify.Report, error) {
	if k := c.verified; k != nil && k.dir == output {
		c.verified = nil
		k.rep.ShownAs(shown)
		return k.rep, nil
	}
	return verify.Written(output, shown, out, bars.For("verifying the output"))
}

// compare is the comparison of output with source: the one the audit's
// walk made of these two directories, or else CompareLogsWith's.
func (c *Conversion) compare(source, output string, in, out logdir.Options, bars progress.Maker) (*Comparison,
	error) {
	if k := c.shared; k != nil && k.in == source && k.out == output {
		c.shared = nil
		return k.cmp, nil
	}
	bar := bars.New("comparing with the input", c.Entries)
	defer bar.Done()
	return CompareLogsWith(source, output, in, out, bar.Add)
}

// Auditor verifies the new WriteAheadLog and compares its committed
// entries with the input's (in: the settings the input is read with).
func (c *WALConversion) Auditor(in logdir.Options) txn.Auditor {
	return txn.AuditFunc(func(input, output string) error {
		view, cleanup, err := c.VerifyView(output)
		if err != nil {
			return err
		}
		defer cleanup()
		if c.Verify, err = verify.Written(view, c.Out, c.OutOptions(), nil); err != nil {
			return fmt.Errorf("verify the output: %w", err)
		}
		in.Force = true
		if c.Comparison, err = CompareCommitted(input, view, in, c.OutOptions(), c.CommitIndex); err != nil {
			return fmt.Errorf("compare the output with the input: %w", err)
		}
		return c.problems()
	})
}

// Auditor verifies the PersistentState log written from a WriteAheadLog
// and compares every entry up to the last index.
func (c *FromWALConversion) Auditor(in logdir.Options) txn.Auditor {
	return txn.AuditFunc(func(input, output string) error {
		var err error
		if c.Verify, err = verify.Written(output, c.Out, c.OutOptions(), nil); err != nil {
			return fmt.Errorf("verify the output: %w", err)
		}
		if c.Comparison, err = CompareCommitted(input, output, in, c.OutOptions(), c.LastIndex); err != nil {
			return fmt.Errorf("compare the output with the input: %w", err)
		}
		return c.problems()
	})
}
