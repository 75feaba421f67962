// Package wal decodes, checks and writes the on-disk files of DotNext's
// WriteAheadLog (DotNext.Net.Cluster 5.22+ and 6.x): checkpoint, state,
// metadata pages, data chunks and SimpleStateMachine snapshot files
// (spec/write-ahead-log.md). It is a pure codec: it reads lazily, never
// prints and never modifies the directory it reads.
package wal

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/walctl/walctl/raftlog"
)

// Reader models: which library read algorithm the indexes follow.
const (
	// Reader5x: a 5.x directory (40-byte records with ticks, checkpoint not
	// yet rewritten by 6.x), read as 5.22–5.26.2 read it.
	Reader5x = "5.x"
	// Reader6x: read as 6.8.0–6.12.0 read it (6.0–6.7.x agree except for
	// version-1 checkpoints, which they reject).
	Reader6x = "6.x"
)

// Log is one opened WAL directory. It holds no payload bytes: entries are
// decoded on demand. A Log is safe for use by one goroutine at a time.
type Log struct {
	Params     Params
	Checkpoint Checkpoint
	// State is the node state as the library computes it: term and vote
	// from `state` (zero when the file is shorter than 37 bytes),
	// CommitIndex = max(C, S), LastIndex = T, LastApplied -1 (the WAL
	// persists no applied index).
	State    raftlog.NodeState
	Snapshot *raftlog.SnapshotMeta
	// Files lists metadata pages and data chunks with the live index range
	// (S, T] each one holds.
	Files  []raftlog.Partition
	Reader string
	// S: snapshot index; C, L: checkpoint values as Reader reads them (L
	// only when HasL); T: the last index the library recognises.
	S, C, L, T int64
	HasL       bool
	// OpenError is the exception the library throws at construction for
	// these files, or "" (only the checkpoint version is checked there).
	OpenError string

	sc    *dirScan
	slots *slotReader
	dr    *dataReader
	pass  *checkPass // the verification pass, computed once
}

// Open decodes the WAL in dir. Options that are zero are detected.
func Open(dir string, o Options) (*Log, error) {
	return OpenFS(os.DirFS(dir), o)
}

// OpenFS is Open on any file system whose files support ReadAt (os.DirFS,
// testing/fstest.MapFS). Paths in findings and spans are relative to it.
func OpenFS(fsys fs.FS, o Options) (*Log, error) {
	sc, err := scanDir(fsys, o)
	if err != nil {
		return nil, err
	}
	p, err := detect(sc, o)
	if err != nil {
		sc.st.close()
		return nil, err
	}
	l := &Log{Params: p, Checkpoint: sc.cp, sc: sc}
	l.slots = newSlotReader(sc.st, &sc.meta, p.PageSize, p.SlotSize, p.RecordSize)
	l.dr = &dataReader{st: sc.st, data: &sc.data, chunkSize: p.ChunkSize}
	l.Snapshot = sc.snap.newest()
	if l.Snapshot != nil && l.Snapshot.Index > 0 {
		l.S = clampIndex(l.Snapshot.Index)
	}
	l.readIndexes()
	l.State = DecodeState(sc.stateHead, max(sc.stateSize, 0))
	if sc.stateSize < 0 {
		l.State.Size = -1
	}
	l.State.CommitIndex = l.Commit()
	l.State.LastIndex = l.T
	l.State.Snapshot = l.Snapshot
	l.Files = l.partitions()
	return l, nil
}

// Close releases the file handles the Log keeps open.
func (l *Log) Close() error {
	l.sc.st.close()
	return nil
}

// readIndexes applies the checkpoint read algorithm of the reader model
// (spec §4.1, §7.1).
func (l *Log) readIndexes() {
	cp := l.Checkpoint
	l.Reader = Reader6x
	if l.Params.Layout == Layout5 && l.Params.Timestamps == TicksUTC &&
		cp.Form != CheckpointV0 && cp.Form != CheckpointV1 {
		l.Reader = Reader5x
	}
	switch {
	case l.Reader == Reader5x:
		l.C = cp.C5x
	case !cp.Valid6x:
		l.OpenError = "UnsupportedCheckpointVersionException (checkpoint version field " + fmt.Sprint(cp.Version) + ")"
	default:
		l.C = cp.C
		if cp.HasL && cp.Form != Checkpoint5x {
			l.L, l.HasL = cp.L, true
		}
	}
	l.T = clampIndex(max(l.C, l.S))
	if l.HasL {
		l.T = clampIndex(max(l.T, l.L))
	}
}

// maxIndex bounds the indexes the decoder iterates to, so that index+1 and
// index arithmetic never overflow; real logs are far below it, and a
// checkpoint or snapshot name beyond it is reported as pointing past the end.
const maxIndex = 1 << 62

func clampIndex(i int64) int64 { return min(i, maxIndex) }

// Commit is LastCommittedEntryIndex: max(C, S).
func (l *Log) Commit() int64 { return max(l.C, l.S) }

// SlotsPerPage is the number of slots in one metadata page.
func (l *Log) SlotsPerPage() int64 { return l.slots.perPage }

// maxRunExpansion bounds how many indexes of one run of missing metadata
// pages Entries reports one by one (Check reports the whole run).
const maxRunExpansion = 1 << 16

// Entries calls yield for every index in [from, to] ∩ (S, T], in order,
// until yield returns false. from ≤ 0 means S+1; to < 0 means T. Indexes
// whose metadata page is missing come as EntryDamaged entries (at most
// 65,536 per run of missing pages). Payload bytes are not read except to
// verify the hash when the log has one.
func (l *Log) Entries(from, to int64, yield func(raftlog.Entry) bool) {
	from = max(from, l.S+1)
	if to < 0 || to > l.T {
		to = l.T
	}
	l.slots.walk(from, to, func(sl slot) bool {
		e, _ := l.entryOf(sl, true)
		return yield(e)
	}, func(a, b int64) bool {
		for i := a; i <= b && i-a < maxRunExpansion; i++ {
			e, _ := l.entryOf(slot{index: i, kind: slotNoPage, off: -1, file: l.pageName(i)}, true)
			if !yield(e) {
				return false
			}
		}
		return true
	})
}

// Entry decodes any index, live or not (slots past T are not part of the
// log: the library ignores them and overwrites them later).
func (l *Log) Entry(i int64) raftlog.Entry {
	e, _ := l.entryOf(l.readSlot(i), true)
	return e
}

func (l *Log) readSlot(i int64) slot {
	sl := l.slots.read(i)
	if sl.kind == slotNoPage {
		sl.file = l.pageName(i)
	}
	return sl
}

func (l *Log) pageName(i int64) string {
	if i < 0 {
		return "metadata"
	}
	return fmt.Sprintf("metadata/%d", l.slots.pageOf(i))
}

// ReadPayload writes the payload bytes of e to w, streaming. It returns an
// error after writing the bytes that exist when the payload is incomplete.
func (l *Log) ReadPayload(e raftlog.Entry, w io.Writer) error {
	if err := l.dr.copySpans(e.Payload, w); err != nil {
		return err
	}
	if got := e.PayloadAvailable(); got != e.Length {
		return fmt.Errorf("wal: entry %d: %d of %d payload bytes exist", e.Index, got, e.Length)
	}
	return nil
}

// ReadSnapshot writes the content of the newest snapshot file to w.
func (l *Log) ReadSnapshot(w io.Writer) error {
	if l.Snapshot == nil || l.Snapshot.File == "" {
		return fmt.Errorf("wal: no snapshot file")
	}
	fsys, name := l.sc.fsys, l.Snapshot.File
	if filepath.IsAbs(l.sc.snap.dir) {
		fsys, name = os.DirFS(l.sc.snap.dir), filepath.Base(l.Snapshot.File)
	}
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// entryFacts is what the checker needs beyond the Entry.
type entryFacts struct {
	slot     slot
	problem  error // structural record problem
	view     payloadView
	hashed   bool // the hash was computed
	hashOK   bool
	computed []byte // the hash over the bytes as they are
}

// entryOf turns a slot into an Entry, reading the payload to verify the hash
// when withHash is set and the log has one.
func (l *Log) entryOf(sl slot, withHash bool) (raftlog.Entry, entryFacts) {
	p := l.Params
	f := entryFacts{slot: sl}
	e := raftlog.Entry{
		Index:     sl.index,
		Committed: sl.index <= l.Commit(),
		Record:    raftlog.Location{File: sl.file, Offset: sl.off, Length: min(sl.present, p.RecordSize)},
	}
	if sl.kind == slotNoPage {
		e.State, e.Reason = raftlog.EntryDamaged, "metadata page "+sl.file+" does not exist"
		e.Record.Offset, e.Record.Length = -1, 0
		return e, f
	}
	r := sl.rec
	e.Term, e.Ticks, e.Flags, e.Length = r.Term, r.Timestamp, r.Flags, r.Length
	e.CommandID = r.CommandID()
	f.problem = recordProblem(r)
	if f.problem == nil {
		f.view = l.dr.locate(r.Offset, r.Length)
		e.Payload = f.view.spans
	}
	if p.Hash != HashNone && withHash {
		f.hashed = true
		f.computed = l.hashOf(sl, f)
		stored := sl.raw[p.RecordSize : p.RecordSize+p.Hash.Size()]
		f.hashOK = bytes.Equal(f.computed, stored)
		ok := f.hashOK
		e.HashOK = &ok
	}
	e.State, e.Reason = l.classify(sl, f)
	if e.State == raftlog.EntryOK {
		e.Padding292 = l.padding(sl, f)
	}
	return e, f
}

// hashOf computes the hash of a slot over its payload as the library reads
// it (present bytes; a missing chunk makes the hash unverifiable: nil).
func (l *Log) hashOf(sl slot, f entryFacts) []byte {
	if f.problem != nil || f.view.avail != sl.rec.Length {
		return nil
	}
	h := newHasher(l.Params.Hash)
	if l.dr.copySpans(f.view.spans, h) != nil {
		return nil
	}
	h.Write(sl.raw[:l.Params.RecordSize])
	return h.sum()
}

// classify sets the entry state and its reason.
func (l *Log) classify(sl slot, f entryFacts) (raftlog.EntryState, string) {
	switch {
	case sl.kind == slotPastEOF:
		return raftlog.EntryDamaged, fmt.Sprintf(
			"slot lies past the end of %s (the library reads it as zeros)",
			sl.file,
		)
	case sl.kind == slotCut:
		return raftlog.EntryDamaged, fmt.Sprintf(
			"record cut after %d bytes by the end of %s (the rest reads as zeros)",
			sl.present,
			sl.file,
		)
	case sl.zero:
		return raftlog.EntryEmpty, "all-zero slot: no record was written here"
	case f.problem != nil:
		return raftlog.EntryDamaged, "invalid record: " + f.problem.Error()
	case f.view.missing >= 0:
		return raftlog.EntryDamaged, fmt.Sprintf("data chunk data/%d of the payload does not exist", f.view.missing)
	case f.view.short >= 0:
		return raftlog.EntryDamaged, fmt.Sprintf("data chunk data/%d is shorter than the chunk size", f.view.short)
	case f.hashed && !f.hashOK:
		return raftlog.EntryDamaged, "hash mismatch: the payload or the record changed after it was written"
	}
	return raftlog.EntryOK, ""
}

// partitions lists page files with the live index ranges they hold. Data
// chunk ranges come from one pass over the live records (no payload reads).
func (l *Log) partitions() []raftlog.Partition {
	var out []raftlog.Partition
	per := l.slots.perPage
	for _, n := range l.sc.meta.nums {
		pf := l.sc.meta.pages[n]
		first, last := int64(n)*per, int64(n)*per+per-1
		part := raftlog.Partition{Number: int64(n), File: pf.name, Bytes: pf.size, Format: "wal-metadata",
			FirstIndex: max(first, l.S+1), LastIndex: min(last, l.T),
			Note: fmt.Sprintf("slots %d–%d", first, last)}
		if part.FirstIndex > part.LastIndex {
			part.FirstIndex, part.LastIndex = -1, -1
		} else {
			part.Entries = part.LastIndex - part.FirstIndex + 1
		}
		out = append(out, part)
	}
	chunks := map[uint32]*raftlog.Partition{}
	for _, n := range l.sc.data.nums {
		pf := l.sc.data.pages[n]
		chunks[n] = &raftlog.Partition{Number: int64(n), File: pf.name, Bytes: pf.size, Format: "wal-data",
			FirstIndex: -1, LastIndex: -1,
			Note: fmt.Sprintf("addresses %d–%d", int64(n)*l.Params.ChunkSize, int64(n+1)*l.Params.ChunkSize-1)}
	}
	l.slots.walk(l.S+1, l.T, func(sl slot) bool {
		r := sl.rec
		if sl.zero || r.Length <= 0 || recordProblem(r) != nil {
			return true
		}
		lo, hi := l.dr.chunkOf(r.Offset), l.dr.chunkOf(r.Offset+r.Length-1)
		k := sort.Search(len(l.sc.data.nums), func(k int) bool { return int64(l.sc.data.nums[k]) >= lo })
		for ; k < len(l.sc.data.nums) && int64(l.sc.data.nums[k]) <= hi; k++ {
			c := chunks[l.sc.data.nums[k]]
			if c.FirstIndex < 0 {
				c.FirstIndex = sl.index
			}
			c.LastIndex = sl.index
			c.Entries++
		}
		return true
	}, nil)
	for _, n := range l.sc.data.nums {
		out = append(out, *chunks[n])
	}
	return out
}
