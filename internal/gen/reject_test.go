package gen

import (
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/ps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/format/nodestate"
)

// TestSpecRejects: specs the generator cannot honour fail before any file
// is written, with a message naming the problem.
func TestSpecRejects(t *testing.T) {
	ok := Spec{Config: ps.Config{Format: format.V2, R: 4}, Entries: 3, SizeMin: 1, SizeMax: 2}
	tests := []struct {
		name string
		edit func(*Spec)
		want string
	}{
		{"no size at all", func(s *Spec) { s.Entries = 0 }, "number of entries or a size"},
		{"negative entries", func(s *Spec) { s.Entries = -1 }, "negative"},
		{"negative bytes", func(s *Spec) { s.TargetBytes = -5 }, "negative"},
		{"min above max", func(s *Spec) { s.SizeMin = 3 }, "payload sizes"},
		{"negative min", func(s *Spec) { s.SizeMin = -1 }, "payload sizes"},
		{"huge max", func(s *Spec) { s.SizeMax = MaxEntrySize + 1 }, "payload sizes"},
		{"unknown format", func(s *Spec) { s.Format = "table" }, "unknown format"},
		{"R too small", func(s *Spec) { s.R = 1 }, "records per partition"},
		{"R too large", func(s *Spec) { s.R = 1 << 40 }, "records per partition"},
		{"M on v2", func(s *Spec) { s.M = 10 }, "sparse format only"},
		{"sparse without M", func(s *Spec) { s.Format = format.Sparse }, "need M"},
		{"sparse M below max", func(s *Spec) { s.Format, s.M = format.Sparse, 1 }, "need M"},
		{"sparse M overflow", func(s *Spec) { s.Format, s.M, s.SizeMax = format.Sparse, 1<<62, 2 }, "geometry"},
		{"negative term spacing", func(s *Spec) { s.TermEvery = -1 }, "TermEvery"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.edit(&s)
			dir := filepath.Join(t.TempDir(), "log")
			_, err := Generate(dir, s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if _, serr := os.Stat(dir); !os.IsNotExist(serr) {
				t.Errorf("a rejected spec created %s", dir)
			}
		})
	}
}

// TestWriterRejects: misuse of LogWriter is an error, never a broken file
// silently written.
func TestWriterRejects(t *testing.T) {
	t.Run("non-empty directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ps.Create(dir, ps.Config{Format: format.V2, R: 4}); err == nil || !strings.Contains(err.Error(), "not empty") {
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
				if cerr := w.Close(mustState(t, w.Last(), 1)); (cerr != nil) != tc.broken {
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
		if err := w.Close(mustState(t, 0, 0)); err != nil {
			t.Fatal(err)
		}
		if err := w.Append(ps.Entry{Index: 1, Term: 1}, nil); err == nil {
			t.Fatal("append after Close accepted")
		}
	})
}

func mustState(t *testing.T, last, term int64) nodestate.State {
	t.Helper()
	st, err := State(last, term, "")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestStateVoter: a voter that is no IP endpoint is refused.
func TestStateVoter(t *testing.T) {
	if _, err := State(1, 1, "node-a"); err == nil {
		t.Fatal("voter without address:port accepted")
	}
	s, err := State(7, 3, Voter)
	if err != nil || !s.HasVote() || s.CommitIndex != 7 || s.LastApplied != 7 || s.LastIndex != 7 || s.Term != 3 {
		t.Fatalf("state %+v, %v", s, err)
	}
}
