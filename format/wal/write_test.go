package wal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/raftlog"
)

func seq(es []NewEntry) func(func(NewEntry) bool) {
	return func(yield func(NewEntry) bool) {
		for _, e := range es {
			if !yield(e) {
				return
			}
		}
	}
}

func votedState(t *testing.T, term int64) raftlog.NodeState {
	t.Helper()
	id, err := MemberIDFromEndpoint("127.0.0.1:3262")
	if err != nil {
		t.Fatal(err)
	}
	return raftlog.NodeState{Term: term, HasVote: true, Vote: id}
}

// TestCreateWorkedExample writes the example of spec §3.10 and compares the
// files byte for byte.
func TestCreateWorkedExample(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "wal")
	id := int32(7)
	world := BytesEntry(1, []byte("world"))
	world.CommandID = &id
	err := Create(dir, Params{ChunkSize: 4096}, raftlog.NodeState{Term: 1}, 2,
		seq([]NewEntry{BytesEntry(1, []byte("hello")), world}))
	if err != nil {
		t.Fatal(err)
	}
	meta := make([]byte, 4096)
	copy(
		meta[32:],
		unhex(t, "01 00 00 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"),
	)
	copy(
		meta[64:],
		unhex(t, "01 00 00 00 00 00 00 00 05 00 00 00 00 00 00 00 05 00 00 00 00 00 00 00 01 00 00 00 07 00 00 00"),
	)
	data := make([]byte, 4096)
	copy(data, "helloworld")
	state := make([]byte, 37)
	state[29] = 1
	want := map[string][]byte{
		"checkpoint": unhex(t, "01 00 00 00 02 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00"),
		"state":      state,
		"metadata/0": meta,
		"data/0":     data,
	}
	for name, w := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, w) {
			t.Errorf("%s differs from spec §3.10 (%v)", name, err)
		}
	}
	// With Crc32 the hash of index 1 sits at metadata/0 offset 96 (spec §3.10).
	dir2 := filepath.Join(t.TempDir(), "wal")
	if err := Create(dir2, Params{Hash: HashCrc32}, raftlog.NodeState{Term: 1}, 1, seq([]NewEntry{BytesEntry(1, []byte("hello"))})); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir2, "metadata/0"))
	if !bytes.Equal(got[96:100], unhex(t, "DE A9 3E 2D")) {
		t.Errorf("crc32 hash of index 1: % X", got[96:100])
	}
}

// testEntries builds entries that exercise chunk straddling, entries larger
// than a chunk, zero-length entries with and without an id, configuration
// entries and term changes.
func testEntries(rng *rand.Rand, n int) ([]NewEntry, [][]byte) {
	var es []NewEntry
	var payloads [][]byte
	for i := 0; i < n; i++ {
		size := rng.Intn(700)
		switch i % 9 {
		case 3:
			size = 0
		case 5:
			size = 4096 + rng.Intn(9000) // spans three or four chunks
		}
		p := make([]byte, size)
		rng.Read(p)
		e := BytesEntry(int64(1+i/7), p)
		e.Ticks = 638712864010000000 + int64(i)*10_000_000
		if i%4 == 1 {
			id := int32(i)
			e.CommandID = &id
		}
		e.Configuration = i%11 == 10
		es = append(es, e)
		payloads = append(payloads, p)
	}
	return es, payloads
}

// TestCreateRoundTrip: write → Open without options → the same parameters,
// entries, payloads and node state, and Check finds no error.
func TestCreateRoundTrip(t *testing.T) {
	cases := []Params{
		{Layout: Layout6},
		{Layout: Layout6, Hash: HashCrc32},
		{Layout: Layout6, Hash: HashCrc64},
		{Layout: Layout6, Hash: HashXxHash32},
		{Layout: Layout6, Hash: HashXxHash64},
		{Layout: Layout6, Hash: HashXxHash3},
		{Layout: Layout5, Timestamps: TicksUTC, CheckpointForm: Checkpoint5x},
		{Layout: Layout5, Timestamps: TicksZero},
		{Layout: Layout5, Timestamps: TicksZero, Hash: HashCrc64},
		{Layout: Layout5, Timestamps: TicksZero, Hash: HashXxHash32},
		{Layout: Layout6, CheckpointForm: CheckpointV0, ChunkSize: 8192},
		{Layout: Layout6, ChunkSize: 16384, Hash: HashXxHash3},
	}
	for k, p := range cases {
		name := fmt.Sprintf(
			"%d-%s-%s-%s-cp%d-chunk%d",
			k,
			p.Layout,
			p.Timestamps,
			p.Hash,
			p.CheckpointForm,
			p.ChunkSize,
		)
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(k)))
			es, payloads := testEntries(rng, 60)
			dir := filepath.Join(t.TempDir(), "wal")
			commit := int64(45)
			if p.CheckpointForm == Checkpoint5x || p.CheckpointForm == CheckpointV0 {
				commit = int64(len(es)) // no L: only ≤ C survives an open
			}
			ns := votedState(t, 9)
			if err := Create(dir, p, ns, commit, seq(es)); err != nil {
				t.Fatal(err)
			}
			l := openT(t, dir, Options{})
			want, _ := WriteParams(p)
			if l.Params.Layout != want.Layout || l.Params.Hash != want.Hash || l.Params.ChunkSize != want.ChunkSize ||
				l.Params.SlotSize != want.SlotSize || (want.Layout == Layout5 && l.Params.Timestamps != want.Timestamps) {
				t.Fatalf("detected %s, wrote %s", l.Params, want)
			}
			if l.State.Term != 9 || l.State.Vote.Endpoint != "127.0.0.1:3262" || l.State.CommitIndex != commit ||
				l.State.LastIndex != int64(len(es)) {
				t.Errorf("state %+v", l.State)
			}
			got := collect(l)
			if len(got) != len(es) {
				t.Fatalf("%d entries, wrote %d", len(got), len(es))
			}
			for i, e := range got {
				w := es[i]
				if e.Index != int64(i+1) || e.Term != w.Term || e.Length != w.Length || e.State != raftlog.EntryOK ||
					(e.CommandID == nil) != (w.CommandID == nil) || (e.Flags&FlagConfiguration != 0) != w.Configuration {
					t.Errorf("entry %d: %+v, wrote %+v", i+1, e, w)
				}
				if want.Timestamps == TicksUTC && e.Ticks != w.Ticks {
					t.Errorf("entry %d: ticks %d, wrote %d", i+1, e.Ticks, w.Ticks)
				}
				if want.Hash != HashNone && (e.HashOK == nil || !*e.HashOK) {
					t.Errorf("entry %d: hash not verified", i+1)
				}
				var buf bytes.Buffer
				if err := l.ReadPayload(e, &buf); err != nil || !bytes.Equal(buf.Bytes(), payloads[i]) {
					t.Errorf("entry %d: payload differs (%v)", i+1, err)
				}
			}
			if fs := l.Check(); fs.HasErrors() {
				t.Errorf("errors on a written log: %v", errorsOf(fs))
			}
		})
	}
}

// TestCreateAfterSnapshot: a log that starts after a snapshot (its pages
// below S never exist) opens with S, commit and entries right.
func TestCreateAfterSnapshot(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "wal")
	ns := votedState(t, 7)
	ns.Snapshot = &raftlog.SnapshotMeta{Index: 300, Term: 6}
	es, _ := testEntries(rand.New(rand.NewSource(3)), 5)
	if err := Create(dir, Params{}, ns, 302, seq(es)); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "db", "300-6"), []byte("snapshot"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := openT(t, dir, Options{})
	if l.S != 300 || l.Commit() != 302 || l.T != 305 || l.Snapshot == nil || l.Snapshot.Term != 6 {
		t.Fatalf("S %d commit %d T %d snapshot %+v", l.S, l.Commit(), l.T, l.Snapshot)
	}
	got := collect(l)
	if len(got) != 5 || got[0].Index != 301 || !got[1].Committed || got[2].Committed {
		t.Errorf("entries %+v", got)
	}
	if fs := l.Check(); fs.HasErrors() {
		t.Errorf("errors: %v", errorsOf(fs))
	}
}

func TestCreateRejects(t *testing.T) {
	dir := t.TempDir()
	if err := Create(dir, Params{}, raftlog.NodeState{}, 3, seq(nil)); err == nil {
		t.Error("commit past the last entry accepted")
	}
	if err := Create(filepath.Join(dir, "x"), Params{ChunkSize: 12288}, raftlog.NodeState{}, 0, seq(nil)); err == nil {
		t.Error("a chunk size that is not a power of two accepted")
	}
	short := NewEntry{Term: 1, Length: 10, Payload: bytesReader([]byte("abc"))}
	if err := Create(filepath.Join(dir, "y"), Params{}, raftlog.NodeState{}, 0, seq([]NewEntry{short})); err == nil {
		t.Error("a payload shorter than its length accepted")
	}
	if err := Create(filepath.Join(dir, "z"), Params{SlotSize: 32, Hash: HashCrc32}, raftlog.NodeState{}, 0, seq(nil)); err == nil {
		t.Error("a 32-byte slot with a hash accepted")
	}
}

func flipByte(t *testing.T, name string, off int64) {
	t.Helper()
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x5A
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// TestHashFlips: for every algorithm (fixtures written by the library, and
// the legacy 40-byte layout written by Create), one flipped payload byte and
// one flipped record byte each give a hash mismatch at that entry, and the
// library-written copies verify everywhere else.
func TestHashFlips(t *testing.T) {
	var dirs []string
	for _, alg := range hashAlgs {
		dirs = append(dirs, filepath.Join(fixtures.Root(), "6.12.0", "wal-hash-"+alg.String(), "wal"))
	}
	legacy := filepath.Join(t.TempDir(), "legacy-crc64")
	es, _ := testEntries(rand.New(rand.NewSource(5)), 20)
	if err := Create(legacy, Params{Layout: Layout5, Hash: HashCrc64}, votedState(t, 3), 17, seq(es)); err != nil {
		t.Fatal(err)
	}
	dirs = append(dirs, legacy)
	for _, src := range dirs {
		for _, part := range []string{"payload", "record-term", "uncommitted-payload"} {
			t.Run(filepath.Base(filepath.Dir(src))+"/"+filepath.Base(src)+"/"+part, func(t *testing.T) {
				dir := fixtures.Copy(t, src)
				orig := openT(t, dir, Options{})
				index := int64(7)
				if part == "uncommitted-payload" {
					for index = orig.Commit() + 1; index < orig.T && orig.Entry(index).Length == 0; index++ {
					}
				}
				e := orig.Entry(index)
				if e.HashOK == nil || !*e.HashOK || e.Length == 0 {
					t.Fatalf("entry %d must verify and carry a payload: %+v", index, e)
				}
				if part == "record-term" {
					flipByte(t, filepath.Join(dir, e.Record.File), e.Record.Offset)
				} else {
					flipByte(t, filepath.Join(dir, e.Payload[0].File), e.Payload[0].Offset+e.Payload[0].Length/2)
				}
				l := openT(t, dir, Options{})
				if l.Params.Hash != orig.Params.Hash {
					t.Fatalf("one damaged entry changed the detected hash to %s", l.Params.Hash)
				}
				if got := l.Entry(index); got.HashOK == nil || *got.HashOK || got.State != raftlog.EntryDamaged {
					t.Errorf("entry %d still verifies after the flip: %+v", index, got)
				}
				want := "hash-mismatch"
				if index > l.Commit() {
					want = "hash-mismatch-uncommitted"
				}
				var hits []raftlog.Finding
				for _, f := range l.Check() {
					if strings.HasPrefix(string(f.Code), "hash-mismatch") {
						hits = append(hits, f)
					}
				}
				if len(hits) != 1 || string(hits[0].Code) != want || hits[0].Index != index {
					t.Errorf("want one %s at %d, got %+v", want, index, hits)
				}
				if ext := l.Extent(); ext.ValidEnd != index-1 || ext.FirstBad != index {
					t.Errorf("extent %+v", ext)
				}
			})
		}
	}
}

// TestDamageScenarios builds damaged logs with Create and checks the codes
// the checker gives for damage the fixtures do not cover.
func TestDamageScenarios(t *testing.T) {
	es, _ := testEntries(rand.New(rand.NewSource(9)), 150) // two metadata pages (128 slots each)
	base := filepath.Join(t.TempDir(), "base")
	if err := Create(base, Params{}, votedState(t, 30), 140, seq(es)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		damage func(t *testing.T, dir string, l *Log)
		code   string
		sev    raftlog.Severity
		file   string
	}{
		{"metadata page missing", func(t *testing.T, dir string, l *Log) {
			os.Remove(filepath.Join(dir, "metadata/1"))
		}, "metadata-page-missing", raftlog.Error, "metadata/1"},
		{"zero slot inside the log", func(t *testing.T, dir string, l *Log) {
			writeAt(t, filepath.Join(dir, "metadata/0"), 32*40, make([]byte, 32))
		}, "slot-zero", raftlog.Error, "metadata/0"},
		{"negative length", func(t *testing.T, dir string, l *Log) {
			writeAt(t, filepath.Join(dir, "metadata/0"), 32*50+15, []byte{0x80})
		}, "record-invalid", raftlog.Error, "metadata/0"},
		{"overlapping payloads", func(t *testing.T, dir string, l *Log) {
			e := l.Entry(60)
			writeAt(t, filepath.Join(dir, "metadata/0"), 32*60+16, le64(e.Payload[0].Offset-3+l.dr.chunkOf(0)))
		}, "payload-overlap", raftlog.Error, "metadata/0"},
		{"term goes back", func(t *testing.T, dir string, l *Log) {
			writeAt(t, filepath.Join(dir, "metadata/0"), 32*70, le64(1))
		}, "term-order", raftlog.Warning, "metadata/0"},
		{"checkpoint version 7", func(t *testing.T, dir string, l *Log) {
			writeAt(t, filepath.Join(dir, "checkpoint"), 0, []byte{7})
		}, "checkpoint-version-unsupported", raftlog.Error, "checkpoint"},
		{"checkpoint missing", func(t *testing.T, dir string, l *Log) {
			os.Remove(filepath.Join(dir, "checkpoint"))
		}, "checkpoint-missing", raftlog.Error, "checkpoint"},
		{"state missing", func(t *testing.T, dir string, l *Log) {
			os.Remove(filepath.Join(dir, "state"))
		}, "state-missing", raftlog.Error, "state"},
		{"oversized metadata page", func(t *testing.T, dir string, l *Log) {
			os.Truncate(filepath.Join(dir, "metadata/1"), 8192+1)
		}, "metadata-page-oversized", raftlog.Error, "metadata/1"},
		{"data chunk cut short", func(t *testing.T, dir string, l *Log) {
			os.Truncate(filepath.Join(dir, "data/3"), 100)
		}, "data-chunk-short", raftlog.Error, "data/3"},
		{"non-canonical page name", func(t *testing.T, dir string, l *Log) {
			os.WriteFile(filepath.Join(dir, "data", "007"), nil, 0o644)
		}, "page-name-noncanonical", raftlog.Warning, "data/007"},
		{"stray temp snapshot", func(t *testing.T, dir string, l *Log) {
			os.MkdirAll(filepath.Join(dir, "db"), 0o755)
			os.WriteFile(filepath.Join(dir, "db", "k3v0xq2d.a1b.tmp"), nil, 0o644)
		}, "snapshot-tmp-file", raftlog.Warning, "db/k3v0xq2d.a1b.tmp"},
		{"bad snapshot name", func(t *testing.T, dir string, l *Log) {
			os.MkdirAll(filepath.Join(dir, "db"), 0o755)
			os.WriteFile(filepath.Join(dir, "db", "backup-old-1"), nil, 0o644)
		}, "snapshot-name-invalid", raftlog.Error, "db/backup-old-1"},
		{"checkpoint L below C", func(t *testing.T, dir string, l *Log) {
			b, _ := EncodeCheckpoint(CheckpointV1, 140, 100)
			os.WriteFile(filepath.Join(dir, "checkpoint"), b, 0o644)
		}, "checkpoint-last-below-commit", raftlog.Error, "checkpoint"},
		{"state longer than 37", func(t *testing.T, dir string, l *Log) {
			f, _ := os.OpenFile(filepath.Join(dir, "state"), os.O_APPEND|os.O_WRONLY, 0)
			f.Write([]byte{1, 2, 3})
			f.Close()
		}, "state-oversized", raftlog.Warning, "state"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := fixtures.Copy(t, base)
			c.damage(t, dir, openT(t, dir, Options{}))
			l := openT(t, dir, Options{Layout: Layout6, Hash: "none"})
			fs := l.Check()
			for _, f := range fs {
				if string(f.Code) == c.code && f.Severity == c.sev && f.File == c.file {
					return
				}
			}
			t.Errorf("no %s %s at %s; got %v", c.sev, c.code, c.file, fs)
		})
	}
}

func writeAt(t *testing.T, name string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func le64(v int64) []byte {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
	return b
}

// TestReadPayloadStreams checks that ReadPayload streams a payload larger
// than its buffer across chunks, and reports a missing chunk.
func TestReadPayloadStreams(t *testing.T) {
	big := make([]byte, 200_000)
	rand.New(rand.NewSource(2)).Read(big)
	dir := filepath.Join(t.TempDir(), "wal")
	if err := Create(dir, Params{}, votedState(t, 1), 1, seq([]NewEntry{BytesEntry(1, big)})); err != nil {
		t.Fatal(err)
	}
	l := openT(t, dir, Options{})
	e := l.Entry(1)
	h := sha256.New()
	if err := l.ReadPayload(e, h); err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(big)
	if hex.EncodeToString(h.Sum(nil)) != hex.EncodeToString(want[:]) || len(e.Payload) != 49 {
		t.Errorf("payload differs or %d spans", len(e.Payload))
	}
	os.Remove(filepath.Join(dir, "data", "20"))
	l2 := openT(t, dir, Options{Layout: Layout6, Hash: "none"})
	e2 := l2.Entry(1)
	if err := l2.ReadPayload(e2, io.Discard); err == nil || e2.State != raftlog.EntryDamaged ||
		e2.PayloadAvailable() != 20*4096 {
		t.Errorf("missing chunk: err %v state %v avail %d", err, e2.State, e2.PayloadAvailable())
	}
}

// TestSnapshotDirOutsideRoot: SimpleStateMachine's directory may live
// anywhere; an absolute Options.SnapshotDir is scanned in place.
func TestSnapshotDirOutsideRoot(t *testing.T) {
	root := t.TempDir()
	dir, snaps := filepath.Join(root, "wal"), filepath.Join(root, "state-machine")
	ns := votedState(t, 7)
	ns.Snapshot = &raftlog.SnapshotMeta{Index: 40, Term: 6}
	es, _ := testEntries(rand.New(rand.NewSource(4)), 3)
	if err := Create(dir, Params{}, ns, 41, seq(es)); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(snaps, 0o755)
	os.WriteFile(filepath.Join(snaps, "40-6"), []byte("state at 40"), 0o644)
	os.WriteFile(filepath.Join(snaps, "20-3"), []byte("older"), 0o644)
	l := openT(t, dir, Options{SnapshotDir: snaps})
	var buf bytes.Buffer
	if err := l.ReadSnapshot(&buf); err != nil || buf.String() != "state at 40" {
		t.Fatalf("snapshot %q, %v", buf.String(), err)
	}
	if l.S != 40 || l.T != 43 || l.Snapshot.File != filepath.Join(snaps, "40-6") {
		t.Errorf("S %d T %d snapshot %+v", l.S, l.T, l.Snapshot)
	}
	// Without the option the snapshot is not found: S = 0 and the pages
	// below slot 41 are missing, which Check must call out.
	l2 := openT(t, dir, Options{})
	if l2.S != 0 || !l2.Check().HasErrors() {
		t.Errorf("without the snapshot dir: S %d, errors %v", l2.S, errorsOf(l2.Check()))
	}
}

// TestManyChunkFiles: a written log whose page files pass the open-file
// limit (here 4 KiB data chunks) is counted from the disk, by Open and by
// CountOpenFiles alike, and gets the many-chunk-files warning with the
// ChunkSize advice; IsWAL recognises written logs only. (TestOpenFileLimit
// covers the thresholds and the 500,000-entry shape on synthetic pages.)
func TestManyChunkFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "wal")
	big := make([]byte, 1001*4096)
	if err := Create(dir, Params{}, votedState(t, 1), 1, seq([]NewEntry{BytesEntry(1, big)})); err != nil {
		t.Fatal(err)
	}
	l := openT(t, dir, Options{})
	of := l.OpenFiles()
	if of != CountOpenFiles(dir) || of.DataChunks < 1001 || of.MetadataPages != 1 {
		t.Fatalf("Open counts %+v, CountOpenFiles %+v", of, CountOpenFiles(dir))
	}
	f, found := manyFiles(t, l)
	if !found || f.Severity != raftlog.Warning || l.Check().HasErrors() ||
		!strings.Contains(
			f.Message,
			fmt.Sprintf("%d data chunks", of.DataChunks),
		) || !strings.Contains(f.Fix, "--out-chunk-size 1048576") {
		t.Errorf("want a many-chunk-files warning with the chunk counts and no error: %+v; %v", f, l.Check())
	}
	if !IsWAL(dir) || IsWAL(t.TempDir()) || IsWAL(filepath.Join(fixtures.Root(), "5.26.2", "table-basic", "wal")) {
		t.Error("IsWAL misclassifies")
	}
}

// TestFindingCap: damage on every entry yields at most 50 findings of a
// code plus one summary that keeps the severity and the fix.
func TestFindingCap(t *testing.T) {
	es, _ := testEntries(rand.New(rand.NewSource(6)), 80)
	dir := filepath.Join(t.TempDir(), "wal")
	if err := Create(dir, Params{Hash: HashCrc32}, votedState(t, 20), 80, seq(es)); err != nil {
		t.Fatal(err)
	}
	for i := int64(1); i <= 80; i++ {
		flipByte(t, filepath.Join(dir, "metadata", itoa(i/64)), i%64*64+32) // every stored hash
	}
	l := openT(t, dir, Options{Hash: "crc32"})
	n, summary := 0, 0
	for _, f := range l.Check() {
		if f.Code == finding.HashMismatch {
			n++
			if f.Index == raftlog.NoIndex {
				summary++
				if f.Severity != raftlog.Error || f.Fix == "" || !strings.Contains(f.Message, "30 more") {
					t.Errorf("summary %+v", f)
				}
			}
		}
	}
	if n != 51 || summary != 1 {
		t.Errorf("%d hash-mismatch findings (%d summaries), want 50 + 1", n, summary)
	}
}
