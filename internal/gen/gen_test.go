package gen

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/ps"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// shape is one log the tests generate. (A sparse log whose payloads all
// have exactly M bytes is laid out like a #244 T2 Table chain; detection
// cannot tell them apart, so no shape has one.)
type shape struct{ spec Spec }

// shapes cover every format, a last partition that is full (sealed in v2)
// and one that is not, both stop conditions, empty and tiny payloads.
func shapes() map[string]shape {
	const r4 = 4
	return map[string]shape{
		"legacy R4 full last":  {spec: Spec{Config: ps.Config{Format: format.Legacy, R: r4}, Entries: 11, SizeMin: 0, SizeMax: 70, Seed: 1, TermEvery: 3}},
		"legacy R4 partial":    {spec: Spec{Config: ps.Config{Format: format.Legacy, R: r4}, Entries: 13, SizeMin: 1, SizeMax: 300, Seed: 2}},
		"legacy default R":     {spec: Spec{Config: ps.Config{Format: format.Legacy, R: DefaultR}, Entries: 500, SizeMin: 100, SizeMax: 700, Seed: 3}},
		"legacy entries+bytes": {spec: Spec{Config: ps.Config{Format: format.Legacy, R: 10}, Entries: 1000, TargetBytes: 5_000, SizeMin: 100, SizeMax: 100, Seed: 6}},
		"v2 R4 full last":      {spec: Spec{Config: ps.Config{Format: format.V2, R: r4}, Entries: 11, SizeMin: 0, SizeMax: 70, Seed: 1, TermEvery: 3}},
		"v2 R4 partial":        {spec: Spec{Config: ps.Config{Format: format.V2, R: r4}, Entries: 13, SizeMin: 1, SizeMax: 300, Seed: 2}},
		"v2 by bytes":          {spec: Spec{Config: ps.Config{Format: format.V2, R: 100}, TargetBytes: 200_000, SizeMin: 100, SizeMax: 700, Seed: 4}},
		"v2 zero-length only":  {spec: Spec{Config: ps.Config{Format: format.V2, R: 3}, Entries: 7, Seed: 7}},
		"sparse R4 M=max":      {spec: Spec{Config: ps.Config{Format: format.Sparse, R: r4, M: 70}, Entries: 11, SizeMin: 0, SizeMax: 70, Seed: 1}},
		"sparse by bytes":      {spec: Spec{Config: ps.Config{Format: format.Sparse, R: 50, M: 1024}, TargetBytes: 300_000, SizeMin: 100, SizeMax: 700, Seed: 5}},
		"sparse tiny":          {spec: Spec{Config: ps.Config{Format: format.Sparse, R: 2, M: 8}, Entries: 5, SizeMin: 0, SizeMax: 8, Seed: 8}},
	}
}

// TestGeneratedLogsVerifyClean: whatever the shape, walctl's own verify
// finds nothing at all in a generated log, and logdir reads back exactly
// the entries the generator drew (metadata and payload digest).
func TestGeneratedLogsVerifyClean(t *testing.T) {
	for name, sh := range shapes() {
		t.Run(name, func(t *testing.T) {
			s := sh.spec
			dir := t.TempDir()
			res, err := Generate(dir, s)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, dir, s, res)
			doc, err := verifyDir(dir, logdir.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if doc.Verdict != "ok" || len(doc.Findings) > 0 || doc.Format != s.Format {
				t.Fatalf("verify: %s %s, findings %+v", doc.Format, doc.Verdict, doc.Findings)
			}
			if sum := doc.Summary; sum.Entries != res.Entries || sum.Last != res.Entries || sum.Commit != res.Entries || sum.LastTerm != res.Term {
				t.Fatalf("verify summary %+v, generated %+v", sum, res)
			}
			compareEntries(t, dir, s, res.Entries)
		})
	}
}

// checkResult compares Result with the files really written.
func checkResult(t *testing.T, dir string, s Spec, res Result) {
	t.Helper()
	if s.Entries > 0 && res.Entries > s.Entries {
		t.Errorf("%d entries, asked for %d", res.Entries, s.Entries)
	}
	if s.TargetBytes > 0 && res.Entries < s.Entries || s.Entries == 0 {
		if res.FileBytes < s.TargetBytes {
			t.Errorf("%d file bytes, asked for %d", res.FileBytes, s.TargetBytes)
		}
	}
	var onDisk int64
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		info, err := n.Info()
		if err != nil {
			t.Fatal(err)
		}
		if n.Name() != nodestate.FileName && n.Name() != "snapshot" {
			onDisk += info.Size()
		}
	}
	if onDisk != res.FileBytes {
		t.Errorf("partition files hold %d bytes, Result says %d", onDisk, res.FileBytes)
	}
	wantParts := res.Entries/s.R + 1
	if int64(len(names)) != wantParts+2 {
		t.Errorf("%d files, want %d partitions + node.state + snapshot", len(names), wantParts)
	}
}

// compareEntries draws the entries of s again and requires logdir to read
// every one of them back.
func compareEntries(t *testing.T, dir string, s Spec, n int64) {
	t.Helper()
	l, err := logdir.Open(dir, logdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	g := newSynth(s)
	var seen int64
	err = l.Entries(l.First, l.Last, func(got raftlog.Entry) bool {
		seen++
		want := g.entry(seen)
		wantSum := digest(t, &payload{src: g.bytes, left: want.Length})
		r, err := l.Payload(got)
		if err != nil {
			t.Fatal(err)
		}
		if got.Index != want.Index || got.Term != want.Term || got.Ticks != want.Ticks || got.Length != want.Length ||
			!sameID(got.CommandID, want.CommandID) || got.State != raftlog.EntryOK || !got.Committed || digest(t, r) != wantSum {
			t.Errorf("index %d: read %+v, generated %+v", seen, got, want)
			return false
		}
		return true
	})
	if err != nil || seen != n {
		t.Fatalf("read %d entries (err %v), generated %d", seen, err, n)
	}
}

func sameID(a, b *int32) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func digest(t testing.TB, r io.Reader) [32]byte {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

// TestDeterministic: the same Spec gives the same bytes; another seed does not.
func TestDeterministic(t *testing.T) {
	s := shapes()["v2 R4 partial"].spec
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if _, err := Generate(dir, s); err != nil {
			t.Fatal(err)
		}
	}
	s.Seed++
	if _, err := Generate(c, s); err != nil {
		t.Fatal(err)
	}
	if diff := diffDirs(t, a, b); diff != "" {
		t.Errorf("same spec, different logs: %s", diff)
	}
	if diffDirs(t, a, c) == "" {
		t.Errorf("different seeds, same log")
	}
}

// TestWriterReproducesFixtures feeds the entries of logs written by the real
// library (read through logdir: terms, timestamps, command ids, payloads,
// node state) through LogWriter and requires the library's files byte for
// byte.
func TestWriterReproducesFixtures(t *testing.T) {
	for _, name := range []string{"5.26.2/legacy-basic", "5.26.2/table-basic", "5.26.2/sparse-basic"} {
		t.Run(name, func(t *testing.T) {
			fx := fixtures.Load(t, filepath.Join(fixtures.Root(), filepath.FromSlash(name)))
			st := fx.Manifest.Settings
			c := ps.Config{Format: st.LogFormat(), R: st.RecordsPerPartition, M: st.MaxLogEntrySize}
			out := t.TempDir()
			n := rewrite(t, fx.WAL, c, out)
			if n != int64(len(fx.Manifest.Appended)) {
				t.Fatalf("rewrote %d entries, the manifest appended %d", n, len(fx.Manifest.Appended))
			}
			if diff := diffDirs(t, fx.WAL, out); diff != "" {
				t.Fatal(diff)
			}
		})
	}
}

// rewrite copies the entries and node state of the log in src into a new
// log in dst through LogWriter; it returns how many entries it wrote.
func rewrite(t *testing.T, src string, c ps.Config, dst string) int64 {
	t.Helper()
	l, err := logdir.Open(src, logdir.Options{Format: c.Format, R: c.R, M: c.M})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	w, err := ps.Create(dst, c)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	var werr error
	err = l.Entries(l.First, l.Last, func(e raftlog.Entry) bool {
		if e.IsSnapshot || e.State != raftlog.EntryOK {
			werr = io.ErrUnexpectedEOF
			return false
		}
		r, err := l.Payload(e)
		if err == nil {
			err = w.Append(ps.Entry{Index: e.Index, Term: e.Term, Ticks: e.Ticks, CommandID: e.CommandID, Length: e.Length}, r)
		}
		werr = err
		n++
		return err == nil
	})
	if err != nil || werr != nil {
		t.Fatalf("copy entries: %v %v", err, werr)
	}
	if err := w.Close(stateOf(l.State)); err != nil {
		t.Fatal(err)
	}
	return n
}

func stateOf(ns *raftlog.NodeState) nodestate.State {
	s := nodestate.State{CommitIndex: ns.CommitIndex, LastApplied: ns.LastApplied, LastIndex: ns.LastIndex,
		Term: ns.Term, Vote: ns.Vote.Raw}
	if ns.HasVote {
		s.VoteFlag = 1
	}
	return s
}

// diffDirs describes the first difference between two directories ("" if
// they hold the same file names with the same bytes).
func diffDirs(t *testing.T, a, b string) string {
	t.Helper()
	na, nb := fileNames(t, a), fileNames(t, b)
	if strings.Join(na, ",") != strings.Join(nb, ",") {
		return "files " + strings.Join(na, ",") + " vs " + strings.Join(nb, ",")
	}
	for _, n := range na {
		x, err := os.ReadFile(filepath.Join(a, n))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, n))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			i := 0
			for i < min(len(x), len(y)) && x[i] == y[i] {
				i++
			}
			return fmt.Sprintf("%s: %d vs %d bytes, first difference at %d", n, len(x), len(y), i)
		}
	}
	return ""
}

func fileNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}
