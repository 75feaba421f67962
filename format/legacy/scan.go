package legacy

import (
	"encoding/binary"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// chunkSize bounds every read buffer of this package; it is a multiple of 40
// so that 40-byte windows never straddle two chunks.
const chunkSize = 1638 * record.Size

// eachWindow calls yield with the 40-byte windows at from, from+40, … below
// to (from a multiple of 40). The last window is shorter when the file ends
// inside it. Reads go through one bounded buffer; yield's slice is only
// valid during the call. yield returns false to stop.
func eachWindow(f partition.File, from, to int64, yield func(pos int64, b []byte) bool) {
	to = min(to, f.Size)
	if from < 0 || from >= to {
		return
	}
	chunk := partition.GetChunk()
	defer partition.PutChunk(chunk)
	buf := chunk[:roundUp40(min(chunkSize, to-from))]
	for pos := from; pos < to; {
		n := f.ReadThrough(buf[:min(int64(len(buf)), to-pos)], pos)
		if n <= 0 {
			return
		}
		for i := 0; i < n; i += record.Size {
			if !yield(pos+int64(i), buf[i:min(i+record.Size, n)]) {
				return
			}
		}
		pos += int64(n)
		if n%record.Size != 0 { // short read: the file really ends here
			return
		}
	}
}

// eachNonZeroWindow is eachWindow without the all-zero windows. A run of
// zeros as long as one read chunk ends the sequential read and the rest of
// the run is skipped with firstNonZero (one system call for a hole), so a
// 2 GiB zero file costs no 2 GiB of reads, while a file that alternates
// zero and non-zero windows is still read only once.
func eachNonZeroWindow(f partition.File, from, to int64, yield func(pos int64, b []byte) bool) {
	for {
		z := firstNonZero(f, from, to)
		if z < 0 {
			return
		}
		from = z / record.Size * record.Size
		resume, zeros := int64(-1), int64(0)
		eachWindow(f, from, to, func(pos int64, b []byte) bool {
			if !isZero(b) {
				zeros = 0
				return yield(pos, b)
			}
			if zeros += int64(len(b)); zeros >= chunkSize {
				resume = pos + record.Size
				return false
			}
			return true
		})
		if resume < 0 {
			return // the end, or yield stopped
		}
		from = resume
	}
}

// firstNonZero returns the offset of the first non-zero byte in [from, to),
// or -1 when there is none (or the file ends first). Holes are skipped
// without reading them.
func firstNonZero(f partition.File, from, to int64) int64 {
	if from < 0 || from >= min(to, f.Size) {
		return -1
	}
	return f.FirstNonZero(from, to)
}

func roundUp40(n int64) int64 {
	if n <= 0 {
		return record.Size
	}
	return (n + record.Size - 1) / record.Size * record.Size
}

func isZero(b []byte) bool {
	if len(b) == record.Size { // a whole window: five words, not forty bytes
		le := binary.LittleEndian
		return le.Uint64(b)|le.Uint64(b[8:])|le.Uint64(b[16:])|le.Uint64(b[24:])|le.Uint64(b[32:]) == 0
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
