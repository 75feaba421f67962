package v2

import (
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// footerLinks reports whether rec is chain-valid as footer record following a
// chain that ended at prevEnd, in a file whose footer starts at footerStart:
// a valid record with Offset = prevEnd+40 whose payload (if any) ends before
// the footer. Stubs (Length 0) may point past footerStart: the library never
// reads them, and a seal with unused tail slots must chain them on.
func footerLinks(rec record.Record, prevEnd, footerStart int64) bool {
	if !chains(prevEnd, rec) {
		return false
	}
	return rec.IsStub() || end(rec) <= footerStart
}

// sealedR implements spec §12.3 F2 without knowing R: the footer starts
// where the last written entry ends, so R = (L − End(last entry))/40 and the
// footer's records must chain from 512. Scanning back from the end, every
// record's End is a candidate footer start: trailing stubs (written only by
// repairs) and empty entries with Term 0 (byte-identical to stubs) are passed
// over until a candidate checks out; a non-stub record is the last candidate.
// It returns R and the number of used slots (last non-stub slot + 1).
func sealedR(f partition.File) (r, used int64, ok bool) {
	if f.Size < P0Start+recSize || byteAt(f, 0) == 0 {
		return 0, 0, false
	}
	checks := 0
	for q := f.Size - recSize; q >= HeaderSize; q -= recSize {
		rec, _ := f.RecordAt(q)
		if rec.IsZero() || !rec.OK() {
			return 0, 0, false
		}
		if r, used, ok := tryFooter(f, end(rec), q, &checks); ok {
			return r, used, true
		}
		if !rec.IsStub() {
			return 0, 0, false
		}
	}
	return tryFooter(f, HeaderSize, HeaderSize, &checks)
}

// maxFooterChecks bounds the full chain checks one probe may run, so that a
// crafted file of stub-like records cannot make the probe quadratic.
const maxFooterChecks = 16

// tryFooter checks whether a footer starting at footerStart (at or before
// the record seen at q) explains the end of the file.
func tryFooter(f partition.File, footerStart, q int64, checks *int) (r, used int64, ok bool) {
	if footerStart < HeaderSize || footerStart > q || (f.Size-footerStart)%recSize != 0 {
		return 0, 0, false
	}
	r = (f.Size - footerStart) / recSize
	if r < MinR || r > MaxR {
		return 0, 0, false
	}
	if rec0, _ := f.RecordAt(footerStart); rec0.Offset != P0Start || *checks >= maxFooterChecks {
		return 0, 0, false
	}
	*checks++
	used, ok = checkFooterChain(f, footerStart, r)
	return r, used, ok
}

// footerKey is the memo key of checkFooterChain's answer (see
// partition.Memo); decodeSealed leaves it too, having checked the same rule.
type footerKey struct{ start, r int64 }

type footerChain struct {
	used int64
	ok   bool
}

// checkFooterChain verifies that the r records at footerStart obey the chain
// rule from 512 (spec §4.4) and returns the used-slot count.
func checkFooterChain(f partition.File, footerStart, r int64) (used int64, ok bool) {
	k := footerKey{footerStart, r}
	if v, ok := f.Memo.Get(k); ok {
		c := v.(footerChain)
		return c.used, c.ok
	}
	used, ok = footerChainOf(f, footerStart, r)
	f.Memo.Put(k, footerChain{used, ok})
	return used, ok
}

func footerChainOf(f partition.File, footerStart, r int64) (used int64, ok bool) {
	prevEnd := int64(HeaderSize)
	for s := int64(0); s < r; s++ {
		rec, got := f.RecordAt(footerStart + s*recSize)
		if !got || !footerLinks(rec, prevEnd, footerStart) {
			return 0, false
		}
		if !rec.IsStub() || inlineCopy(f, prevEnd, footerStart, rec) {
			used = s + 1
		}
		prevEnd = end(rec)
	}
	return used, true
}

// inlineCopy reports whether a stub-shaped footer record has its identical
// inline record at window: then it is an empty entry with Term 0, not an
// unused slot.
func inlineCopy(f partition.File, window, footerStart int64, rec record.Record) bool {
	if window+recSize > footerStart {
		return false
	}
	inl, ok := f.RecordAt(window)
	return ok && inl == rec
}

// table is the R-record in-memory table the writer keeps: stubs before the
// first written slot, the written records, and chain-consistent stubs after
// the last. Only written records are stored, so memory grows with the entries
// written, not with R.
type table struct {
	r     int64
	first int64 // first written slot, -1 while none
	recs  []record.Record
}

// record returns footer record s.
func (t *table) record(s int64) record.Record {
	if t.first >= 0 && s >= t.first && s-t.first < int64(len(t.recs)) {
		return t.recs[s-t.first]
	}
	if t.first >= 0 && s > t.first {
		last := t.recs[len(t.recs)-1]
		gap := s - t.first - int64(len(t.recs)) // stubs between the last record and s
		return stubAt(end(last) + gap*recSize)
	}
	return stubAt(HeaderSize + s*recSize)
}

// footerChunk is the number of records the footer is written in at once.
const footerChunk = 1024

// encode streams the footer through emit in bounded chunks.
func (t *table) encode(emit func([]byte) error) error {
	buf := make([]byte, min(t.r, footerChunk)*recSize)
	for s := int64(0); s < t.r; {
		n := min(t.r-s, footerChunk)
		for i := int64(0); i < n; i++ {
			t.record(s + i).Encode(buf[i*recSize:])
		}
		if err := emit(buf[:n*recSize]); err != nil {
			return err
		}
		s += n
	}
	return nil
}
