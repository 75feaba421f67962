package txn

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// extent is a byte range [from, to) of a file that holds data.
type extent struct{ from, to int64 }

// progressChunk is how much is copied between two progress reports.
const progressChunk = 8 << 20

// attrs are what a file keeps through a copy or a rewrite: permissions,
// owner and group (the node's user must still open its log), and for a
// backup the modification time.
type attrs struct {
	mode     fs.FileMode
	uid, gid int
	owned    bool // uid and gid are known
	mtime    time.Time
}

func attrsOf(fi fs.FileInfo) attrs {
	a := attrs{mode: fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky), mtime: fi.ModTime()}
	a.uid, a.gid, a.owned = ownerOf(fi)
	return a
}

// apply gives path the attributes a (its time too when withTime). The owner
// is set first (chown clears set-id bits) and only when it differs; a chown
// that is not permitted (walctl not running as root) is skipped: the file
// then belongs to whoever runs walctl, as any file they create.
func (a attrs) apply(fsys FS, path string, withTime bool) error {
	if a.owned {
		if fi, err := os.Lstat(path); err == nil {
			if uid, gid, ok := ownerOf(fi); ok && (uid != a.uid || gid != a.gid) {
				if err := fsys.Lchown(path, a.uid, a.gid); err != nil && !notPermitted(err) {
					return err
				}
			}
		}
	}
	if err := fsys.Chmod(path, a.mode); err != nil {
		return err
	}
	if withTime && !a.mtime.IsZero() {
		return fsys.Chtimes(path, a.mtime, a.mtime)
	}
	return nil
}

func notPermitted(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, errors.ErrUnsupported)
}

// copyFile copies the regular file src to the new file dst, holes as holes:
// only the extents that hold data are copied (by the kernel where it can,
// copy_file_range), and the length is set at the end, so a 10 GiB hole costs
// nothing. dst gets src's attributes (withTime: its mtime too) and is
// fsynced. progress hears the data bytes copied.
func copyFile(fsys FS, src, dst string, withTime bool, progress func(int64)) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", src)
	}
	out, err := fsys.Create(dst, 0o600)
	if err != nil {
		return err
	}
	if err := copyData(out, in, fi.Size(), progress); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return attrsOf(fi).apply(fsys, dst, withTime)
}

func copyData(out File, in *os.File, size int64, progress func(int64)) error {
	ext, err := dataExtents(in, size)
	if err != nil {
		return err
	}
	for _, e := range ext {
		for at := e.from; at < e.to; {
			n := min(e.to-at, progressChunk)
			if _, err := in.Seek(at, io.SeekStart); err != nil {
				return err
			}
			if _, err := out.Seek(at, io.SeekStart); err != nil {
				return err
			}
			// io.CopyN hands the file beneath a LimitedReader over *os.File:
			// on Linux that is copy_file_range, no bytes through user space.
			got, err := io.CopyN(out, in, n)
			if progress != nil {
				progress(got)
			}
			if err != nil {
				return err
			}
			at += got
		}
	}
	return out.Truncate(size) // the trailing hole, and a file that is all hole
}

// copyTree copies the directory src to dst (which must not exist): regular
// files sparse, symbolic links as links, directories with their attributes;
// other kinds (sockets, pipes) are not part of a log and are skipped, as
// are the names skip says (walctl's own files in the root). Every file and
// directory is fsynced. root, when set, are the attributes src had before
// the caller changed it (its time, once walctl made its work folder there).
func copyTree(fsys FS, src, dst string, skip func(rel string) bool, progress func(int64), root *attrs) error {
	type dir struct {
		path string
		a    attrs
	}
	var dirs []dir
	err := walkTree(src, skip, func(p, rel string, fi fs.FileInfo) error {
		target := filepath.Join(dst, rel)
		switch {
		case fi.IsDir():
			if err := fsys.Mkdir(target, 0o700); err != nil {
				return err
			}
			a := attrsOf(fi)
			if rel == "." && root != nil {
				a = *root
			}
			dirs = append(dirs, dir{target, a})
		case fi.Mode().IsRegular():
			return copyFile(fsys, p, target, true, progress)
		case fi.Mode()&fs.ModeSymlink != 0:
			to, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := fsys.Symlink(to, target); err != nil {
				return err
			}
			if a := attrsOf(fi); a.owned {
				if err := fsys.Lchown(target, a.uid, a.gid); err != nil && !notPermitted(err) {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Deepest first: a directory's time is set after its last entry is made.
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := dirs[i].a.apply(fsys, dirs[i].path, true); err != nil {
			return err
		}
		if err := fsys.SyncDir(dirs[i].path); err != nil {
			return err
		}
	}
	return nil
}

// treeSize is the space the files below dir take on disk (holes excluded)
// and their number; skip as for copyTree.
func treeSize(dir string, skip func(rel string) bool) (int64, error) {
	var total int64
	err := walkTree(dir, skip, func(_, _ string, fi fs.FileInfo) error {
		if fi.Mode().IsRegular() {
			total += allocatedOf(fi)
		}
		return nil
	})
	return total, err
}

// walkTree walks the tree below dir (through a link to it) and calls fn
// with each path, its name relative to dir and its file information (of a
// link, not of what it points to); the names skip says (never the root
// itself) and what is below them are passed over.
func walkTree(dir string, skip func(rel string) bool, fn func(p, rel string, fi fs.FileInfo) error) error {
	dir, err := realDir(dir)
	if err != nil {
		return err
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if rel != "." && skip != nil && skip(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return fn(p, rel, fi)
	})
}

// realDir follows dir when it is a symbolic link: a walk does not, and
// would copy the link instead of the log it points to.
func realDir(dir string) (string, error) {
	fi, err := os.Lstat(dir)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return dir, err
	}
	return filepath.EvalSymlinks(dir)
}
