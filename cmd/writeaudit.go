package cmd

import (
	"fmt"

	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/txn"
)

// writeAuditor is the audit every write passes before it replaces or
// publishes anything (txn.Auditor: Audit(input, output string) error, input
// the log as it is, output the complete staged one): first the independent
// proof of package audit — the input re-read on its own, every intact
// committed entry, the term and the vote kept as exp allows, the commit
// index never raised — whose report goes to *report, then the command's
// own checks. It is built here, once, for every write path.
func writeAuditor(exp audit.Expect, report **audit.Report, checks txn.Auditor) txn.Auditor {
	return txn.All(&proof{exp: exp, report: report}, checks)
}

// proof is audit.Prove as a txn.Preparer: the input is read (audit.Begin)
// while the output is staged.
type proof struct {
	exp    audit.Expect
	report **audit.Report
	read   *audit.Read
}

func (p *proof) Prepare(input string) { p.read = audit.Begin(input, p.exp) }

func (p *proof) Release() {
	p.read.Close()
	p.read = nil
}

func (p *proof) Audit(input, output string) error {
	rep, err := audit.ProveRead(p.read, input, output, p.exp)
	if err != nil {
		return fmt.Errorf("the write is not proven: %w", err)
	}
	if p.report != nil {
		*p.report = rep
	}
	return nil
}
