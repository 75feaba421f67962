// Package atomicfs writes files so that a crash at any point leaves either
// the old or the new content, never a mix: write a temp file in the same
// directory, fsync it, rename it over the target, fsync the directory. It
// also copies a directory tree for backups. A Fault hook lets tests stop the
// sequence after any step, as a crash would.
package atomicfs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// Step names the points where a write can be interrupted.
type Step string

const (
	StepTempWritten Step = "temp-written" // temp file written, not synced
	StepTempSynced  Step = "temp-synced"  // temp file fsynced
	StepRenamed     Step = "renamed"      // renamed over the target
	StepDirSynced   Step = "dir-synced"   // directory fsynced
	StepRemoved     Step = "removed"      // a file removed
)

// ErrInjected is returned when a Fault hook stops a write.
var ErrInjected = errors.New("injected fault")

// Fault, when set, is called after every step; a non-nil return stops the
// operation there (the files stay as a crash at that point would leave them).
var Fault func(step Step, path string) error

func fault(step Step, path string) error {
	if Fault == nil {
		return nil
	}
	return Fault(step, path)
}

// WriteFile atomically replaces path with what fill writes.
func WriteFile(path string, perm os.FileMode, fill func(w io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".walctl-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	// The writers hand over 40-byte records and short payloads: batch
	// them into 1 MiB writes.
	wb := newWriteBehind(tmp)
	if err := fill(wb); err != nil {
		return err
	}
	if err := wb.flush(); err != nil {
		return err
	}
	if err := fault(StepTempWritten, path); err != nil {
		ok = true // a crash leaves the temp file behind; Cleanup removes it
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := fault(StepTempSynced, path); err != nil {
		ok = true
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	ok = true
	if err := fault(StepRenamed, path); err != nil {
		return err
	}
	if err := SyncDir(dir); err != nil {
		return err
	}
	return fault(StepDirSynced, path)
}

// WriteBytes atomically replaces path with b.
func WriteBytes(path string, b []byte, perm os.FileMode) error {
	return WriteFile(path, perm, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// Remove deletes path and fsyncs its directory.
func Remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := fault(StepRemoved, path); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// SyncDir fsyncs a directory so that renames and removals in it are durable.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be opened for sync on Windows
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// Cleanup removes temp files an interrupted WriteFile left in dir.
func Cleanup(dir string) error {
	matches, err := filepath.Glob(filepath.Join(dir, ".*.walctl-*"))
	if err != nil {
		return err
	}
	for _, m := range matches {
		if err := os.Remove(m); err != nil {
			return err
		}
	}
	return nil
}

// CopyTree copies src (a directory) to dst, which must not exist or be
// empty; every file is fsynced, so the backup is durable before any write.
func CopyTree(src, dst string) error {
	if ents, err := os.ReadDir(dst); err == nil && len(ents) > 0 {
		return fmt.Errorf("%s exists and is not empty: refusing to write a backup over it", dst)
	}
	return filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case info.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			return nil
		case !info.Mode().IsRegular():
			return nil // sockets, links: not part of a log
		}
		if err := copyFile(p, target, info.Mode().Perm()); err != nil {
			return err
		}
		return SyncDir(filepath.Dir(target))
	})
}

func copyFile(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm|0o200)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
