package logdir

import (
	"os"
	"path/filepath"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/raftlog"
)

// openWAL opens a WriteAheadLog directory through format/wal.
func openWAL(dir string, o Options) (*Log, error) {
	w, err := wal.Open(dir, o.WAL)
	if err != nil {
		return nil, err
	}
	l := &Log{Dir: dir, Format: format.WAL, State: &w.State, Snapshot: w.Snapshot, Partitions: w.Files,
		Findings: WithFixes(w.Check()), First: 1, Last: w.T, wal: w}
	l.State.File = "state"
	if ext := w.Extent(); ext.ValidEnd < w.T && ext.FirstBad == raftlog.NoIndex {
		// Slots past the last written one up to T: reported once as
		// checkpoint-past-end, not once per phantom entry.
		l.gaps = append(l.gaps, raftlog.Range{From: ext.ValidEnd + 1, To: w.T})
	} else if ext.PastEnd.From <= ext.PastEnd.To {
		l.gaps = append(l.gaps, ext.PastEnd)
	}
	if w.Snapshot != nil {
		l.First = w.Snapshot.Index
	}
	l.entries = func(from, to int64, yield func(raftlog.Entry) bool) error {
		s := w.Snapshot
		if s != nil && from <= s.Index && s.Index <= to {
			if !yield(walSnapshotEntry(dir, s)) {
				return nil
			}
		}
		if s != nil {
			from = max(from, s.Index+1)
		}
		if from <= to {
			w.Entries(from, to, yield)
		}
		return nil
	}
	// Slots past T are not part of the log, but a repair of a torn or
	// missing checkpoint takes in those that verify and chain: the audit
	// reads them one by one (never past the range it asks for).
	l.onDisk = func(from, to int64, yield func(raftlog.Entry) bool) error {
		stopped := false
		if err := l.entries(from, min(to, w.T), func(e raftlog.Entry) bool {
			stopped = !yield(e)
			return !stopped
		}); err != nil || stopped {
			return err
		}
		for i := max(from, w.T+1, w.S+1); i <= to; i++ {
			if !yield(w.Entry(i)) {
				return nil
			}
		}
		return nil
	}
	return l, nil
}

// walSnapshotEntry reports the snapshot file in place of the entries it covers.
func walSnapshotEntry(dir string, s *raftlog.SnapshotMeta) raftlog.Entry {
	e := raftlog.Entry{Index: s.Index, Term: s.Term, Ticks: s.Ticks, Length: s.Length, IsSnapshot: true,
		Committed: true, State: raftlog.EntryOK, Record: raftlog.Location{File: s.File, Offset: -1}}
	if info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(s.File))); err == nil && s.File != "" {
		e.Payload = []raftlog.Span{{File: s.File, Offset: 0, Length: info.Size()}}
		e.Length = info.Size()
	}
	return e
}

// WAL returns the WriteAheadLog behind l, or nil for the partition formats.
func (l *Log) WAL() *wal.Log { return l.wal }
