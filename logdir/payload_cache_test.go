package logdir

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/internal/gen"
	"github.com/walctl/walctl/raftlog"
)

// TestPayloadThroughHotReader: payloads read through the hot cached reader
// are the bytes of the file, in entry order and out of it, across more
// partition files than maxOpenFiles (so the hot file's handle is evicted
// and reopened).
func TestPayloadThroughHotReader(t *testing.T) {
	l, dir := generated(t, gen.Spec{Config: ps.Config{Format: format.Legacy, R: 3},
		Entries: int64(3*maxOpenFiles + 10), SizeMin: 0, SizeMax: 200, Seed: 3})
	var all []raftlog.Entry
	if err := l.Entries(l.First, l.Last, func(e raftlog.Entry) bool { all = append(all, e); return true }); err != nil {
		t.Fatal(err)
	}
	// In order, then every entry again against the first partition's hot
	// reader being somewhere else.
	order := append(append([]raftlog.Entry{}, all...), all[0], all[len(all)-1], all[1])
	for _, e := range order {
		got, want := payloadRead(t, l, e), payloadOnDisk(t, dir, e)
		if !bytes.Equal(got, want) || int64(len(got)) != e.Length {
			t.Fatalf("index %d: read %d bytes, file holds %d (length %d)", e.Index, len(got), len(want), e.Length)
		}
	}
	if len(l.files) > maxOpenFiles {
		t.Fatalf("%d files open, bound %d", len(l.files), maxOpenFiles)
	}
}

// payloadRead is e's payload as l.Payload reads it.
func payloadRead(t *testing.T, l *Log, e raftlog.Entry) []byte {
	t.Helper()
	r, err := l.Payload(e)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// payloadOnDisk is the bytes of e's payload spans, read from the files.
func payloadOnDisk(t *testing.T, dir string, e raftlog.Entry) []byte {
	t.Helper()
	var want []byte
	for _, sp := range e.Payload {
		b, err := os.ReadFile(filepath.Join(dir, sp.File))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, b[sp.Offset:sp.Offset+sp.Length]...)
	}
	return want
}

// generated is a log made by gen in a temporary directory, opened.
func generated(t *testing.T, s gen.Spec) (*Log, string) {
	t.Helper()
	dir := t.TempDir()
	if _, err := gen.Generate(dir, s); err != nil {
		t.Fatal(err)
	}
	l, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, dir
}
