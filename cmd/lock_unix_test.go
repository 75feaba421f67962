//go:build unix

package cmd

import (
	"os"
	"syscall"
	"testing"
)

// lock takes the advisory lock a running DotNext node holds on a file.
func lock(t *testing.T, path string) func() {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Skip("no flock here:", err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }
}
