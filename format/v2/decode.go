package v2

import (
	"fmt"
	"math"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// Issue codes Decode emits (stable, kebab-case).
const (
	CodeBadGeometry    = "bad-geometry"              // R outside [2, 53687091]
	CodeShortHeader    = "short-header"              // file shorter than the 512-byte header
	CodeHeaderNotClean = "header-not-clean"          // header bytes 1..511 not zero (and no T2 record)
	CodeT2             = "t2-header-overwritten"     // #244 T2: entries chained from offset 0
	CodeTornSeal       = "torn-seal"                 // byte 0 set but no valid footer
	CodeFooterMismatch = "footer-mismatch"           // footer record disagrees with the inline record
	CodeT3             = "t3-garbage-footer"         // footer record breaks the chain, nothing backs it
	CodeT1             = "t1-missing-inline-records" // #244 T1: zero record, payload present
	CodeTornTail       = "torn-tail"                 // last record or payload cut by EOF
	CodeInvalidRecord  = "invalid-record"            // bytes where a record should be are not one
	CodeZeroInChain    = "zero-record-in-chain"      // zero window between records
	CodeTrailingZeros  = "trailing-zeros"            // zero bytes after the chain
	CodeTrailingBytes  = "trailing-bytes"            // unexplained bytes after R records
	CodeStaleBytes     = "stale-bytes"               // bytes after the record of LastIndex / before the footer
	CodeStaleFooter    = "stale-footer"              // complete footer after the chain of an unsealed file
	CodeMoreThanR      = "more-than-r-records"       // the chain goes on after R records
	CodeUnsealed       = "unsealed-partition"        // unsealed partition wholly before LastIndex
	CodeBeyondLast     = "beyond-last-index"         // a partition wholly after LastIndex holds records
	CodeSlot0NotEmpty  = "slot0-not-empty"           // partition 0 bytes 512..551 not zero
	CodeZeroLeading    = "zero-leading-slots"        // never-written leading slots are zero, not stub records
)

// Decode decodes one Table partition with a known geometry. lastIndex is
// node.state's LastIndex (-1 if unknown); it bounds the walk of the partition
// holding it, so records after it are reported as stale bytes, not entries.
//
// A sealed file (byte 0 set and a valid footer) is read from its footer, the
// way the library reads it, and every inline record is cross-checked against
// the footer. Anything else is read from its inline chain the way a tool
// should: leading stubs, stop at EOF, torn tails, T1 windows, garbage.
// Slots grows only as far as the last slot that holds anything (see
// partition.Decoded): a wrong or hostile R must not cost gigabytes.
func Decode(f partition.File, g partition.Geometry, lastIndex int64) partition.Decoded {
	d := partition.Decoded{R: g.R, Number: f.Number, Name: f.Name, Size: f.Size, Format: Format}
	if g.R < MinR || g.R > MaxR {
		d.Issues = append(d.Issues, partition.Issue{Severity: partition.Error, Code: CodeBadGeometry,
			Offset: -1, Slot: -1, Message: fmt.Sprintf("records per partition %d is outside the library's range [%d, %d]", g.R, MinR, MaxR)})
		return d
	}
	d.Slots = partition.NewSlots(partition.SlotCapacity(g.R, f.Size))
	dc := newDecoder(f, g.R, lastIndex, &d)
	dc.run()
	return d
}

// Full reports whether slot R−1 of a decoded partition holds an entry, the
// condition under which DotNext ≥ 5.7.3 seals a partition.
func Full(d partition.Decoded) bool {
	if len(d.Slots) == 0 {
		return false
	}
	// The slice stops at the last slot holding anything; it is full only
	// when that is slot R−1, which the caller knows through Geometry.
	k := d.Slots[len(d.Slots)-1].Kind
	return (k == partition.Written || k == partition.Torn) && int64(len(d.Slots)) == d.R
}

// set stores slot s, growing Slots with unwritten slots up to s.
func (dc *decoder) set(s int64, sl partition.Slot) {
	for int64(len(dc.d.Slots)) <= s {
		dc.d.Slots = append(dc.d.Slots, partition.Slot{Slot: int64(len(dc.d.Slots)), Kind: partition.Unwritten, At: -1})
	}
	dc.d.Slots[s] = sl
}

// decoder carries one Decode call.
type decoder struct {
	f       partition.File
	r       int64
	known   bool  // lastIndex is known
	last    int64 // node.state LastIndex
	relLast int64 // lastIndex relative to this partition's first index
	first   int64 // absolute index of slot 0, -1 if it overflows
	d       *partition.Decoded
}

func newDecoder(f partition.File, r, lastIndex int64, d *partition.Decoded) *decoder {
	dc := &decoder{f: f, r: r, d: d, first: -1, last: lastIndex, relLast: math.MinInt64}
	if first, ok := mulOK(f.Number, r); ok {
		dc.first = first
		if lastIndex >= 0 {
			dc.known, dc.relLast = true, lastIndex-first
		}
	}
	return dc
}

// holdsLast: this partition contains LastIndex.
func (dc *decoder) holdsLast() bool { return dc.known && dc.relLast >= 0 && dc.relLast < dc.r }

// belowLast: every index of this partition is ≤ LastIndex (it is not the last).
func (dc *decoder) belowLast() bool { return dc.known && dc.relLast >= dc.r }

// aboveLast: every index of this partition is > LastIndex.
func (dc *decoder) aboveLast() bool { return dc.known && dc.relLast < 0 }

func (dc *decoder) issue(sev partition.Severity, code string, off, slot int64, format string, args ...any) {
	if slot < 0 || slot >= dc.r {
		slot = -1 // beyond the partition (a chain longer than R)
	}
	dc.d.Issues = append(dc.d.Issues, partition.Issue{Severity: sev, Code: code, Offset: off, Slot: slot,
		Message: fmt.Sprintf(format, args...)})
}

// errorUnlessStale is Error for slots that may be live, Warning for a
// partition wholly after LastIndex (its content is not part of the log).
func (dc *decoder) errorUnlessStale() partition.Severity {
	if dc.aboveLast() {
		return partition.Warning
	}
	return partition.Error
}

func (dc *decoder) indexes() string {
	if lastOf, ok := addOK(dc.first, dc.r-1); dc.first >= 0 && ok {
		return fmt.Sprintf("indexes %d–%d", dc.first, lastOf)
	}
	return fmt.Sprintf("slots 0–%d", dc.r-1)
}

func (dc *decoder) run() {
	dc.decodeBody()
	if !dc.aboveLast() {
		return
	}
	var n int64
	for _, s := range dc.d.Slots {
		if s.Kind == partition.Written || s.Kind == partition.Torn {
			n++
		}
	}
	if n > 0 {
		dc.issue(partition.Info, CodeBeyondLast, -1, -1,
			"partition wholly after LastIndex %d holds %d records: they are not entries of the log (left by a crash or a rewrite)",
			dc.last, n)
	}
}

func (dc *decoder) decodeBody() {
	f := dc.f
	if f.Size < HeaderSize {
		dc.shortHeader()
	}
	if !headerClean(f) {
		if isT2(f) {
			dc.decodeT2()
			return
		}
		dc.issue(partition.Warning, CodeHeaderNotClean, firstNonZero(f, 1, min(f.Size, HeaderSize)), -1,
			"header bytes 1–511 are not zero: the library never writes them (overwritten, or not a Table partition)")
	}
	if f.Size < HeaderSize {
		dc.markP0Stub()
		return
	}
	if b0 := byteAt(f, 0); b0 > 1 {
		dc.issue(partition.Warning, CodeHeaderNotClean, 0, -1,
			"header byte 0 = %d: the library writes only 0 or 1 (any non-zero value reads as sealed)", b0)
	}
	sealedFlag := byteAt(f, 0) != 0
	if sealedFlag {
		if footerStart, ok := dc.footerPlaced(); ok {
			dc.decodeSealed(footerStart)
			return
		}
		dc.tornSeal()
	}
	dc.decodeUnsealed(!sealedFlag)
}

func (dc *decoder) shortHeader() {
	sev := partition.Info
	if !allZero(dc.f, 0, dc.f.Size) || dc.holdsLast() || dc.belowLast() {
		sev = partition.Warning
	}
	dc.issue(sev, CodeShortHeader, 0, -1,
		"file is %d bytes, shorter than the 512-byte header: DotNext ≥ 5.7.3 extends it to 512 bytes on open and reads %s as empty; 5.4–5.7.2 leave it alone and do not scan it (slots read as zero records)",
		dc.f.Size, dc.indexes())
}

// markP0Stub sets slot 0 of partition 0: index 0 is never written.
func (dc *decoder) markP0Stub() {
	if dc.f.Number == 0 {
		dc.set(0, partition.Slot{Slot: 0, Kind: partition.Stub, Rec: record.Stub(P0Start), At: -1})
	}
}

// checkP0Slot0 reports non-zero bytes where index 0's record would be,
// within the data area that ends at dataEnd.
func (dc *decoder) checkP0Slot0(dataEnd int64) {
	if dc.f.Number == 0 && !allZero(dc.f, HeaderSize, min(P0Start, dataEnd)) {
		dc.issue(partition.Warning, CodeSlot0NotEmpty, HeaderSize, 0,
			"bytes 512–551 of partition 0 are not zero: index 0 is never written there")
	}
}

// footerPlaced decides whether a file with byte 0 set has a footer of R
// records at its end. A footer whose records all chain is one; a footer with
// damaged records still is one when its first record has Offset 552 and the
// inline chain does not run into it (otherwise the "footer" is just the end
// of the entries: a torn seal).
func (dc *decoder) footerPlaced() (int64, bool) {
	fb, ok := footerBytes(dc.r)
	if !ok || dc.f.Size-fb < HeaderSize {
		return 0, false
	}
	footerStart := dc.f.Size - fb
	rec0, _ := dc.f.RecordAt(footerStart)
	if rec0.Valid() != nil || rec0.Offset != P0Start {
		return 0, false
	}
	if _, ok := checkFooterChain(dc.f, footerStart, dc.r); ok {
		return footerStart, true
	}
	return footerStart, !dc.chainCrosses(footerStart)
}

// chainCrosses reports whether the inline chain has a record at or across footerStart.
func (dc *decoder) chainCrosses(footerStart int64) bool {
	crosses := false
	start, slot := startOf(dc.f.Number)
	walker{f: dc.f, end: dc.f.Size, limit: dc.r, visit: func(l link) {
		if l.kind != partition.Written && l.kind != partition.Torn {
			return
		}
		if l.at >= footerStart || (l.rec.Length > 0 && end(l.rec) > footerStart) {
			crosses = true
		}
	}}.walk(start, slot)
	return crosses
}

func (dc *decoder) tornSeal() {
	fb, _ := footerBytes(dc.r)
	b0 := byteAt(dc.f, 0)
	if need, ok := addOK(HeaderSize, fb); ok && dc.f.Size >= need {
		dc.issue(partition.Error, CodeTornSeal, 0, -1,
			"header byte 0 = %d says sealed, but the last %d bytes (from %d) are not this partition's footer (torn seal): DotNext reads them as the footer anyway and returns garbage for %s; the inline chain below is what was written",
			b0, fb, dc.f.Size-fb, dc.indexes())
		return
	}
	dc.issue(partition.Error, CodeTornSeal, 0, -1,
		"header byte 0 = %d says sealed, but the file (%d bytes) is shorter than 512 + 40×R = %d (torn seal): DotNext 5.7.0+ throws IntegrityException \"Partition has invalid binary format or broken\" on open (5.4–5.6: ArgumentOutOfRangeException or a footer read inside the file); the inline chain below is what was written",
		b0, dc.f.Size, HeaderSize+fb)
}
