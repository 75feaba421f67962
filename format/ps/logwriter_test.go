package ps_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/gen"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/verify"
)

// fuzzLog turns fuzz bytes into a log: byte 0 picks the format, byte 1 R,
// then each 2 bytes are one entry (a term step and command-id bit, a
// length); payload bytes are cut from the input itself.
type fuzzLog struct {
	cfg     ps.Config
	entries []ps.Entry
	bodies  [][]byte
}

func decodeFuzz(in []byte) (fuzzLog, bool) {
	if len(in) < 2 {
		return fuzzLog{}, false
	}
	var fl fuzzLog
	fl.cfg = ps.Config{
		Format: []format.Format{format.Legacy, format.V2, format.Sparse}[int(in[0])%3],
		R:      2 + int64(in[1]%9),
	}
	if fl.cfg.Format == format.Sparse {
		fl.cfg.M = 64
	}
	term := int64(1)
	for i := 2; i+1 < len(in) && len(fl.entries) < 64; i += 2 {
		term += int64(in[i] >> 6 & 1)
		e := ps.Entry{
			Index:  int64(len(fl.entries) + 1),
			Term:   term,
			Ticks:  gen.BaseTicks + int64(in[i]),
			Length: int64(in[i+1] % 65),
		}
		if in[i]&1 == 1 {
			id := int32(in[i] >> 1)
			e.CommandID = &id
		}
		body := bytes.Repeat(in[i:i+2], int(e.Length))[:e.Length]
		fl.entries = append(fl.entries, e)
		fl.bodies = append(fl.bodies, body)
	}
	return fl, len(fl.entries) > 0
}

// FuzzLogWriter: any sequence of entries LogWriter accepts gives a log that
// walctl verifies without an error and reads back entry for entry, and
// writing what logdir decoded again gives the same bytes
// (encode(decode(x)) == x).
func FuzzLogWriter(f *testing.F) {
	for _, name := range []string{"5.26.2/legacy-basic", "5.26.2/table-basic", "5.26.2/sparse-basic"} {
		fx := fixtures.Load(f, fixtures.Root()+"/"+name)
		seed := []byte{byte(len(name)), byte(fx.Manifest.Settings.RecordsPerPartition - 2)}
		for _, e := range fx.Manifest.Appended {
			seed = append(seed, byte(e.Term<<6|e.Index&1), byte(e.Length))
		}
		f.Add(seed)
	}
	f.Add([]byte{1, 2, 0, 0, 64, 64, 1, 3})
	f.Fuzz(func(t *testing.T, in []byte) {
		fl, ok := decodeFuzz(in)
		if !ok {
			return
		}
		dir := t.TempDir()
		w, err := ps.Create(dir, fl.cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range fl.entries {
			if err := w.Append(e, bytes.NewReader(fl.bodies[i])); err != nil {
				t.Fatalf("append %+v: %v", e, err)
			}
		}
		last := fl.entries[len(fl.entries)-1]
		if err := w.Close(healthyState(last.Index, last.Term)); err != nil {
			t.Fatal(err)
		}
		o := logdir.Options{Format: fl.cfg.Format, R: fl.cfg.R, M: fl.cfg.M}
		doc, err := verify.Dir(dir, verify.Options{Options: o})
		if err != nil {
			t.Fatal(err)
		}
		if doc.Findings.HasErrors() || doc.Summary.Entries != int64(len(fl.entries)) {
			t.Fatalf("verify %s: %d entries, findings %+v", doc.Verdict, doc.Summary.Entries, doc.Findings)
		}
		readBack(t, dir, o, fl)
		again := t.TempDir()
		rewrite(t, dir, fl.cfg, again)
		if diff := fixtures.DiffDirs(t, dir, again); diff != "" {
			t.Fatalf("rewriting the decoded log changed it: %s", diff)
		}
	})
}

func readBack(t *testing.T, dir string, o logdir.Options, fl fuzzLog) {
	l, err := logdir.Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	i := 0
	err = l.Entries(l.First, l.Last, func(got raftlog.Entry) bool {
		want := fl.entries[i]
		r, err := l.Payload(got)
		if err != nil {
			t.Fatal(err)
		}
		if got.Index != want.Index || got.Term != want.Term || got.Ticks != want.Ticks || got.Length != want.Length ||
			!raftlog.SameCommand(
				got.CommandID,
				want.CommandID,
			) || fixtures.Digest(t, r) != fixtures.Digest(t, bytes.NewReader(fl.bodies[i])) {
			t.Fatalf("index %d: read %+v, wrote %+v", want.Index, got, want)
		}
		i++
		return true
	})
	if err != nil || i != len(fl.entries) {
		t.Fatalf("read %d of %d entries: %v", i, len(fl.entries), err)
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
			if diff := fixtures.DiffDirs(t, fx.WAL, out); diff != "" {
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
			err = w.Append(
				ps.Entry{Index: e.Index, Term: e.Term, Ticks: e.Ticks, CommandID: e.CommandID, Length: e.Length},
				r,
			)
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

// TestWriterRejects: misuse of LogWriter is an error, never a broken file
// silently written.
func TestWriterRejects(t *testing.T) {
	t.Run("non-empty directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ps.Create(dir, ps.Config{Format: format.V2, R: 4}); err == nil ||
			!strings.Contains(err.Error(), "not empty") {
			t.Fatalf("error %v", err)
		}
	})
	appendTests := []struct {
		name    string
		entries []ps.Entry
		payload []string
		want    string
		// broken: the failure happened while writing, so the directory is
		// incomplete and Close must refuse; an index refused up front
		// leaves the log as it was.
		broken bool
	}{
		{"index 0", []ps.Entry{{Index: 0}}, []string{""}, "indexes start at 1", false},
		{"gap", []ps.Entry{{Index: 1, Term: 1}, {Index: 3, Term: 1}}, []string{"", ""}, "where 2 was expected", false},
		{"short payload", []ps.Entry{{Index: 1, Term: 1, Length: 4}}, []string{"abc"}, "index 1", true},
		{"long payload", []ps.Entry{{Index: 1, Term: 1, Length: 2}}, []string{"abc"}, "index 1", true},
		{"negative term", []ps.Entry{{Index: 1, Term: -1}}, []string{""}, "index 1", true},
		{"failure is sticky", []ps.Entry{{Index: 1, Term: -1}, {Index: 1, Term: 1}}, []string{"", ""}, "index 1", true},
	}
	for _, fm := range []format.Format{format.Legacy, format.V2, format.Sparse} {
		for _, tc := range appendTests {
			t.Run(string(fm)+"/"+tc.name, func(t *testing.T) {
				c := ps.Config{Format: fm, R: 4}
				if fm == format.Sparse {
					c.M = 8
				}
				w, err := ps.Create(t.TempDir(), c)
				if err != nil {
					t.Fatal(err)
				}
				for i, e := range tc.entries {
					err = w.Append(e, strings.NewReader(tc.payload[i]))
				}
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want one containing %q", err, tc.want)
				}
				if cerr := w.Close(healthyState(w.Last(), 1)); (cerr != nil) != tc.broken {
					t.Errorf("Close after the failed Append: %v (broken %v)", cerr, tc.broken)
				}
			})
		}
	}
	t.Run("append after close", func(t *testing.T) {
		w, err := ps.Create(t.TempDir(), ps.Config{Format: format.V2, R: 4})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(healthyState(0, 0)); err != nil {
			t.Fatal(err)
		}
		if err := w.Append(ps.Entry{Index: 1, Term: 1}, nil); err == nil {
			t.Fatal("append after Close accepted")
		}
	})
}

// healthyState is the node.state of a node whose whole log is committed
// and applied, without a vote.
func healthyState(last, term int64) nodestate.State {
	return nodestate.State{CommitIndex: last, LastApplied: last, LastIndex: last, Term: term}
}
