package wal

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/raftlog"
)

// Extent is what a repairer needs: where the log really ends and what of it
// is committed and intact.
type Extent struct {
	S, C, L, T int64
	Commit     int64 // LastCommittedEntryIndex = max(C, S)
	// ValidEnd is the largest k ≥ S such that every slot in (S, k] holds a
	// valid record whose payload exists (and whose hash verifies when the
	// log has one), with addresses that never go back. The scan continues
	// past T while the slots keep forming such a chain, so ValidEnd > T
	// means a consistent tail the checkpoint does not cover, and
	// ValidEnd < T means damage or a checkpoint past the end.
	ValidEnd int64
	// FirstBad is the first index in (S, T] that fails, or raftlog.NoIndex.
	FirstBad int64
	// LastWritten is the last index ≤ max(T, ValidEnd) whose slot is not
	// all zero, or S.
	LastWritten int64
	// CommittedIntact is min(Commit, ValidEnd): the committed entries a
	// repair must keep. When the checkpoint itself is damaged (past the end,
	// torn) Commit is the damaged value, so this may include entries that
	// were never committed: the true commit index is not on disk then.
	CommittedIntact int64
	// RecoveredC is the commit index the surviving bytes of a torn
	// checkpoint give (missing high bytes zero), or -1.
	RecoveredC int64
	// RecoveredConfirmed: S ≤ RecoveredC ≤ ValidEnd, so the slots confirm it.
	RecoveredConfirmed bool
	// PastEnd is the run of never-written slots that ends (S, T] when the
	// checkpoint points past the last written entry (checkpoint-past-end),
	// else From > To.
	PastEnd raftlog.Range
}

// Extent runs the verification pass (once) and returns its summary.
func (l *Log) Extent() Extent {
	return l.run().ext
}

// Check verifies every invariant of spec §11 and returns the findings.
func (l *Log) Check() raftlog.Findings {
	return append(raftlog.Findings(nil), l.run().findings...)
}

// Library names used in messages (the releases the spec measured).
const (
	lib6 = "DotNext 6.8.0–6.12.0"
	lib5 = "DotNext 5.26.2"
)

func (l *Log) libName() string {
	if l.Reader == Reader5x {
		return lib5
	}
	return lib6
}

// maxPerCode bounds the findings of one code; the rest are summarised, so
// a log damaged everywhere does not produce one finding per entry.
const maxPerCode = 50

type checkPass struct {
	findings raftlog.Findings
	counts   map[finding.Code]int
	ext      Extent
}

// add words a finding through the registry. The fact "committed" picks the
// fix of a committed entry; "from" (the first index a truncation drops)
// defaults to the finding's index.
func (c *checkPass) add(code finding.Code, form, file string, off, index int64, facts finding.F) {
	c.counts[code]++
	if c.counts[code] > maxPerCode {
		return
	}
	if facts == nil {
		facts = finding.F{}
	}
	if _, ok := facts["from"]; !ok && index != raftlog.NoIndex {
		facts["from"] = index
	}
	c.findings.Add(raftlog.New(code, form, file, off, index, facts))
}

func (c *checkPass) summarise() {
	var codes []finding.Code
	for code, n := range c.counts {
		if n > maxPerCode {
			codes = append(codes, code)
		}
	}
	sort.Slice(codes, func(i, j int) bool { return codes[i] < codes[j] })
	for _, code := range codes {
		var first raftlog.Finding
		for _, f := range c.findings {
			if f.Code == code {
				first = f
				break
			}
		}
		more := first
		more.Offset, more.Index, more.Facts = -1, raftlog.NoIndex, nil
		more.Message = fmt.Sprintf("%d more findings of this kind not listed", c.counts[code]-maxPerCode)
		c.findings.Add(more)
	}
}

func (l *Log) run() *checkPass {
	if l.pass != nil {
		return l.pass
	}
	c := &checkPass{counts: map[finding.Code]int{}}
	l.pass = c
	c.ext = Extent{S: l.S, C: l.C, L: l.L, T: l.T, Commit: l.Commit(), FirstBad: raftlog.NoIndex, RecoveredC: -1,
		PastEnd: raftlog.Range{From: 0, To: -1}}
	live := l.scanLive(c)
	tail := l.scanTail(c, live)
	c.ext.CommittedIntact = min(c.ext.Commit, c.ext.ValidEnd)
	l.checkDirs(c, live, tail)
	l.checkCheckpoint(c, live, tail)
	l.checkState(c, live)
	l.checkSnapshots(c, live)
	l.checkLayout(c)
	c.summarise()
	return c
}

// liveSummary is what the live pass learned for the other checks.
type liveSummary struct {
	maxTerm      int64
	nonZero      int64
	endAddr      int64 // highest End among valid live records
	firstAddr    int64 // Offset of the first valid live record, -1
	lastNonZero  int64 // last index in (S, T] with a non-zero slot (S if none)
	chunkUsers   map[int64]*chunkUse
	truncated    map[string]*cutPage
	pastEnd      [2]int64 // trailing zero/missing run of (S, T], or {0, -1}
	validThrough int64    // ValidEnd within (S, T]
	brokeAt      int64    // first index where the valid chain broke, or -1
}

type chunkUse struct {
	missing   bool // else short
	indexes   []int64
	count     int
	committed int
}

type cutPage struct {
	size       int64
	firstIndex int64 // first live index affected
	lastIndex  int64
	cutIndex   int64 // index whose record is partly present, or -1
	cutPresent int64
}

// scanLive walks (S, T] once, checking every slot (spec §11.2).
func (l *Log) scanLive(c *checkPass) *liveSummary {
	s := &liveSummary{firstAddr: -1, lastNonZero: l.S, chunkUsers: map[int64]*chunkUse{},
		truncated: map[string]*cutPage{}, pastEnd: [2]int64{0, -1}, validThrough: l.S, brokeAt: -1}
	var zeroRun [2]int64 // pending all-zero or missing-page run
	zeroRun[1] = -1
	var prev *entryFacts
	flushZeros := func() {
		if zeroRun[1] >= zeroRun[0] {
			l.reportHole(c, zeroRun[0], zeroRun[1])
		}
		zeroRun = [2]int64{0, -1}
	}
	markBad := func(i int64) {
		if c.ext.FirstBad == raftlog.NoIndex {
			c.ext.FirstBad = i
		}
		if s.brokeAt < 0 {
			s.brokeAt = i
		}
	}
	extend := func(a, b int64) {
		if zeroRun[1] < zeroRun[0] {
			zeroRun[0] = a
		}
		zeroRun[1] = b
	}
	l.slots.walk(l.S+1, l.T, func(sl slot) bool {
		e, f := l.entryOf(sl, true)
		if sl.kind == slotCut || sl.kind == slotPastEOF {
			l.noteCut(s, sl)
			markBad(sl.index)
			flushZeros()
			prev = nil
			return true
		}
		if sl.zero {
			if sl.index != l.S+1 {
				markBad(sl.index)
			} else if s.brokeAt < 0 {
				s.validThrough = sl.index
			}
			extend(sl.index, sl.index)
			prev = nil
			return true
		}
		flushZeros()
		s.nonZero++
		s.lastNonZero = sl.index
		if ok := l.checkEntry(c, s, e, f, prev); !ok {
			markBad(sl.index)
		} else if s.brokeAt < 0 {
			s.validThrough = sl.index
		}
		ff := f
		prev = &ff
		return true
	}, func(a, b int64) bool {
		markBad(a)
		extend(a, b)
		prev = nil
		return true
	})
	// A trailing run of zero slots or missing pages: the checkpoint points
	// past what was written, unless pages are missing while the data area
	// holds bytes after the last written entry (then the pages were lost).
	if zeroRun[1] >= zeroRun[0] {
		if hasMissingPage(l, zeroRun[0], zeroRun[1]) && l.dataAfter(s.endAddr) {
			l.reportHole(c, zeroRun[0], zeroRun[1])
		} else {
			s.pastEnd = zeroRun
		}
	}
	l.reportChunks(c, s)
	l.reportCuts(c, s)
	if n := l.T - l.Commit(); n > 0 && l.T > l.S {
		c.add(finding.UncommittedEntries, "", "checkpoint", -1, l.Commit()+1, finding.F{
			"entries": indexRange("entry", "entries", l.Commit()+1, l.T) + plural(int(min(n, 2)), " is", " are"),
			"c":       l.C, "t": l.T, "lib": l.libName()})
	}
	c.ext.ValidEnd = s.validThrough
	return s
}

// dataAfter reports whether the data area holds bytes after address end:
// a chunk file past end's chunk, or a non-zero byte in the rest of its chunk.
func (l *Log) dataAfter(end int64) bool {
	c := l.dr.chunkOf(end)
	if l.sc.data.maxPage() > c {
		return true
	}
	rest := min(l.Params.ChunkSize-end%l.Params.ChunkSize, 64<<10)
	return !l.dr.allZero(l.dr.locate(end, rest).spans)
}

// reportHole reports all-zero slots or missing pages inside (S, T] that are
// followed by written slots (a hole, not the end of the log).
func (l *Log) reportHole(c *checkPass, a, b int64) {
	zeroFrom := int64(-1)
	flushZeros := func(to int64) {
		if zeroFrom < 0 {
			return
		}
		sl := l.readSlot(zeroFrom)
		if zeroFrom == l.S+1 && to == zeroFrom {
			c.add(finding.SlotZero, "lone", sl.file, sl.off, zeroFrom, nil)
		} else {
			c.add(finding.SlotZero, "", sl.file, sl.off, zeroFrom, finding.F{
				"slots":     indexRange("slot", "slots", zeroFrom, to) + plural(int(min(to-zeroFrom+1, 2)), " is", " are"),
				"lib":       l.libName(),
				"how":       committedWord(zeroFrom <= l.Commit()),
				"committed": zeroFrom <= l.Commit()})
		}
		zeroFrom = -1
	}
	// Missing pages are reported one run at a time, so a run spanning many
	// page numbers costs one finding and no per-page work.
	l.slots.walk(a, b, func(sl slot) bool {
		if zeroFrom < 0 {
			zeroFrom = sl.index
		}
		return true
	}, func(x, y int64) bool {
		flushZeros(x - 1)
		committed := x <= l.Commit()
		first, last := l.pageName(x), l.pageName(y)
		pages := first
		if last != first {
			pages = first + " to " + last
		}
		c.add(finding.MetadataPageMissing, "", first, -1, x, finding.F{"pages": pages,
			"entries": indexRange("entry", "entries", x, y), "lib": l.libName(), "page": l.slots.pageOf(x),
			"applied": appliedNote(committed), "committed": committed})
		return true
	})
	flushZeros(b)
}

// ifThen returns s when cond holds, else "".
func ifThen(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}

func committedLabel(committed bool) string {
	if committed {
		return "committed"
	}
	return "uncommitted"
}

func committedWord(committed bool) string {
	if committed {
		return "committed, so they are applied as empty entries"
	}
	return "uncommitted"
}

func appliedNote(committed bool) string {
	if committed {
		return "; the applier stops there at open, InitializeAsync fails and every later read throws"
	}
	return ""
}

// noteCut records a slot that a short metadata page cuts or leaves out.
func (l *Log) noteCut(s *liveSummary, sl slot) {
	cp := s.truncated[sl.file]
	if cp == nil {
		size := int64(0)
		if pf, ok := l.sc.meta.get(uint32(l.slots.pageOf(sl.index))); ok {
			size = pf.size
		}
		cp = &cutPage{size: size, firstIndex: sl.index, cutIndex: -1}
		s.truncated[sl.file] = cp
	}
	cp.lastIndex = sl.index
	if sl.kind == slotCut {
		cp.cutIndex, cp.cutPresent = sl.index, sl.present
	}
}

func (l *Log) reportCuts(c *checkPass, s *liveSummary) {
	var files []string
	for f := range s.truncated {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, file := range files {
		cp := s.truncated[file]
		var what string
		if cp.cutIndex >= 0 {
			what = fmt.Sprintf("entry %d's record is cut after %d bytes", cp.cutIndex, cp.cutPresent)
			if cp.lastIndex > cp.cutIndex {
				what += fmt.Sprintf(" and slots %d–%d lie past the end", cp.cutIndex+1, cp.lastIndex)
			}
		} else {
			what = fmt.Sprintf("slots %d–%d lie past the end", cp.firstIndex, cp.lastIndex)
		}
		committed := cp.firstIndex <= l.Commit()
		c.add(finding.MetadataTruncated, "", file, cp.size, cp.firstIndex, finding.F{"size": cp.size,
			"want": l.Params.PageSize, "what": what, "lib": l.libName(),
			"lost": ifThen(committed, "; committed entries are lost"), "committed": committed})
	}
}

// checkEntry checks one written live slot; it returns whether the entry is
// valid for the purpose of the Extent.
func (l *Log) checkEntry(c *checkPass, s *liveSummary, e raftlog.Entry, f entryFacts, prev *entryFacts) bool {
	sl, r := f.slot, f.slot.rec
	ok := true
	if r.Term > s.maxTerm {
		s.maxTerm = r.Term
	}
	if f.problem != nil {
		c.add(finding.RecordInvalid, "", sl.file, sl.off, sl.index, finding.F{"problem": fmt.Sprint(f.problem),
			"record": r.String(), "lib": l.libName(), "committed": sl.index <= l.Commit()})
		return false
	}
	if r.Flags&FlagHasID == 0 && r.ID != 0 {
		c.add(finding.CommandIDWithoutFlag, "", sl.file, sl.off, sl.index, finding.F{"id": int64(r.ID)})
	}
	if r.Flags&FlagConfiguration != 0 && l.Params.Timestamps == TicksUTC {
		c.add(finding.FlagConfiguration5x, "", sl.file, sl.off, sl.index, nil)
	}
	if f.view.missing >= 0 || f.view.short >= 0 {
		chunk := f.view.missing
		if chunk < 0 {
			chunk = f.view.short
		}
		u := s.chunkUsers[chunk]
		if u == nil {
			u = &chunkUse{missing: f.view.missing >= 0}
			s.chunkUsers[chunk] = u
		}
		if len(u.indexes) < 10 {
			u.indexes = append(u.indexes, sl.index)
		}
		u.count++
		if e.Committed {
			u.committed++
		}
		ok = false
	}
	if f.hashed && !f.hashOK && f.view.missing < 0 && f.view.short < 0 {
		l.reportHash(c, e, f)
		ok = false
	}
	if prev != nil && prev.problem == nil && prev.slot.index == sl.index-1 && prev.slot.index > l.S {
		pe := prev.slot.rec.Offset + prev.slot.rec.Length
		switch {
		case r.Offset < pe:
			c.add(finding.PayloadOverlap, "wal", sl.file, sl.off, sl.index, finding.F{"address": r.Offset,
				"prev": sl.index - 1, "prevEnd": pe, "committed": sl.index <= l.Commit()})
			ok = false
		}
		if r.Term < prev.slot.rec.Term {
			c.add(finding.TermOrder, "", sl.file, sl.off, sl.index, finding.F{"term": r.Term, "prev": sl.index - 1,
				"prevTerm": prev.slot.rec.Term})
		}
	}
	if ok {
		end := r.Offset + r.Length
		s.endAddr = max(s.endAddr, end)
		if s.firstAddr < 0 {
			s.firstAddr = r.Offset
		}
		l.checkPadding(c, e, f)
		if sl.index == l.T {
			l.checkResume(c, sl, end)
		}
	}
	return ok
}

// checkResume: End(T) is where the next append writes (spec §11.2).
func (l *Log) checkResume(c *checkPass, sl slot, end int64) {
	limit := (l.sc.data.maxPage() + 1) * l.Params.ChunkSize
	if end > limit {
		c.add(finding.ResumeAddressBeyondChunks, "", sl.file, sl.off, sl.index, finding.F{"end": end, "limit": limit,
			"committed": sl.index <= l.Commit()})
	}
}

// checkPadding reports an entry padded by bug #292 (spec §2.3): damage
// when the files show a padding writer (an error once committed, since the
// state machine applies the padded payload), else a warning that names the
// missing evidence.
func (l *Log) checkPadding(c *checkPass, e raftlog.Entry, f entryFacts) {
	p := e.Padding292
	if p == nil {
		return
	}
	sl, r := f.slot, f.slot.rec
	if !p.Proven {
		c.add(
			finding.Padding292Unproven,
			"",
			sl.file,
			sl.off,
			e.Index,
			finding.F{"offset": r.Offset, "length": r.Length,
				"bytes": p.Bytes, "boundary": p.Boundary, "trueLength": p.TrueLength, "missing": p.Missing},
		)
		return
	}
	form := ""
	if !e.Committed {
		form = "uncommitted"
	}
	if c.counts[finding.Padding292] >= maxPerCode {
		c.counts[finding.Padding292]++ // summarised; spare the digests
		return
	}
	_, writer, _ := l.padWriter()
	hashed := l.Params.Hash != HashNone
	hashNote := ""
	if hashed {
		hashNote = fmt.Sprintf(
			"; the stored %s hash covers the padding, so nothing mismatches",
			l.Params.Hash.LibraryName(),
		)
	}
	effect := "the state machine applied"
	if !e.Committed {
		effect = "once the entry is committed, the state machine applies"
	}
	c.add(finding.Padding292, form, sl.file, sl.off, e.Index, finding.F{"hashNote": ifThen(hashed, ", hash recomputed"),
		"detail": fmt.Sprintf("%s entry %d carries #292 padding: its record says Offset %d, Length %d, "+
			"but that range is %d zero bytes "+
			"up to the chunk boundary %d, then the %d bytes that were appended. "+
			"Every DotNext release from 6.0.0 to 6.12.x delivers the %d bytes (sha256 %.12s) instead of the %d appended ones "+
			"(sha256 %.12s), without an exception%s: %s [%d zero bytes][payload]. "+
			"Written by DotNext 6.0.0–6.5.x on unbuffered appends (entries a follower receives, AppendAsync(entry, index), "+
			"batch appends), and by 5.x for entries without a memory block; this log's writer can be one of them: %s. "+
			"The exact correction: Offset %d, Length %d",
			committedLabel(e.Committed), e.Index, r.Offset, r.Length, p.Bytes, p.Boundary, p.TrueLength,
			r.Length, l.digest(e.Payload), p.TrueLength, l.digest(p.TruePayload), hashNote, effect, p.Bytes, writer,
			p.TrueOffset, p.TrueLength)})
}

// digest is the SHA-256 (hex) of the bytes of spans, "?" when unreadable.
func (l *Log) digest(spans []raftlog.Span) string {
	h := sha256.New()
	if l.dr.copySpans(spans, h) != nil {
		return "?"
	}
	return hex.EncodeToString(h.Sum(nil))
}

// reportHash reports a hash mismatch and names the likelier damaged side:
// the record when it does not chain with its neighbours, else the payload.
func (l *Log) reportHash(c *checkPass, e raftlog.Entry, f entryFacts) {
	sl, r := f.slot, f.slot.rec
	file, off := sl.file, sl.off
	where := fmt.Sprintf("its record (%s @%d)", sl.file, sl.off)
	if !l.recordSuspicious(sl) && len(e.Payload) > 0 {
		file, off = e.Payload[0].File, e.Payload[0].Offset
		where = fmt.Sprintf(
			"its payload (%s @%d, %d bytes; the record chains with its neighbours)",
			file,
			off,
			r.Length,
		)
	}
	code := finding.HashMismatch
	if !e.Committed {
		code = finding.HashMismatchUncommitted
	}
	c.add(code, "", file, off, e.Index, finding.F{"hash": l.Params.Hash.LibraryName(), "where": where, "lib": lib6,
		"s": l.S, "t": l.T})
}

// recordSuspicious reports whether a record breaks the address chain with
// its neighbours (a gap is normal only before a chunk boundary).
func (l *Log) recordSuspicious(sl slot) bool {
	r := sl.rec
	end := r.Offset + r.Length
	pd := l.Params.ChunkSize
	fits := func(prevEnd, off int64) bool { return off == prevEnd || (off > prevEnd && off%pd == 0) }
	if sl.index-1 > l.S {
		if p := l.readSlot(sl.index - 1); p.kind == slotFull && !p.zero && recordProblem(p.rec) == nil {
			if !fits(p.rec.Offset+p.rec.Length, r.Offset) {
				return true
			}
		}
	}
	if n := l.readSlot(sl.index + 1); n.kind == slotFull && !n.zero && recordProblem(n.rec) == nil {
		if !fits(end, n.rec.Offset) {
			return true
		}
	}
	return false
}

// reportChunks emits one finding per missing or short data chunk.
func (l *Log) reportChunks(c *checkPass, s *liveSummary) {
	var chunks []int64
	for k := range s.chunkUsers {
		chunks = append(chunks, k)
	}
	sort.Slice(chunks, func(i, j int) bool { return chunks[i] < chunks[j] })
	for _, k := range chunks {
		u := s.chunkUsers[k]
		file := fmt.Sprintf("data/%d", k)
		list := joinIndexes(u.indexes, u.count)
		first := u.indexes[0]
		if u.missing {
			effect := fmt.Sprintf(
				"reading these entries fails on their payload (MissingPageException \"WAL page %d doesn't exist on the disk\")",
				k,
			)
			if u.committed > 0 {
				if l.Reader == Reader5x {
					effect = fmt.Sprintf(
						"%s: InitializeAsync throws PendingTaskInterruptedException (the applier stops before entry %d) and afterwards every ReadAsync throws ArgumentOutOfRangeException (pageIndex), also for intact entries",
						lib5,
						first,
					)
				} else {
					effect = fmt.Sprintf("%s: InitializeAsync throws PendingTaskInterruptedException → InternalException → MissingPageException \"WAL page %d doesn't exist on the disk\" (the applier stops before entry %d) and afterwards every ReadAsync throws InternalException, also for intact entries", lib6, k, first)
				}
			}
			c.add(finding.DataChunkMissing, "", file, 0, first, finding.F{"list": list, "committedCount": u.committed,
				"effect": effect, "committed": u.committed > 0})
			continue
		}
		size := int64(0)
		if pf, ok := l.sc.data.get(uint32(k)); ok {
			size = pf.size
		}
		c.add(finding.DataChunkShort, "", file, size, first, finding.F{"size": size, "want": l.Params.ChunkSize,
			"list": list, "committedCount": u.committed, "committed": u.committed > 0})
	}
}

// indexRange renders "entry 5" or "entries 5–9".
func indexRange(one, many string, a, b int64) string {
	return finding.Slots(a, b, one+" %d", many+" %d–%d")
}

// joinIndexes renders "entry 5" or "entries 5, 7 and 3 more".
func joinIndexes(idx []int64, total int) string {
	if total == 1 && len(idx) == 1 {
		return "entry " + itoa(idx[0])
	}
	parts := make([]string, len(idx))
	for k, i := range idx {
		parts[k] = itoa(i)
	}
	s := "entries " + strings.Join(parts, ", ")
	if total > len(idx) {
		s += fmt.Sprintf(" and %d more", total-len(idx))
	}
	return s
}

// tailSummary describes the consistent chain after T.
type tailSummary struct {
	first, last int64 // the chain T+1..last, or last < first
	endAddr     int64
}

// scanTail follows the slots after T while they form a consistent chain
// (spec §11.3): the library ignores them on open. It also extends ValidEnd.
func (l *Log) scanTail(c *checkPass, live *liveSummary) tailSummary {
	t := tailSummary{first: l.T + 1, last: l.T}
	prevEnd := int64(-1)
	if sl := l.readSlot(l.T); l.T > l.S && sl.kind == slotFull && !sl.zero && recordProblem(sl.rec) == nil {
		prevEnd = sl.rec.Offset + sl.rec.Length
	}
	extendValid := live.brokeAt < 0 && live.validThrough == l.T
	l.slots.walk(l.T+1, maxTailScan(l), func(sl slot) bool {
		if sl.kind != slotFull || sl.zero {
			return false
		}
		e, f := l.entryOf(sl, true)
		if e.State != raftlog.EntryOK || (prevEnd >= 0 && sl.rec.Offset < prevEnd) {
			return false
		}
		prevEnd = sl.rec.Offset + sl.rec.Length
		t.last, t.endAddr = sl.index, max(t.endAddr, prevEnd)
		_ = f
		return true
	}, func(a, b int64) bool { return false })
	if extendValid {
		c.ext.ValidEnd = max(c.ext.ValidEnd, t.last)
	}
	c.ext.LastWritten = max(live.lastNonZero, t.last)
	if t.last >= t.first {
		c.add(finding.TailBeyondEnd, "", l.pageName(t.first), -1, t.first, finding.F{
			"entries": indexRange("entry", "entries", t.first, t.last), "t": l.T, "lib": l.libName()})
	}
	return t
}

// maxTailScan bounds the tail scan to the slots of the existing pages.
func maxTailScan(l *Log) int64 {
	top := l.sc.meta.maxPage()
	if top < 0 {
		return -1
	}
	return (top+1)*l.slots.perPage - 1
}
