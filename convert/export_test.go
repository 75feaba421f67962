package convert

import "github.com/walctl/walctl/verify"

// SharedComparison is the comparison the audit's walk made for c and Check
// has not taken yet (nil: none).
func SharedComparison(c *Conversion) *Comparison {
	if c.shared == nil {
		return nil
	}
	return c.shared.cmp
}

// SharedVerify is the verification of the output the audit's open of it
// made for c and Check has not taken yet (nil: none).
func SharedVerify(c *Conversion) *verify.Report {
	if c.verified == nil {
		return nil
	}
	return c.verified.rep
}

// ScanCovers reports whether Plan takes the scan s for the live indexes
// [from, to].
func ScanCovers(s *InputScan, from, to int64) bool { return s.covers(from, to) }
