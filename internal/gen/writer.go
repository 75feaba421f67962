// Package gen writes whole PersistentState log directories (legacy, v2 Table
// or sparse partitions plus node.state) with walctl's own codecs, so that
// tests and benchmarks can have logs of any size without the .NET library.
// LogWriter is the writing path (entries in, files out); Generate feeds it
// synthetic entries. It is test and benchmark support, not a user command.
package gen

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/walctl/walctl/format/legacy"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/format/sparse"
	v2 "github.com/walctl/walctl/format/v2"
)

// Format names accepted in Config.Format (the names detect and logdir use).
const (
	Legacy = "legacy"
	V2     = "v2"
	Sparse = "sparse"
)

// DefaultR is the records per partition the generator uses unless told.
const DefaultR = 10000

// Config is the layout of the log to write.
type Config struct {
	Format string // Legacy, V2 or Sparse
	R      int64  // records per partition
	M      int64  // sparse only: max entry size
}

func (c Config) geometry() partition.Geometry { return partition.Geometry{R: c.R, M: c.M} }

func (c Config) check() error {
	switch c.Format {
	case Legacy, V2:
		if c.M != 0 {
			return fmt.Errorf("gen: M applies to the sparse format only, not %s", c.Format)
		}
	case Sparse:
		if _, ok := sparse.Stride(c.geometry()); !ok {
			return fmt.Errorf("gen: sparse geometry R %d, M %d is not one the library accepts", c.R, c.M)
		}
	default:
		return fmt.Errorf("gen: unknown format %q (legacy, v2, sparse)", c.Format)
	}
	if c.R < 2 || c.R > legacy.MaxRecords {
		return fmt.Errorf("gen: records per partition %d outside [2, %d]", c.R, legacy.MaxRecords)
	}
	return nil
}

// Entry is what LogWriter needs to lay out one entry; the payload comes
// separately as a reader of exactly Length bytes.
type Entry struct {
	Index     int64
	Term      int64
	Ticks     int64
	CommandID *int32
	Length    int64
}

func (e Entry) record() record.Record {
	rec := record.Record{Term: e.Term, Timestamp: e.Ticks, Length: e.Length}
	if e.CommandID != nil {
		rec.Flags, rec.ID = record.FlagHasID, *e.CommandID
	}
	return rec
}

// partWriter is one codec's Writer behind a common face.
type partWriter interface {
	append(slot int64, rec record.Record, payload io.Reader) error
	// finish closes the codec writer; full says relative slot R−1 was written.
	finish(full bool) error
	size() int64
}

type legacyPart struct{ w *legacy.Writer }

func (p legacyPart) append(s int64, r record.Record, b io.Reader) error { return p.w.Append(s, r, b) }
func (p legacyPart) finish(bool) error                                  { return p.w.Close() }
func (p legacyPart) size() int64                                        { return p.w.Size() }

type sparsePart struct{ w *sparse.Writer }

func (p sparsePart) append(s int64, r record.Record, b io.Reader) error { return p.w.Append(s, r, b) }
func (p sparsePart) finish(bool) error                                  { return p.w.Close() }
func (p sparsePart) size() int64                                        { return p.w.Size() }

// tablePart seals exactly what DotNext ≥ 5.7.3 seals: a partition whose
// last slot was written (spec §4.4); the others stay unsealed.
type tablePart struct{ w *v2.Writer }

func (p tablePart) append(s int64, r record.Record, b io.Reader) error { return p.w.Append(s, r, b) }
func (p tablePart) finish(full bool) error                             { return p.w.Close(full) }
func (p tablePart) size() int64                                        { return p.w.Size() }

// LogWriter writes one log directory: entries in increasing index order,
// without gaps, partition by partition; one partition file is open at a
// time and nothing but its records and one buffer is held in memory.
type LogWriter struct {
	dir      string
	cfg      Config
	next     int64 // index the next Append must have; 0 before the first
	number   int64 // partition number of part
	lastSlot int64 // relative slot of the last entry appended to part
	part     partWriter
	file     *seqFile
	buf      []byte // the write-behind buffer, lent to file
	done     int64  // bytes of the partition files already closed
	err      error  // sticky: the directory is incomplete after a failure
	closed   bool
}

// Create starts a log in dir, which must not exist or be empty.
func Create(dir string, c Config) (*LogWriter, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	names, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	if len(names) > 0 {
		return nil, fmt.Errorf("gen: %s is not empty", dir)
	}
	return &LogWriter{dir: dir, cfg: c, number: -1, buf: make([]byte, 0, writeBehind)}, nil
}

// Append writes entry e (Index ≥ 1, one more than the previous entry's)
// with the Length bytes of payload.
func (w *LogWriter) Append(e Entry, payload io.Reader) error {
	if err := w.usable(); err != nil {
		return err
	}
	if e.Index < 1 || (w.next > 0 && e.Index != w.next) {
		return fmt.Errorf("gen: entry %d appended where %d was expected (indexes start at 1 and have no gaps)", e.Index, max(w.next, 1))
	}
	number, slot := e.Index/w.cfg.R, e.Index%w.cfg.R
	if number != w.number {
		if err := w.openPartition(number); err != nil {
			return w.fail(err)
		}
	}
	if err := w.part.append(slot, e.record(), payload); err != nil {
		return w.fail(fmt.Errorf("gen: index %d: %w", e.Index, err))
	}
	w.next, w.lastSlot = e.Index+1, slot
	return nil
}

func (w *LogWriter) usable() error {
	if w.closed {
		return errors.New("gen: log writer closed")
	}
	return w.err
}

func (w *LogWriter) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return err
}

func (w *LogWriter) openPartition(number int64) error {
	if err := w.closePartition(); err != nil {
		return err
	}
	f, err := createFile(filepath.Join(w.dir, strconv.FormatInt(number, 10)), w.buf)
	if err != nil {
		return err
	}
	w.file, w.number = f, number
	g := w.cfg.geometry()
	switch w.cfg.Format {
	case Legacy:
		lw, err := legacy.NewWriter(f, number, g)
		w.part = legacyPart{lw}
		return err
	case Sparse:
		sw, err := sparse.NewWriter(f, number, g)
		w.part = sparsePart{sw}
		return err
	}
	w.part = tablePart{v2.NewWriter(f, number, g)}
	return nil
}

func (w *LogWriter) closePartition() error {
	if w.part == nil {
		return nil
	}
	err := w.part.finish(w.lastSlot == w.cfg.R-1)
	w.done += w.part.size()
	if cerr := w.file.Close(); err == nil {
		err = cerr
	}
	w.part, w.file = nil, nil
	return err
}

// Last is the index of the last entry appended (0 before the first).
func (w *LogWriter) Last() int64 { return max(w.next-1, 0) }

// Bytes is the size the partition files have so far (the open partition's
// footer or prologue not yet counted for v2; legacy counts its prologue).
func (w *LogWriter) Bytes() int64 {
	if w.part == nil {
		return w.done
	}
	return w.done + w.part.size()
}

// Close finishes the last partition and writes node.state (state as given,
// with its checksum computed) and an empty snapshot file, as the library
// leaves them in a directory that never took a snapshot.
func (w *LogWriter) Close(state nodestate.State) error {
	if err := w.usable(); err != nil {
		return err
	}
	w.closed = true
	if err := w.closePartition(); err != nil {
		return err
	}
	if err := writeNew(filepath.Join(w.dir, nodestate.FileName), state.WithChecksum().Encode()); err != nil {
		return err
	}
	return writeNew(filepath.Join(w.dir, "snapshot"), nil)
}

func writeNew(path string, b []byte) error {
	f, err := createFile(path, nil)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// State is the node.state of a healthy node whose whole log is committed
// and applied: commit = applied = last, the given term, a vote for voter
// ("address:port", "" for none).
func State(last, term int64, voter string) (nodestate.State, error) {
	s := nodestate.State{CommitIndex: last, LastApplied: last, LastIndex: last, Term: term}
	if voter != "" {
		id, err := nodestate.IPMemberID(voter)
		if err != nil {
			return s, err
		}
		s.VoteFlag, s.Vote = 1, id
	}
	return s, nil
}
