package finding

import "fmt"

// Slots renders a run of slots for a fact: "slot 3" or "slots 3–5", with
// the number inside how (e.g. "slot %d" / "slots %d–%d").
func Slots(from, to int64, one, many string) string {
	if from == to {
		return fmt.Sprintf(one, from)
	}
	return fmt.Sprintf(many, from, to)
}

// IsAre is "is" for one and "are" for more.
func IsAre(n int64) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
