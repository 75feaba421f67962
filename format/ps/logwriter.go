package ps

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// Config is the layout of a PersistentState log to write.
type Config struct {
	Format format.Format // legacy, v2 or sparse
	R      int64         // records per partition
	M      int64         // sparse only: max entry size
}

func (c Config) geometry() partition.Geometry { return partition.Geometry{R: c.R, M: c.M} }

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

// writeBehind is the size of the one buffer a LogWriter puts in front of
// the partition file it has open.
const writeBehind = 1 << 20

// LogWriter writes one log directory: entries in increasing index order,
// without gaps, partition by partition, each laid out by its codec's
// writer; one partition file is open at a time and nothing but its records
// and one buffer is held in memory. A Table partition is sealed exactly
// when DotNext ≥ 5.7.3 seals it: when its last slot was written (spec §4.4).
type LogWriter struct {
	dir      string
	cfg      Config
	codec    partition.Codec
	next     int64 // index the next Append must have; 0 before the first
	number   int64 // partition number of part
	lastSlot int64 // relative slot of the last entry appended to part
	part     partition.Writer
	file     *os.File
	wb       *partition.WriteBehind // lent to every partition file in turn
	done     int64                  // bytes of the partition files already closed
	err      error                  // sticky: the directory is incomplete after a failure
	closed   bool
}

// Create starts a log in dir, which must not exist or be empty.
func Create(dir string, c Config) (*LogWriter, error) {
	codec, err := Codec(c.Format)
	if err != nil {
		return nil, err
	}
	if err := codec.Check(c.geometry()); err != nil {
		return nil, fmt.Errorf("ps: the %s geometry R = %d, M = %d: %w", c.Format, c.R, c.M, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	names, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	if len(names) > 0 {
		return nil, fmt.Errorf("ps: %s is not empty", dir)
	}
	return &LogWriter{dir: dir, cfg: c, codec: codec, number: -1, wb: partition.NewWriteBehind(nil, writeBehind)}, nil
}

// Append writes entry e (Index ≥ 1, one more than the previous entry's)
// with the Length bytes of payload.
func (w *LogWriter) Append(e Entry, payload io.Reader) error {
	if err := w.usable(); err != nil {
		return err
	}
	if e.Index < 1 || (w.next > 0 && e.Index != w.next) {
		return fmt.Errorf("ps: entry %d appended where %d was expected (indexes start at 1 and have no gaps)",
			e.Index, max(w.next, 1))
	}
	number, slot := e.Index/w.cfg.R, e.Index%w.cfg.R
	if number != w.number {
		if err := w.openPartition(number); err != nil {
			return w.fail(err)
		}
	}
	if err := w.part.Append(slot, e.record(), payload); err != nil {
		return w.fail(fmt.Errorf("ps: index %d: %w", e.Index, err))
	}
	w.next, w.lastSlot = e.Index+1, slot
	return nil
}

func (w *LogWriter) usable() error {
	if w.closed {
		return errors.New("ps: log writer closed")
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
	f, err := createNew(filepath.Join(w.dir, strconv.FormatInt(number, 10)))
	if err != nil {
		return err
	}
	w.file, w.number = f, number
	w.wb.Reset(f)
	w.part, err = w.codec.NewWriter(w.wb, number, w.cfg.geometry(), false)
	return err
}

func (w *LogWriter) closePartition() error {
	if w.part == nil {
		return nil
	}
	err := w.part.Close(w.lastSlot == w.cfg.R-1)
	w.done += w.part.Size()
	if ferr := w.wb.Flush(); err == nil {
		err = ferr
	}
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
	return w.done + w.part.Size()
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

// createNew creates path, never overwriting a file.
func createNew(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
}

func writeNew(path string, b []byte) error {
	f, err := createNew(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
