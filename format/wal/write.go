package wal

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strconv"

	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/raftlog"
)

// NewEntry is one entry for Create. Payload must yield exactly Length bytes.
type NewEntry struct {
	Term          int64
	Ticks         int64 // UTC ticks; stored only in the 5.x layout (Timestamps TicksUTC)
	CommandID     *int32
	Configuration bool // flag 0x2 (6.2.0+ cluster configuration)
	Length        int64
	Payload       io.Reader
}

// BytesEntry is a NewEntry whose payload is in memory.
func BytesEntry(term int64, payload []byte) NewEntry {
	return NewEntry{Term: term, Length: int64(len(payload)), Payload: bytesReader(payload)}
}

func bytesReader(b []byte) io.Reader { return &sliceReader{b: b} }

type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// WriteParams completes p for writing: slot size from record and hash
// sizes (smallest divisor of the page ≥ record+hash, spec §3.2), defaults
// for the page size (4096), the chunk size (4096) and the checkpoint form
// (20 bytes, 6.8.0+).
func WriteParams(p Params) (Params, error) {
	if p.Layout == "" {
		p.Layout = Layout6
	}
	p.RecordSize = RecordSizeOf(p.Layout)
	if p.RecordSize == 0 {
		return p, fmt.Errorf("wal: unknown layout %q", p.Layout)
	}
	if p.Layout == Layout5 && p.Timestamps == "" {
		p.Timestamps = TicksZero
	}
	if p.PageSize == 0 {
		p.PageSize = minPageSize
	}
	if p.ChunkSize == 0 {
		p.ChunkSize = minPageSize
	}
	if p.CheckpointForm <= 0 {
		p.CheckpointForm = CheckpointV1
	}
	if err := checkSizes(p); err != nil {
		return p, err
	}
	need := p.RecordSize + p.Hash.Size()
	s := int64(32)
	for s < need {
		s *= 2
	}
	if p.SlotSize != 0 && p.SlotSize != s {
		return p, fmt.Errorf(
			"wal: slot size %d does not fit a %d-byte record with a %d-byte hash (the library uses %d)",
			p.SlotSize,
			p.RecordSize,
			p.Hash.Size(),
			s,
		)
	}
	p.SlotSize = s
	switch p.CheckpointForm {
	case Checkpoint5x, CheckpointV0, CheckpointV1:
	default:
		return p, fmt.Errorf("wal: unsupported checkpoint form %d", p.CheckpointForm)
	}
	return p, nil
}

// Create writes a new WAL directory the way the library lays it out
// (buffered appends: payloads contiguous from address 0, straddling chunks;
// slot i at i·s), so that DotNext opens it with the same parameters.
// ns gives term and vote; ns.Snapshot, when set, is the snapshot the log
// starts after (its file is the caller's to write). Entries get indexes
// S+1, S+2, …; commit (raised to S) must not exceed the last index. The
// 8- and 12-byte checkpoint forms carry no L, so entries after commit are
// then dropped when the library opens the log. dir must not exist or be
// empty. Create does not fsync: the caller makes the directory durable
// (walctl's writes go through package txn, which fsyncs every file it
// publishes).
func Create(dir string, p Params, ns raftlog.NodeState, commit int64, entries iter.Seq[NewEntry]) (err error) {
	p, err = WriteParams(p)
	if err != nil {
		return err
	}
	if err := prepareDir(dir); err != nil {
		return err
	}
	w := &writer{
		dir:       dir,
		p:         p,
		perPage:   p.PageSize / p.SlotSize,
		metaPage:  -1,
		dataChunk: -1,
		buf:       make([]byte, 32<<10),
	}
	defer func() {
		if cerr := w.close(); err == nil {
			err = cerr
		}
	}()
	s := int64(0)
	if ns.Snapshot != nil {
		s = max(ns.Snapshot.Index, 0)
	}
	last := s
	for e := range entries {
		last++
		if err := w.append(last, e); err != nil {
			return fmt.Errorf("wal: entry %d: %w", last, err)
		}
	}
	c := max(commit, s)
	if c > last {
		return fmt.Errorf("wal: commit index %d is past the last entry %d", commit, last)
	}
	if err := w.ensureFirstPages(s); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "state"), EncodeState(ns), 0o644); err != nil {
		return err
	}
	var cp []byte
	if last > 0 || c > 0 {
		if cp, err = EncodeCheckpoint(p.CheckpointForm, c, last); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "checkpoint"), cp, 0o644)
}

func prepareDir(dir string) error {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return fmt.Errorf("wal: %s is not empty", dir)
	}
	for _, sub := range []string{"metadata", "data"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// writer appends entries, keeping one metadata page and one data chunk open.
type writer struct {
	dir       string
	p         Params
	perPage   int64
	cursor    int64 // next data address
	meta      *os.File
	metaPage  int64
	data      *os.File
	dataChunk int64
	buf       []byte
}

func (w *writer) append(index int64, e NewEntry) error {
	if e.Length < 0 {
		return errors.New("negative length")
	}
	if w.cursor > (1<<62)-e.Length {
		return errors.New("data address space exhausted")
	}
	r := record.Record{Term: e.Term, Length: e.Length, Offset: w.cursor}
	if w.p.Layout == Layout5 && w.p.Timestamps == TicksUTC {
		r.Timestamp = e.Ticks
	}
	if e.CommandID != nil {
		r.Flags |= FlagHasID
		r.ID = *e.CommandID
	}
	if e.Configuration {
		r.Flags |= FlagConfiguration
	}
	if err := recordProblem(r); err != nil {
		return err
	}
	h := newHasher(w.p.Hash)
	if err := w.writePayload(e, h); err != nil {
		return err
	}
	rec, err := EncodeRecord(r, w.p.RecordSize)
	if err != nil {
		return err
	}
	slotBytes := make([]byte, w.p.SlotSize)
	copy(slotBytes, rec)
	if h != nil {
		h.Write(rec)
		copy(slotBytes[w.p.RecordSize:], h.sum())
	}
	f, err := w.page(&w.meta, &w.metaPage, "metadata", index/w.perPage, w.p.PageSize)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(slotBytes, (index%w.perPage)*w.p.SlotSize)
	return err
}

// writePayload copies the payload to the data chunks at the cursor.
func (w *writer) writePayload(e NewEntry, h hasher) error {
	left := e.Length
	for left > 0 {
		if e.Payload == nil {
			return errors.New("no payload reader")
		}
		n := min(left, int64(len(w.buf)), w.p.ChunkSize-w.cursor%w.p.ChunkSize)
		got, err := io.ReadFull(e.Payload, w.buf[:n])
		if err != nil {
			return fmt.Errorf("payload shorter than its length %d: %w", e.Length, err)
		}
		f, err := w.page(&w.data, &w.dataChunk, "data", w.cursor/w.p.ChunkSize, w.p.ChunkSize)
		if err != nil {
			return err
		}
		if _, err := f.WriteAt(w.buf[:got], w.cursor%w.p.ChunkSize); err != nil {
			return err
		}
		if h != nil {
			h.Write(w.buf[:got])
		}
		w.cursor += int64(got)
		left -= int64(got)
	}
	if e.Payload != nil {
		if n, _ := e.Payload.Read(w.buf[:1]); n > 0 {
			return fmt.Errorf("payload longer than its length %d", e.Length)
		}
	}
	return nil
}

// page returns the open file of page n in sub/, switching (closing) the
// previous one; new files get their full size at once (sparse), as the
// library's memory mapping does.
func (w *writer) page(fp **os.File, cur *int64, sub string, n, size int64) (*os.File, error) {
	if *cur == n && *fp != nil {
		return *fp, nil
	}
	if *fp != nil {
		if err := (*fp).Close(); err != nil {
			return nil, err
		}
		*fp = nil
	}
	if n < 0 || n > 1<<32-1 {
		return nil, fmt.Errorf("page number %d out of range", n)
	}
	f, err := os.OpenFile(filepath.Join(w.dir, sub, strconv.FormatInt(n, 10)), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if info, err := f.Stat(); err == nil && info.Size() < size {
		if err := f.Truncate(size); err != nil {
			f.Close()
			return nil, err
		}
	}
	*fp, *cur = f, n
	return f, nil
}

// ensureFirstPages creates the pages the library creates at open when a
// directory has none: the page holding slot S+1 and the chunk of the cursor.
func (w *writer) ensureFirstPages(s int64) error {
	if _, err := w.page(&w.meta, &w.metaPage, "metadata", (s+1)/w.perPage, w.p.PageSize); err != nil {
		return err
	}
	if w.dataChunk < 0 {
		if _, err := w.page(&w.data, &w.dataChunk, "data", w.cursor/w.p.ChunkSize, w.p.ChunkSize); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) close() error {
	var first error
	for _, f := range []*os.File{w.meta, w.data} {
		if f != nil {
			if err := f.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	w.meta, w.data = nil, nil
	return first
}
