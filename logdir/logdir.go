// Package logdir opens a DotNext log directory of any format as walctl's
// format-neutral view: node state, snapshot, partitions, a stream of entries
// and the structural findings of the codecs and of the directory as a whole.
// Commands use only this view; byte rules stay in the codecs.
package logdir

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/walctl/walctl/detect"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/release"
)

// Options are the user's overrides.
type Options struct {
	Format format.Format // "" (detect it), or one of format.Logs
	R      int64
	M      int64
	// Force decodes even when detection is unsure (the user takes the risk).
	Force bool
	// WAL holds the WriteAheadLog overrides (chunk size, hash, layout, snapshot dir).
	WAL wal.Options
	// Target is the DotNext.Net.Cluster release that will open the log,
	// zero when unknown: findings about what a release reads are judged for
	// it instead of for the releases that can have written the log.
	Target release.Version
	// From is the release that wrote the log, for the upgrade gate (verify
	// --from-version); zero: judged from the files.
	From release.Version
}

// ErrUnsure is returned when detection cannot decide and no override was given.
type ErrUnsure struct {
	Dir       string
	Detection *detect.Result
}

func (e *ErrUnsure) Error() string {
	return fmt.Sprintf("%s: cannot tell the log's settings with confidence (%s): %s",
		e.Dir, e.Detection.Confidence, last(e.Detection.Evidence))
}

// Flags are the flags that would settle what detection could not: the
// ones it names, else --format.
func (e *ErrUnsure) Flags() []string {
	if len(e.Detection.NeedFlags) > 0 {
		return e.Detection.NeedFlags
	}
	return []string{"--format " + format.Names(format.Logs, "|")}
}

func last(s []string) string {
	if len(s) == 0 {
		return "no evidence"
	}
	return s[len(s)-1]
}

// Log is an opened log directory.
type Log struct {
	Dir        string
	Format     format.Format
	Detection  *detect.Result
	R, M       int64
	State      *raftlog.NodeState
	Snapshot   *raftlog.SnapshotMeta
	Partitions []raftlog.Partition
	Findings   raftlog.Findings
	// First and Last bound the entries Entries yields (Last < First: none).
	First, Last int64

	entries func(from, to int64, yield func(raftlog.Entry) bool) error
	onDisk  func(from, to int64, yield func(raftlog.Entry) bool) error // past Last
	gaps    []raftlog.Range
	// stateLost and termLost: the node state's indexes, or its term and
	// vote, are lost or garbage (reported once by the state file's finding).
	stateLost, termLost bool
	wal                 *wal.Log
	files               map[string]*os.File
	order               []string // keys of files, oldest first
	// hot reads the file payloads were read from last through 64 KiB
	// windows: entries come in file order, so consecutive payloads cost one
	// pread per window instead of one each. One file only, so memory stays at
	// one CachedReader (256 KiB) whatever the log size.
	hot struct {
		name    string
		r       io.ReaderAt
		release func()
	}
	// held: the partition file whose entries Entries yields now, as its
	// decode read it (decodeInOrder with hold); payloads come from it first.
	held heldFile
	pass onePassOutcome // how open read a PersistentState log's partition files
}

// overrides are the settings the user gave, as detection takes them.
func (o Options) overrides() detect.Overrides {
	return detect.Overrides{Format: o.Format, R: o.R, M: o.M, WAL: o.WAL}
}

// Open detects the format of dir and opens it read-only.
func Open(dir string, o Options) (*Log, error) { return open(dir, o, nil) }

// open is Open; fr, when not nil, asks a PersistentState log to replay its
// entries during the scan (OpenChecked).
func open(dir string, o Options, fr *fusedReplay) (*Log, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s: not a directory (give the log directory that holds node.state or checkpoint)", dir)
	}
	det, err := detect.Begin(dir, o.overrides())
	if err != nil {
		return nil, err
	}
	if err := notALog(dir, det.Listing); err != nil {
		return nil, err
	}
	pass := pass1
	if !det.Decided() {
		var l *Log
		if l, pass, err = onePass(dir, det, o, fr); pass == pass1 {
			return l, err
		}
	}
	l, err := admit(dir, det, o, fr)
	if l != nil {
		l.pass = pass
	}
	return l, err
}

// notALog refuses a directory that holds none of a log's files.
func notALog(dir string, l *detect.Listing) error {
	if l.NodeState == "" && len(l.Partitions) == 0 && len(l.WALMarkers) == 0 && len(l.MetaFiles) == 0 {
		return fmt.Errorf("%s: not a DotNext log: no node.state, partition files or WriteAheadLog files", dir)
	}
	return nil
}

// admit opens dir as its finished detection det says, or refuses.
func admit(dir string, det *detect.Result, o Options, fr *fusedReplay) (*Log, error) {
	switch det.Format {
	case format.WAL:
		if det.Conf() <= detect.Confidence(1) && !o.Force {
			return nil, &ErrUnsure{Dir: dir, Detection: det}
		}
		l, err := openWAL(dir, o)
		if l != nil {
			l.Detection = det
		}
		return l, err
	case format.Meta3x:
		return nil, fmt.Errorf("%s: DotNext 3.1–3.3 log (N.meta side files): walctl reads 4.0+ logs only", dir)
	case format.Unknown:
		if onlySnapshot(det) {
			// No partition file and no entry after the snapshot: every
			// format and R read this log the same, as its snapshot alone.
			return openPS(dir, det, o.Target, fr, nil)
		}
		return nil, &ErrUnsure{Dir: dir, Detection: det}
	}
	if !psAdmits(det, o) {
		return nil, &ErrUnsure{Dir: dir, Detection: det}
	}
	return openPS(dir, det, o.Target, fr, nil)
}

// psAdmits reports whether the PersistentState reader opens a log detected
// as det (a PersistentState format): with confidence, or with the geometry
// the user gave (an R or M the user gave is obeyed even against the
// evidence: the conflicts become findings instead of a refusal), and an R
// (and for the sparse format an M) the reader can use.
func psAdmits(det *detect.Result, o Options) bool {
	userGeometry := o.R > 0 && (det.Format != format.Sparse || o.M > 0 || det.M > 0)
	if det.Conf() <= detect.Confidence(1) && !o.Force && !userGeometry {
		return false
	}
	return det.R >= 2 && (det.Format != format.Sparse || det.M >= 1)
}

// onlySnapshot: a PersistentState directory without partition files whose
// node.state says no entry follows the snapshot (a log a truncation to its
// snapshot leaves), so that nothing depends on the format or R.
func onlySnapshot(det *detect.Result) bool {
	l, s := det.Listing, det.State
	return l.NodeState != "" && len(l.Partitions) == 0 && len(l.NotRegular) == 0 && len(l.NonCanonical) == 0 &&
		s != nil && s.LastIndex >= 0 && s.LastIndex <= s.Snapshot.Index
}

// Entries streams the entries with from ≤ index ≤ to (clipped to First..Last),
// the snapshot first when it is in range. Memory stays bounded by one
// partition's metadata.
func (l *Log) Entries(from, to int64, yield func(raftlog.Entry) bool) error {
	return l.entries(max(from, l.First), min(to, l.Last), yield)
}

// EntriesOnDisk is Entries without the clip at Last: the records on disk
// after it. A node.state whose LastIndex lags behind CommitIndex leaves
// committed records there, and a repair of a torn WriteAheadLog checkpoint
// takes in the slots past T that verify and chain; the write audit reads
// them to prove that such a repair keeps them as they are. to must be a
// bound the caller knows (a WriteAheadLog is read slot by slot past T).
func (l *Log) EntriesOnDisk(from, to int64, yield func(raftlog.Entry) bool) error {
	if l.onDisk == nil {
		return l.Entries(from, to, yield)
	}
	return l.onDisk(max(from, l.First), to, yield)
}

// Payload returns a reader of the payload bytes present on disk for e. Each
// span's file is opened when the reader reaches it, so a payload spread over
// more chunk files than maxOpenFiles still reads correctly.
func (l *Log) Payload(e raftlog.Entry) (io.Reader, error) {
	rs := make([]io.Reader, 0, len(e.Payload))
	for _, s := range e.Payload {
		rs = append(rs, &spanReader{l: l, s: s})
	}
	return io.MultiReader(rs...), nil
}

// spanReader reads one span, opening its file through the Log's bounded cache.
type spanReader struct {
	l    *Log
	s    raftlog.Span
	read int64
}

func (r *spanReader) Read(p []byte) (int, error) {
	if r.read >= r.s.Length {
		return 0, io.EOF
	}
	f, err := r.l.reader(r.s.File)
	if err != nil {
		return 0, err
	}
	p = p[:min(int64(len(p)), r.s.Length-r.read)]
	n, err := f.ReadAt(p, r.s.Offset+r.read)
	r.read += int64(n)
	if err == io.EOF && r.read < r.s.Length {
		err = io.ErrUnexpectedEOF
	} else if err == io.EOF {
		err = nil
	}
	return n, err
}

// maxOpenFiles bounds the payload file handles a Log keeps: a WAL can have
// thousands of chunk files, and one handle per file would run into the
// process's open-file limit.
var maxOpenFiles = 16

// reader returns the cached reader of rel, making rel the hot file.
func (l *Log) reader(rel string) (io.ReaderAt, error) {
	if l.held.r != nil && l.held.name == rel {
		return l.held.r, nil
	}
	if l.hot.r != nil && l.hot.name == rel {
		return l.hot.r, nil
	}
	f, err := l.file(rel)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	l.dropHot()
	// Payloads are read once each, in order: 64 KiB windows serve them
	// without holding the file (the whole-file budget goes to the decodes).
	l.hot.r, l.hot.release = partition.OpenFile(f, info.Size(), false)
	l.hot.name = rel
	return l.hot.r, nil
}

// dropHot gives the hot file's buffer back.
func (l *Log) dropHot() {
	if l.hot.release != nil {
		l.hot.release()
	}
	l.hot.name, l.hot.r, l.hot.release = "", nil, nil
}

func (l *Log) file(rel string) (*os.File, error) {
	if f, ok := l.files[rel]; ok {
		return f, nil
	}
	if l.files == nil {
		l.files = map[string]*os.File{}
	}
	if len(l.files) >= maxOpenFiles {
		// Entries are read in index order, so the oldest handle is the one
		// least likely to be needed again.
		old := l.order[0]
		l.order = l.order[1:]
		l.files[old].Close()
		delete(l.files, old)
		if l.hot.name == old {
			l.dropHot()
		}
	}
	path := filepath.Join(l.Dir, filepath.FromSlash(rel))
	// A named pipe would block the open forever.
	if info, err := os.Stat(path); err != nil {
		return nil, err
	} else if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", path, info.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	l.files[rel] = f
	l.order = append(l.order, rel)
	return f, nil
}

// Close releases open files.
func (l *Log) Close() error {
	var errs []error
	if l.wal != nil {
		errs = append(errs, l.wal.Close())
	}
	l.dropHot()
	for _, f := range l.files {
		errs = append(errs, f.Close())
	}
	l.files, l.order = nil, nil
	return errors.Join(errs...)
}
