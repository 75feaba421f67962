// Package hostile holds what the robustness tests share: the boundary values
// every computed address is fed with, and a measure of the bytes a call
// allocates, to prove that no claim read from a file is trusted as a size.
package hostile

import (
	"math"
	"math/big"
	"runtime"
)

// Values are the int64 boundaries of issue 6: negative, around 2^31 (where a
// 32-bit int wraps), around 2^32 (a uint32 page or chunk number) and the top of
// int64. Every offset, length, count and index of the formats is tried with
// each of them.
var Values = []int64{
	math.MinInt64, -1 << 31, -40, -1, 0, 1, 2, 39, 40,
	math.MaxInt32 - 1, math.MaxInt32, math.MaxInt32 + 1, math.MaxUint32, math.MaxUint32 + 1,
	1 << 62, math.MaxInt64 - 40, math.MaxInt64 - 1, math.MaxInt64,
}

// Fits reports whether the exact sum of a and b fits in int64: the reference
// the overflow checks of the codecs are compared with.
func Fits(a, b int64) bool {
	s := new(big.Int).Add(big.NewInt(a), big.NewInt(b))
	return s.IsInt64()
}

// FitsProduct reports whether the exact product of a and b fits in int64.
func FitsProduct(a, b int64) bool {
	p := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	return p.IsInt64()
}

// AllocBytes returns how many heap bytes fn allocates. Callers must not run
// it in parallel with other tests of the same process.
func AllocBytes(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Budget is the most a decoder may allocate for an input of n bytes: a fixed
// allowance for its scan buffers plus a small multiple of the input. A
// decoder that trusted a claimed length of 2^62 bytes, or allocated R slots
// for a file that cannot hold them, exceeds it by orders of magnitude.
func Budget(n int64) uint64 {
	const fixed = 1 << 20 // scan windows are 64 KiB; leave room for a few
	return fixed + 64*uint64(max(n, 0))
}
