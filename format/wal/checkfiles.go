package wal

import (
	"fmt"
	"strings"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/raftlog"
)

// checkDirs runs the structural checks of spec §11.1 on metadata/ and data/.
func (l *Log) checkDirs(c *checkPass, live *liveSummary, tail tailSummary) {
	sc := l.sc
	for _, d := range []*pageDir{&sc.meta, &sc.data} {
		if !d.exists {
			c.add(finding.DirectoryMissing, "", d.dir, -1, raftlog.NoIndex, finding.F{"dir": d.dir})
		}
		for _, name := range d.odd {
			c.add(finding.PageNameNoncanonical, "", name, -1, raftlog.NoIndex, finding.F{"dir": d.dir})
		}
		for _, name := range d.foreign {
			c.add(finding.PageDirForeignFile, "", name, -1, raftlog.NoIndex, finding.F{"dir": d.dir})
		}
		l.checkGaps(c, d)
	}
	if sc.nodeState || len(sc.rootNumeric) > 0 {
		c.add(finding.ForeignFiles, "", ".", -1, raftlog.NoIndex, nil)
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
			c.add(finding.PageGap, "", d.dir, -1, raftlog.NoIndex, finding.F{"dir": d.dir,
				"pages": indexRange("page", "pages", int64(d.nums[k-1])+1, int64(d.nums[k])-1),
				"below": int64(d.nums[k-1]), "above": int64(d.nums[k])})
		}
	}
}

// checkMetaSizes: every metadata page must be exactly P_m bytes.
func (l *Log) checkMetaSizes(c *checkPass, live *liveSummary) {
	l.checkSizes(c, &l.sc.meta, sizeRule{want: l.Params.PageSize, over: finding.MetadataPageOversized,
		short: finding.MetadataTruncated, holds: "entry",
		reported: func(_ uint32, name string) bool { _, cut := live.truncated[name]; return cut }})
}

// checkChunkSizes: every data chunk must be exactly P_d bytes.
func (l *Log) checkChunkSizes(c *checkPass, live *liveSummary) {
	l.checkSizes(c, &l.sc.data, sizeRule{want: l.Params.ChunkSize, over: finding.DataChunkOversized,
		short: finding.DataChunkShort, holds: "payload byte",
		reported: func(n uint32, _ string) bool { _, used := live.chunkUsers[int64(n)]; return used }})
}

// sizeRule is what checkSizes judges one kind of page file by: its size,
// the codes of a larger and a shorter file, what a live file holds, and
// whether a short file is already reported with the entries it cuts.
type sizeRule struct {
	want        int64
	over, short finding.Code
	holds       string
	reported    func(n uint32, name string) bool
}

func (l *Log) checkSizes(c *checkPass, d *pageDir, r sizeRule) {
	for _, n := range d.nums {
		pf := d.pages[n]
		switch {
		case pf.size > r.want:
			c.add(r.over, "", pf.name, r.want, raftlog.NoIndex, finding.F{"size": pf.size, "want": r.want})
		case pf.size < r.want && r.reported(n, pf.name):
		case pf.size == 0:
			c.add(finding.PageFileEmpty, "", pf.name, 0, raftlog.NoIndex, finding.F{"want": r.want, "what": r.holds})
		case pf.size < r.want:
			c.add(r.short, "idle", pf.name, pf.size, raftlog.NoIndex, finding.F{"size": pf.size, "want": r.want})
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
		c.add(finding.PagesBelowSnapshot, "", pages[0], -1, raftlog.NoIndex, finding.F{
			"pages": strings.Join(pages, ", ") + plural(len(pages), " holds", " hold"), "s": l.S})
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
		c.add(finding.ChunksBelowSnapshot, "", chunks[0], -1, raftlog.NoIndex, finding.F{
			"chunks": strings.Join(chunks, ", ") + plural(len(chunks), " holds", " hold"), "first": l.S + 1, "s": l.S})
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
		c.add(finding.ChunksBeyondEnd, "", extra[0], -1, raftlog.NoIndex, finding.F{
			"chunks": strings.Join(extra, ", ") + plural(len(extra), " lies", " lie"), "end": end})
	}
}

// checkCheckpoint runs the checkpoint checks (spec §4.1, §11.1, §11.4).
func (l *Log) checkCheckpoint(c *checkPass, live *liveSummary, tail tailSummary) {
	cp := l.Checkpoint
	ext := &c.ext
	switch {
	case !cp.Present:
		form := "empty-log"
		if ext.LastWritten > l.S {
			form = ""
		}
		c.add(finding.CheckpointMissing, form, "checkpoint", -1, raftlog.NoIndex, finding.F{"s": l.S,
			"entries": finding.Range(l.S+1, ext.LastWritten)})
	case cp.Torn():
		l.reportTorn(c, tail)
	case !cp.Valid6x && l.Reader == Reader6x:
		c.add(
			finding.CheckpointVersionUnsupported,
			"",
			"checkpoint",
			0,
			raftlog.NoIndex,
			finding.F{"version": int64(cp.Version)},
		)
	}
	if cp.Form == CheckpointEmpty && tail.last >= tail.first && l.T == l.S {
		c.add(finding.CheckpointEmpty, "", "checkpoint", 0, raftlog.NoIndex, finding.F{
			"entries": finding.Range(tail.first, tail.last), "s": l.S})
	}
	if l.HasL && cp.Form == CheckpointV1 && cp.L < cp.C {
		c.add(finding.CheckpointLastBelowCommit, "", "checkpoint", 12, raftlog.NoIndex, finding.F{"l": cp.L, "c": cp.C})
	}
	if cp.Valid6x && (cp.C < 0 || (l.HasL && cp.L < 0)) {
		c.add(
			finding.CheckpointNegative,
			"",
			"checkpoint",
			0,
			raftlog.NoIndex,
			finding.F{"c": cp.C, "l": cp.L, "s": l.S},
		)
	}
	switch {
	case cp.Form == CheckpointV0 && cp.Version == 1:
		c.add(finding.CheckpointMixedForm, "", "checkpoint", 0, raftlog.NoIndex, finding.F{"detail": "the 12-byte " +
			"checkpoint begins with version 1 (a 20-byte write torn at 12 bytes): 6.8.0+ reads L = 0, so T = max(C, S)"})
	case cp.Form == CheckpointV1 && cp.Version == 0:
		c.add(finding.CheckpointMixedForm, "", "checkpoint", 0, raftlog.NoIndex, finding.F{"detail": "the 20-byte " +
			"checkpoint begins with version 0: bytes 12..19 are ignored, so uncommitted entries after C are dropped on open"})
	case cp.Form == CheckpointV1:
		c.add(finding.CheckpointV1, "", "checkpoint", 0, raftlog.NoIndex, nil)
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
		effect = fmt.Sprintf(
			"%s reads fewer than 8 bytes as C = 0 and opens an empty log at S = %d: %s become invisible although their slots are intact",
			lib5,
			l.S,
			lost,
		)
	case !cp.Valid6x:
		effect = fmt.Sprintf(
			"every 6.x release reads its first 4 bytes as version %d and throws UnsupportedCheckpointVersionException at open",
			cp.Version,
		)
	default:
		effect = fmt.Sprintf("%s reads version %d with the missing bytes as zero: C = %d", lib6, cp.Version, l.C)
		if l.HasL {
			effect += fmt.Sprintf(", L = %d", l.L)
		}
		if tail.last >= tail.first {
			effect += fmt.Sprintf(
				", so T = %d and the flushed %s disappear on open",
				l.T,
				indexRange("entry", "entries", tail.first, tail.last),
			)
		}
	}
	form, facts := "", finding.F{}
	if ext.RecoveredConfirmed {
		cpForm, last := cp.Form, ext.ValidEnd
		switch {
		case l.Reader == Reader5x:
			cpForm = Checkpoint5x
		case cp.Version == 1:
			cpForm = CheckpointV1
		default:
			cpForm = CheckpointV0
		}
		facts = finding.F{"form": formName(cpForm), "c": ext.RecoveredC, "l": ""}
		if cpForm == CheckpointV1 {
			facts["l"] = fmt.Sprintf(", L = %d", max(last, ext.RecoveredC))
		}
		form = "recovered"
	}
	msg := fmt.Sprintf(
		"the checkpoint is %d bytes, a size the library never writes (a torn or cut write): %s",
		cp.Size,
		effect,
	)
	if ok {
		msg += fmt.Sprintf(". The surviving bytes give C = %d", rec)
		if ext.RecoveredConfirmed {
			msg += fmt.Sprintf(", and slots %d–%d are valid and chained", l.S+1, rec)
		} else {
			msg += ", which the slots do not confirm"
		}
	}
	facts["detail"] = msg
	c.add(finding.CheckpointTorn, form, "checkpoint", cp.Size, raftlog.NoIndex, facts)
}

// reportPastEnd: (S, T] ends with slots that were never written.
func (l *Log) reportPastEnd(c *checkPass, live *liveSummary) {
	a, b := live.pastEnd[0], live.pastEnd[1]
	c.ext.PastEnd = raftlog.Range{From: a, To: b}
	cp := l.Checkpoint
	off := int64(4)
	if cp.Form == Checkpoint5x || l.Reader == Reader5x {
		off = 0
	}
	last := live.lastNonZero
	var effect string
	if a <= l.Commit() {
		effect = fmt.Sprintf(
			"%s counts the phantom entries %d–%d as committed: it applies them as zero-filled entries (Term 0, Length 0)",
			l.libName(),
			a,
			min(b, l.Commit()),
		)
	} else {
		effect = fmt.Sprintf("%s recognises the phantom entries %d–%d (Term 0, Length 0) as uncommitted entries", l.libName(), a, b)
	}
	if hasMissingPage(l, a, b) {
		effect += ", and reading those whose metadata page is missing throws MissingPageException"
	}
	c.add(finding.CheckpointPastEnd, "", "checkpoint", off, a, finding.F{"c": l.C,
		"l": ifThen(
			l.HasL,
			fmt.Sprintf(", L = %d", l.L),
		), "last": last, "slots": finding.Range(a, b), "effect": effect})
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
		c.add(finding.StateMissing, "", "state", -1, raftlog.NoIndex, finding.F{"maxTerm": live.maxTerm,
			"minTerm": live.maxTerm + 1})
	case size < StateSize:
		c.add(finding.StateTruncated, "", "state", size, raftlog.NoIndex, finding.F{"size": size, "lib": l.libName(),
			"maxTerm": live.maxTerm, "minTerm": live.maxTerm + 1})
	case size > StateSize:
		c.add(finding.StateOversized, "", "state", StateSize, raftlog.NoIndex, finding.F{"size": size})
	}
	// A term below the entries' terms is the replay's finding
	// (term-above-current, or term-reset for a term of 0), one per cause.
}

// checkSnapshots checks the SimpleStateMachine directory (spec §6.2).
func (l *Log) checkSnapshots(c *checkPass, live *liveSummary) {
	d := l.sc.snap
	for _, name := range d.bad {
		c.add(finding.SnapshotNameInvalid, "", name, -1, raftlog.NoIndex, nil)
	}
	for _, name := range d.tmp {
		c.add(finding.SnapshotTmpFile, "", name, -1, raftlog.NoIndex, nil)
	}
	if r := d.recorded; r != nil {
		c.add(finding.SnapshotRecorded, "", SnapshotRecordFile, -1, raftlog.NoIndex, finding.F{"index": r.Index,
			"term": r.Term, "snapshotDir": d.dir})
	}
	if len(d.files) > 1 {
		var old []string
		for _, f := range d.files[:len(d.files)-1] {
			old = append(old, f.File)
		}
		c.add(finding.SnapshotStale, "", old[0], -1, raftlog.NoIndex, finding.F{
			"files": strings.Join(old, ", ") + plural(len(old), " is", " are"), "newest": d.files[len(d.files)-1].File})
	}
	if s := l.Snapshot; s != nil && l.T > l.S {
		if first := l.readSlot(l.S + 1); first.kind == slotFull && !first.zero && first.rec.Term < s.Term {
			c.add(finding.TermOrder, "snapshot", first.file, first.off, l.S+1, finding.F{"term": first.rec.Term,
				"prevTerm": s.Term})
		}
	}
	if l.S > 0 && l.Commit() < l.S {
		c.add(finding.CommitBelowSnapshot, "", "checkpoint", -1, raftlog.NoIndex, finding.F{"c": l.C, "s": l.S})
	}
}

// checkLayout reports layout facts that change how the library must be
// configured to read the log.
func (l *Log) checkLayout(c *checkPass) {
	p := l.Params
	if p.Layout == Layout5 && p.Timestamps == TicksUTC {
		c.add(finding.Layout5xNeedsSwitch, "", "metadata", -1, raftlog.NoIndex, nil)
	} else if p.Layout == Layout5 {
		c.add(finding.Layout5xNeedsSwitch, "6x", "metadata", -1, raftlog.NoIndex, nil)
	}
	if p.Confidence == Low {
		c.add(finding.LayoutAmbiguous, "", "metadata", -1, raftlog.NoIndex, finding.F{"params": p.String(),
			"evidence": strings.Join(p.Evidence, "; ")})
	}
}
