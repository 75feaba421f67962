package repair

import (
	"fmt"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/txn"
	"github.com/walctl/walctl/verify"
)

// Auditor is the repair's own check of the repaired log in the stage,
// after the independent proof (package audit): it verifies it, and every
// error finding there must be one the plan says it leaves (refused, or no
// action); a new one, or one the plan claims to fix, stops the repair
// before anything is published. walOpts are the WriteAheadLog settings
// the input was read with.
func Auditor(plan *Plan, walOpts wal.Options) txn.Auditor {
	return txn.AuditFunc(func(_, output string) error {
		v, err := verify.Dir(output, verify.Options{Options: plan.OutOptions(walOpts)})
		if err != nil {
			return fmt.Errorf("verify the repaired log: %w", err)
		}
		left := map[finding.Code]bool{}
		for _, it := range plan.Items {
			if it.Status == Refused || it.Status == NoAction {
				left[it.Finding.Code] = true
			}
		}
		if bad := v.Errors(left, true); len(bad) > 0 {
			noun := "error findings"
			if len(bad) == 1 {
				noun = "error finding"
			}
			return fmt.Errorf("the repaired log has %d %s the plan does not leave: %s", len(bad), noun,
				verify.Short(bad))
		}
		return nil
	})
}
