package txn

import (
	"errors"
	"io"
	"io/fs"
	"sync"
	"time"
)

// ErrInjected is the error a FaultFS returns at the step it crashes.
var ErrInjected = errors.New("injected fault")

// Step names a crash point: a change on disk that has just completed, or a
// phase of the transaction (Mark). Creating a file, linking it into the
// stage and setting its attributes are no crash points of their own: a
// crash there leaves what a crash at the next point leaves, a temporary
// name not yet durable (and a crash test stays short enough to run every
// point).
type Step string

const (
	StepSync    Step = "sync" // a file's content is durable
	StepMkdir   Step = "mkdir"
	StepRename  Step = "rename"
	StepRemove  Step = "remove"
	StepSyncDir Step = "sync-dir"
	StepAudited Step = "audited" // the audit passed; nothing is published yet
)

// Marker is implemented by a FS that wants to hear of the transaction's
// phases as well as its changes (FaultFS crashes there too).
type Marker interface {
	Mark(step Step, path string) error
}

func mark(fsys FS, step Step, path string) error {
	if m, ok := fsys.(Marker); ok {
		return m.Mark(step, path)
	}
	return nil
}

// FaultFS passes every change to FS and calls Hook after each; the first
// error Hook returns is the crash: that step's change is on disk, and every
// later change fails with ErrInjected without touching anything, as if the
// process had died there.
type FaultFS struct {
	FS   FS
	Hook func(step Step, path string) error
	// NoSync skips the fsyncs themselves (each is still a crash point): a
	// crash test stops the process, not the machine, so what fsync makes
	// durable does not change what it sees, and a test that crashes a
	// write at every step spends its time in fsync otherwise.
	NoSync bool

	mu      sync.Mutex
	crashed bool
}

// CrashAt returns a FaultFS over OS (without fsync) that crashes after its
// k-th step (1-based; k ≤ 0 never), and a function that reports how many
// steps it saw.
func CrashAt(k int) (*FaultFS, func() int) {
	n := 0
	f := &FaultFS{FS: OS, NoSync: true}
	f.Hook = func(Step, string) error {
		n++
		if n == k {
			return ErrInjected
		}
		return nil
	}
	return f, func() int { return n }
}

func (f *FaultFS) after(step Step, path string, err error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.crashed {
		return ErrInjected
	}
	if err != nil {
		return err
	}
	if f.Hook != nil && step != "" {
		if herr := f.Hook(step, path); herr != nil {
			f.crashed = true
			return herr
		}
	}
	return nil
}

func (f *FaultFS) dead() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.crashed
}

// Mark is a crash point between two phases.
func (f *FaultFS) Mark(step Step, path string) error {
	if f.dead() {
		return ErrInjected
	}
	return f.after(step, path, nil)
}

func (f *FaultFS) Create(path string, perm fs.FileMode) (File, error) {
	if f.dead() {
		return nil, ErrInjected
	}
	file, err := f.FS.Create(path, perm)
	if err := f.after("", path, err); err != nil {
		if file != nil {
			file.Close()
		}
		return nil, err
	}
	return &faultFile{File: file, fs: f}, nil
}

func (f *FaultFS) OpenFile(path string) (File, error) {
	if f.dead() {
		return nil, ErrInjected
	}
	file, err := f.FS.OpenFile(path)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: file, fs: f}, nil
}

func (f *FaultFS) do(step Step, path string, op func() error) error {
	if f.dead() {
		return ErrInjected
	}
	return f.after(step, path, op())
}

func (f *FaultFS) Mkdir(path string, perm fs.FileMode) error {
	return f.do(StepMkdir, path, func() error { return f.FS.Mkdir(path, perm) })
}
func (f *FaultFS) Rename(oldpath, newpath string) error {
	return f.do(StepRename, newpath, func() error { return f.FS.Rename(oldpath, newpath) })
}
func (f *FaultFS) Remove(path string) error {
	return f.do(StepRemove, path, func() error { return f.FS.Remove(path) })
}
func (f *FaultFS) RemoveAll(path string) error {
	return f.do(StepRemove, path, func() error { return f.FS.RemoveAll(path) })
}
func (f *FaultFS) Link(oldpath, newpath string) error {
	return f.do("", newpath, func() error { return f.FS.Link(oldpath, newpath) })
}
func (f *FaultFS) Symlink(target, newpath string) error {
	return f.do("", newpath, func() error { return f.FS.Symlink(target, newpath) })
}
func (f *FaultFS) Chmod(path string, mode fs.FileMode) error {
	return f.do("", path, func() error { return f.FS.Chmod(path, mode) })
}
func (f *FaultFS) Lchown(path string, uid, gid int) error {
	return f.do("", path, func() error { return f.FS.Lchown(path, uid, gid) })
}
func (f *FaultFS) Chtimes(path string, atime, mtime time.Time) error {
	return f.do("", path, func() error { return f.FS.Chtimes(path, atime, mtime) })
}
func (f *FaultFS) SyncDir(path string) error {
	return f.do(StepSyncDir, path, func() error {
		if f.NoSync {
			return nil
		}
		return f.FS.SyncDir(path)
	})
}

// faultFile fails every write after the crash; its crash point is Sync
// (the content is durable).
type faultFile struct {
	File
	fs *FaultFS
}

func (w *faultFile) Write(p []byte) (int, error) {
	if w.fs.dead() {
		return 0, ErrInjected
	}
	return w.File.Write(p)
}

func (w *faultFile) WriteAt(p []byte, off int64) (int, error) {
	if w.fs.dead() {
		return 0, ErrInjected
	}
	return w.File.WriteAt(p, off)
}

// ReadFrom keeps the kernel copy (copy_file_range) of the file beneath.
func (w *faultFile) ReadFrom(r io.Reader) (int64, error) {
	if w.fs.dead() {
		return 0, ErrInjected
	}
	if rf, ok := w.File.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{w.File}, r)
}

func (w *faultFile) Truncate(size int64) error {
	if w.fs.dead() {
		return ErrInjected
	}
	return w.File.Truncate(size)
}

func (w *faultFile) Sync() error {
	if w.fs.dead() {
		return ErrInjected
	}
	var err error
	if !w.fs.NoSync {
		err = w.File.Sync()
	}
	return w.fs.after(StepSync, w.Name(), err)
}

// Close always releases the descriptor (a dead process's are closed too);
// it changes nothing on disk, so it is no crash point.
func (w *faultFile) Close() error {
	err := w.File.Close()
	if w.fs.dead() {
		return ErrInjected
	}
	return err
}
