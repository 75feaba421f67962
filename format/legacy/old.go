package legacy

import (
	"encoding/binary"
	"fmt"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// v30RecordSize is the 32-byte record {Term, Timestamp, Length, Offset} of
// DotNext 3.0.x (spec §2.4, §3.6), written natively (little-endian on x86/ARM).
const v30RecordSize = 32

// zeroRunRecords is how many zero 32-byte records in a row make
// oldLayoutEvidence skip the rest of the zero run.
const zeroRunRecords = 1024

// oldLayoutEvidence recognises the DotNext 3.0.x partition layout (a prologue
// of R 32-byte records, then payloads chained from 32*R) for detection only:
// walctl does not decode it. It returns "" when the file does not look so.
func oldLayoutEvidence(f partition.File) string {
	var buf [v30RecordSize]byte
	prologue, records, chained, prevEnd := int64(-1), 0, true, int64(0)
	zeros := 0
	for pos := int64(0); pos+v30RecordSize <= f.Size && (prologue < 0 || pos < prologue); pos += v30RecordSize {
		if f.ReadAt(buf[:], pos) < v30RecordSize {
			return ""
		}
		term, ticks := int64(binary.LittleEndian.Uint64(buf[0:])), int64(binary.LittleEndian.Uint64(buf[8:]))
		length, offset := int64(binary.LittleEndian.Uint64(buf[16:])), int64(binary.LittleEndian.Uint64(buf[24:]))
		if term == 0 && ticks == 0 && length == 0 && offset == 0 {
			// A long zero run (a hole) is skipped in one step rather than
			// read 32 bytes at a time.
			if zeros++; zeros >= zeroRunRecords {
				z := firstNonZero(f, pos, f.Size)
				if z < 0 {
					break
				}
				pos, zeros = z/v30RecordSize*v30RecordSize-v30RecordSize, 0
			}
			continue
		}
		zeros = 0
		rec := record.Record{Term: term, Timestamp: ticks, Length: length, Offset: offset}
		if !rec.OK() || offset < pos+v30RecordSize {
			return ""
		}
		if records > 0 && offset != prevEnd {
			chained = false
		}
		end, _ := rec.End()
		prevEnd, records = end, records+1
		if prologue < 0 || offset < prologue {
			prologue = offset
		}
	}
	if records < 2 || !chained || prologue%v30RecordSize != 0 || prologue < 2*v30RecordSize {
		return ""
	}
	return fmt.Sprintf(
		"%d chained 32-byte records below offset %d: the DotNext 3.0.x layout (R = %d), which walctl does not read (spec §3.6)",
		records,
		prologue,
		prologue/v30RecordSize,
	)
}
