package txn

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"runtime"
	"time"
)

// FS is every change the transaction makes on disk. Reads go to the os
// package directly: they change nothing, so they are no crash point. OS is
// the real one; tests pass a FaultFS to stop a run after any step, as a
// crash would.
type FS interface {
	// Create makes a new file (it must not exist) open for writing.
	Create(path string, perm fs.FileMode) (File, error)
	// OpenFile opens an existing file for writing, to fsync or fix what a
	// codec writer wrote into the stage.
	OpenFile(path string) (File, error)
	Mkdir(path string, perm fs.FileMode) error
	// Rename moves a file or a directory; a directory may replace an empty one.
	Rename(oldpath, newpath string) error
	// Remove deletes a file or an empty directory.
	Remove(path string) error
	RemoveAll(path string) error
	Link(oldpath, newpath string) error
	Symlink(target, newpath string) error
	Chmod(path string, mode fs.FileMode) error
	// Lchown sets owner and group (of a symlink itself, not its target).
	Lchown(path string, uid, gid int) error
	Chtimes(path string, atime, mtime time.Time) error
	// SyncDir fsyncs a directory, so that the names created, renamed and
	// removed in it survive a crash.
	SyncDir(path string) error
}

// File is a file being written.
type File interface {
	io.Writer
	io.WriterAt
	io.Seeker
	Truncate(size int64) error
	Sync() error
	Close() error
	Name() string
}

// OS is the file system itself.
var OS FS = osFS{}

type osFS struct{}

func (osFS) Create(path string, perm fs.FileMode) (File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
}

func (osFS) OpenFile(path string) (File, error)        { return os.OpenFile(path, os.O_RDWR, 0) }
func (osFS) Mkdir(path string, perm fs.FileMode) error { return os.Mkdir(path, perm) }
func (osFS) Rename(oldpath, newpath string) error      { return rename(oldpath, newpath) }
func (osFS) Remove(path string) error                  { return os.Remove(path) }
func (osFS) RemoveAll(path string) error               { return os.RemoveAll(path) }
func (osFS) Link(oldpath, newpath string) error        { return os.Link(oldpath, newpath) }
func (osFS) Symlink(target, newpath string) error      { return os.Symlink(target, newpath) }
func (osFS) Chmod(path string, mode fs.FileMode) error { return os.Chmod(path, mode) }
func (osFS) Lchown(path string, uid, gid int) error    { return os.Lchown(path, uid, gid) }
func (osFS) Chtimes(path string, atime, mtime time.Time) error {
	return os.Chtimes(path, atime, mtime)
}

func (osFS) SyncDir(path string) error {
	if runtime.GOOS == "windows" {
		return nil // a directory cannot be opened for fsync on Windows
	}
	d, err := os.Open(path)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
