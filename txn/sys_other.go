//go:build !(linux || darwin || freebsd)

package txn

import (
	"io/fs"
	"os"
	"strings"
)

func rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

func ownerOf(fs.FileInfo) (uid, gid int, ok bool) { return 0, 0, false }
func allocatedOf(fi fs.FileInfo) int64            { return fi.Size() }
func deviceOf(fs.FileInfo) (uint64, bool)         { return 0, false }
func freeSpace(string) (int64, bool)              { return 0, false }

// flock: no advisory locks here; walctl cannot keep two writers apart.
func flock(*os.File, bool) (bool, error) { return false, nil }
func funlock(*os.File)                   {}
func lockUnsupported(error) bool         { return false }

func dataExtents(_ *os.File, size int64) ([]extent, error) { return []extent{{0, size}}, nil }

func tooLong(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "too long")
}

func alive(pid int) bool { return pid > 0 }
