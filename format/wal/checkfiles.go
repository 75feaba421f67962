package wal

import (
	"fmt"
	"strings"

	"github.com/walctl/walctl/raftlog"
)

// checkDirs runs the structural checks of spec §11.1 on metadata/ and data/.
func (l *Log) checkDirs(c *checkPass, live *liveSummary, tail tailSummary) {
	sc := l.sc
	for _, d := range []*pageDir{&sc.meta, &sc.data} {
		if !d.exists {
			c.add(raftlog.Error, CodeDirectoryMissing, d.dir, -1, raftlog.NoIndex, "no safe repair: restore "+d.dir+"/ from a backup or re-replicate the node",
				"the log has no %s/ directory: the library creates an empty one and loses every entry it held", d.dir)
		}
		for _, name := range d.odd {
			c.add(raftlog.Warning, CodePageNameNoncanonical, name, -1, raftlog.NoIndex, "move the file out of "+d.dir+"/ (the library never reads it)",
				"%s parses as a page number but is not canonical: the library counts it, then opens or creates the canonical file and never reads this one", name)
		}
		for _, name := range d.foreign {
			c.add(raftlog.Warning, CodePageDirForeignFile, name, -1, raftlog.NoIndex, "",
				"%s is not a page file (its name is not a number); the library ignores it", name)
		}
		l.checkGaps(c, d)
	}
	if sc.nodeState || len(sc.rootNumeric) > 0 {
		c.add(raftlog.Warning, CodeForeignFiles, ".", -1, raftlog.NoIndex, "",
			"the root also holds PersistentState files (node.state or numeric partition files): two log formats share this directory")
	}
	l.checkMetaSizes(c, live)
	l.checkChunkSizes(c, live)
	l.checkBelowSnapshot(c, live)
	l.checkBeyondEnd(c, live, tail)
	l.openFileFinding(c)
}

func (l *Log) checkGaps(c *checkPass, d *pageDir) {
	for k := 1; k < len(d.nums); k++ {
		if d.nums[k] != d.nums[k-1]+1 {
			c.add(raftlog.Warning, CodePageGap, d.dir, -1, raftlog.NoIndex, "",
				"%s/ has no %s between %d and %d (live entries in them are reported separately)",
				d.dir, indexRange("page", "pages", int64(d.nums[k-1])+1, int64(d.nums[k])-1), d.nums[k-1], d.nums[k])
		}
	}
}

// verb picks the singular or plural form for n subjects.
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// checkMetaSizes: every metadata page must be exactly P_m bytes.
func (l *Log) checkMetaSizes(c *checkPass, live *liveSummary) {
	for _, n := range l.sc.meta.nums {
		pf := l.sc.meta.pages[n]
		switch {
		case pf.size > l.Params.PageSize:
			c.add(raftlog.Error, CodeMetadataPageOversized, pf.name, l.Params.PageSize, raftlog.NoIndex,
				fixApply+" (truncates it to the page size when the excess is zero or garbage)",
				"%s is %d bytes, larger than the %d-byte page: SharedMemory open fails with ArgumentOutOfRangeException (capacity)", pf.name, pf.size, l.Params.PageSize)
		case pf.size < l.Params.PageSize:
			if _, cut := live.truncated[pf.name]; cut {
				continue // reported with the entries it cuts
			}
			sev, code := raftlog.Warning, CodeMetadataTruncated
			if pf.size == 0 {
				code = CodePageFileEmpty
			}
			c.add(sev, code, pf.name, pf.size, raftlog.NoIndex, "",
				"%s is %d bytes, not %d, but holds no live entry: the library grows it with zeros on open", pf.name, pf.size, l.Params.PageSize)
		}
	}
}

// checkChunkSizes: every data chunk must be exactly P_d bytes.
func (l *Log) checkChunkSizes(c *checkPass, live *liveSummary) {
	for _, n := range l.sc.data.nums {
		pf := l.sc.data.pages[n]
		switch {
		case pf.size > l.Params.ChunkSize:
			c.add(raftlog.Error, CodeDataChunkOversized, pf.name, l.Params.ChunkSize, raftlog.NoIndex,
				"open the log with its real chunk size (walctl inspect --chunk-size), or truncate the file if the excess is garbage",
				"%s is %d bytes, larger than the %d-byte chunk: SharedMemory open fails with ArgumentOutOfRangeException (capacity); a log is opened with the chunk size it was written with", pf.name, pf.size, l.Params.ChunkSize)
		case pf.size < l.Params.ChunkSize:
			if _, used := live.chunkUsers[int64(n)]; used {
				continue // reported with its entries (data-chunk-short)
			}
			code := CodeDataChunkShort
			if pf.size == 0 {
				code = CodePageFileEmpty
			}
			c.add(raftlog.Warning, code, pf.name, pf.size, raftlog.NoIndex, "",
				"%s is %d bytes, not %d, but holds no live payload byte: the library grows it with zeros when it maps it (an interrupted creation)", pf.name, pf.size, l.Params.ChunkSize)
		}
	}
}

// checkBelowSnapshot reports pages the cleaner has not deleted yet.
func (l *Log) checkBelowSnapshot(c *checkPass, live *liveSummary) {
	if l.S <= 0 {
		return
	}
	per := l.slots.perPage
	var pages []string
	for _, n := range l.sc.meta.nums {
		if (int64(n)+1)*per-1 <= l.S {
			pages = append(pages, l.sc.meta.pages[n].name)
		}
	}
	if len(pages) > 0 {
		c.add(raftlog.Warning, CodePagesBelowSnapshot, pages[0], -1, raftlog.NoIndex, "",
			"%s only slots ≤ S = %d: not cleaned yet; DotNext 6.8.0+ deletes such pages at the first flush after open (measured with 6.12.0), ≤ 6.7.x only after a newer snapshot",
			strings.Join(pages, ", ")+verb(len(pages), " holds", " hold"), l.S)
	}
	if live.firstAddr < 0 {
		return
	}
	var chunks []string
	for _, n := range l.sc.data.nums {
		if int64(n) < l.dr.chunkOf(live.firstAddr) {
			chunks = append(chunks, l.sc.data.pages[n].name)
		}
	}
	if len(chunks) > 0 {
		c.add(raftlog.Info, CodeChunksBelowSnapshot, chunks[0], -1, raftlog.NoIndex, "",
			"%s only bytes before entry %d's payload (entries ≤ S = %d); the cleaner deletes such chunks after a later snapshot (6.8.0+ does not delete data chunks at open)",
			strings.Join(chunks, ", ")+verb(len(chunks), " holds", " hold"), l.S+1, l.S)
	}
}

// checkBeyondEnd reports chunk files past the last byte any live or tail
// entry uses.
func (l *Log) checkBeyondEnd(c *checkPass, live *liveSummary, tail tailSummary) {
	end := max(live.endAddr, tail.endAddr)
	if live.nonZero == 0 && tail.last < tail.first || live.brokeAt >= 0 {
		return // no end known, or damage hides where the log really ends
	}
	lastUsed := l.dr.chunkOf(max(end, 1) - 1)
	var extra []string
	for _, n := range l.sc.data.nums {
		// The chunk holding the resume address may exist already.
		if int64(n) > lastUsed && int64(n) != l.dr.chunkOf(end) {
			extra = append(extra, l.sc.data.pages[n].name)
		}
	}
	if len(extra) > 0 {
		c.add(raftlog.Warning, CodeChunksBeyondEnd, extra[0], -1, raftlog.NoIndex, "",
			"%s past the end of the last entry's payload (address %d): stale, pre-created or an unflushed tail; the library overwrites such chunks with the next appends",
			strings.Join(extra, ", ")+verb(len(extra), " lies", " lie"), end)
	}
}

// checkCheckpoint runs the checkpoint checks (spec §4.1, §11.1, §11.4).
func (l *Log) checkCheckpoint(c *checkPass, live *liveSummary, tail tailSummary) {
	cp := l.Checkpoint
	ext := &c.ext
	switch {
	case !cp.Present:
		sev := raftlog.Warning
		if ext.LastWritten > l.S {
			sev = raftlog.Error
		}
		c.add(sev, CodeCheckpointMissing, "checkpoint", -1, raftlog.NoIndex,
			"walctl repair --apply --commit-index N DIR with N the cluster's commit index (from a healthy peer, or walctl diff): it is not on disk, and a guessed one could commit entries the cluster never committed",
			"the checkpoint file is missing: the library creates an empty one and opens the log at S = %d, discarding entries %d–%d", l.S, l.S+1, ext.LastWritten)
	case cp.Torn():
		l.reportTorn(c, tail)
	case !cp.Valid6x && l.Reader == Reader6x:
		c.add(raftlog.Error, CodeCheckpointVersionUnsupported, "checkpoint", 0, raftlog.NoIndex,
			"no safe repair unless the commit index is known: rewrite the checkpoint with a commit index confirmed by peers",
			"checkpoint version field is %d: every 6.x release throws UnsupportedCheckpointVersionException at open (its message reports version 0)", cp.Version)
	}
	if cp.Form == CheckpointEmpty && tail.last >= tail.first && l.T == l.S {
		c.add(raftlog.Warning, CodeCheckpointEmpty, "checkpoint", 0, raftlog.NoIndex,
			"if those entries were committed: set the commit index only to an index known to be committed (e.g. from a peer)",
			"the checkpoint is empty (nothing flushed), but entries %d–%d are in the files: the library opens the log at S = %d and ignores them", tail.first, tail.last, l.S)
	}
	if l.HasL && cp.Form == CheckpointV1 && cp.L < cp.C {
		c.add(raftlog.Error, CodeCheckpointLastBelowCommit, "checkpoint", 12, raftlog.NoIndex, fixApply,
			"checkpoint L = %d is below C = %d, which the library never writes", cp.L, cp.C)
	}
	if cp.Valid6x && (cp.C < 0 || (l.HasL && cp.L < 0)) {
		c.add(raftlog.Error, CodeCheckpointNegative, "checkpoint", 0, raftlog.NoIndex, fixApply,
			"checkpoint holds a negative index (C = %d, L = %d): the library takes max(C, S), so the log opens at S = %d", cp.C, cp.L, l.S)
	}
	switch {
	case cp.Form == CheckpointV0 && cp.Version == 1:
		c.add(raftlog.Warning, CodeCheckpointMixedForm, "checkpoint", 0, raftlog.NoIndex, fixApply,
			"the 12-byte checkpoint begins with version 1 (a 20-byte write torn at 12 bytes): 6.8.0+ reads L = 0, so T = max(C, S)")
	case cp.Form == CheckpointV1 && cp.Version == 0:
		c.add(raftlog.Warning, CodeCheckpointMixedForm, "checkpoint", 0, raftlog.NoIndex, fixApply,
			"the 20-byte checkpoint begins with version 0: bytes 12..19 are ignored, so uncommitted entries after C are dropped on open")
	case cp.Form == CheckpointV1:
		c.add(raftlog.Info, CodeCheckpointV1, "checkpoint", 0, raftlog.NoIndex, "",
			"version-1 checkpoint (6.8.0+): 6.0.0–6.7.x cannot open this directory (UnsupportedCheckpointVersionException); a downgrade needs the 12-byte form")
	}
	if live.pastEnd[1] >= live.pastEnd[0] {
		l.reportPastEnd(c, live)
	}
}

// reportTorn explains a checkpoint of a size the library never writes.
func (l *Log) reportTorn(c *checkPass, tail tailSummary) {
	cp := l.Checkpoint
	ext := &c.ext
	rec, ok := cp.Recovered(l.Reader == Reader5x)
	if ok {
		ext.RecoveredC = rec
		ext.RecoveredConfirmed = rec >= l.S && rec <= ext.ValidEnd
	}
	var effect string
	switch {
	case l.Reader == Reader5x:
		lost := fmt.Sprintf("the entries after S = %d", l.S)
		if ext.RecoveredConfirmed && ext.RecoveredC > l.S {
			lost = "committed " + indexRange("entry", "entries", l.S+1, ext.RecoveredC)
		}
		effect = fmt.Sprintf("%s reads fewer than 8 bytes as C = 0 and opens an empty log at S = %d: %s become invisible although their slots are intact", lib5, l.S, lost)
	case !cp.Valid6x:
		effect = fmt.Sprintf("every 6.x release reads its first 4 bytes as version %d and throws UnsupportedCheckpointVersionException at open", cp.Version)
	default:
		effect = fmt.Sprintf("%s reads version %d with the missing bytes as zero: C = %d", lib6, cp.Version, l.C)
		if l.HasL {
			effect += fmt.Sprintf(", L = %d", l.L)
		}
		if tail.last >= tail.first {
			effect += fmt.Sprintf(", so T = %d and the flushed %s disappear on open", l.T, indexRange("entry", "entries", tail.first, tail.last))
		}
	}
	fix := "walctl repair --apply --commit-index N DIR with N the cluster's commit index (from a healthy peer, or walctl diff): it is not on disk, and a guessed one could commit entries the cluster never committed"
	if ext.RecoveredConfirmed {
		form, last := cp.Form, ext.ValidEnd
		switch {
		case l.Reader == Reader5x:
			form = Checkpoint5x
		case cp.Version == 1:
			form = CheckpointV1
		default:
			form = CheckpointV0
		}
		fix = fmt.Sprintf("%s (rewrites the %s checkpoint with C = %d", fixApply, formName(form), ext.RecoveredC)
		if form == CheckpointV1 {
			fix += fmt.Sprintf(", L = %d", max(last, ext.RecoveredC))
		}
		fix += ")"
	}
	msg := fmt.Sprintf("the checkpoint is %d bytes, a size the library never writes (a torn or cut write): %s", cp.Size, effect)
	if ok {
		msg += fmt.Sprintf(". The surviving bytes give C = %d", rec)
		if ext.RecoveredConfirmed {
			msg += fmt.Sprintf(", and slots %d–%d are valid and chained", l.S+1, rec)
		} else {
			msg += ", which the slots do not confirm"
		}
	}
	c.add(raftlog.Error, CodeCheckpointTorn, "checkpoint", cp.Size, raftlog.NoIndex, fix, "%s", msg)
}

// reportPastEnd: (S, T] ends with slots that were never written.
func (l *Log) reportPastEnd(c *checkPass, live *liveSummary) {
	a, b := live.pastEnd[0], live.pastEnd[1]
	cp := l.Checkpoint
	off := int64(4)
	if cp.Form == Checkpoint5x || l.Reader == Reader5x {
		off = 0
	}
	last := live.lastNonZero
	var effect string
	if a <= l.Commit() {
		effect = fmt.Sprintf("%s counts the phantom entries %d–%d as committed: it applies them as zero-filled entries (Term 0, Length 0)", l.libName(), a, min(b, l.Commit()))
	} else {
		effect = fmt.Sprintf("%s recognises the phantom entries %d–%d (Term 0, Length 0) as uncommitted entries", l.libName(), a, b)
	}
	if hasMissingPage(l, a, b) {
		effect += ", and reading those whose metadata page is missing throws MissingPageException"
	}
	c.add(raftlog.Error, CodeCheckpointPastEnd, "checkpoint", off, a,
		fmt.Sprintf("%s (lowers the checkpoint to the last written entry %d; entries committed before are kept)", fixApply, last),
		"the checkpoint (C = %d%s) points past the last written entry %d: slots %d–%d were never written. %s",
		l.C, ifThen(l.HasL, fmt.Sprintf(", L = %d", l.L)), last, a, b, effect)
}

func hasMissingPage(l *Log, a, b int64) bool {
	missing := false
	l.slots.walk(a, b, func(slot) bool { return true }, func(int64, int64) bool { missing = true; return false })
	return missing
}

// checkState checks the `state` file (spec §5).
func (l *Log) checkState(c *checkPass, live *liveSummary) {
	size := l.sc.stateSize
	switch {
	case size < 0:
		c.add(raftlog.Error, CodeStateMissing, "state", -1, raftlog.NoIndex,
			fmt.Sprintf("no safe repair: the term and vote are lost; they can only be reconstructed (%s writes term %d, the highest term in the log, and no vote, so the node may vote twice in term %d)", fixApply, live.maxTerm, live.maxTerm),
			"the state file is missing: the library creates it with term 0 and no vote, so the node may vote twice in a term it already voted in")
	case size < StateSize:
		c.add(raftlog.Error, CodeStateTruncated, "state", size, raftlog.NoIndex,
			fmt.Sprintf("no safe repair: the term and vote are lost; they can only be reconstructed (%s writes term %d, the highest term in the log, and no vote, so the node may vote twice in term %d)", fixApply, live.maxTerm, live.maxTerm),
			"the state file is %d bytes, not 37: %s silently zeroes it on open (term 0, vote forgotten), although the log holds entries of term %d", size, l.libName(), live.maxTerm)
	case size > StateSize:
		c.add(raftlog.Warning, CodeStateOversized, "state", StateSize, raftlog.NoIndex, "",
			"the state file is %d bytes; the library reads the first 37 and ignores the rest", size)
	}
	if size >= StateSize && l.State.Term < live.maxTerm {
		c.add(raftlog.Warning, CodeStateTermBelowLog, "state", 29, raftlog.NoIndex, "",
			"the persisted term %d is below the term %d of an entry in the log (Raft requires currentTerm ≥ every entry's term)", l.State.Term, live.maxTerm)
	}
}

// checkSnapshots checks the SimpleStateMachine directory (spec §6.2).
func (l *Log) checkSnapshots(c *checkPass, live *liveSummary) {
	d := l.sc.snap
	for _, name := range d.bad {
		c.add(raftlog.Error, CodeSnapshotNameInvalid, name, -1, raftlog.NoIndex, "move the file out of the snapshot directory",
			"%s matches the restore mask *-* but is not <index>-<term>: SimpleStateMachine.RestoreAsync throws (FormatException or ArgumentOutOfRangeException), and 6.7.1+ already fail in the constructor", name)
	}
	for _, name := range d.tmp {
		c.add(raftlog.Warning, CodeSnapshotTmpFile, name, -1, raftlog.NoIndex, "delete it while the node is stopped",
			"%s is an abandoned temporary snapshot (6.6.5+): never committed, harmless garbage", name)
	}
	if len(d.files) > 1 {
		var old []string
		for _, f := range d.files[:len(d.files)-1] {
			old = append(old, f.File)
		}
		c.add(raftlog.Info, CodeSnapshotStale, old[0], -1, raftlog.NoIndex, "",
			"%s older than the newest snapshot %s and not reclaimed yet (6.8.0+ reclaims such files at the first flush after open)", strings.Join(old, ", ")+verb(len(old), " is", " are"), d.files[len(d.files)-1].File)
	}
	if s := l.Snapshot; s != nil && l.T > l.S {
		if first := l.readSlot(l.S + 1); first.kind == slotFull && !first.zero && first.rec.Term < s.Term {
			c.add(raftlog.Warning, CodeTermOrder, first.file, first.off, l.S+1, "",
				"entry %d has term %d, lower than the snapshot's term %d", l.S+1, first.rec.Term, s.Term)
		}
	}
	if l.S > 0 && l.Commit() < l.S {
		c.add(raftlog.Info, CodeCommitBelowSnapshot, "checkpoint", -1, raftlog.NoIndex, "", "C = %d is below S = %d; the library uses max(C, S)", l.C, l.S)
	}
}

// checkLayout reports layout facts that change how the library must be
// configured to read the log.
func (l *Log) checkLayout(c *checkPass) {
	p := l.Params
	if p.Layout == Layout5 && p.Timestamps == TicksUTC {
		c.add(raftlog.Warning, CodeLayout5xNeedsSwitch, "metadata", -1, raftlog.NoIndex,
			"set the AppContext switch DotNext.IO.WriteAheadLog.IgnoreTimestamp=false (runtimeconfig) and HashAlgorithm None before 6.x opens this log, and keep them forever",
			"5.x layout (40-byte records with UTC ticks, 64-byte slots): DotNext 6.x reads it correctly only with the AppContext switch DotNext.IO.WriteAheadLog.IgnoreTimestamp=false and no hash; with default options 6.12.0 opens it without an error and silently misreads every entry (32-byte slots)")
	} else if p.Layout == Layout5 {
		c.add(raftlog.Warning, CodeLayout5xNeedsSwitch, "metadata", -1, raftlog.NoIndex,
			"keep DotNext.IO.WriteAheadLog.IgnoreTimestamp=false in every process that opens this log",
			"legacy 40-byte records (written by 6.x with IgnoreTimestamp=false): a process without that AppContext switch reads 32-byte slots and silently misreads every entry")
	}
	if p.Confidence == Low {
		c.add(raftlog.Warning, CodeLayoutAmbiguous, "metadata", -1, raftlog.NoIndex,
			"pass the layout explicitly (--layout, --hash, --chunk-size)",
			"the layout was detected with low confidence (%s): %s", p.String(), strings.Join(p.Evidence, "; "))
	}
}
