package v2

import (
	"fmt"
	"slices"
	"strings"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// sealedState carries the footer-versus-inline comparison of a sealed file.
type sealedState struct {
	footerStart int64
	inline      []link // inline walk links, slot order from firstSlot
	firstSlot   int64
	prevEnd     int64   // chain end after the last trusted slot
	chainKnown  bool    // prevEnd is trustworthy
	dataEnd     int64   // end of the last payload
	seen        bool    // an entry (not a stub) came before: stubs are no longer leading
	t1          []int64 // slots whose inline record is zero
	t1At        int64   // position of the first of them
	chained     int64   // footer records, from slot 0 on, that chain (checkFooterChain's rule)
	used        int64   // checkFooterChain's used-slot count over those records
}

func (st *sealedState) inlineAt(s int64) (link, bool) {
	i := s - st.firstSlot
	if i < 0 || i >= int64(len(st.inline)) {
		return link{}, false
	}
	return st.inline[i], true
}

// linkPool keeps the inline chains of sealed decodes for the next one: a
// chain is as long as the partition has entries, and verify decodes every
// partition two or three times.
var linkPool partition.Keep[link]

// decodeSealed reads the footer, as the library does, and checks every slot
// against the inline bytes. A footer record that breaks the chain is replaced
// by a valid inline record when there is one (footer-mismatch: the library
// reads the bad footer record), else kept as Invalid (t3-garbage-footer).
// With onlyIfChained, it stops and reports false (leaving d half built, for
// the caller to reset) unless all R footer records chain from 512.
func (dc *decoder) decodeSealed(footerStart int64, onlyIfChained bool) bool {
	dc.d.Sealed = true
	dc.checkP0Slot0(footerStart)
	start, slot := startOf(dc.f.Number)
	links := linkPool.Get(0)
	defer func() { linkPool.Put(links) }()
	st := &sealedState{
		footerStart: footerStart,
		firstSlot:   slot,
		prevEnd:     HeaderSize,
		chainKnown:  true,
		dataEnd:     HeaderSize,
		inline:      links,
	}
	walker{
		f:     dc.f,
		end:   footerStart,
		limit: dc.r,
		visit: func(l link) { st.inline = append(st.inline, l) },
	}.walk(
		start,
		slot,
	)
	links = st.inline
	// Every link is a record read from the file: room for their slots now
	// costs no more than growing slot by slot, without the copies.
	if want := int(min(slot+int64(len(st.inline))+1, dc.r)); want > cap(dc.d.Slots) {
		dc.d.Slots = slices.Grow(dc.d.Slots, want-len(dc.d.Slots))
	}
	for s := int64(0); s < dc.r; s++ {
		at := footerStart + s*recSize
		fr, _ := dc.f.RecordAt(at)
		dc.sealedSlot(st, s, fr, at)
	}
	// The loop checked checkFooterChain's rule on every footer record: its
	// answer, for a probe of the same open.
	if st.chained < dc.r {
		dc.f.Memo.Put(footerKey{footerStart, dc.r}, footerChain{})
	} else {
		dc.f.Memo.Put(footerKey{footerStart, dc.r}, footerChain{used: st.used, ok: true})
	}
	if onlyIfChained && st.chained < dc.r {
		return false
	}
	if len(st.t1) > 0 {
		dc.issue(finding.T1MissingInlineRecords, "sealed", st.t1At, st.t1[0], finding.F{"slots": slotList(st.t1)})
	}
	dc.checkMidStubs()
	dc.checkMixedLead(st.inline)
	if st.chainKnown && st.dataEnd < footerStart {
		dc.issue(finding.StaleBytes, "", st.dataEnd, -1, finding.F{"detail": fmt.Sprintf(
			"%d bytes between the end of the last entry (%d) and the footer (%d): not entries",
			footerStart-st.dataEnd, st.dataEnd, footerStart)})
	}
	return true
}

func (dc *decoder) sealedSlot(st *sealedState, s int64, fr record.Record, at int64) {
	il, hasIL := st.inlineAt(s)
	switch {
	case st.chainKnown && footerLinks(fr, st.prevEnd, st.footerStart):
		if st.chained == s {
			st.chained++
			if !fr.IsStub() || inlineCopy(dc.f, st.prevEnd, st.footerStart, fr) {
				st.used = s + 1
			}
		}
		dc.footerSlot(st, s, fr, at, il)
	case !st.chainKnown && dc.resyncs(st, fr):
		dc.footerSlot(st, s, fr, at, il)
	case hasIL && il.kind == partition.Written && (!st.chainKnown || il.at == st.prevEnd):
		dc.set(s, partition.Slot{Slot: s, Kind: partition.Written, Rec: il.rec, At: il.at, Avail: il.avail,
			Note: "footer record differs; taken from the inline record"})
		dc.issue(finding.FooterMismatch, "", at, s, finding.F{"detail": fmt.Sprintf(
			"footer record of slot %d at %d is %s, not the inline record at %d %s: DotNext reads the footer (Term %d, "+
				"Length %d), so this entry comes back wrong", s, at, fr, il.at, il.rec, fr.Term, fr.Length)})
		st.advance(il.rec)
	case hasIL && il.kind == partition.Stub && st.chainKnown && il.at == st.prevEnd:
		dc.set(s, partition.Slot{Slot: s, Kind: partition.Stub, Rec: il.rec, At: -1,
			Note: "footer record is not the stub of an unused slot"})
		dc.issue(finding.FooterMismatch, "inline", at, s, finding.F{"detail": fmt.Sprintf(
			"footer record of unused slot %d at %d is %s instead of the stub %s: DotNext reads an empty entry, but its "+
				"next append there would be written at End = %d",
			s,
			at,
			fr,
			il.rec,
			fr.WrappingEnd(),
		)})
		st.prevEnd = il.rec.Offset
	default:
		dc.set(s, partition.Slot{Slot: s, Kind: partition.Invalid, Rec: fr, At: at,
			Note: "footer record breaks the chain and no inline record backs it"})
		dc.issue(
			finding.T3GarbageFooter,
			"",
			at,
			s,
			finding.F{"slot": s, "at": at, "record": fr.String(), "term": fr.Term,
				"length": fr.Length},
		)
		st.chainKnown = false
	}
}

// resyncs accepts a footer record after a broken chain when the inline
// record it points at is byte-identical.
func (dc *decoder) resyncs(st *sealedState, fr record.Record) bool {
	if !fr.OK() || fr.Offset < P0Start || fr.IsStub() || end(fr) > st.footerStart {
		return false
	}
	inl, ok := dc.f.RecordAt(fr.Offset - recSize)
	if !ok || inl != fr {
		return false
	}
	st.chainKnown = true
	return true
}

func (st *sealedState) advance(rec record.Record) {
	st.prevEnd = end(rec)
	if !rec.IsStub() {
		st.dataEnd, st.seen = st.prevEnd, true
	}
	st.chainKnown = true
}

// footerSlot takes a chain-valid footer record and compares it with the
// inline bytes it implies.
// il is the inline walk's link of slot s (zero when it has none): where it
// is a record read at the place fr implies, it is those bytes.
func (dc *decoder) footerSlot(st *sealedState, s int64, fr record.Record, at int64, il link) {
	window := st.prevEnd
	st.advance(fr)
	if fr.IsStub() {
		dc.footerStub(st, s, fr, at, window)
		return
	}
	dc.set(s, partition.Slot{Slot: s, Kind: partition.Written, Rec: fr, At: at, Avail: fr.Length})
	inlineAt := fr.Offset - recSize
	inl := il.rec
	if il.kind != partition.Written || il.at != inlineAt {
		inl, _ = dc.f.RecordAt(inlineAt)
	}
	switch {
	case inl == fr:
	case inl.IsZero():
		if len(st.t1) == 0 {
			st.t1At = inlineAt
		}
		st.t1 = append(st.t1, s)
	case chains(inlineAt, inl):
		dc.issue(finding.FooterMismatch, "", at, s, finding.F{"detail": fmt.Sprintf(
			"footer record of slot %d %s differs from the inline record at %d %s; DotNext reads the footer, a later "+
				"rescan the inline record", s, fr, inlineAt, inl)})
	default:
		dc.issue(finding.FooterMismatch, "inline", inlineAt, s, finding.F{"detail": fmt.Sprintf(
			"inline record of slot %d at %d is damaged (%s); DotNext reads the intact footer record %s",
			s, inlineAt, inl, fr)})
	}
}

// footerStub handles a stub footer record. Where the stub's 40-byte window
// holds the identical record, the slot is an empty entry with Term 0 (the
// same bytes as a stub) — unless no entry precedes it: then it is a
// never-written leading slot laid out as a stub record (see Leading).
// Otherwise the window must be zero.
func (dc *decoder) footerStub(st *sealedState, s int64, fr record.Record, at, window int64) {
	inl, ok := dc.f.RecordAt(window)
	switch {
	case window >= st.footerStart || !ok || inl.IsZero():
		// a trailing stub beyond the entries, or a zero window
	case inl == fr && !st.seen:
		st.dataEnd = fr.Offset // a leading stub record: its bytes are accounted for
	case inl == fr:
		dc.set(s, partition.Slot{Slot: s, Kind: partition.Written, Rec: fr, At: at})
		st.dataEnd, st.seen = fr.Offset, true
		return
	case chains(window, inl):
		dc.issue(finding.FooterMismatch, "", at, s, finding.F{"detail": fmt.Sprintf(
			"footer says slot %d is unused (stub), but an inline record %s sits at %d: DotNext reads the slot as empty",
			s, inl, window)})
	default:
		dc.issue(finding.FooterMismatch, "inline", window, s, finding.F{"detail": fmt.Sprintf(
			"footer says slot %d is unused (stub), but the 40 bytes at %d where its record would be are not zero",
			s, window)})
	}
	dc.set(s, partition.Slot{Slot: s, Kind: partition.Stub, Rec: fr, At: at})
}

// checkMixedLead reports a sealed partition whose never-written leading
// slots are partly zero and partly stub records: every release reads the
// footer, but no writer lays them out so (see Leading), and a release that
// unseals and rescans the partition sees the zero ones.
func (dc *decoder) checkMixedLead(inline []link) {
	var zero, stored int64
	at := int64(-1)
	for _, l := range inline {
		if l.kind != partition.Stub || l.mid {
			break
		}
		if l.stored {
			stored++
		} else {
			zero++
			if at < 0 {
				at = l.at
			}
		}
	}
	if zero > 0 && stored > 0 {
		dc.issue(finding.ZeroLeadingSlots, "sealed", at, -1, finding.F{"zero": zero, "stored": stored})
	}
}

// checkMidStubs reports stub slots between written slots of a sealed
// footer: the library never leaves one there.
func (dc *decoder) checkMidStubs() {
	slots := dc.d.Slots // by index: a Slot is 100 bytes, not worth a copy per slot
	firstW, lastW := int64(-1), int64(-1)
	for i := range slots {
		if sl := &slots[i]; sl.Kind == partition.Written {
			if firstW < 0 {
				firstW = sl.Slot
			}
			lastW = sl.Slot
		}
	}
	for s := firstW + 1; firstW >= 0 && s < lastW; s++ {
		// SlotAt(s): a slot past the slice is unwritten, never a stub
		if s < int64(len(slots)) && slots[s].Kind == partition.Stub {
			dc.issue(finding.ZeroRecordInChain, "footer", slots[s].At, s, finding.F{"slot": s})
		}
	}
}

// slotList renders slots as "1, 2, 3" (at most 20, then "…").
func slotList(slots []int64) string {
	var b strings.Builder
	for i, s := range slots {
		if i == 20 {
			b.WriteString(", …")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, s)
	}
	return b.String()
}
