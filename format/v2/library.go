package v2

import (
	"fmt"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/release"
)

// Reader names a family of DotNext releases that open Table partitions the
// same way (spec §4.6, §4.7).
type Reader int

const (
	// ReaderTip is DotNext.Net.Cluster 5.7.3 … 5.26.x: stub-initialised table,
	// only the partition holding LastIndex is scanned, files shorter than 512
	// bytes are extended to 512.
	ReaderTip Reader = iota
	// Reader570 is 5.7.0 … 5.7.2: every unsealed partition is scanned up to
	// the first record with End ≤ 0, bounded by R; short sealed files throw.
	Reader570
	// Reader540 is 5.4.0 … 5.6.x: as Reader570 without the R bound (more than
	// R records throw) and without the sealed-length check.
	Reader540
)

func (v Reader) String() string {
	switch v {
	case ReaderTip:
		return "DotNext 5.7.3+"
	case Reader570:
		return "DotNext 5.7.0–5.7.2"
	case Reader540:
		return "DotNext 5.4.0–5.6.x"
	}
	return fmt.Sprintf("Reader(%d)", int(v))
}

// ReaderFor maps a DotNext.Net.Cluster release to its reader family; ok is
// false for releases without the Table format (before 5.4.0, and 6.x, which
// has no PersistentState).
func ReaderFor(v release.Version) (Reader, bool) {
	switch {
	case v.Less(release.TableFormat) || !v.Less(release.PersistentStateRemoved):
		return 0, false
	case v.Less(release.ScanBoundedByR):
		return Reader540, true
	case v.Less(release.Issue244Fixed):
		return Reader570, true
	}
	return ReaderTip, true
}

// How the library filled its in-memory table.
const (
	HowFooter    = "footer"    // sealed: the last R×40 bytes, verbatim
	HowScan      = "scan"      // unsealed: records read from 512/552 on
	HowStubs     = "stubs"     // not read at all: every slot a stub (5.7.3+)
	HowUnscanned = "unscanned" // header shorter than 512: table as allocated (zeros in a fresh process)
	HowError     = "error"     // the open throws
)

// LibraryView is what one DotNext release holds for a partition after
// opening it: the table it will answer reads from.
type LibraryView struct {
	Reader  Reader
	How     string
	Records []record.Record // R records (nil when Err is set)
	// ScanEnd is the writer position after the scan (where the next append goes).
	ScanEnd int64
	// Extends is true when opening extends the file to 512 bytes (5.7.3+,
	// file shorter than the header): opening modifies the directory.
	Extends bool
	// Err is the exception the open throws ("" when none).
	Err string
}

// LibraryReads returns what DotNext (release family v) reads for every slot
// of this partition when it opens the directory with node.state LastIndex =
// lastIndex (a negative value is read as 0, what a fresh node.state holds):
// footer bytes verbatim for a sealed file even when they are garbage, the
// scan with its stub conversion and wrapping End for the partition holding
// LastIndex, stubs for every other unsealed partition (5.7.3+), and zeros for
// slots an older release never loaded (a fresh process's pooled array).
func LibraryReads(f partition.File, g partition.Geometry, lastIndex int64, v Reader) LibraryView {
	view := LibraryView{Reader: v, ScanEnd: HeaderSize}
	if g.R < MinR || g.R > MaxR {
		view.How, view.Err = HowError, fmt.Sprintf("ArgumentOutOfRangeException: recordsPerPartition %d", g.R)
		return view
	}
	view.Records = initialTable(f.Number, g.R, v)
	switch {
	case f.Size < HeaderSize:
		view.How = HowUnscanned
		if v == ReaderTip {
			view.How, view.Extends = HowStubs, true
		}
	case byteAt(f, 0) != 0:
		readFooter(f, g.R, v, &view)
	case v == ReaderTip && !containsIndex(f.Number, g.R, max(lastIndex, 0)):
		view.How = HowStubs
	default:
		view.How = HowScan
		scanTable(f, g.R, max(lastIndex, 0), v, &view)
	}
	if view.Err != "" {
		view.How, view.Records = HowError, nil
	}
	return view
}

// initialTable is the table before anything is read: stubs 552+40j (5.7.3+),
// or a zeroed pooled array with the partition-0 slot-0 stub (older releases
// in a fresh process).
func initialTable(number, r int64, v Reader) []record.Record {
	recs := make([]record.Record, r)
	if v == ReaderTip {
		for j := range recs {
			recs[j] = record.Stub(P0Start + int64(j)*recSize)
		}
		return recs
	}
	if number == 0 {
		recs[0] = record.Stub(P0Start)
	}
	return recs
}

func containsIndex(number, r, index int64) bool {
	first, ok := partition.MulOK(number, r)
	return ok && index >= first && index-first < r
}

func readFooter(f partition.File, r int64, v Reader, view *LibraryView) {
	fb, _ := footerBytes(r)
	start := f.Size - fb
	switch {
	case v != Reader540 && start < HeaderSize:
		view.Err = "IntegrityException: Partition has invalid binary format or broken"
		return
	case start < 0:
		view.Err = "ArgumentOutOfRangeException: Non-negative number required. (Parameter 'fileOffset')"
		return
	}
	view.How, view.ScanEnd = HowFooter, start
	for s := int64(0); s < r; s++ {
		view.Records[s], _ = f.RecordAt(start + s*recSize)
	}
}

// scanTable mirrors Table.Initialize's loop: read 40 bytes, stop when fewer
// exist; End = Offset+Length wrapping; 5.7.3+ turns End ≤ 0 into a stub and
// goes on (bounded by LastIndex in partition 0 only, since it compares a
// relative slot with an absolute index), older releases stop there.
func scanTable(f partition.File, r, lastIndex int64, v Reader, view *LibraryView) {
	pos, slot := startOf(f.Number)
	for ; ; slot++ {
		if slot >= r && v != Reader540 {
			break
		}
		if v == ReaderTip && slot > lastIndex {
			break
		}
		rec, ok := f.RecordAt(pos)
		if !ok {
			break
		}
		e := rec.WrappingEnd()
		if e <= 0 {
			if v != ReaderTip {
				break
			}
			e = pos + recSize
			rec = record.Stub(e)
		}
		if slot >= r {
			view.Err = "ArgumentOutOfRangeException: more than R records chained (span slice out of range)"
			return
		}
		view.Records[slot] = rec
		pos = e
	}
	view.ScanEnd = pos
}

// LibraryPayload is the byte range the library delivers for a record in a
// file of the given size: nothing for Length ≤ 0, otherwise from Offset up to
// Length bytes or the end of the file, whichever comes first (spec §4.5).
func LibraryPayload(size int64, rec record.Record) (off, n int64) {
	if rec.Length <= 0 || rec.Offset < 0 || rec.Offset >= size {
		return rec.Offset, 0
	}
	return rec.Offset, min(rec.Length, size-rec.Offset)
}
