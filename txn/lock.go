package txn

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/walctl/walctl/internal/shellquote"
)

// LockName is a file walctl writes inside a log directory only where the
// file system cannot lock the directory itself (NFS): then the lock is on
// this file. The library ignores the name: PersistentState reads only
// numeric names and node.state, the WriteAheadLog only its fixed names.
//
// Everywhere else the lock is an advisory lock (flock) on the directory:
// nothing is written to hold it, a killed walctl leaves nothing stale, and
// on Linux /proc/locks names the process that holds it.
const LockName = ".walctl-lock"

// outLockMark follows the name of a --out directory for the file that
// locks it (the directory does not exist yet). It names its holder (JSON).
const outLockMark = ".walctl-lock"

// Holder says who holds a lock.
type Holder struct {
	PID     int       `json:"pid"`
	Op      string    `json:"op,omitempty"`
	Args    []string  `json:"args,omitempty"` // without "walctl"
	Started time.Time `json:"started"`
}

// BusyError: another walctl holds the lock.
type BusyError struct {
	Dir    string
	Holder *Holder // PID (and command, when it said) of the holder; nil when unknown
	Shared bool    // the holder reads the directory (convert --out), it does not write it
}

func (e *BusyError) Error() string {
	who, does := "another walctl", "writing"
	if e.Shared {
		does = "reading (convert --out)"
	}
	if h := e.Holder; h != nil && h.PID > 0 {
		who = fmt.Sprintf("another walctl (PID %d", h.PID)
		if len(h.Args) > 0 {
			who += ", `" + shellquote.Join(append([]string{"walctl"}, h.Args...)...) + "`"
		}
		who += ")"
	}
	if e.Holder == nil {
		does = "using"
	}
	return fmt.Sprintf("%s is %s %s: wait for it to finish", who, does, e.Dir)
}

// busyDir describes who holds the lock on the open directory d.
func busyDir(dir string, d *os.File) *BusyError {
	e := &BusyError{Dir: dir}
	if fi, err := d.Stat(); err == nil {
		if pid, excl := lockPID(fi); pid > 0 {
			e.Holder, e.Shared = &Holder{PID: pid}, !excl
		}
	}
	// A writer that had to lock the file (NFS) names itself there.
	if h := readHolder(filepath.Join(dir, LockName)); h != nil {
		e.Holder = h
	}
	return e
}

// Lock is walctl's hold on a directory for one run.
type Lock struct {
	Dir       string // absolute
	exclusive bool
	dirFile   *os.File // the directory, flocked
	file      *os.File // the lock file, flocked where the directory cannot be
	info      string   // the holder file written, removed on Unlock
}

// LockDir takes the exclusive lock on the log directory dir for a writer:
// a second writer, or a reader from convert --out, gets a *BusyError. The
// holder (PID, command) is written to dir/.walctl-lock for their message.
func LockDir(dir string, h Holder) (*Lock, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	l := &Lock{Dir: abs, exclusive: true}
	if err := l.lockDir(h); err != nil {
		return nil, err
	}
	return l, nil
}

// ShareDir takes a shared lock on dir for a command that reads it to write
// elsewhere (convert --out): readers run together, a writer of dir waits
// for none of them and is refused. It creates no file, so a read-only input
// works.
func ShareDir(dir string) (*Lock, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	l := &Lock{Dir: abs}
	return l, l.lockDir(Holder{})
}

func (l *Lock) lockDir(h Holder) error {
	if err := nameFits(l.Dir); err != nil {
		return err
	}
	d, err := os.Open(l.Dir)
	if err != nil {
		return pathErr(err, l.Dir, "")
	}
	busy, err := flock(d, l.exclusive)
	switch {
	case busy:
		defer d.Close()
		return busyDir(l.Dir, d)
	case err != nil && lockUnsupported(err):
		// NFS cannot flock a directory opened read-only: lock the file.
		d.Close()
		if !l.exclusive {
			return nil // a reader that cannot lock only loses the exclusion
		}
		path := filepath.Join(l.Dir, LockName)
		f, err := lockFile(path, l.Dir)
		if err != nil {
			return err
		}
		l.file = f
		l.writeHolder(path, h)
		return nil
	case err != nil:
		d.Close()
		return fmt.Errorf("lock %s: %w", l.Dir, err)
	}
	l.dirFile = d
	return nil
}

// lockOut takes the exclusive lock on the --out directory out, which need
// not exist: a sibling file out.walctl-lock.
func lockOut(out string, h Holder) (*Lock, error) {
	path := out + outLockMark
	f, err := lockFile(path, out)
	if err != nil {
		return nil, err
	}
	l := &Lock{Dir: out, exclusive: true, file: f}
	l.writeHolder(path, h)
	return l, nil
}

// lockFile opens (creating) and flocks the file path. A file removed by
// its last holder between our open and our lock is a stale inode: open again.
func lockFile(path, dir string) (*os.File, error) {
	for range 10 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, pathErr(err, path, "")
		}
		busy, err := flock(f, true)
		if busy {
			defer f.Close()
			h := readHolder(path)
			if fi, err := f.Stat(); h == nil && err == nil {
				if pid, _ := lockPID(fi); pid > 0 {
					h = &Holder{PID: pid}
				}
			}
			return nil, &BusyError{Dir: dir, Holder: h}
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		a, err1 := f.Stat()
		b, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(a, b) {
			return f, nil
		}
		f.Close()
	}
	return nil, fmt.Errorf("lock %s: the file keeps being replaced", path)
}

func (l *Lock) writeHolder(path string, h Holder) {
	if h.PID == 0 {
		h.PID = os.Getpid()
	}
	if h.Started.IsZero() {
		h.Started = time.Now().UTC().Truncate(time.Second)
	}
	b, _ := json.Marshal(h)
	// Only a message for the next walctl: no fsync, and a directory we
	// cannot write (then nothing else works either) is left as it is.
	if f := l.file; f != nil && filepath.Clean(f.Name()) == path {
		if f.Truncate(0) == nil {
			f.WriteAt(append(b, '\n'), 0)
			l.info = path
		}
		return
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err == nil {
		l.info = path
	}
}

// readHolder reads a holder file; nil when it is missing, unreadable, or
// left by a process that is gone (killed: the lock went with it).
func readHolder(path string) *Holder {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return nil
	}
	var h Holder
	if json.Unmarshal(b, &h) != nil || h.PID <= 0 || !alive(h.PID) {
		return nil
	}
	return &h
}

// Unlock removes the holder file and releases the lock. A nil Lock is
// valid.
func (l *Lock) Unlock() {
	if l == nil {
		return
	}
	if l.info != "" {
		os.Remove(l.info) // while still holding the lock: nobody else wrote it
		l.info = ""
	}
	if l.file != nil {
		funlock(l.file)
		l.file.Close()
		l.file = nil
	}
	if l.dirFile != nil {
		funlock(l.dirFile)
		l.dirFile.Close()
		l.dirFile = nil
	}
}

// Exclusive reports whether l keeps every other walctl out.
func (l *Lock) Exclusive() bool { return l != nil && l.exclusive }

// probeDir reports the walctl holding dir (nil, nil when none). It takes
// and drops a shared lock: nothing is written.
func probeDir(dir string) (*BusyError, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	busy, err := flock(d, false)
	if err == nil && !busy {
		funlock(d)
		return nil, nil
	}
	if busy {
		return busyDir(dir, d), nil
	}
	// Cannot lock the directory here (NFS): the lock file tells.
	path := filepath.Join(dir, LockName)
	f, ferr := os.Open(path)
	if errors.Is(ferr, os.ErrNotExist) {
		return nil, nil
	}
	if ferr != nil {
		return nil, nil
	}
	defer f.Close()
	if busy, _ := flock(f, false); busy {
		return &BusyError{Dir: dir, Holder: readHolder(path)}, nil
	}
	funlock(f)
	return nil, nil
}
