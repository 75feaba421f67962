package sparse

import (
	"encoding/binary"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// chunkSize bounds every read buffer of this package.
const chunkSize = 64 * 1024

// firstNonZero returns the offset of the first non-zero byte in [from, to),
// or -1 when there is none (or the file ends first). Holes are skipped
// without reading them.
func firstNonZero(f partition.File, from, to int64) int64 {
	if from < 0 || from >= min(to, f.Size) {
		return -1
	}
	return f.FirstNonZero(from, to)
}

// scanSelfRef returns the first position y in [from, to) holding a selfRef
// record, or -1. It is the slow path used when a record's End does not lead
// to the next record (an overlong Length): it reads the range once, in
// bounded chunks that overlap by one record.
func scanSelfRef(f partition.File, from, to int64) int64 {
	to = min(to, f.Size-record.Size+1) // a record must fit
	if from < 0 || from >= to {
		return -1
	}
	buf := make([]byte, min(chunkSize, to-from)+record.Size)
	for pos := from; pos < to; {
		n := f.ReadAt(buf[:min(int64(len(buf)), to-pos+record.Size-1)], pos)
		for i := 0; i+record.Size <= n && pos+int64(i) < to; i++ {
			y := pos + int64(i)
			if int64(binary.LittleEndian.Uint64(buf[i+24:])) != y+record.Size {
				continue // cheap pre-check on the Offset field
			}
			if _, ok := selfRef(f, y); ok {
				return y
			}
		}
		if n < record.Size {
			return -1
		}
		pos += int64(n - record.Size + 1)
	}
	return -1
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
