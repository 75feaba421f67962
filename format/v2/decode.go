package v2

import (
	"fmt"
	"math"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
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
	return decode(f, g, lastIndex, true)
}

// decode is Decode; without sealShortcut a sealed file is always placed by
// footerPlaced first (the tests compare the two).
func decode(f partition.File, g partition.Geometry, lastIndex int64, sealShortcut bool) partition.Decoded {
	d := partition.Decoded{R: g.R, Number: f.Number, Name: f.Name, Size: f.Size, Format: Format}
	if g.R < MinR || g.R > MaxR {
		d.Issues = append(d.Issues, partition.NewIssue(finding.BadGeometry, "", -1, -1,
			finding.F{"r": g.R, "min": int64(MinR), "max": int64(MaxR)}))
		return d
	}
	d.Slots = partition.NewSlots(partition.SlotCapacity(g.R, f.Size))
	dc := newDecoder(f, g.R, lastIndex, &d)
	dc.sealShortcut = sealShortcut
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
	// sealShortcut: read a sealed file as sealed before footerPlaced (see decodeBody)
	sealShortcut bool
}

func newDecoder(f partition.File, r, lastIndex int64, d *partition.Decoded) *decoder {
	dc := &decoder{f: f, r: r, d: d, first: -1, last: lastIndex, relLast: math.MinInt64}
	if first, ok := partition.MulOK(f.Number, r); ok {
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

func (dc *decoder) issue(code finding.Code, form string, off, slot int64, facts finding.F) {
	if slot < 0 || slot >= dc.r {
		slot = -1 // beyond the partition (a chain longer than R)
	}
	dc.d.Issues = append(dc.d.Issues, partition.NewIssue(code, form, off, slot, facts))
}

// unlessBeyond is the code's form for damage that may be live, "beyond"
// (a warning) in a partition wholly after LastIndex: its content is not
// part of the log.
func (dc *decoder) unlessBeyond(form string) string {
	if dc.aboveLast() {
		return "beyond"
	}
	return form
}

func (dc *decoder) indexes() string {
	if lastOf, ok := partition.AddOK(dc.first, dc.r-1); dc.first >= 0 && ok {
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
		dc.issue(finding.BeyondLastIndex, "", -1, -1, finding.F{"last": dc.last, "n": n})
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
		dc.issue(
			finding.HeaderNotClean,
			"",
			firstNonZero(f, 1, min(f.Size, HeaderSize)),
			-1,
			finding.F{"detail": "header " +
				"bytes 1–511 are not zero: the library never writes them (overwritten, or not a Table partition)"},
		)
	}
	if f.Size < HeaderSize {
		dc.markP0Stub()
		return
	}
	if b0 := byteAt(f, 0); b0 > 1 {
		dc.issue(finding.HeaderNotClean, "", 0, -1, finding.F{"detail": fmt.Sprintf(
			"header byte 0 = %d: the library writes only 0 or 1 (any non-zero value reads as sealed)", b0)})
	}
	sealedFlag := byteAt(f, 0) != 0
	if sealedFlag {
		// Read as sealed at once: the footer pass checks the same chain
		// rule as footerPlaced, so when every footer record chains the
		// answer is footerPlaced's without a pass of its own. Otherwise
		// undo, and let footerPlaced decide.
		if footerStart, ok := dc.footerCandidate(); ok && dc.sealShortcut {
			n := len(dc.d.Issues)
			if dc.decodeSealed(footerStart, true) {
				return
			}
			dc.d.Slots, dc.d.Issues, dc.d.Sealed = dc.d.Slots[:0], dc.d.Issues[:n], false
		}
		if footerStart, ok := dc.footerPlaced(); ok {
			dc.decodeSealed(footerStart, false)
			return
		}
		dc.tornSeal()
	}
	dc.decodeUnsealed(!sealedFlag)
}

func (dc *decoder) shortHeader() {
	form := "harmless"
	if !allZero(dc.f, 0, dc.f.Size) || dc.holdsLast() || dc.belowLast() {
		form = ""
	}
	dc.issue(finding.ShortHeader, form, 0, -1, finding.F{"size": dc.f.Size, "indexes": dc.indexes()})
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
		dc.issue(finding.Slot0NotEmpty, "", HeaderSize, 0, nil)
	}
}

// footerPlaced decides whether a file with byte 0 set has a footer of R
// records at its end. A footer whose records all chain is one; a footer with
// damaged records still is one when its first record has Offset 552 and the
// inline chain does not run into it (otherwise the "footer" is just the end
// of the entries: a torn seal).
func (dc *decoder) footerPlaced() (int64, bool) {
	footerStart, ok := dc.footerCandidate()
	if !ok {
		return 0, false
	}
	if _, ok := checkFooterChain(dc.f, footerStart, dc.r); ok {
		return footerStart, true
	}
	return footerStart, !dc.chainCrosses(footerStart)
}

// footerCandidate is where R footer records would start, when the file
// holds them after the header and the first of them has Offset 552.
func (dc *decoder) footerCandidate() (int64, bool) {
	fb, ok := footerBytes(dc.r)
	if !ok || dc.f.Size-fb < HeaderSize {
		return 0, false
	}
	footerStart := dc.f.Size - fb
	rec0, _ := dc.f.RecordAt(footerStart)
	return footerStart, rec0.OK() && rec0.Offset == P0Start
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
	if need, ok := partition.AddOK(HeaderSize, fb); ok && dc.f.Size >= need {
		dc.issue(finding.TornSeal, "", 0, -1, finding.F{"b0": int64(b0), "footerBytes": fb, "at": dc.f.Size - fb,
			"indexes": dc.indexes()})
		return
	}
	dc.issue(finding.TornSeal, "short", 0, -1, finding.F{"b0": int64(b0), "size": dc.f.Size, "need": HeaderSize + fb})
}
