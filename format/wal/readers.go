package wal

import (
	"fmt"
	"math"

	"github.com/walctl/walctl/release"
)

// CheckpointFormFor is the checkpoint form release v reads and writes
// (spec §4.1, §0.4): 8 bytes for 5.22–5.26.x, 12 for 6.0–6.7.x, 20 for
// 6.8.0+. ok is false for releases without a WriteAheadLog (before 5.22.0).
func CheckpointFormFor(v release.Version) (form int, ok bool) {
	switch {
	case v.Less(release.WriteAheadLogAdded):
		return 0, false
	case v.Less(release.WALRecord32):
		return Checkpoint5x, true
	case v.Less(release.CheckpointV1):
		return CheckpointV0, true
	}
	return CheckpointV1, true
}

// Writers is every release with a WriteAheadLog: 5.22.0 and later.
var Writers = release.Of(release.Since(release.WriteAheadLogAdded))

// WriterFact is one fact of a WriteAheadLog directory and the releases that
// produce it (spec §0.4). Assumes is what must hold for a weak fact to
// count ("" for facts only those releases produce).
type WriterFact struct {
	Fact    string
	Set     release.Set
	Assumes string
}

// ignoreTimestampFalse is the AppContext switch that keeps the 40-byte
// record in 6.x (spec §3.2).
const ignoreTimestampFalse = "with IgnoreTimestamp=false"

// WriterFacts are the facts the layout parameters and the checkpoint form
// give about the releases that wrote the directory: the record layout
// (5.x: 40 bytes with UTC ticks; 6.x: 32 bytes, or 40 with zero timestamps
// under the switch), a per-entry hash (6.x only), the checkpoint form (8:
// 5.x; 12: 6.0–6.7.x; 20: 6.8.0+; a 6.x node rewrites the form at its first
// flush), metadata pages larger than 4096 bytes (6.6.5–6.8.0 on a large-page
// host) and entries placed at a chunk boundary after a gap (#292 fixed).
func WriterFacts(p Params, form int) []WriterFact {
	var out []WriterFact
	add := func(fact string, set release.Set, assumes string) {
		out = append(out, WriterFact{Fact: fact, Set: set, Assumes: assumes})
	}
	six := release.Of(release.Since(release.WALRecord32))
	fiveX := release.Of(release.Between(release.WriteAheadLogAdded, release.WALRecord32))
	switch {
	case p.Layout == Layout5 && p.Timestamps == TicksUTC:
		add("40-byte records holding UTC ticks", fiveX, "")
	case p.Layout == Layout5:
		switched := release.Set{{Range: release.Since(release.WALRecord32), Condition: ignoreTimestampFalse}}
		add("40-byte records with zero timestamps", switched, "")
	case p.Layout == Layout6:
		add("32-byte records (no timestamp)", six, "")
	}
	if p.Hash != HashNone {
		add("a per-entry "+p.Hash.String()+" hash after the record", six, "")
	}
	switch form {
	case Checkpoint5x:
		add("the 8-byte checkpoint", fiveX, "")
	case CheckpointV0:
		add(
			"the 12-byte version-0 checkpoint",
			release.Of(release.Between(release.WALRecord32, release.CheckpointV1)),
			"",
		)
	case CheckpointV1:
		add("the 20-byte version-1 checkpoint", release.Of(release.Since(release.CheckpointV1)), "")
	}
	if p.PageSize > minPageSize {
		add(fmt.Sprintf("metadata pages of %d bytes", p.PageSize), release.Of(release.MetadataPageOS),
			fmt.Sprintf("the host's OS pages were %d bytes", p.PageSize))
	}
	if p.FixedPlacements > 0 {
		add(fmt.Sprintf("%d entries placed at a chunk boundary after a gap (#292 fixed)", p.FixedPlacements),
			release.Of(release.Since(release.Pad292Fixed)),
			"that walctl repair did not correct them (it places them the same way)")
	}
	return out
}

// WritersOf names the releases that write a directory with these
// parameters and this checkpoint form: what the facts (WriterFacts) leave.
func WritersOf(p Params, form int) string { return writerRange(p, form) }

// writerRange names the releases the facts leave.
func writerRange(p Params, form int) string {
	facts := WriterFacts(p, form)
	sets, weak := make([]release.Set, len(facts)), make([]bool, len(facts))
	for i, f := range facts {
		sets[i], weak[i] = f.Set, f.Assumes != ""
	}
	set, _ := release.Narrow(Writers, sets, weak)
	if set.Empty() {
		return "no single release (the facts conflict: walctl detect lists them)"
	}
	return set.String()
}

// ReleaseRead is what one DotNext release makes of this directory, opened
// with the node's settings carried over (chunk size, hash; the AppContext
// switch IgnoreTimestamp=false only where the node already had it): the
// model of the upgrade gate (spec §0.4, §3.1–§3.2, §4.1, §7.1, §7.3, §8).
//
//	release     record it reads                      checkpoint it reads
//	< 5.22.0    no WriteAheadLog class               —
//	5.22–5.26   40-byte, 64-byte slots               int64 at 0 (a 12/20-byte 6.x file: version | C << 32);
//	                                                 fewer than 8 bytes: C = 0
//	6.0–6.7.x   32-byte (40 with the switch), slots  8 bytes: C; 12: version 0 + C; version 1 throws
//	            sized to record + hash               UnsupportedCheckpointVersionException
//	6.8.0+      as 6.0                               as 6.0, and version 1 (C, L)
//
// Metadata pages are 4096 bytes for every reader but 6.6.5–6.8.0, which use
// the OS page size when it is larger. The #292 padding is read the same
// way by every release, so it is no cross-version difference.
type ReleaseRead struct {
	Release release.Version
	// OpenError: the release cannot construct the WriteAheadLog.
	OpenError string
	// Commit is LastCommittedEntryIndex as the release computes it,
	// max(C', S), and Checkpoint says how it read C'.
	Commit     int64
	Checkpoint string
	// RecordSize and SlotSize are the record layout the release reads the
	// metadata pages with; Misread says why it differs from the files'.
	RecordSize, SlotSize int64
	Misread              string
	// InitError: InitializeAsync fails because the applier meets an index
	// of (S, Commit] whose metadata page does not exist.
	InitError string
	// Option is a setting the node must keep (or set) for this read.
	Option string
	// Host is a caveat that depends on the host's OS page size.
	Host string
}

// ReadBy models release v opening the directory.
func (l *Log) ReadBy(v release.Version) ReleaseRead {
	p := l.Params
	r := ReleaseRead{Release: v, RecordSize: p.RecordSize, SlotSize: p.SlotSize}
	if v.Less(release.WriteAheadLogAdded) {
		r.OpenError = fmt.Sprintf("DotNext %s has no WriteAheadLog (it came in %s): the application cannot open "+
			"this directory", v, release.WriteAheadLogAdded)
		return r
	}
	fiveXFiles := p.Layout == Layout5 && p.Timestamps == TicksUTC
	var c int64
	if v.Less(release.WALRecord32) {
		c = l.read5x(&r)
	} else {
		c = l.read6x(&r, fiveXFiles)
		if r.OpenError != "" {
			return r
		}
	}
	r.Commit = clampIndex(max(c, l.S))
	l.pageSize(&r, v)
	if r.OpenError == "" {
		l.applier(&r)
	}
	return r
}

// read5x: 5.x reads C as bytes 0..7 (0 when fewer exist) and 40-byte
// records in 64-byte slots (hash bytes after them are never read).
func (l *Log) read5x(r *ReleaseRead) int64 {
	p, cp := l.Params, l.Checkpoint
	r.RecordSize, r.SlotSize = RecordSize5, 64
	if p.RecordSize != RecordSize5 || p.SlotSize != 64 {
		r.Misread = fmt.Sprintf("DotNext 5.x reads 40-byte records in 64-byte slots; these are %d-byte records in "+
			"%d-byte slots", p.RecordSize, p.SlotSize)
	}
	switch {
	case !cp.Present || cp.Size == 0:
		r.Checkpoint = "no checkpoint: commit index 0"
	case cp.Size < Checkpoint5x:
		r.Checkpoint = fmt.Sprintf("a %d-byte checkpoint: fewer than 8 bytes, so commit index 0", cp.Size)
	case cp.Form == Checkpoint5x:
		r.Checkpoint = "the 8-byte checkpoint"
	default:
		r.Checkpoint = fmt.Sprintf("the %d-byte checkpoint as one int64 (version | C << 32 = %d)", cp.Size, cp.C5x)
	}
	return cp.C5x
}

// read6x: 6.x reads the checkpoint by its version field (6.0–6.7.x accept
// version 0 only) and, for a 5.x directory without the switch, 32-byte
// records in 32-byte slots.
func (l *Log) read6x(r *ReleaseRead, fiveXFiles bool) int64 {
	p, cp := l.Params, l.Checkpoint
	v := r.Release
	switch {
	case !cp.Present || cp.Size == 0:
		r.Checkpoint = "no checkpoint: commit index 0"
	case !cp.Valid6x:
		r.OpenError = fmt.Sprintf("UnsupportedCheckpointVersionException from the constructor: the checkpoint's "+
			"version field is %d", cp.Version)
	case cp.Size != Checkpoint5x && cp.Version == 1 && v.Less(release.CheckpointV1):
		r.OpenError = fmt.Sprintf("UnsupportedCheckpointVersionException from the constructor: DotNext %s reads "+
			"only the 12-byte version-0 checkpoint, this one is the %d-byte version 1 (6.8.0+)", v, cp.Size)
	case cp.Form == Checkpoint5x:
		r.Checkpoint = "the 8-byte 5.x checkpoint"
	default:
		r.Checkpoint = fmt.Sprintf("the %d-byte version-%d checkpoint", cp.Size, cp.Version)
	}
	switch {
	case fiveXFiles:
		r.RecordSize, r.SlotSize = RecordSize6, 32
		r.Misread = fmt.Sprintf("DotNext 6.x without the AppContext switch "+
			"DotNext.IO.WriteAheadLog.IgnoreTimestamp=false reads 32-byte records in 32-byte slots; these are the "+
			"5.x 40-byte records in %d-byte slots", p.SlotSize)
		r.Option = "the switch DotNext.IO.WriteAheadLog.IgnoreTimestamp=false (runtimeconfig.json or " +
			"AppContext.SetSwitch) makes 6.x read the 40-byte records, for good"
	case p.Layout == Layout5:
		r.Option = "keep the switch DotNext.IO.WriteAheadLog.IgnoreTimestamp=false the node was written with"
	}
	return cp.C
}

// pageSize: a metadata page file must be the size the release maps.
func (l *Log) pageSize(r *ReleaseRead, v release.Version) {
	pm := l.Params.PageSize
	switch {
	case pm > minPageSize && !release.MetadataPageOS.Contains(v):
		r.OpenError = fmt.Sprintf("ArgumentOutOfRangeException (capacity) at open with SharedMemory: DotNext %s "+
			"maps metadata pages of 4096 bytes, these are %d (written by 6.6.5–6.8.0 on a host with %d-byte "+
			"pages); with PrivateMemory every slot is misplaced", v, pm, pm)
	case pm > minPageSize:
		r.Host = fmt.Sprintf("only on a host whose OS pages are %d bytes: DotNext %s maps max(4096, the OS page "+
			"size)", pm, v)
	case release.MetadataPageOS.Contains(v):
		r.Host = fmt.Sprintf("on a host whose OS pages are larger than 4 KiB (Apple silicon, some ARM64 Linux), "+
			"DotNext %s maps larger metadata pages and misreads these 4096-byte ones (dotNext #299)", v)
	}
}

// applier: InitializeAsync waits for the applier, which reads every slot
// of (S, Commit]; an index whose metadata page is missing (in the layout
// the release reads) fails it (spec §7.4, applier failure).
func (l *Log) applier(r *ReleaseRead) {
	if r.Commit <= l.S {
		return
	}
	per := minPageSize / r.SlotSize
	if l.Params.PageSize > minPageSize && release.MetadataPageOS.Contains(r.Release) {
		per = l.Params.PageSize / r.SlotSize
	}
	from, to := (l.S+1)/per, r.Commit/per
	have := int64(0)
	for _, n := range l.sc.meta.nums {
		if int64(n) >= from && int64(n) <= to {
			have++
		}
	}
	if have == to-from+1 {
		return
	}
	missing := from
	for ; missing <= to; missing++ {
		if _, ok := l.sc.meta.get(uint32(min(missing, math.MaxUint32))); !ok || missing > math.MaxUint32 {
			break
		}
	}
	r.InitError = fmt.Sprintf("InitializeAsync fails (PendingTaskInterruptedException; 5.x: "+
		"ArgumentOutOfRangeException pageIndex): the applier reads index %d from metadata page %d, which does not "+
		"exist",
		max(missing*per, l.S+1), missing)
}

// Differs says how b (another release) reads the committed entries
// differently from r, in words ("" when they read them alike): one opens
// and the other cannot, another commit index, another record layout, or
// only one of them fails to initialize.
func (r ReleaseRead) Differs(b ReleaseRead) string {
	switch {
	case r.OpenError != "" && b.OpenError != "":
		return ""
	case b.OpenError != "":
		return b.OpenError
	case r.OpenError != "":
		return fmt.Sprintf("DotNext %s opens a directory its writer cannot open", b.Release)
	case b.Commit != r.Commit:
		return fmt.Sprintf("commit index %d instead of %d (%s)", b.Commit, r.Commit, b.Checkpoint)
	case b.RecordSize != r.RecordSize || b.SlotSize != r.SlotSize:
		return b.Misread
	case (b.InitError == "") != (r.InitError == ""):
		if b.InitError != "" {
			return b.InitError
		}
		return fmt.Sprintf("DotNext %s initializes a log its writer cannot", b.Release)
	}
	return ""
}
