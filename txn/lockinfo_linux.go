package txn

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// lockPID returns the process holding an flock on the file fi and whether
// its lock is exclusive, from /proc/locks ("1: FLOCK ADVISORY WRITE <pid>
// <major>:<minor>:<inode> 0 EOF"); 0 when unknown. Nothing has to be
// written for another walctl to learn who holds a directory.
func lockPID(fi fs.FileInfo) (pid int, exclusive bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	dev := uint64(st.Dev) //nolint:unconvert // a narrower type on some platforms
	want := fmt.Sprintf("%02x:%02x:%d", unix.Major(dev), unix.Minor(dev), st.Ino)
	f, err := os.Open("/proc/locks")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		// A waiting request has "->" after the number; walctl never waits.
		if len(fl) < 6 || fl[1] != "FLOCK" || fl[5] != want {
			continue
		}
		if pid, err := strconv.Atoi(fl[4]); err == nil && pid > 0 {
			return pid, fl[3] == "WRITE"
		}
	}
	return 0, false
}
