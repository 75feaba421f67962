package convert

// SharedComparison is the comparison the audit's walk made for c and Check
// has not taken yet (nil: none).
func SharedComparison(c *Conversion) *Comparison {
	if c.shared == nil {
		return nil
	}
	return c.shared.cmp
}
