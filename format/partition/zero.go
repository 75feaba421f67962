package partition

import (
	"encoding/binary"
	"io"
	"os"
)

// zeroChunk is how much FirstNonZero reads at a time.
const zeroChunk = 64 << 10

// FirstNonZero returns the offset of the first non-zero byte in [from, to)
// of the file, or -1 when the range is all zero. Holes of sparse files are
// skipped without reading them (SEEK_DATA where the OS has it), so a 2 GiB
// hole costs one system call, not 2 GiB of reads.
func (f File) FirstNonZero(from, to int64) int64 {
	to = min(to, f.Size)
	if from < 0 {
		from = 0
	}
	if w, ok := f.R.(*Whole); ok {
		return w.firstNonZero(from, to)
	}
	chunk := GetChunk()
	defer PutChunk(chunk)
	buf := chunk[:min(zeroChunk, max(to-from, 0))]
	for from < to {
		if next, ok := nextData(f.R, from); ok {
			if next >= to {
				return -1
			}
			from = max(from, next)
		}
		n := int(min(int64(len(buf)), to-from))
		got, err := f.R.ReadAt(buf[:n], from) // small ranges come from a CachedReader's windows

		for i := 0; i < got; i++ {
			if buf[i] != 0 {
				return from + int64(i)
			}
		}
		if got < n || (err != nil && err != io.EOF) {
			return -1
		}
		from += int64(got)
	}
	return -1
}

// nextData asks the OS where the next data region at or after off starts.
// Wrappers (CachedReader) are seen through.
func nextData(r io.ReaderAt, off int64) (int64, bool) {
	for {
		u, ok := r.(interface{ Unwrap() io.ReaderAt })
		if !ok {
			break
		}
		r = u.Unwrap()
	}
	f, ok := r.(*os.File)
	if !ok {
		return 0, false
	}
	return seekData(f, off)
}

// firstNonZero is FirstNonZero over bytes in memory, 8 at a time.
func (w *Whole) firstNonZero(from, to int64) int64 {
	to = min(to, int64(len(w.b)))
	if from >= to {
		return -1
	}
	b := w.b[from:to]
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:]) != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] != 0 {
			return from + int64(i)
		}
	}
	return -1
}
