package gen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/ps"
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
