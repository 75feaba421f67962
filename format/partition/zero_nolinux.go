//go:build !linux

package partition

import "os"

// seekData is not used where SEEK_DATA is not portable: FirstNonZero reads.
func seekData(f *os.File, off int64) (int64, bool) { return 0, false }
