package convert_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/walctl/walctl/convert"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// CompareLogs compares payloads byte for byte: a copy is equal; one flipped
// byte anywhere in a payload (first, middle, last) is one mismatch naming the
// entry and the byte; nothing else differs.
func TestCompareLogsPayloadBytes(t *testing.T) {
	src := filepath.Join(fixtures.Root(), "5.26.2", "table-basic", "wal")
	same := fixtures.Copy(t, src)
	if c, err := convert.CompareLogs(src, same, logdir.Options{}, logdir.Options{}); err != nil || !c.OK() ||
		c.Entries == 0 {
		t.Fatalf("copy: %+v, %v", c, err)
	}
	var target raftlog.Entry
	l := logtest.Open(t, src)
	l.Entries(l.First, l.Last, func(e raftlog.Entry) bool {
		if !e.IsSnapshot && e.Length >= 3 && len(e.Payload) == 1 {
			target = e
			return false
		}
		return true
	})
	l.Close()
	if target.Index == 0 {
		t.Fatal("no entry with a payload of 3 bytes or more")
	}
	for _, at := range []int64{0, target.Length / 2, target.Length - 1} {
		dir := fixtures.Copy(t, src)
		p := filepath.Join(dir, filepath.FromSlash(target.Payload[0].File))
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b[target.Payload[0].Offset+at] ^= 0x5a
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := convert.CompareLogs(src, dir, logdir.Options{}, logdir.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := "entry " + itoa(target.Index) + ": payload bytes differ from byte " + itoa(at) + " on"
		if c.Count != 1 || len(c.Mismatches) != 1 || !strings.Contains(c.Mismatches[0], want) {
			t.Errorf("byte %d flipped: %d mismatches %q, want one %q", at, c.Count, c.Mismatches, want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
