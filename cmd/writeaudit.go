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
