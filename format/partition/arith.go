package partition

import "math"

// MulOK multiplies two non-negative values, false on overflow (or when
// either is negative): partition number × R, R × stride.
func MulOK(a, b int64) (int64, bool) {
	if a < 0 || b < 0 {
		return 0, false
	}
	if a != 0 && b > math.MaxInt64/a {
		return 0, false
	}
	return a * b, true
}

// AddOK adds two values, false on overflow: an offset plus a length.
func AddOK(a, b int64) (int64, bool) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, false
	}
	return a + b, true
}

// AbsIndex is the log index of relative slot s of partition number
// (number×R + s), or false on overflow (hostile partition numbers).
func AbsIndex(number, r, s int64) (int64, bool) {
	if number < 0 || (number > 0 && number > (math.MaxInt64-s)/r) {
		return 0, false
	}
	return number*r + s, true
}
