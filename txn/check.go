package txn

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// TempError: the directory is one of walctl's temporary folders, or it is
// missing because an interrupted --out left only its temporary folder.
type TempError struct{ Dir, Temp string }

func (e *TempError) Error() string {
	if e.Temp != "" {
		return fmt.Sprintf("%s does not exist: an interrupted walctl run left the incomplete %s; run the walctl "+
			"command that writes %s again (it removes that folder)", e.Dir, e.Temp, e.Dir)
	}
	return fmt.Sprintf("%s is a temporary folder of walctl (an incomplete backup or --out output of an "+
		"interrupted run), not a log: run the walctl command that made it again (it removes the folder), or delete it", e.Dir)
}

// Check is what a read-only command asks first about dir: nil, or an error
// to print first and only — another walctl is writing dir (*BusyError), an
// interrupted write is pending in it (*PendingError, or the journal is
// unreadable), or dir is walctl's temporary folder (*TempError). A path
// that is no directory passes (the command reports it as usual).
func Check(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return checkMissing(dir)
	}
	if err != nil || !fi.IsDir() {
		return nil
	}
	// The path as given for every look (an absolute one can be too long
	// for the system where a relative one is not); absolute in messages.
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	if IsTemp(abs) {
		return &TempError{Dir: abs}
	}
	if busy, err := probeDir(dir); err == nil && busy != nil {
		busy.Dir = abs
		return busy
	}
	j, err := ReadJournal(dir)
	if err != nil {
		return err
	}
	if j != nil {
		return &PendingError{J: j}
	}
	return nil
}

// IsTemp reports whether path names one of walctl's temporary folders.
func IsTemp(path string) bool { return strings.Contains(filepath.Base(path), tempMark) }

// checkMissing: an --out being written, or left as a temp folder.
func checkMissing(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	if f, err := os.Open(abs + outLockMark); err == nil {
		busy, _ := flock(f, false)
		if !busy {
			funlock(f)
		}
		f.Close()
		if busy {
			return &BusyError{Dir: abs, Holder: readHolder(abs + outLockMark)}
		}
	}
	matches, _ := filepath.Glob(globEscape(abs) + tempMark + "*")
	if len(matches) > 0 {
		return &TempError{Dir: abs, Temp: matches[0]}
	}
	return nil
}
