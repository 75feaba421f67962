package logdir

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/raftlog"
)

// Reading every payload of a log through a cache smaller than the number of
// files it touches gives the same bytes, and the cache never holds more
// than maxOpenFiles handles.
func TestPayloadThroughBoundedCache(t *testing.T) {
	defer func(n int) { maxOpenFiles = n }(maxOpenFiles)
	maxOpenFiles = 2 // fewer than the chunk files a 10 KiB entry spans
	for _, f := range fixtures.All(t, "fixturegen-wal") {
		if f.Expect.Verdict != "ok" {
			continue
		}
		l, err := Open(f.WAL, Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]string{}
		for _, e := range f.Manifest.Readback.Entries {
			want[e.Index] = e.SHA256
		}
		l.Entries(l.First, l.Last, func(e raftlog.Entry) bool {
			r, err := l.Payload(e)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			if _, err := io.Copy(h, r); err != nil {
				t.Fatalf("%s index %d: %v", f.Name, e.Index, err)
			}
			if got := hex.EncodeToString(h.Sum(nil)); want[e.Index] != "" && got != want[e.Index] {
				t.Errorf("%s index %d: sha256 %s, library read %s", f.Name, e.Index, got, want[e.Index])
			}
			if len(l.files) > maxOpenFiles {
				t.Fatalf("%d open files", len(l.files))
			}
			return true
		})
		l.Close()
	}
}
