package partition

import "os"

// seekWhenceData is SEEK_DATA on Linux.
const seekWhenceData = 3

// seekData uses lseek(SEEK_DATA). Moving the file offset is harmless: the
// codecs read with ReadAt (pread), which ignores it.
func seekData(f *os.File, off int64) (int64, bool) {
	n, err := f.Seek(off, seekWhenceData)
	if err != nil {
		// ENXIO: no data at or after off — the rest is a hole.
		if isNoData(err) {
			return 1<<63 - 1, true
		}
		return 0, false
	}
	return n, true
}
