package convert

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// sharedCompare judges each pair the audit hands over as CompareLogs does:
// it reads the payload bytes unless the audit compared them equal, and it
// finds what the audit does not check (timestamp, flags), a missing entry
// and an extra one past the input's last index.
func TestSharedCompareFindsDifferences(t *testing.T) {
	src := filepath.Join(fixtures.Root(), "5.26.2", "table-basic", "wal")
	la, err := logdir.Open(src, logdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer la.Close()
	var entries []raftlog.Entry
	if err := la.Entries(la.First, la.Last, func(e raftlog.Entry) bool {
		if !e.IsSnapshot {
			entries = append(entries, e)
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	target := -1
	for i, e := range entries {
		if e.Length >= 3 && len(e.Payload) == 1 {
			target = i
			break
		}
	}
	if target < 0 {
		t.Fatal("no entry with a payload of 3 bytes or more")
	}
	flipped := fixtures.Copy(t, src)
	p := entries[target].Payload[0]
	b, err := os.ReadFile(filepath.Join(flipped, filepath.FromSlash(p.File)))
	if err != nil {
		t.Fatal(err)
	}
	b[p.Offset] ^= 0x5a
	if err := os.WriteFile(filepath.Join(flipped, filepath.FromSlash(p.File)), b, 0o644); err != nil {
		t.Fatal(err)
	}
	lb, err := logdir.Open(flipped, logdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Close()
	from := entries[0].Index
	ao := logdir.Options{Format: la.Format, R: la.R, M: la.M}
	itoa := func(i int64) string { return strconv.FormatInt(i, 10) }

	run := func(t *testing.T, pair func(i int, e raftlog.Entry) (*raftlog.Entry, bool), want ...string) {
		t.Helper()
		var got *Comparison
		each, done := sharedCompare(ao, nil, func(c *Comparison) { got = c })(la, lb, from)
		if each == nil {
			t.Fatal("declined the same geometry")
		}
		for i, e := range entries {
			eo, same := pair(i, e)
			if err := each(e, eo, same); err != nil {
				t.Fatal(err)
			}
		}
		if err := done(); err != nil {
			t.Fatal(err)
		}
		if got == nil || got.Count != int64(len(want)) {
			t.Fatalf("got %+v, want mismatches %q", got, want)
		}
		for i, w := range want {
			if !strings.Contains(got.Mismatches[i], w) {
				t.Errorf("mismatch %d is %q, want %q", i, got.Mismatches[i], w)
			}
		}
	}
	t.Run("payload read unless proven", func(t *testing.T) {
		run(t, func(_ int, e raftlog.Entry) (*raftlog.Entry, bool) { return &e, false },
			"entry "+itoa(entries[target].Index)+": payload bytes differ from byte 0 on")
	})
	t.Run("payload proven by the audit", func(t *testing.T) {
		run(t, func(i int, e raftlog.Entry) (*raftlog.Entry, bool) { return &e, i == target })
	})
	t.Run("timestamp", func(t *testing.T) {
		run(t, func(i int, e raftlog.Entry) (*raftlog.Entry, bool) {
			if i == target {
				e.Ticks++
			}
			return &e, i == target
		}, "entry "+itoa(entries[target].Index)+": term")
	})
	t.Run("missing", func(t *testing.T) {
		run(t, func(i int, e raftlog.Entry) (*raftlog.Entry, bool) {
			if i == 0 {
				return nil, false
			}
			return &e, i == target
		}, "entry "+itoa(entries[0].Index)+" is missing from the output")
	})
	t.Run("extra past the last index", func(t *testing.T) {
		last := entries[len(entries)-1]
		entries = append(entries, raftlog.Entry{Index: last.Index + 1})
		defer func() { entries = entries[:len(entries)-1] }()
		run(t, func(i int, e raftlog.Entry) (*raftlog.Entry, bool) { return &e, i == target },
			"the output has an extra entry "+itoa(last.Index+1))
	})
	t.Run("declines another geometry", func(t *testing.T) {
		other := ao
		other.R++
		if each, _ := sharedCompare(other, nil, func(*Comparison) {})(la, lb, from); each != nil {
			t.Error("took a walk read with another R")
		}
	})
}
