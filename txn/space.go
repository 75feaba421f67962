package txn

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// need is space a write takes on the file system of path.
type need struct {
	path  string
	bytes int64
	what  string
}

// checkSpace refuses a write the file systems cannot hold, before it
// starts: needs on the same file system add up. A file system that cannot
// tell its free space is not checked.
func checkSpace(needs ...need) error {
	type fsNeed struct {
		at    string
		bytes int64
		what  string
	}
	byDev := map[uint64]*fsNeed{}
	var order []uint64
	for _, n := range needs {
		if n.bytes <= 0 {
			continue
		}
		at := existingParent(n.path)
		fi, err := os.Stat(at)
		if err != nil {
			continue
		}
		dev, ok := deviceOf(fi)
		if !ok {
			continue
		}
		if f := byDev[dev]; f != nil {
			f.bytes += n.bytes
			f.what += " and " + n.what
			continue
		}
		byDev[dev] = &fsNeed{at, n.bytes, n.what}
		order = append(order, dev)
	}
	for _, dev := range order {
		f := byDev[dev]
		free, ok := freeSpace(f.at)
		if !ok || free >= f.bytes {
			continue
		}
		verb := "needs"
		if strings.Contains(f.what, " and ") {
			verb = "need"
		}
		return &Refusal{Msg: fmt.Sprintf("not enough free space: %s %s %s on the file system of %s, which has %s free",
			f.what, verb, Bytes(f.bytes), f.at, Bytes(free)),
			Hint: "free space there, or give --backup/--out a folder on another file system"}
	}
	return nil
}

func existingParent(p string) string {
	for {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(p)
		if parent == p {
			return p
		}
		p = parent
	}
}

// Bytes prints a size for people: "10.0 GiB (10737418240 bytes)".
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	v, u := float64(n), 0
	for v >= unit && u < 5 {
		v /= unit
		u++
	}
	return fmt.Sprintf("%.1f %ciB (%d bytes)", v, "KMGTPE"[u-1], n)
}

// Allocated is the space the named files (relative to dir) take on disk;
// missing ones count nothing. Callers use it to say what a rewrite needs.
func Allocated(dir string, names ...string) int64 {
	var total int64
	for _, n := range names {
		if fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(n))); err == nil && fi.Mode().IsRegular() {
			total += allocatedOf(fi)
		}
	}
	return total
}

// TreeAllocated is the space the files below dir take (walctl's own names
// in the root excluded).
func TreeAllocated(dir string) int64 {
	n, _ := treeSize(dir, ownRoot)
	return n
}
