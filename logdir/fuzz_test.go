package logdir

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/raftlog"
)

// splitDir lays a fuzz input out as a log directory: node.state first, then
// partitions 0, 1, 2 whose sizes come from a 6-byte header.
func splitDir(t *testing.T, b []byte) string {
	dir := t.TempDir()
	if len(b) < 6 {
		return dir
	}
	sizes := []int{int(binary.LittleEndian.Uint16(b[0:])), int(binary.LittleEndian.Uint16(b[2:])), int(binary.LittleEndian.Uint16(b[4:]))}
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
		binary.LittleEndian.PutUint16(out[2*i:], uint16(min(len(p), 65535)))
	}
	out = append(out, ns...)
	for _, p := range parts {
		out = append(out, p[:min(len(p), 65535)]...)
	}
	return out
}

// FuzzOpenDir: detection, decoding, entries and replay of a whole directory
// never panic, and every payload span lies inside its file.
func FuzzOpenDir(f *testing.F) {
	dirs, _ := filepath.Glob(filepath.Join(fixtures.Root(), "*", "*", "wal", "node.state"))
	for _, d := range dirs {
		f.Add(seed(filepath.Dir(d)))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := splitDir(t, b)
		for _, o := range []Options{{}, {Format: "v2", R: 4, Force: true}, {Format: "legacy", R: 4, Force: true}, {Format: "sparse", R: 4, M: 1024, Force: true}} {
			l, err := Open(dir, o)
			if err != nil {
				continue
			}
			rp := raftlog.NewReplay(raftlog.Bounds{Term: -1, Applied: -1, Last: l.Last})
			n := 0
			l.Entries(l.First, l.Last, func(e raftlog.Entry) bool {
				rp.Add(e)
				for _, s := range e.Payload {
					info, err := os.Stat(filepath.Join(dir, s.File))
					if err != nil || s.Offset < 0 || s.Length < 0 || s.Offset+s.Length > info.Size() {
						t.Fatalf("entry %d: payload span %+v outside its file", e.Index, s)
					}
				}
				if r, err := l.Payload(e); err == nil {
					io.Copy(io.Discard, r)
				}
				n++
				return n < 100_000
			})
			rp.Finish()
			l.Close()
		}
	})
}
