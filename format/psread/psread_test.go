package psread

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/release"
)

// dirOf opens a fixture's files as the model's Dir, with the settings the
// writer used (what the operator carries over to the next release).
func dirOf(t testing.TB, f fixtures.Fixture) *Dir {
	t.Helper()
	st := f.Manifest.Settings
	d := &Dir{Format: st.LogFormat(), R: st.RecordsPerPartition, M: st.MaxLogEntrySize}
	return openDir(t, f.WAL, d)
}

func openDir(t testing.TB, dir string, d *Dir) *Dir {
	t.Helper()
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range names {
		n, err := strconv.ParseInt(e.Name(), 10, 64)
		if err != nil || strconv.FormatInt(n, 10) != e.Name() {
			if e.Name() == nodestate.FileName {
				if d.State, err = os.ReadFile(filepath.Join(dir, e.Name())); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		h, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close() })
		info, _ := h.Stat()
		d.Files = append(d.Files, File{Number: n, Name: e.Name(), Size: info.Size(), R: h})
	}
	sort.Slice(d.Files, func(i, j int) bool { return d.Files[i].Number < d.Files[j].Number })
	return d
}

// reads is every read-back of a PersistentState fixture: the writer's own
// (manifest.json) and the other releases' (readback-by-<V>.json).
func reads(t *testing.T, f fixtures.Fixture) []fixtures.CrossRead {
	own := fixtures.CrossRead{Version: strings.SplitN(f.Name, "/", 2)[0], Readback: f.Manifest.Readback}
	return append([]fixtures.CrossRead{own}, fixtures.CrossReads(t, f)...)
}

// The model reproduces what every release read from every PersistentState
// fixture, its writer's read-back included: whether it opened, every
// entry's term, command id, length and payload SHA-256 (or the exception
// reading it threw), the vote (the expected member, another one, none), the
// term, and the files the open modified.
func TestReadMatchesEveryReadback(t *testing.T) {
	pairs, entries := 0, 0
	for _, f := range fixtures.All(t, "fixturegen-ps") {
		d := dirOf(t, f)
		for _, c := range reads(t, f) {
			pairs++
			t.Run(f.Name+"/by-"+c.Version, func(t *testing.T) {
				view := d.Read(release.MustParse(c.Version))
				entries += checkView(t, d, view, c.Readback)
			})
		}
	}
	t.Logf("%d read-backs, %d entries", pairs, entries)
	if pairs < 250 || entries < 2000 {
		t.Fatalf("only %d read-backs, %d entries", pairs, entries)
	}
}

func checkView(t *testing.T, d *Dir, view *View, rb fixtures.Readback) int {
	t.Helper()
	if !rb.Opened() {
		if view.OpenError == "" {
			t.Fatalf("the library could not open it (%s); the model opens it", rb.OpenError)
		}
		return 0
	}
	errs := rb.ErrorAt()
	if view.OpenError != "" {
		// The model's open errors that the library raised later, from
		// InitializeAsync (the checksum), are read-backs with an initError.
		if rb.Initialized() {
			t.Fatalf("the model throws %q; the library opened and initialized it", view.OpenError)
		}
		return 0
	}
	if st := rb.State; st.Term != view.Term {
		t.Errorf("term %d, the library read %d", view.Term, st.Term)
	}
	want := map[string]nodestate.Match{"expected": nodestate.MatchSame, "other": nodestate.MatchOther}
	switch v := rb.State.Vote; {
	case v == "none" && view.Vote.Has, v != "none" && !view.Vote.Has:
		t.Errorf("vote %q, the model has %+v", v, view.Vote)
	case v != "none" && view.Vote.Match != want[v]:
		t.Errorf("vote %q, the model reads %v", v, view.Vote.Match)
	}
	checkChanges(t, view, rb)
	n := 0
	for _, e := range rb.Entries {
		if e.IsSnapshot {
			continue
		}
		got := view.Entry(e.Index)
		if got.Err != "" {
			t.Errorf("index %d: the model throws %q, the library read it", e.Index, got.Err)
			continue
		}
		b, err := d.Payload(got)
		if err != nil {
			t.Fatal(err)
		}
		raw := sha256.Sum256(b)
		sum := hex.EncodeToString(raw[:])
		if e.SHA256 == "" {
			sum = "" // the reader did not load a payload of garbage length (payloadError)
		}
		if got.Rec.Term != e.Term || got.Rec.Length != e.Length || sum != e.SHA256 ||
			!raftlog.SameCommand(got.Rec.CommandID(), e.CommandID) {
			t.Errorf("index %d: model %v (%d bytes), library term %d length %d id "+
				"%v", e.Index, got.Rec, len(b), e.Term, e.Length, e.CommandID)
		}
		n++
	}
	// Reading an index of a missing partition fails in every release, as
	// MissingPartitionException (4.2.0: ReadAsync returns no entry).
	for i, typ := range errs {
		if got := view.Entry(i); got.Err == "" {
			t.Errorf("index %d: the library threw %s, the model %q", i, typ, got.Err)
		}
	}
	return n
}

// checkChanges: the files the model says the open modifies are the ones
// the library modified, with their sizes.
func checkChanges(t *testing.T, view *View, rb fixtures.Readback) {
	t.Helper()
	got := map[string]int64{}
	after := view.After()
	for _, c := range view.Changes {
		got[c.File] = c.size
	}
	for _, c := range rb.Changed {
		size, ok := got[c.Path]
		if !ok || size != c.SizeAfter {
			t.Errorf("the library changed %s (%d → %d bytes); the model: "+
				"%v", c.Path, c.SizeBefore, c.SizeAfter, view.Changes)
		}
		delete(got, c.Path)
	}
	if len(got) > 0 {
		t.Errorf("the model changes %v, the library changed nothing more than %+v", got, rb.Changed)
	}
	for _, f := range after.Files {
		if s, ok := got[f.Name]; ok && f.Size != s {
			t.Errorf("After: %s is %d bytes, want %d", f.Name, f.Size, s)
		}
	}
}

// The 5.4.0–5.6.x unseal (measured: 5.4.0 modified partition 3 of
// 5.26.2/table-snapshot, size unchanged) and what it does to the next open:
// the record of entry 12 at 512 is gone and the partition is unsealed, so
// 5.4.0–5.7.2 stop their scan at slot 0 and 5.7.3+ load it as stubs (it
// does not hold LastIndex 22): committed 12 and 13 come back as Term 0.
func TestUnsealTrapThenUpgrade(t *testing.T) {
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), "5.26.2", "table-snapshot"))
	d := dirOf(t, f)
	first := d.Read(release.MustParse("5.4.0"))
	if len(first.Changes) != 1 || !first.Changes[0].Trap || first.Changes[0].File != "3" {
		t.Fatalf("changes %+v", first.Changes)
	}
	for _, i := range []int64{12, 13} {
		if e := first.Entry(i); e.Rec.Term != 4 {
			t.Errorf("the first 5.4.0 open reads %d right: %+v", i, e)
		}
	}
	after := first.After()
	for _, v := range []string{"5.4.0", "5.7.2", "5.26.2"} {
		next := after.Read(release.MustParse(v))
		if next.OpenError != "" {
			t.Fatalf("%s: %s", v, next.OpenError)
		}
		for _, i := range []int64{12, 13} {
			if e := next.Entry(i); e.Rec.Term != 0 || e.Rec.Length != 0 {
				t.Errorf("%s after 5.4.0: entry %d %+v, want Term 0, Length 0", v, i, e.Rec)
			}
		}
		if e := next.Entry(14); v != "5.26.2" && e.Rec.Term != 0 {
			t.Errorf("%s after 5.4.0: entry 14 %+v", v, e.Rec)
		}
		if len(next.Changes) != 0 && v != "5.4.0" {
			t.Errorf("%s changes %+v", v, next.Changes)
		}
	}
	if got := d.Read(release.MustParse("5.7.0")).Changes; len(got) != 0 {
		t.Errorf("5.7.0 no longer unseals: %+v", got)
	}
}

// Rules no fixture shows: 6.x has no PersistentState; a release before the
// Table format reads a Table partition's first R×40 bytes as its prologue.
func TestReadRules(t *testing.T) {
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), "5.26.2", "table-basic"))
	d := dirOf(t, f)
	if v := d.Read(release.MustParse("6.0.0")); v.OpenError == "" || !strings.Contains(v.OpenError,
		"no PersistentState") {
		t.Errorf("6.0.0: %q", v.OpenError)
	}
	v := d.Read(release.MustParse("5.3.0"))
	if v.Format != format.Legacy || v.OpenError != "" {
		t.Fatalf("5.3.0: %+v", v)
	}
	if e := v.Entry(1); e.Rec.Term != 0 || e.Rec.Length != 0 {
		t.Errorf("5.3.0 reads index 1 from the zero header: %+v", e)
	}
}
