//go:build linux || darwin || freebsd

package txn

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// rename is rename(2) itself: os.Rename refuses to replace a directory even
// when it is empty, which is what --out into an existing empty directory needs.
func rename(oldpath, newpath string) error {
	if err := unix.Rename(oldpath, newpath); err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return nil
}

// ownerOf returns the owner and group of a file.
func ownerOf(fi fs.FileInfo) (uid, gid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), int(st.Gid), true
}

// allocatedOf is the space a file takes on disk: less than its size when it
// has holes.
func allocatedOf(fi fs.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return fi.Size()
}

// deviceOf identifies the file system a file is on.
func deviceOf(fi fs.FileInfo) (uint64, bool) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), true
	}
	return 0, false
}

// freeSpace is what an unprivileged writer may still allocate on the file
// system of path.
func freeSpace(path string) (int64, bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, false
	}
	return int64(st.Bavail) * int64(st.Bsize), true
}

// flock takes (or, with how = unix.LOCK_UN, drops) an advisory lock without
// waiting; busy reports that another open file holds a conflicting one.
func flock(f *os.File, exclusive bool) (busy bool, err error) {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	for {
		err = unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if errors.Is(err, unix.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}

func funlock(f *os.File) { unix.Flock(int(f.Fd()), unix.LOCK_UN) }

// lockUnsupported: the file system cannot lock this kind of file (NFS
// cannot lock a directory opened read-only).
func lockUnsupported(err error) bool {
	return errors.Is(err, unix.EBADF) || errors.Is(err, unix.ENOLCK) || errors.Is(err, unix.EOPNOTSUPP) ||
		errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOTSUP)
}

// dataExtents lists the parts of f that hold data (SEEK_DATA/SEEK_HOLE);
// the rest are holes that read as zeros and take no space. A file system
// that cannot tell reports the whole file as data.
func dataExtents(f *os.File, size int64) ([]extent, error) {
	var out []extent
	fd := int(f.Fd())
	for off := int64(0); off < size; {
		start, err := unix.Seek(fd, off, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) {
			break // only a hole from off to the end
		}
		if err != nil {
			if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOTSUP) {
				return []extent{{0, size}}, nil
			}
			return nil, &os.PathError{Op: "seek", Path: f.Name(), Err: err}
		}
		end, err := unix.Seek(fd, start, unix.SEEK_HOLE)
		if err != nil {
			return nil, &os.PathError{Op: "seek", Path: f.Name(), Err: err}
		}
		end = min(end, size)
		if end <= start {
			break
		}
		out = append(out, extent{start, end})
		off = end
	}
	return out, nil
}

// tooLong reports whether err says a name or a path is longer than the
// system allows.
func tooLong(err error) bool { return errors.Is(err, unix.ENAMETOOLONG) }

// alive reports whether a process with this PID exists.
func alive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}
