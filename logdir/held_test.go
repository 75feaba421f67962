package logdir

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/raftlog"
)

// TestEntriesHeldPayloads: payloads read while Entries yields come from the
// bytes the decode held, and are the file's; a walk stopped early frees what
// the decodes in flight held (no file handle left open).
func TestEntriesHeldPayloads(t *testing.T) {
	for _, name := range []string{"table-basic", "legacy-basic"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(fixtures.Root(), "5.26.2", name, "wal")
			l, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			n := 0
			err = l.Entries(0, math.MaxInt64, func(e raftlog.Entry) bool {
				if len(e.Payload) != 1 || e.IsSnapshot {
					return true
				}
				if !bytes.Equal(payloadRead(t, l, e), payloadOnDisk(t, dir, e)) {
					t.Errorf("entry %d: payload differs from the file's bytes", e.Index)
				}
				n++
				return true
			})
			if err != nil || n == 0 {
				t.Fatalf("Entries: %v, %d payloads", err, n)
			}
			before := openFiles(t)
			for range 20 {
				if err := l.Entries(0, math.MaxInt64, func(raftlog.Entry) bool { return false }); err != nil {
					t.Fatal(err)
				}
			}
			if after := openFiles(t); after > before {
				t.Errorf("open files %d before, %d after 20 walks stopped at their first entry", before, after)
			}
		})
	}
}

func openFiles(t *testing.T) int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(fds)
}
