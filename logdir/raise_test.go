package logdir

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/raftlog"
)

// TestRaiseLast is the commit-beyond-last-index raise rule that verify's
// advice and repair both follow: LastIndex 10, CommitIndex 15, term 4.
func TestRaiseLast(t *testing.T) {
	sound := raftlog.NodeState{LastIndex: 10, CommitIndex: 15, Term: 4, Checksum: raftlog.ChecksumOK, Size: 128,
		ExpectedSize: 128}
	with := func(f func(*raftlog.NodeState)) *raftlog.NodeState {
		s := sound
		f(&s)
		return &s
	}
	for _, tc := range []struct {
		name              string
		s                 *raftlog.NodeState
		intactTo, maxTerm int64
		last              int64
		newTerm           bool
	}{
		{"every record to CommitIndex intact", &sound, 15, 4, 15, false},
		{"more records than CommitIndex", &sound, 20, 4, 15, false},
		{"records of a higher term", &sound, 15, 5, 15, true},
		{"some records intact", &sound, 12, 4, 12, false},
		{"none intact after LastIndex", &sound, 10, 9, 10, false},
		{"a bad record below LastIndex", &sound, 7, 9, 10, false},
		{"checksum mismatch", with(func(s *raftlog.NodeState) { s.Checksum = raftlog.ChecksumMismatch }), 15, 4,
			10, false},
		{"checksum absent", with(func(s *raftlog.NodeState) { s.Checksum = raftlog.ChecksumAbsent }), 15, 4,
			15, false},
		{"cut node.state", with(func(s *raftlog.NodeState) { s.Size = 100 }), 15, 4, 10, false},
		{"longer node.state", with(func(s *raftlog.NodeState) { s.Size = 200 }), 15, 4, 15, false},
		{"CommitIndex at LastIndex", with(func(s *raftlog.NodeState) { s.CommitIndex = 10 }), 15, 9, 10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, newTerm := RaiseLast(tc.s, tc.intactTo, tc.maxTerm, tc.s.Term)
			if got != tc.last || newTerm != tc.newTerm {
				t.Errorf("RaiseLast(intactTo %d, maxTerm %d) = %d, %v; want %d, %v", tc.intactTo, tc.maxTerm, got,
					newTerm, tc.last, tc.newTerm)
			}
		})
	}
	if CommitTrusted(nil) {
		t.Error("CommitTrusted(nil) = true: without node.state there is no CommitIndex to trust")
	}
}

// TestCommitBeyondAdvice: verify words commit-beyond-last-index as repair
// acts on it (table-nocheck, R = 8: entries 1–20, CommitIndex 18, term 6),
// after node.state's LastIndex is set back and partition 2 (16–20) goes.
func TestCommitBeyondAdvice(t *testing.T) {
	for _, tc := range []struct {
		name       string
		last, term int64
		drop2      bool
		form       string
		facts      string
	}{
		{"records to CommitIndex on disk", 12, 6, false, "raise", "to 18"},
		{"with a higher term", 12, 4, false, "raise-term", "to 18"},
		{"records part of the way", 12, 6, true, "raise-part", "to 15, lost 16–18"},
		{"part of the way, a higher term", 12, 4, true, "raise-part-term", "to 15, lost 16–18"},
		{"no record after LastIndex", 15, 6, true, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyFixture(t, "5.26.2/table-nocheck")
			patchInt64(t, filepath.Join(dir, "node.state"), 16, tc.last)
			patchInt64(t, filepath.Join(dir, "node.state"), 72, tc.term)
			if tc.drop2 {
				os.Remove(filepath.Join(dir, "2"))
			}
			l, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			_, fs, err := l.Check(nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				if f.Code != finding.CommitBeyondLastIndex {
					continue
				}
				facts := ""
				if tc.form != "" {
					facts = fmt.Sprintf("to %v", f.Facts["to"])
				}
				if lost, ok := f.Facts["lost"]; ok {
					facts += fmt.Sprintf(", lost %v", lost)
				}
				if f.Form != tc.form || facts != tc.facts {
					t.Errorf("form %q (%s), want %q (%s)", f.Form, facts, tc.form, tc.facts)
				}
				return
			}
			t.Errorf("no commit-beyond-last-index in %v", fs)
		})
	}
}

func patchInt64(t *testing.T, path string, off int64, v int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint64(b[off:], uint64(v))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
