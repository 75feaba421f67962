// Package v2 is the codec of DotNext's "Table" partition format, the default
// of DotNext.Net.Cluster 5.4.0+ (spec/persistent-state.md §4): a 512-byte
// header whose byte 0 is the sealed flag, entries chained as
// [40-byte record][payload] from offset 512, and, only when sealed, a footer of
// R records at the end of the file.
//
// The package classifies one file without knowing R (Probe), decodes it with
// a known geometry the way a careful tool would (Decode), says what a given
// DotNext release reads from the same bytes (LibraryReads) and where that
// differs from the decoded entries (Compare), and writes partitions the
// library accepts (Writer, SealFromChain, SealUpTo). It never prints and
// never panics on hostile bytes; payloads are located, not loaded.
package v2

import (
	"io"
	"math"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// Format is the name this codec gives itself in probes and decoded partitions.
const Format = format.V2

// Codec is the Table format's place in the codec table (format/ps).
var Codec partition.Codec = partition.Funcs{Name: Format, ProbeFunc: Probe, DecodeFunc: Decode,
	WriterFunc: codecWriter, CheckFunc: partition.CheckR(Format, MinR, MaxR)}

// codecWriter is NewWriter behind the codec table's interface: a sealed
// partition declares its seal up front (SealOnClose).
func codecWriter(dst io.Writer, number int64, g partition.Geometry, sealed bool) (partition.Writer, error) {
	w := NewWriter(dst, number, g)
	if w.err != nil {
		return nil, w.err
	}
	if sealed {
		if err := w.SealOnClose(); err != nil {
			return nil, err
		}
	}
	return w, nil
}

const (
	// HeaderSize is the size of the header region; byte 0 is the sealed flag.
	HeaderSize = 512
	// P0Start is where partition 0's first real entry (index 1) starts: slot 0
	// (index 0) is a stub whose 40 bytes at 512 are never written.
	P0Start = HeaderSize + record.Size
	// MinR and MaxR bound recordsPerPartition as the library checks it (§8).
	MinR = partition.MinR
	MaxR = partition.MaxR
)

const recSize = int64(record.Size)

// footerBytes is R×40, or false when it cannot be represented.
func footerBytes(r int64) (int64, bool) { return partition.MulOK(r, recSize) }

// startOf returns where the inline walk of partition number starts and the
// relative slot that position belongs to: partition 0 begins at slot 1 (552),
// every other partition at slot 0 (512).
func startOf(number int64) (pos, slot int64) {
	if number == 0 {
		return P0Start, 1
	}
	return HeaderSize, 0
}

// Leading says how a writer lays out the never-written slots before a
// partition's first entry (the slots at or below an installed snapshot's
// index, spec §4.3):
//
//	slot j:  [512+40j, 552+40j)   LeadingStubs: {Term 0, Timestamp 0, Length 0, Offset 552+40j, Flags 0, Id 0}
//	                              LeadingZeros: 40 zero bytes
//
// (partition 0 starts at slot 1: the 40 bytes of index 0 at 512 stay zero in
// both layouts, as every release leaves them.) DotNext 5.7.3+ keeps exactly
// these stub records in memory and reads either layout right; 5.4.0–5.7.2
// stop their scan of an unsealed partition at the first record whose
// Offset+Length is ≤ 0, so zero slots hide every entry after them, while
// stubs (End = Offset > 0) let the scan go on (§4.7, VERIFIED on 5.4.0, 5.7.1,
// 5.7.2, 5.16.1 and 5.26.2).
type Leading int

const (
	// LeadingStubs writes stub records: every 5.x release reads the
	// partition. The default, and what every walctl output uses.
	LeadingStubs Leading = iota
	// LeadingZeros writes zero slots, the bytes DotNext 5.7.3+ itself leaves
	// on disk: only for reproducing a library file byte for byte.
	LeadingZeros
)

func (l Leading) String() string {
	if l == LeadingZeros {
		return "zero slots"
	}
	return "stub records"
}

// LeadingSlot is where never-written leading slot j of a partition sits and
// the stub record LeadingStubs writes there: the one place that rule lives
// (the Writer and the repair of zero slots both use it).
func LeadingSlot(j int64) (at int64, rec record.Record) {
	at = HeaderSize + j*recSize
	return at, record.Stub(at + recSize)
}

// FillLeadingStubs writes into b the bytes LeadingStubs lays out at file
// offsets [off, off+len(b)), which must lie among the leading slots (≥ 512):
// what a repair writes over zero leading slots, nothing else. b may start and
// end inside a record.
func FillLeadingStubs(b []byte, off int64) {
	var rec [record.Size]byte
	for i := 0; i < len(b); {
		rel := off + int64(i) - HeaderSize
		_, stub := LeadingSlot(rel / recSize)
		stub.Encode(rec[:])
		i += copy(b[i:], rec[rel%recSize:])
	}
}

// stubAt is the library's stub for a slot whose chain predecessor ends at prevEnd.
func stubAt(prevEnd int64) record.Record {
	off, ok := partition.AddOK(prevEnd, recSize)
	if !ok {
		off = math.MaxInt64
	}
	return record.Stub(off)
}

// chains reports whether rec is a structurally valid record that claims its
// payload starts right after itself at pos (the Table chain rule), ignoring
// where the payload ends.
func chains(pos int64, rec record.Record) bool {
	want, ok := partition.AddOK(pos, recSize)
	return ok && rec.Offset == want && rec.OK()
}

// end returns Offset+Length of a record that passed Valid (no overflow).
func end(rec record.Record) int64 {
	e, _ := rec.End()
	return e
}

// readFull reads len(b) bytes at off and reports how many were read.
func readFull(f partition.File, b []byte, off int64) int {
	if off < 0 || off >= f.Size {
		return 0
	}
	if rest := f.Size - off; int64(len(b)) > rest {
		b = b[:rest]
	}
	return f.ReadAt(b, off)
}

// scanChunk is the read size used when looking for non-zero bytes.
const scanChunk = 32 << 10

// firstNonZero returns the offset of the first non-zero byte in [from, to),
// or to when the range is all zero or unreadable. Holes are skipped without
// reading them (partition.File.FirstNonZero).
func firstNonZero(f partition.File, from, to int64) int64 {
	to = min(to, f.Size)
	if from >= to {
		return to
	}
	if at := f.FirstNonZero(from, to); at >= 0 {
		return at
	}
	return to
}

// allZero reports whether [from, to) holds only zero bytes.
func allZero(f partition.File, from, to int64) bool {
	if to > f.Size {
		to = f.Size
	}
	return from >= to || firstNonZero(f, from, to) == to
}

// byteAt returns the byte at off, 0 beyond the end.
func byteAt(f partition.File, off int64) byte {
	var b [1]byte
	if readFull(f, b[:], off) < 1 {
		return 0
	}
	return b[0]
}

// headerClean reports whether bytes 1..min(size,512)-1 are zero.
func headerClean(f partition.File) bool {
	return allZero(f, 1, min(f.Size, HeaderSize))
}

// isT2 reports whether the file starts with a record at 0 whose Offset is 40:
// an entry written over the header (#244 T2, spec §4.8.3).
func isT2(f partition.File) bool {
	rec, ok := f.RecordAt(0)
	return ok && chains(0, rec)
}
