package wal

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/raftlog"
)

// fixtureFile reads a file of a fixture log for fuzz seeds.
func fixtureFile(f *testing.F, fixture, name string) []byte {
	f.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures.Root(), fixture, "wal", name))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

var seedFixtures = []string{"6.12.0/wal-basic", "6.12.0/wal-hash-crc32", "6.12.0/wal-legacy-layout",
	"5.26.2/wal-basic", "6.12.0/wal-basic+checkpoint-torn", "5.26.2/wal-basic+checkpoint-torn",
	"6.4.0/wal-hash-crc32"} // #292 padding

// FuzzCheckpoint: any checkpoint bytes decode without panic, the same way
// twice, and the forms the library writes re-encode to the same bytes.
func FuzzCheckpoint(f *testing.F) {
	for _, fx := range seedFixtures {
		f.Add(fixtureFile(f, fx, "checkpoint"))
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		cp := DecodeCheckpoint(b, int64(len(b)))
		if again := DecodeCheckpoint(b, int64(len(b))); !reflect.DeepEqual(cp, again) {
			t.Fatal("not deterministic")
		}
		if cp.Torn() != (cp.Form < 0) || (cp.Form >= 0 && int64(cp.Form) != cp.Size) {
			t.Fatalf("form %d for size %d", cp.Form, cp.Size)
		}
		var form int
		switch {
		case len(b) == Checkpoint5x:
			form = Checkpoint5x
		case len(b) == CheckpointV0 && cp.Version == 0:
			form = CheckpointV0
		case len(b) == CheckpointV1 && cp.Version == 1:
			form = CheckpointV1
		default:
			return
		}
		enc, err := EncodeCheckpoint(form, cp.C, cp.L)
		if err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("encode(decode(% X)) = % X, %v", b, enc, err)
		}
	})
}

// FuzzState: any state bytes decode without panic; a 37-byte file whose
// vote byte is 0 or 1 re-encodes to itself.
func FuzzState(f *testing.F) {
	for _, fx := range seedFixtures {
		f.Add(fixtureFile(f, fx, "state"))
	}
	f.Add(make([]byte, 12))
	f.Fuzz(func(t *testing.T, b []byte) {
		ns := DecodeState(b, int64(len(b)))
		if !reflect.DeepEqual(ns, DecodeState(b, int64(len(b)))) {
			t.Fatal("not deterministic")
		}
		if len(b) < StateSize {
			if ns.Term != 0 || ns.HasVote {
				t.Fatalf("a %d-byte state must read as reset, got %+v", len(b), ns)
			}
			return
		}
		if b[0] <= 1 && !bytes.Equal(EncodeState(ns), b[:StateSize]) {
			t.Fatalf("encode(decode(% X)) = % X", b[:StateSize], EncodeState(ns))
		}
		if ns.Vote.Endpoint != "" {
			id, err := MemberIDFromEndpoint(ns.Vote.Endpoint)
			if err != nil || id.Endpoint != ns.Vote.Endpoint {
				t.Fatalf("endpoint %q does not round-trip: %v", ns.Vote.Endpoint, err)
			}
		}
	})
}

// FuzzMetadataRecord: both record layouts decode any bytes and re-encode
// them exactly (the 32-byte record has no timestamp, so it always does).
func FuzzMetadataRecord(f *testing.F) {
	for _, fx := range seedFixtures {
		page := fixtureFile(f, fx, "metadata/0")
		for off := 32; off+64 <= len(page) && off < 640; off += 32 {
			f.Add(page[off : off+64])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, size := range []int64{RecordSize6, RecordSize5} {
			r, err := DecodeRecord(b, size)
			if int64(len(b)) < size {
				if err == nil {
					t.Fatalf("decoded %d bytes as a %d-byte record", len(b), size)
				}
				continue
			}
			_ = recordProblem(r)
			enc, err := EncodeRecord(r, size)
			if err != nil || !bytes.Equal(enc, b[:size]) {
				t.Fatalf("size %d: encode(decode(% X)) = % X, %v", size, b[:size], enc, err)
			}
		}
	})
}

// fuzzNames are the files a FuzzOpen input can create. Selector bit 0x80
// pads the file to 4096 bytes (a full page or chunk).
var fuzzNames = []string{"checkpoint", "state", "metadata/0", "metadata/1", "data/0", "data/1",
	"data/2", "db/5-1", "metadata/007", "data/x", "node.state", "metadata/4294967295", "db/a-b", "data/3"}

// splitDir turns fuzz bytes into a directory: repeated [selector][uint16
// length][content].
func splitDir(b []byte) fstest.MapFS {
	fsys := fstest.MapFS{}
	for len(b) >= 3 {
		sel := b[0]
		n := int(binary.LittleEndian.Uint16(b[1:]))
		b = b[3:]
		n = min(n, len(b))
		content := append([]byte(nil), b[:n]...)
		b = b[n:]
		if sel&0x80 != 0 && len(content) < 4096 {
			content = append(content, make([]byte, 4096-len(content))...)
		}
		fsys[fuzzNames[int(sel&0x7f)%len(fuzzNames)]] = &fstest.MapFile{Data: content}
	}
	return fsys
}

// joinDir is the inverse of splitDir for seeds (trailing zeros trimmed).
func joinDir(files map[string][]byte) []byte {
	var out []byte
	for k, name := range fuzzNames {
		data, ok := files[name]
		if !ok {
			continue
		}
		sel := byte(k)
		if len(data) == 4096 {
			sel |= 0x80
			data = bytes.TrimRight(data, "\x00")
		}
		out = append(out, sel)
		out = binary.LittleEndian.AppendUint16(out, uint16(len(data)))
		out = append(out, data...)
	}
	return out
}

func fuzzSeed(f *testing.F, fixture string) []byte {
	files := map[string][]byte{}
	for _, name := range []string{"checkpoint", "state", "metadata/0", "data/0", "data/1", "data/2", "data/3"} {
		if b, err := os.ReadFile(filepath.Join(fixtures.Root(), fixture, "wal", name)); err == nil {
			files[name] = b
		}
	}
	return joinDir(files)
}

// summary renders everything a decode produced, to compare two runs.
func summary(l *Log, limit int) string {
	var entries []raftlog.Entry
	l.Entries(0, -1, func(e raftlog.Entry) bool {
		entries = append(entries, e)
		return len(entries) < limit
	})
	// JSON follows pointers, so two equal decodes render equally.
	b, err := json.Marshal(
		[]any{l.Params, l.State, l.Files, l.S, l.C, l.L, l.T, l.OpenError, entries, l.Check(), l.Extent()},
	)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// FuzzOpen: a fuzz input split into a small directory opens, lists entries
// and checks without panic, twice the same way, with every payload span and
// record location inside an existing file.
func FuzzOpen(f *testing.F) {
	for _, fx := range seedFixtures {
		f.Add(fuzzSeed(f, fx))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fsys := splitDir(b)
		l, err := OpenFS(fsys, Options{})
		if err != nil {
			return
		}
		defer l.Close()
		first := summary(l, 300)
		l2, err := OpenFS(fsys, Options{})
		if err != nil {
			t.Fatalf("second open failed: %v", err)
		}
		defer l2.Close()
		if second := summary(l2, 300); first != second {
			t.Fatalf("not deterministic:\n%s\n---\n%s", first, second)
		}
		inFile := func(loc raftlog.Location) bool {
			mf, ok := fsys[loc.File]
			return ok && loc.Offset >= 0 && loc.Length >= 0 && loc.Offset <= int64(len(mf.Data))-loc.Length
		}
		n := 0
		l.Entries(0, -1, func(e raftlog.Entry) bool {
			for _, s := range e.Payload {
				if !inFile(s) || s.Length == 0 {
					t.Fatalf("entry %d: span %+v outside its file", e.Index, s)
				}
			}
			if e.PayloadAvailable() > max(e.Length, 0) {
				t.Fatalf("entry %d: %d bytes available for length %d", e.Index, e.PayloadAvailable(), e.Length)
			}
			var w countingWriter
			if err := l.ReadPayload(e, &w); err == nil && w.n != e.PayloadAvailable() {
				t.Fatalf("entry %d: read %d of %d available payload bytes", e.Index, w.n, e.PayloadAvailable())
			}
			if e.Record.Length > 0 && !inFile(e.Record) {
				t.Fatalf("entry %d: record %+v outside its file", e.Index, e.Record)
			}
			if e.Index <= l.S || e.Index > l.T {
				t.Fatalf("entry %d outside (S, T] = (%d, %d]", e.Index, l.S, l.T)
			}
			n++
			return n < 300
		})
		if ext := l.Extent(); ext.ValidEnd < l.S || ext.CommittedIntact > ext.Commit {
			t.Fatalf("extent %+v", ext)
		}
		// A #292 correction replaces exactly the stored slot bytes, keeps End
		// and points at bytes that exist.
		n = 0
		err = l.Corrections292(0, -1, func(c Correction292) bool {
			mf, ok := fsys[c.File]
			if !ok || c.SlotOffset < 0 || c.SlotOffset+int64(len(c.Old)) > int64(len(mf.Data)) ||
				!bytes.Equal(mf.Data[c.SlotOffset:c.SlotOffset+int64(len(c.Old))], c.Old) || len(c.New) != len(c.Old) {
				t.Fatalf("correction of %d: %+v does not match %s", c.Index, c, c.File)
			}
			if c.OldOffset+c.OldLength != c.NewOffset+c.NewLength || c.NewOffset%l.Params.ChunkSize != 0 {
				t.Fatalf("correction of %d moves End: %+v", c.Index, c)
			}
			for _, s := range c.Padding.TruePayload {
				if !inFile(s) {
					t.Fatalf("correction of %d: span %+v outside its file", c.Index, s)
				}
			}
			n++
			return n < 300
		})
		if err != nil {
			t.Fatalf("Corrections292: %v", err)
		}
	})
}
