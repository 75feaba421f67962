package audit_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/convert"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/gen"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/txn"
)

// entry is one hand-made entry.
type entry struct {
	term    int64
	cmd     *int32
	payload []byte
}

// logSpec is a hand-made log: entries 1..len(entries) and its node.state.
type logSpec struct {
	format  format.Format
	r       int64
	entries []entry
	state   nodestate.State
}

func id(v int32) *int32 { return &v }

// healthy is a log of 10 entries in three terms, commit 8, a vote.
func healthy(t testing.TB, fm format.Format) logSpec {
	t.Helper()
	s := logSpec{format: fm, r: 4}
	for i := 1; i <= 10; i++ {
		e := entry{term: int64(1 + (i-1)/4), payload: bytes.Repeat([]byte{byte(i)}, 10*i)}
		if i%3 == 0 {
			e.cmd = id(int32(i))
		}
		s.entries = append(s.entries, e)
	}
	st, err := gen.State(10, 3, "127.0.0.1:3262")
	if err != nil {
		t.Fatal(err)
	}
	st.CommitIndex, st.LastApplied = 8, 8
	s.state = st
	return s
}

// write lays the log out with walctl's own writers (the library's layout).
func (s logSpec) write(t testing.TB) string {
	t.Helper()
	return s.writeWith(t, ps.Config{Format: s.format, R: s.r})
}

// writeWith lays the log out with the writer of cfg.
func (s logSpec) writeWith(t testing.TB, cfg ps.Config) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "log")
	w, err := ps.Create(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range s.entries {
		ge := ps.Entry{
			Index:     int64(i + 1),
			Term:      e.term,
			Ticks:     gen.BaseTicks + int64(i),
			CommandID: e.cmd,
			Length:    int64(len(e.payload)),
		}
		if err := w.Append(ge, bytes.NewReader(e.payload)); err != nil {
			t.Fatal(err)
		}
	}
	st := s.state
	st.LastIndex = int64(len(s.entries))
	if err := w.Close(st); err != nil {
		t.Fatal(err)
	}
	return dir
}

func (s logSpec) clone() logSpec {
	c := s
	c.entries = append([]entry(nil), s.entries...)
	for i := range c.entries {
		c.entries[i].payload = append([]byte(nil), s.entries[i].payload...)
	}
	return c
}

func v2Out(r int64) audit.Expect { return audit.Expect{Out: logdir.Options{Format: "v2", R: r}} }

func prove(t *testing.T, in, out string, exp audit.Expect) (*audit.Report, *audit.Violation) {
	t.Helper()
	rep, err := audit.Prove(in, out, exp)
	// The same with the input read ahead (as a write's audit reads it while
	// the output is staged), and with a read of another directory, which
	// Prove must not take for the input. (An observer would see them all.)
	for _, ahead := range []string{in, out} {
		if exp.Observe != nil {
			break
		}
		r := audit.Begin(ahead, exp)
		rep2, err2 := audit.ProveRead(r, in, out, exp)
		r.Close()
		if fmt.Sprint(err2) != fmt.Sprint(err) || !reflect.DeepEqual(rep2, rep) {
			t.Fatalf("read ahead (%s): %v, %+v; Prove: %v, %+v", ahead, err2, rep2, err, rep)
		}
	}
	if err == nil {
		return rep, nil
	}
	var v *audit.Violation
	if !errors.As(err, &v) || !errors.Is(err, audit.ErrViolation) {
		t.Fatalf("want a violation or a proof, got %v", err)
	}
	return nil, v
}

// The violations a write must never get away with, each made by hand, and
// the licences the operator's flags give.
func TestProveViolations(t *testing.T) {
	base := healthy(t, "v2")
	in := base.write(t)
	cases := []struct {
		name  string
		out   func() logSpec
		exp   audit.Expect
		index int64  // the violation's index (raftlog.NoIndex: a node-state field)
		field string // "" = the proof must hold
	}{
		{"identical", func() logSpec { return base.clone() }, v2Out(4), 0, ""},
		{"dropped committed entry", func() logSpec {
			s := base.clone()
			s.entries = s.entries[:6] // LastIndex 6: committed 7 and 8 gone
			s.state.CommitIndex, s.state.LastApplied = 6, 6
			return s
		}, v2Out(4), 7, "entry"},
		{"dropped uncommitted tail", func() logSpec {
			s := base.clone()
			s.entries = s.entries[:8]
			return s
		}, v2Out(4), 0, ""},
		{"a payload byte changed", func() logSpec {
			s := base.clone()
			s.entries[4].payload[17] ^= 0x01
			return s
		}, v2Out(4), 5, "payload"},
		{"an uncommitted payload byte changed", func() logSpec {
			s := base.clone()
			s.entries[9].payload[0] ^= 0x80
			return s
		}, v2Out(4), 10, "payload"},
		{"a term changed", func() logSpec {
			s := base.clone()
			s.entries[2].term = 2
			return s
		}, v2Out(4), 3, "term"},
		{"a command id changed", func() logSpec {
			s := base.clone()
			s.entries[5].cmd = id(99)
			return s
		}, v2Out(4), 6, "command id"},
		{"a length changed", func() logSpec {
			s := base.clone()
			s.entries[1].payload = s.entries[1].payload[:5]
			return s
		}, v2Out(4), 2, "length"},
		{"commit index raised", func() logSpec {
			s := base.clone()
			s.state.CommitIndex = 9
			return s
		}, v2Out(4), raftlog.NoIndex, "commit index"},
		{"commit index lowered", func() logSpec {
			s := base.clone()
			s.state.CommitIndex, s.state.LastApplied = 5, 5
			return s
		}, v2Out(4), 0, ""},
		{"term changed without --set-term", func() logSpec {
			s := base.clone()
			s.state.Term = 7
			return s
		}, v2Out(4), raftlog.NoIndex, "node term"},
		{"term set with --set-term", func() logSpec {
			s := base.clone()
			s.state.Term = 7
			return s
		}, audit.Expect{Out: logdir.Options{Format: "v2", R: 4}, SetTerm: ptr(7)}, 0, ""},
		{"term other than --set-term", func() logSpec {
			s := base.clone()
			s.state.Term = 8
			return s
		}, audit.Expect{Out: logdir.Options{Format: "v2", R: 4}, SetTerm: ptr(7)}, raftlog.NoIndex, "node term"},
		{"vote changed", func() logSpec {
			s := base.clone()
			s.state.Vote, _ = nodestate.IPMemberID("127.0.0.1:3263")
			return s
		}, audit.Expect{Out: logdir.Options{Format: "v2", R: 4}, ClearVote: true}, raftlog.NoIndex, "vote"},
		{"vote cleared without --clear-vote", func() logSpec {
			s := base.clone()
			s.state.VoteFlag = 0
			return s
		}, v2Out(4), raftlog.NoIndex, "vote"},
		{"vote cleared with --clear-vote", func() logSpec {
			s := base.clone()
			s.state.VoteFlag = 0
			return s
		}, audit.Expect{Out: logdir.Options{Format: "v2", R: 4}, ClearVote: true}, 0, ""},
		{"vote cleared with a new --set-term", func() logSpec {
			s := base.clone()
			s.state.VoteFlag, s.state.Term = 0, 4
			return s
		}, audit.Expect{Out: logdir.Options{Format: "v2", R: 4}, SetTerm: ptr(4)}, 0, ""},
		{"an entry invented", func() logSpec {
			s := base.clone()
			s.entries = append(s.entries, entry{term: 3, payload: []byte("invented")})
			return s
		}, v2Out(4), 11, "entry"},
		{"another R, as written", func() logSpec {
			s := base.clone()
			s.r = 3
			return s
		}, v2Out(3), 0, ""},
		{"another R than the write claims", func() logSpec {
			s := base.clone()
			s.r = 3
			return s
		}, v2Out(4), raftlog.NoIndex, "geometry"},
		{"to legacy", func() logSpec {
			s := base.clone()
			s.format = "legacy"
			return s
		}, audit.Expect{Out: logdir.Options{Format: "legacy", R: 4}}, 0, ""},
		{"to sparse, another R", func() logSpec {
			s := base.clone()
			s.format, s.r = "sparse", 5
			return s
		}, audit.Expect{Out: logdir.Options{Format: "sparse", R: 5, M: 100}}, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := c.out()
			var out string
			if spec.format == "sparse" {
				out = spec.writeSparse(t, 100)
			} else {
				out = spec.write(t)
			}
			rep, v := prove(t, in, out, c.exp)
			switch {
			case c.field == "" && v != nil:
				t.Fatalf("a sound write was refused: %v", v)
			case c.field == "":
				if rep.Committed == 0 && rep.Kept == nil && c.name != "commit index lowered" {
					t.Errorf("nothing proven: %s", rep)
				}
				if !strings.Contains(rep.String(), "kept byte for byte") {
					t.Errorf("report: %s", rep)
				}
			case v == nil:
				t.Fatalf("the violation went unnoticed (%s): %s", c.field, rep)
			case v.Field != c.field || (c.index != 0 && v.Index != c.index):
				t.Fatalf("first violation %q at %d, want %q at %d: %v", v.Field, v.Index, c.field, c.index, v)
			}
		})
	}
}

func ptr(v int64) *int64 { return &v }

func (s logSpec) writeSparse(t testing.TB, m int64) string {
	t.Helper()
	return s.writeWith(t, ps.Config{Format: "sparse", R: s.r, M: m})
}

// The report of a sound write says what was proven.
func TestProveReport(t *testing.T) {
	base := healthy(t, "legacy")
	rep, v := prove(t, base.write(t), base.write(t), audit.Expect{Out: logdir.Options{Format: "legacy", R: 4}})
	if v != nil {
		t.Fatal(v)
	}
	var payload int64
	for _, e := range base.entries {
		payload += int64(len(e.payload))
	}
	if rep.Committed != 8 || rep.Kept == nil || *rep.Kept != (raftlog.Range{From: 1, To: 8}) || rep.Uncommitted != 2 ||
		rep.Bytes != payload || rep.CommitIndex != 8 || rep.OutCommit != 8 {
		t.Errorf("report %+v", rep)
	}
	for _, want := range []string{"committed 1–8", "term 3 unchanged", "vote unchanged", "commit index 8 ≤ 8", "by detection"} {
		if !strings.Contains(rep.String(), want) {
			t.Errorf("report lacks %q: %s", want, rep)
		}
	}
}

// A node.state whose checksum fails holds a CommitIndex nobody can trust:
// the output may not keep it, only what the files prove (the snapshot
// index) or the operator's --commit-index.
func TestProveUntrustedCommitIndex(t *testing.T) {
	base := healthy(t, "v2")
	in := base.write(t)
	flip(t, filepath.Join(in, nodestate.FileName), nodestate.OffCommitIndex, 0x01) // 8 → 9, checksum now wrong
	out := base.clone()
	out.state.CommitIndex = 9
	_, v := prove(t, in, out.write(t), v2Out(4))
	if v == nil || v.Field != "commit index" || !strings.Contains(v.Error(), "untrusted") {
		t.Fatalf("an untrusted CommitIndex was kept: %v", v)
	}
	out.state.CommitIndex, out.state.LastApplied = 0, 0
	rep, v := prove(t, in, out.write(t), v2Out(4))
	if v != nil || rep.CommitIndex != 0 || rep.Committed != 0 {
		t.Fatalf("lowered to the snapshot index: %v %+v", v, rep)
	}
	out.state.CommitIndex, out.state.LastApplied = 8, 8
	exp := v2Out(4)
	exp.CommitIndex = ptr(8)
	rep, v = prove(t, in, out.write(t), exp)
	if v != nil || rep.Committed != 8 || !strings.Contains(rep.CommitFrom, "--commit-index") {
		t.Fatalf("with --commit-index 8: %v %+v", v, rep)
	}
	// The operator's commit index makes entries up to it an obligation.
	out.entries = out.entries[:7]
	out.state.CommitIndex, out.state.LastApplied = 7, 7
	if _, v = prove(t, in, out.write(t), exp); v == nil || v.Index != 8 || v.Field != "entry" {
		t.Fatalf("committed 8 dropped under --commit-index 8: %v", v)
	}
}

func flip(t testing.TB, path string, off int64, mask byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= mask
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// An entry the input does not hold intact is nothing to keep; with
// --allow-drop-committed the committed entries after it may go too (a log
// has no holes), without it they may not.
func TestProveDamagedInput(t *testing.T) {
	base := healthy(t, "legacy")
	in := base.write(t)
	// Zero the record of entry 6 (partition 1, slot 2) in the prologue.
	path := filepath.Join(in, "1")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	copy(b[2*40:3*40], make([]byte, 40))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := base.clone()
	out.entries = out.entries[:5]
	out.state.CommitIndex, out.state.LastApplied = 5, 5
	exp := audit.Expect{Out: logdir.Options{Format: "legacy", R: 4}}
	if _, v := prove(t, in, out.write(t), exp); v == nil || v.Index != 7 || v.Field != "entry" {
		t.Fatalf("intact committed 7 dropped without --allow-drop-committed: %v", v)
	}
	exp.AllowDropCommitted = true
	rep, v := prove(t, in, out.write(t), exp)
	if v != nil || rep.Committed != 5 || rep.Unproven != 1 {
		t.Fatalf("with --allow-drop-committed: %v %+v", v, rep)
	}
	// Entries before the damage stay an obligation even with the flag.
	out.entries = out.entries[:4]
	out.state.CommitIndex, out.state.LastApplied = 4, 4
	if _, v := prove(t, in, out.write(t), exp); v == nil || v.Index != 5 {
		t.Fatalf("committed 5, before the damage, dropped: %v", v)
	}
}

// Detection reads the input: the write's R is not believed against it.
func TestProveReadsTheInputByDetection(t *testing.T) {
	base := healthy(t, "v2")
	in := base.write(t)
	out := base.clone()
	out.r = 3
	exp := v2Out(3)
	exp.In = logdir.Options{Format: "v2", R: 3} // what a wrong -R 3 would make the write use
	rep, v := prove(t, in, out.write(t), exp)
	if v != nil || !strings.Contains(rep.InGeometry, "R = 4, by detection") {
		t.Fatalf("%v %+v", v, rep)
	}
}

// Where detection is unsure (files that disagree on R), the write's R is
// used only when it is one of the candidates.
func TestProveUnsureInputUsesOnlyACandidate(t *testing.T) {
	base := healthy(t, "legacy")
	in := base.write(t)
	// Partition 1's first record points at 120: its prologue now says R = 3.
	path := filepath.Join(in, "1")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[24] = 120 // Offset field of the record at 0 (bytes 24–31), little endian
	for i := 25; i < 32; i++ {
		b[i] = 0
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := base.clone()
	exp := audit.Expect{Out: logdir.Options{Format: "legacy", R: 4}, AllowDropCommitted: true}
	if _, err := audit.Prove(in, out.write(t), exp); err == nil || errors.Is(err, audit.ErrViolation) ||
		!strings.Contains(err.Error(), "unsure") {
		t.Fatalf("without the write's R: %v", err)
	}
	exp.In = logdir.Options{R: 7}
	if _, err := audit.Prove(in, out.write(t), exp); err == nil || !strings.Contains(err.Error(), "candidates") {
		t.Fatalf("an R that is no candidate was used: %v", err)
	}
	exp.In = logdir.Options{R: 4}
	out.entries = out.entries[:3] // a repair that truncates before the damaged entry 4
	out.state.CommitIndex, out.state.LastApplied = 3, 3
	rep, err := audit.Prove(in, out.write(t), exp)
	if err != nil || !strings.Contains(rep.InGeometry, "candidates") || rep.Committed != 3 {
		t.Fatalf("with a candidate: %v %+v", err, rep)
	}
}

// Conversions across formats and with a snapshot, through repair's own
// writers: the proof holds, and a conversion to a WriteAheadLog without the
// snapshot file holds only because the application restores it.
func TestProveConversions(t *testing.T) {
	src := filepath.Join(fixtures.Root(), "5.26.2", "legacy-snapshot", "wal")
	l, err := logdir.Open(src, logdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, to := range []format.Format{format.V2, format.Sparse} {
		t.Run(string(to), func(t *testing.T) {
			o := convert.Options{To: to, R: 5, Out: filepath.Join(t.TempDir(), "o")}
			if to == "sparse" {
				o.M = 4096
			}
			c, err := convert.Plan(l, o)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := convert.Apply(c, src, o, unaudited()); err != nil {
				t.Fatal(err)
			}
			rep, v := prove(t, src, o.Out, c.Expect(o))
			if v != nil || rep.Snapshot != 11 || rep.Committed == 0 {
				t.Fatalf("%v %+v", v, rep)
			}
		})
	}
	t.Run("wal", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "w")
		c, err := convert.PlanToWAL(l, convert.WALOptions{Out: out, NoSnapshot: true})
		if err == nil {
			err = c.Write(unaudited())
		}
		if err != nil {
			t.Fatal(err)
		}
		rep, v := prove(t, src, out, c.Expect(logdir.Options{}))
		if v != nil || rep.Committed == 0 {
			t.Fatalf("%v %+v", v, rep)
		}
		// Without the record of the snapshot the output starts at index 1.
		if err := os.Remove(filepath.Join(out, wal.SnapshotRecordFile)); err != nil {
			t.Fatal(err)
		}
		exp := c.Expect(logdir.Options{})
		exp.SnapshotByApplication = false
		if _, err := audit.Prove(src, out, exp); err == nil {
			t.Fatal("a WriteAheadLog without the snapshot's entries passed as keeping them")
		}
	})
}

// The vote is compared by the member it names, not by its bytes.
func TestProveVoteIsSemantic(t *testing.T) {
	base := healthy(t, "v2")
	in := base.write(t)
	out := base.clone()
	out.state.VoteFlag = 0 // no vote; the stale id bytes stay
	in2 := out.clone()
	in2.state.Vote = [nodestate.MemberIDSize]byte{1, 2, 3}
	if _, v := prove(t, in2.write(t), out.write(t), v2Out(4)); v != nil {
		t.Fatalf("no vote on either side, other stale bytes: %v", v)
	}
	if _, v := prove(t, in, out.write(t), v2Out(4)); v == nil || v.Field != "vote" {
		t.Fatalf("a vote lost: %v", v)
	}
}

// Where detection lists R candidates, the write's R is used only when no
// other candidate reads a longer run of intact entries: a wrong R moves the
// entries of every partition after the first, and a write trusting it
// would drop entries that are there (found by FuzzWritesKeepCommitted on
// sparse-basic+tail-torn with its last partition damaged: candidates 4, 5).
func TestPreflightPrefersTheCandidateThatReadsTheEntries(t *testing.T) {
	src := filepath.Join(fixtures.Root(), "5.26.2", "sparse-basic+tail-torn", "wal")
	in := filepath.Join(t.TempDir(), "log")
	if err := os.CopyFS(in, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	flip(t, filepath.Join(in, "2"), 28, 0x10) // partition 2's first Offset: its file no longer gives R
	if _, err := logdir.Open(in, logdir.Options{}); err == nil {
		t.Fatal("detection is sure: the test needs candidates")
	}
	err := audit.Preflight(in, logdir.Options{R: 5})
	var v *audit.Violation
	if !errors.As(err, &v) || v.Field != "geometry" || !strings.Contains(v.Error(), "R = 4") {
		t.Fatalf("R = 5: %v", err)
	}
	if err := audit.Preflight(in, logdir.Options{R: 4}); err != nil {
		t.Fatalf("R = 4: %v", err)
	}
	// A settings-free write, and one repeating what detection finds, cost nothing.
	if err := audit.Preflight(filepath.Join(fixtures.Root(), "5.26.2", "table-basic", "wal"), logdir.Options{}); err != nil {
		t.Fatal(err)
	}
}

// Preflight refuses, before anything is written, settings that read the
// input otherwise than its files prove (here: R = 3 against sealed footers
// that prove 4, as --override-evidence would let through).
func TestPreflightRefusesAnotherReading(t *testing.T) {
	in := filepath.Join(fixtures.Root(), "5.26.2", "table-basic", "wal")
	err := audit.Preflight(in, logdir.Options{Format: "v2", R: 3})
	var v *audit.Violation
	if !errors.As(err, &v) || v.Index != 3 {
		t.Fatalf("R = 3: %v", err)
	}
	if err := audit.Preflight(in, logdir.Options{Format: "v2", R: 4}); err != nil {
		t.Fatalf("R = 4: %v", err)
	}
}

// dotNext #292: a padded committed entry may stay as the input holds it or
// be corrected to exactly the appended payload; anything else is a
// violation (a corrected length over the padding, a changed payload byte).
func TestProveCorrected292(t *testing.T) {
	src := filepath.Join(fixtures.Root(), "6.4.0", "wal-hash-crc32", "wal")
	in := fixtures.CopyTo(t, src, filepath.Join(t.TempDir(), "in"))
	exp := audit.Expect{Out: logdir.Options{Format: "wal"}}
	if _, v := prove(t, in, fixtures.CopyTo(t, src, filepath.Join(t.TempDir(), "same")), exp); v != nil {
		t.Fatalf("an unchanged copy: %v", v)
	}
	l, err := wal.Open(in, wal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var fixes []wal.Correction292
	if err := l.Corrections292(0, -1, func(c wal.Correction292) bool { fixes = append(fixes, c); return true }); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if len(fixes) != 2 {
		t.Fatalf("%d corrections, want 2 (entries 15 and 17)", len(fixes))
	}
	corrected := func(t *testing.T, mutate func(dir string, c wal.Correction292)) string {
		out := fixtures.CopyTo(t, src, filepath.Join(t.TempDir(), "out"))
		for _, c := range fixes {
			page := filepath.Join(out, filepath.FromSlash(c.File))
			b, err := os.ReadFile(page)
			if err != nil {
				t.Fatal(err)
			}
			copy(b[c.SlotOffset:], c.New)
			if err := os.WriteFile(page, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if mutate != nil {
				mutate(out, c)
			}
		}
		return out
	}
	if _, v := prove(t, in, corrected(t, nil), exp); v != nil {
		t.Fatalf("the exact correction: %v", v)
	}
	// A changed byte of the appended payload (its hash recomputed by the
	// correction would no longer match: the entry is not intact).
	out := corrected(t, func(dir string, c wal.Correction292) {
		chunk := c.NewOffset / 4096
		flip(t, filepath.Join(dir, "data", fmt.Sprint(chunk)), c.NewOffset%4096+7, 0x01)
	})
	if _, v := prove(t, in, out, exp); v == nil || v.Index != fixes[0].Index {
		t.Fatalf("a changed payload byte of a corrected entry: violation %v, want one at %d", v, fixes[0].Index)
	}
}

// unaudited writes through the transaction with an auditor that passes:
// these tests prove the output themselves, with Prove.
func unaudited() txn.Config {
	return txn.Config{Auditor: txn.AuditFunc(func(string, string) error { return nil })}
}

// repair --from: at a committed index the input does not hold intact, the
// output may hold the replica's entry there — intact, committed on the
// replica, equal in term, command id, length and payload — and nothing
// else; without a replica that entry is invented.
func TestProveRebuiltFromReplica(t *testing.T) {
	base := healthy(t, "legacy")
	in := base.write(t)
	// Zero the record of committed entry 6 (partition 1, slot 2).
	path := filepath.Join(in, "1")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	copy(b[2*40:3*40], make([]byte, 40))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := base.write(t)
	exp := audit.Expect{Out: logdir.Options{Format: "legacy", R: 4}}
	if _, v := prove(t, in, out, exp); v == nil || v.Index != 6 || v.Field != "entry" {
		t.Fatalf("entry 6 rebuilt without a replica: %v", v)
	}
	exp.Replica = base.write(t)
	rep, v := prove(t, in, out, exp)
	if v != nil || rep.Rebuilt != 1 || rep.Committed != 7 || rep.Replica != exp.Replica ||
		!strings.Contains(rep.String(), "1 rebuilt equal to the committed entries of") {
		t.Fatalf("rebuilt from the replica: %v %+v", v, rep)
	}
	replica := func(edit func(*logSpec)) string {
		s := base.clone()
		edit(&s)
		return s.write(t)
	}
	output := func(edit func(*logSpec)) string {
		s := base.clone()
		edit(&s)
		return s.write(t)
	}
	cases := []struct {
		name          string
		replica, out  string
		field, saying string
	}{
		{"the output differs from the replica's payload", exp.Replica,
			output(func(s *logSpec) { s.entries[5].payload[3] ^= 1 }), "payload", "differs"},
		{"the replica holds another term", replica(func(s *logSpec) { s.entries[5].term = 3 }), out, "entry", "term 3"},
		{
			"the replica holds another command id",
			replica(func(s *logSpec) { s.entries[5].cmd = id(77) }),
			out,
			"entry",
			"command id 77",
		},
		{
			"the replica has not committed it",
			replica(func(s *logSpec) { s.state.CommitIndex, s.state.LastApplied = 5, 5 }),
			out,
			"entry",
			"not committed",
		},
		{"the replica lacks it", replica(func(s *logSpec) {
			s.entries = s.entries[:5]
			s.state.CommitIndex, s.state.LastApplied = 5, 5
		}), out, "entry", "nor by the replica"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := exp
			e.Replica = c.replica
			_, v := prove(t, in, c.out, e)
			if v == nil || v.Index != 6 || v.Field != c.field || !strings.Contains(v.Error(), c.saying) {
				t.Fatalf("want a %s violation at 6 saying %q, got %v", c.field, c.saying, v)
			}
		})
	}
	// An intact entry of the input stays an obligation: the replica's
	// other entry does not replace it.
	e := exp
	e.Replica = replica(func(s *logSpec) { s.entries[2].payload[0] ^= 1 })
	other := output(func(s *logSpec) { s.entries[2].payload[0] ^= 1 })
	if _, v := prove(t, in, other, e); v == nil || v.Index != 3 || v.Field != "payload" {
		t.Fatalf("intact entry 3 replaced by the replica's: %v", v)
	}
}

// Observe is handed every input entry the proof walks with the output's
// entry at its index and whether the proof compared their payload bytes
// equal (an uncommitted entry dropped: none faces it); done comes only
// after a proof that holds.
func TestProveObserve(t *testing.T) {
	base := healthy(t, "v2")
	in := base.write(t)
	watch := func(exp audit.Expect) (*[]string, *bool, audit.Expect) {
		var seen []string
		done := false
		exp.Observe = func(li, lo *logdir.Log, from int64) (func(raftlog.Entry, *raftlog.Entry, bool) error,
			func() error) {
			if li.Dir != in || from != 1 {
				t.Errorf("observe got %s from %d, want %s from 1", li.Dir, from, in)
			}
			return func(ei raftlog.Entry, eo *raftlog.Entry, same bool) error {
					at := int64(-1)
					if eo != nil {
						at = eo.Index
					}
					seen = append(seen, fmt.Sprintf("%d:%d:%v", ei.Index, at, same))
					return nil
				}, func() error {
					done = true
					return nil
				}
		}
		return &seen, &done, exp
	}
	short := base.clone()
	short.entries = short.entries[:9] // the uncommitted entry 10 dropped
	seen, done, exp := watch(v2Out(4))
	if _, v := prove(t, in, short.write(t), exp); v != nil {
		t.Fatal(v)
	}
	want := []string{"1:1:true", "2:2:true", "3:3:true", "4:4:true", "5:5:true", "6:6:true", "7:7:true",
		"8:8:true", "9:9:true", "10:-1:false"}
	if !*done || !reflect.DeepEqual(*seen, want) {
		t.Errorf("done %v, seen %v, want %v", *done, *seen, want)
	}
	bad := base.clone()
	bad.entries[2].payload[0] ^= 1
	_, done, exp = watch(v2Out(4))
	if _, v := prove(t, in, bad.write(t), exp); v == nil || v.Field != "payload" {
		t.Fatalf("changed payload: %v", v)
	}
	if *done {
		t.Error("done after a failed proof")
	}
}
