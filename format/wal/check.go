package wal

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

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
	lib6     = "DotNext 6.8.0–6.12.0"
	lib5     = "DotNext 5.26.2"
	fixApply = "walctl repair --apply DIR"
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
	counts   map[string]int
	ext      Extent
}

func (c *checkPass) add(sev raftlog.Severity, code, file string, off, index int64, fix, format string, args ...any) {
	c.counts[code]++
	if c.counts[code] > maxPerCode {
		return
	}
	c.findings.Add(raftlog.Finding{Severity: sev, Code: code, File: file, Offset: off, Index: index,
		Message: fmt.Sprintf(format, args...), Fix: fix})
}

func (c *checkPass) summarise() {
	var codes []string
	for code, n := range c.counts {
		if n > maxPerCode {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	for _, code := range codes {
		var first raftlog.Finding
		for _, f := range c.findings {
			if f.Code == code {
				first = f
				break
			}
		}
		c.findings.Add(raftlog.Finding{Severity: first.Severity, Code: code, File: first.File, Offset: -1,
			Index: raftlog.NoIndex, Fix: first.Fix,
			Message: fmt.Sprintf("%d more findings of this kind not listed", c.counts[code]-maxPerCode)})
	}
}

func (l *Log) run() *checkPass {
	if l.pass != nil {
		return l.pass
	}
	c := &checkPass{counts: map[string]int{}}
	l.pass = c
	c.ext = Extent{S: l.S, C: l.C, L: l.L, T: l.T, Commit: l.Commit(), FirstBad: raftlog.NoIndex, RecoveredC: -1}
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
		c.add(raftlog.Info, CodeUncommittedEntries, "checkpoint", -1, l.Commit()+1, "",
			"%s uncommitted (C = %d, T = %d): %s keeps them after reopening but applies them only once a leader commits them; a new leader may overwrite them",
			indexRange("entry", "entries", l.Commit()+1, l.T)+verb(int(min(n, 2)), " is", " are"), l.C, l.T, l.libName())
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
			c.add(raftlog.Warning, CodeSlotZero, sl.file, sl.off, zeroFrom, "",
				"entry %d's slot is all zero: either a no-op appended with term 0 at address 0 or a slot never written; the library reads Term 0, Length 0", zeroFrom)
		} else {
			c.add(raftlog.Error, CodeSlotZero, sl.file, sl.off, zeroFrom, holeFix(l, zeroFrom),
				"%s all zero although later entries are written: %s silently reads them as Term 0, Length 0 no-ops (%s); the records were lost",
				indexRange("slot", "slots", zeroFrom, to)+verb(int(min(to-zeroFrom+1, 2)), " is", " are"),
				l.libName(), committedWord(zeroFrom <= l.Commit()))
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
		fix := "no safe repair: the entries are lost locally; truncate the log to index " + itoa(x-1) + " and let the leader re-replicate them"
		if !committed {
			fix = fixApply + " (truncates the uncommitted tail to index " + itoa(x-1) + ")"
		}
		first, last := l.pageName(x), l.pageName(y)
		pages := first
		if last != first {
			pages = first + " to " + last
		}
		c.add(raftlog.Error, CodeMetadataPageMissing, first, -1, x, fix,
			"metadata page %s does not exist but holds live %s: %s throws MissingPageException (\"WAL page %d doesn't exist on the disk\") when it reads them%s",
			pages, indexRange("entry", "entries", x, y), l.libName(), l.slots.pageOf(x), appliedNote(committed))
		return true
	})
	flushZeros(b)
}

func holeFix(l *Log, i int64) string {
	if i <= l.Commit() {
		return "no safe repair: committed entries from " + itoa(i) + " on are lost locally; truncate to " + itoa(i-1) + " and re-replicate from a peer"
	}
	return fixApply + " (truncates the uncommitted tail to index " + itoa(i-1) + ")"
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
		fix := holeFix(l, cp.firstIndex)
		c.add(raftlog.Error, CodeMetadataTruncated, file, cp.size, cp.firstIndex, fix,
			"%s is %d bytes, not %d: %s. %s grows the file back with zeros on open and silently reads the cut record from its surviving bytes (the rest zero) and the missing slots as Term 0, Length 0 no-ops%s",
			file, cp.size, l.Params.PageSize, what, l.libName(), ifThen(committed, "; committed entries are lost"))
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
		c.add(raftlog.Error, CodeRecordInvalid, sl.file, sl.off, sl.index, holeFix(l, sl.index),
			"entry %d's record is invalid (%v): %s; %s uses it as it is", sl.index, f.problem, r.String(), l.libName())
		return false
	}
	if r.Flags&FlagHasID == 0 && r.ID != 0 {
		c.add(raftlog.Warning, CodeCommandIdWithoutFlag, sl.file, sl.off, sl.index, "",
			"entry %d stores command id %d without the has-id flag (the writer never does this); the library ignores the id", sl.index, r.ID)
	}
	if r.Flags&FlagConfiguration != 0 && l.Params.Timestamps == TicksUTC {
		c.add(raftlog.Warning, CodeFlagConfiguration5x, sl.file, sl.off, sl.index, "",
			"entry %d has the configuration flag 0x2, which no 5.x writer sets; 5.x ignores it", sl.index)
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
			c.add(raftlog.Error, CodePayloadOverlap, sl.file, sl.off, sl.index, holeFix(l, sl.index),
				"entry %d's payload starts at address %d, inside entry %d's payload (which ends at %d): addresses never go back within a log, so one of the two records is damaged",
				sl.index, r.Offset, sl.index-1, pe)
			ok = false
		}
		if r.Term < prev.slot.rec.Term {
			c.add(raftlog.Warning, CodeTermOrder, sl.file, sl.off, sl.index, "",
				"entry %d has term %d, lower than entry %d's term %d (Raft terms never decrease along a log; the library does not check it)",
				sl.index, r.Term, sl.index-1, prev.slot.rec.Term)
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
		c.add(raftlog.Error, CodeResumeAddressBeyondChunks, sl.file, sl.off, sl.index, holeFix(l, sl.index),
			"the next append resumes at End(%d) = %d, past the last data chunk (which ends at %d)", sl.index, end, limit)
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
		c.add(raftlog.Warning, CodePadding292Unproven, sl.file, sl.off, e.Index,
			"none while the writer is unknown: if DotNext 6.0.0–6.5.x or 5.x wrote this entry before an upgrade, "+
				"rebuild the node from a replica that holds the appended payload (walctl diff DIR OTHER shows the entries that differ)",
			"entry %d is laid out like a #292-padded entry (its record says Offset %d, Length %d: %d zero bytes up to "+
				"the chunk boundary %d, then %d bytes that fit one chunk), but %s; walctl does not call it damage. "+
				"If it is padded, DotNext delivers all %d bytes instead of the %d appended ones",
			e.Index, r.Offset, r.Length, p.Bytes, p.Boundary, p.TrueLength, p.Missing, r.Length, p.TrueLength)
		return
	}
	sev := raftlog.Error
	if !e.Committed {
		sev = raftlog.Warning
	}
	if c.counts[CodePadding292] >= maxPerCode {
		c.counts[CodePadding292]++ // summarised; spare the digests
		return
	}
	_, writer, _ := l.padWriter()
	hashed := l.Params.Hash != HashNone
	hashNote := ""
	if hashed {
		hashNote = fmt.Sprintf("; the stored %s hash covers the padding, so nothing mismatches", l.Params.Hash.LibraryName())
	}
	effect := "the state machine applied"
	if !e.Committed {
		effect = "once the entry is committed, the state machine applies"
	}
	fix := fixApply + " (rewrites only the records of padded entries: Offset = the chunk boundary, Length = the appended length" +
		ifThen(hashed, ", hash recomputed") + "; no data byte moves)"
	c.add(sev, CodePadding292, sl.file, sl.off, e.Index, fix,
		"%s entry %d carries #292 padding: its record says Offset %d, Length %d, but that range is %d zero bytes "+
			"up to the chunk boundary %d, then the %d bytes that were appended. "+
			"Every DotNext release from 6.0.0 to 6.12.x delivers the %d bytes (sha256 %.12s) instead of the %d appended ones "+
			"(sha256 %.12s), without an exception%s: %s [%d zero bytes][payload]. "+
			"Written by DotNext 6.0.0–6.5.x on unbuffered appends (entries a follower receives, AppendAsync(entry, index), "+
			"batch appends), and by 5.x for entries without a memory block; this log's writer can be one of them: %s. "+
			"The exact correction: Offset %d, Length %d",
		committedLabel(e.Committed), e.Index, r.Offset, r.Length, p.Bytes, p.Boundary, p.TrueLength,
		r.Length, l.digest(e.Payload), p.TrueLength, l.digest(p.TruePayload), hashNote, effect, p.Bytes, writer,
		p.TrueOffset, p.TrueLength)
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
		where = fmt.Sprintf("its payload (%s @%d, %d bytes; the record chains with its neighbours)", file, off, r.Length)
	}
	code := CodeHashMismatch
	fix := "no safe repair: committed entry " + itoa(e.Index) + " is damaged; truncate the log to index " + itoa(e.Index-1) + " and re-replicate from a healthy peer (on a single node the entries from " + itoa(e.Index) + " on are lost)"
	if !e.Committed {
		code = CodeHashMismatchUncommitted
		fix = fixApply + " (truncates the uncommitted tail to index " + itoa(e.Index-1) + "; nothing committed is lost)"
	}
	c.add(raftlog.Error, code, file, off, e.Index, fix,
		"the %s hash of %s entry %d does not match; %s most likely changed. %s throws HashMismatchException from InitializeAsync (it verifies (S, T] = (%d, %d]); reads still return the changed bytes",
		l.Params.Hash.LibraryName(), committedLabel(e.Committed), e.Index, where, lib6, l.S, l.T)
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
		fix := fixApply + " (truncates the uncommitted tail to index " + itoa(first-1) + ")"
		if u.committed > 0 {
			fix = "no safe repair: committed payloads are lost locally; restore " + file + " from a backup, or truncate the log to index " + itoa(first-1) + " and re-replicate from a peer"
		}
		if u.missing {
			effect := fmt.Sprintf("reading these entries fails on their payload (MissingPageException \"WAL page %d doesn't exist on the disk\")", k)
			if u.committed > 0 {
				if l.Reader == Reader5x {
					effect = fmt.Sprintf("%s: InitializeAsync throws PendingTaskInterruptedException (the applier stops before entry %d) and afterwards every ReadAsync throws ArgumentOutOfRangeException (pageIndex), also for intact entries", lib5, first)
				} else {
					effect = fmt.Sprintf("%s: InitializeAsync throws PendingTaskInterruptedException → InternalException → MissingPageException \"WAL page %d doesn't exist on the disk\" (the applier stops before entry %d) and afterwards every ReadAsync throws InternalException, also for intact entries", lib6, k, first)
				}
			}
			c.add(raftlog.Error, CodeDataChunkMissing, file, 0, first, fix,
				"%s does not exist but holds the payloads of %s (%d committed): %s", file, list, u.committed, effect)
			continue
		}
		size := int64(0)
		if pf, ok := l.sc.data.get(uint32(k)); ok {
			size = pf.size
		}
		c.add(raftlog.Error, CodeDataChunkShort, file, size, first, fix,
			"%s is %d bytes, not %d, and holds the payloads of %s (%d committed): the library grows it with zeros on open and silently delivers zeros for the missing bytes",
			file, size, l.Params.ChunkSize, list, u.committed)
	}
}

// indexRange renders "entry 5" or "entries 5–9".
func indexRange(one, many string, a, b int64) string {
	if a == b {
		return fmt.Sprintf("%s %d", one, a)
	}
	return fmt.Sprintf("%s %d–%d", many, a, b)
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
		c.add(raftlog.Info, CodeTailBeyondEnd, l.pageName(t.first), -1, t.first, "",
			"%s follow T = %d as a consistent chain, but they are not part of the log: %s ignores them on open and overwrites them with the next appends",
			indexRange("entry", "entries", t.first, t.last), l.T, l.libName())
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
