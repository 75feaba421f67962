package txn

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/walctl/walctl/internal/shellquote"
)

// Names inside a log directory during an in-place write.
const (
	WorkName    = ".walctl-txn"  // the transaction's folder
	JournalName = "journal.json" // in WorkName
	StageName   = "stage"        // in WorkName: the new log, complete
	// oldJournalName is where walctl before the transaction package kept
	// its journal; such a run is reported, never finished by this walctl.
	oldJournalName = ".walctl-journal"
)

// Own reports whether name, directly in a log directory, is walctl's own
// (lock, journal, stage): never a file of the log.
func Own(name string) bool { return strings.HasPrefix(name, ".walctl-") }

// Phase is how far an in-place write got.
type Phase string

const (
	// PhaseStaging: the backup is being copied (under BackupTemp, renamed
	// to Backup when complete), the new log built in the stage and audited.
	// DIR is untouched: an interrupted run is discarded and starts over.
	PhaseStaging Phase = "staging"
	// PhasePublishing: the audit passed; the staged files are being renamed
	// into DIR (Ops, in order). From here on a run must be finished.
	PhasePublishing Phase = "publishing"
)

// OpKind says what publishing does with one name.
type OpKind string

const (
	OpReplace OpKind = "replace" // rename the staged file over DIR/Name (or to a new name)
	OpRemove  OpKind = "remove"  // delete DIR/Name
)

// Op is one step of publishing.
type Op struct {
	Kind OpKind `json:"kind"`
	Name string `json:"name"` // relative to DIR, slash-separated
}

// Journal is DIR/.walctl-txn/journal.json: what an in-place write is doing,
// enough to tell the user what is pending and to finish it.
type Journal struct {
	Version int      `json:"version"`
	Op      string   `json:"op"`   // the command: repair, convert
	Args    []string `json:"args"` // its canonical command line, without "walctl"
	// Options are the caller's own settings, to plan again on the backup.
	Options    json.RawMessage `json:"options,omitempty"`
	Dir        string          `json:"dir"`
	Started    time.Time       `json:"started"`
	PID        int             `json:"pid"`
	Backup     string          `json:"backup"`
	BackupTemp string          `json:"backupTemp,omitempty"`
	Phase      Phase           `json:"phase"`
	Ops        []Op            `json:"ops,omitempty"`
}

const journalVersion = 1

// Command is the shell-quoted command line that finishes the run.
func (j *Journal) Command() string {
	return shellquote.Join(append([]string{"walctl"}, j.Args...)...)
}

// Touched reports whether DIR may already hold new files.
func (j *Journal) Touched() bool { return j.Phase == PhasePublishing }

func journalPath(dir string) string { return filepath.Join(dir, WorkName, JournalName) }

// ReadJournal returns the journal of an unfinished write in dir, or nil.
// An unreadable journal is an error that names what to do.
func ReadJournal(dir string) (*Journal, error) {
	path := journalPath(dir)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return readOldJournal(dir)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 16<<20))
	if err != nil {
		return nil, err
	}
	var j Journal
	if err := json.Unmarshal(b, &j); err != nil || j.Version != journalVersion || len(j.Args) == 0 {
		why := "unknown version"
		if err != nil {
			why = err.Error()
		}
		return nil, &CorruptJournalError{Dir: dir, Path: path, Why: why}
	}
	// The journal is inside the directory it is about: if the directory
	// was moved since, it is here now, and so is the command's last word.
	if abs, err := filepath.Abs(dir); err == nil && abs != j.Dir {
		if last := len(j.Args) - 1; j.Args[last] == j.Dir {
			j.Args[last] = abs
		}
		j.Dir = abs
	}
	return &j, nil
}

// CorruptJournalError: a journal walctl cannot read.
type CorruptJournalError struct{ Dir, Path, Why string }

func (e *CorruptJournalError) Error() string {
	return fmt.Sprintf("%s: the journal of an interrupted walctl write is unreadable (%s): walctl cannot tell "+
		"what is half done; restore %s from the backup the interrupted run named", e.Path, e.Why, e.Dir)
}

// readOldJournal reports a journal of an earlier walctl.
func readOldJournal(dir string) (*Journal, error) {
	b, err := os.ReadFile(filepath.Join(dir, oldJournalName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var old struct {
		Command string    `json:"command"`
		Backup  string    `json:"backup"`
		Started time.Time `json:"started"`
	}
	json.Unmarshal(b, &old)
	return nil, &OldJournalError{Dir: dir, Op: old.Command, Backup: old.Backup, Started: old.Started}
}

// OldJournalError: an earlier walctl left an unfinished write.
type OldJournalError struct {
	Dir, Op, Backup string
	Started         time.Time
}

func (e *OldJournalError) Error() string {
	return fmt.Sprintf(
		"an interrupted walctl %s of an earlier walctl release is pending on %s (started %s, backup %s): "+
			"finish it with the walctl that started it, or restore from %s",
		orWord(e.Op, "write"),
		e.Dir,
		e.Started.Format(time.RFC3339),
		e.Backup,
		e.Backup,
	)
}

func orWord(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// PendingError says an unfinished in-place write is in the directory: the
// read-only commands and a writer with other arguments stop on it.
type PendingError struct{ J *Journal }

func (e *PendingError) Error() string {
	j := e.J
	started := j.Started.Format(time.RFC3339)
	if !j.Touched() {
		return fmt.Sprintf("an interrupted walctl %s is pending on %s (started %s; %s itself is unchanged so far): "+
			"run `%s` to finish it", j.Op, j.Dir, started, j.Dir, j.Command())
	}
	return fmt.Sprintf("an interrupted walctl %s is pending on %s (started %s, backup %s): run `%s` to finish it, "+
		"or restore from %s", j.Op, j.Dir, started, j.Backup, j.Command(), j.Backup)
}

// writeJournal replaces the journal atomically.
func writeJournal(fsys FS, dir string, j *Journal) error {
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(fsys, journalPath(dir), append(b, '\n'), 0o644)
}

// writeAtomic replaces path with b: temp file, fsync, rename, fsync dir.
func writeAtomic(fsys FS, path string, b []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	if err := fsys.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	f, err := fsys.Create(tmp, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := fsys.Rename(tmp, path); err != nil {
		return err
	}
	return fsys.SyncDir(filepath.Dir(path))
}
