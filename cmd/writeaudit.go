package cmd

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/repair"
	"github.com/walctl/walctl/txn"
	"github.com/walctl/walctl/verify"
)

// writeAuditor is the audit every write passes before it replaces or
// publishes anything (txn.Auditor: Audit(input, output string) error, input
// the log as it is, output the complete staged one): first the independent
// proof of package audit — the input re-read on its own, every intact
// committed entry, the term and the vote kept as exp allows, the commit
// index never raised — whose report goes to *report, then the command's
// own checks. It is built here, once, for every write path.
func writeAuditor(exp audit.Expect, report **audit.Report, checks txn.Auditor) txn.Auditor {
	proof := txn.AuditFunc(func(input, output string) error {
		rep, err := audit.Prove(input, output, exp)
		if err != nil {
			return fmt.Errorf("the write is not proven: %w", err)
		}
		if report != nil {
			*report = rep
		}
		return nil
	})
	return txn.All(proof, checks)
}

// convertAuditor verifies the converted log in the stage and compares every
// entry with the input (the checks convert has always made, now before the
// output is published); the results go to doc for the report.
func convertAuditor(c *cli.Context, doc *convertDoc, in logdir.Options) txn.Auditor {
	return txn.AuditFunc(func(input, output string) error {
		return compareConverted(c, doc, input, output, in)
	})
}

// compareConverted verifies output and compares it with source.
func compareConverted(c *cli.Context, doc *convertDoc, source, output string, in logdir.Options) error {
	conv := doc.Conversion
	out := logdir.Options{Format: conv.To, R: conv.NewR, M: conv.NewM, Force: true}
	v, err := verify.Written(output, doc.Output, out, barOf(c, "verifying the output"))
	if err != nil {
		return fmt.Errorf("verify the output: %w", err)
	}
	bar := barFor(c, conv.Entries, "comparing with the input")
	cmp, err := repair.CompareLogsWith(source, output, in, out, bar.Add)
	bar.Done()
	if err != nil {
		return fmt.Errorf("compare the output with the input: %w", err)
	}
	doc.Verify, doc.Comparison = v, cmp
	return outputProblems(v, cmp)
}

// outputProblems says what is wrong with a converted log, or nil.
func outputProblems(v *verify.Report, cmp *repair.Comparison) error {
	var why []string
	if !v.OK() {
		why = append(why, fmt.Sprintf("verify of the output: damaged (%s)", verify.Short(v.Errors(nil, false))))
	}
	if !cmp.OK() {
		why = append(why, fmt.Sprintf("%d of %d entries differ from the input (%s)", cmp.Count, cmp.Entries,
			verify.Short(cmp.Mismatches)))
	}
	if len(why) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(why, "; "))
}

// toWALAuditor verifies a new WriteAheadLog and compares its committed
// entries with the input's.
func toWALAuditor(doc *walConvertDoc, in logdir.Options) txn.Auditor {
	return txn.AuditFunc(func(input, output string) error {
		conv := doc.Conversion
		view, cleanup, err := conv.VerifyView(output)
		if err != nil {
			return err
		}
		defer cleanup()
		if doc.Verify, err = verify.Written(view, conv.Out, conv.OutOptions(), nil); err != nil {
			return fmt.Errorf("verify the output: %w", err)
		}
		in.Force = true
		if doc.Comparison, err = repair.CompareCommitted(input, view, in, conv.OutOptions(), conv.CommitIndex); err != nil {
			return fmt.Errorf("compare the output with the input: %w", err)
		}
		return outputProblems(doc.Verify, doc.Comparison)
	})
}

// fromWALAuditor verifies a PersistentState log written from a
// WriteAheadLog and compares every entry up to the last index.
func fromWALAuditor(doc *fromWALDoc, in logdir.Options) txn.Auditor {
	return txn.AuditFunc(func(input, output string) error {
		conv := doc.Conversion
		var err error
		if doc.Verify, err = verify.Written(output, conv.Out, conv.OutOptions(), nil); err != nil {
			return fmt.Errorf("verify the output: %w", err)
		}
		if doc.Comparison, err = repair.CompareCommitted(input, output, in, conv.OutOptions(), conv.LastIndex); err != nil {
			return fmt.Errorf("compare the output with the input: %w", err)
		}
		return outputProblems(doc.Verify, doc.Comparison)
	})
}
