//go:build unix

package logdir

import (
	"os"
	"path/filepath"
	"syscall"
)

// HeldBy returns the first file of the log that another process holds an
// advisory lock on (.NET's FileShare.None/Read take flock on Unix), or "".
// It probes with a non-blocking shared lock, released at once: nothing is written.
func HeldBy(l *Log) string {
	names := []string{"node.state", "state", "checkpoint"}
	for _, p := range l.Partitions {
		names = append(names, filepath.FromSlash(p.File))
	}
	for _, n := range names {
		// Only regular files: opening a named pipe blocks until a writer
		// comes, and nobody locks anything else.
		path := filepath.Join(l.Dir, n)
		if info, err := os.Stat(path); err != nil || !info.Mode().IsRegular() {
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		}
		f.Close()
		if err == syscall.EWOULDBLOCK {
			return n
		}
	}
	return ""
}
