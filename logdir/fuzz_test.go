package logdir

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/raftlog"
)

// maxFile caps each partition of a fuzz input at 16 KiB: enough for every
// fixture's headers and dozens of records, small enough for a fast run.
const maxFile = 16 << 10

// splitDir lays a fuzz input out as a log directory: node.state first, then
// partitions 0, 1, 2 whose sizes come from a 6-byte header.
func splitDir(t *testing.T, b []byte) string {
	dir := t.TempDir()
	if len(b) < 6 {
		return dir
	}
	sizes := []int{
		min(int(binary.LittleEndian.Uint16(b[0:])), maxFile),
		min(int(binary.LittleEndian.Uint16(b[2:])), maxFile),
		min(int(binary.LittleEndian.Uint16(b[4:])), maxFile),
	}
	b = b[6:]
	n := min(len(b), 128)
	os.WriteFile(filepath.Join(dir, "node.state"), b[:n], 0o644)
	b = b[n:]
	for i, s := range sizes {
		s = min(s, len(b))
		os.WriteFile(filepath.Join(dir, string(rune('0'+i))), b[:s], 0o644)
		b = b[s:]
	}
	return dir
}

// seed concatenates a fixture's node.state and partitions 0–2 in the fuzz layout.
func seed(dir string) []byte {
	var parts [3][]byte
	for i := range parts {
		parts[i], _ = os.ReadFile(filepath.Join(dir, string(rune('0'+i))))
	}
	ns, _ := os.ReadFile(filepath.Join(dir, "node.state"))
	out := make([]byte, 6, 6+len(ns)+len(parts[0])+len(parts[1])+len(parts[2]))
	for i, p := range parts {
		binary.LittleEndian.PutUint16(out[2*i:], uint16(min(len(p), maxFile)))
	}
	out = append(out, ns...)
	for _, p := range parts {
		out = append(out, p[:min(len(p), maxFile)]...)
	}
	return out
}

// FuzzOpenDir: detection, decoding, entries and replay of a whole directory
// never panic, give the same result twice, every payload span and record
// lies inside its file, and the one-pass open answers as detection followed
// by a scan.
func FuzzOpenDir(f *testing.F) {
	dirs, _ := filepath.Glob(filepath.Join(fixtures.Root(), "*", "*", "wal", "node.state"))
	for _, d := range dirs {
		for pad := range 4 { // bytes past the last partition select the view
			f.Add(append(seed(filepath.Dir(d)), make([]byte, pad)...))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := splitDir(t, b)
		// One view per run, chosen by the input's length (detected, or
		// forced to one format), opened twice: determinism is checked on
		// every view while a run stays cheap (every open probes and decodes
		// real files).
		views := []Options{
			{},
			{Format: "v2", R: 4, Force: true},
			{Format: "legacy", R: 4, Force: true},
			{Format: "sparse", R: 4, M: 1024, Force: true},
		}
		o := views[len(b)%len(views)]
		if first, second := openAndReplay(t, dir, o), openAndReplay(t, dir, o); first != second {
			t.Fatalf("%+v: not deterministic:\n%s\n---\n%s", o, first, second)
		}
		checkOnePass(t, "fuzz input", dir, o) // one read of each file answers as two
	})
}

// openAndReplay opens dir, checks every entry's spans against the files,
// reads the payloads, replays the log, and renders everything it saw.
func openAndReplay(t *testing.T, dir string, o Options) string {
	l, err := Open(dir, o)
	if err != nil {
		return "error: " + err.Error()
	}
	defer l.Close()
	size := func(name string) int64 {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return info.Size()
	}
	rp := raftlog.NewReplay(raftlog.Bounds{Term: -1, Applied: -1, Last: l.Last})
	var entries []raftlog.Entry
	l.Entries(l.First, l.Last, func(e raftlog.Entry) bool {
		rp.Add(e)
		for _, s := range e.Payload {
			if s.Offset < 0 || s.Length <= 0 || s.Offset > size(s.File)-s.Length {
				t.Fatalf("entry %d: payload span %+v outside its file", e.Index, s)
			}
		}
		if rec := e.Record; rec.Offset >= 0 && rec.File != "" && rec.Offset > size(rec.File)-rec.Length {
			t.Fatalf("entry %d: record %+v outside its file", e.Index, rec)
		}
		if r, err := l.Payload(e); err == nil {
			if n, _ := io.Copy(io.Discard, r); n != e.PayloadAvailable() {
				t.Fatalf("entry %d: read %d of %d payload bytes", e.Index, n, e.PayloadAvailable())
			}
		}
		entries = append(entries, e)
		// A wild LastIndex can make 10^5 entries of a few files; the first
		// thousands exercise every path, and rendering more only slows runs
		// down (an input of 100,000 entries took 5 s and passed for a hang).
		return len(entries) < 2_000
	})
	sum, findings := rp.Finish()
	out, err := json.Marshal(
		[]any{
			l.Format,
			l.R,
			l.M,
			l.First,
			l.Last,
			l.State,
			l.Snapshot,
			l.Partitions,
			l.Findings,
			entries,
			sum,
			findings,
		},
	)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
