package logdir

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	v2 "github.com/walctl/walctl/format/v2"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/release"
)

// tableLog writes a Table log (R = 4, snapshot 9, entries 10–11 in
// partition 2 after never-written slots 0–1 laid out as lead) and, when
// withSealed, a stale sealed partition 1 (indexes 4–7) that a 5.7.3+ writer
// left before the snapshot.
func tableLog(t *testing.T, lead v2.Leading, withSealed bool) string {
	t.Helper()
	dir := t.TempDir()
	g := partition.Geometry{R: 4}
	write := func(number int64, first, last int64, seal bool, l v2.Leading) {
		var out bytes.Buffer
		w := v2.NewWriter(&out, number, g)
		if err := w.SetLeading(l); err != nil {
			t.Fatal(err)
		}
		if seal {
			if err := w.SealOnClose(); err != nil {
				t.Fatal(err)
			}
		}
		for i := first; i <= last; i++ {
			rec := record.Record{Term: 2, Timestamp: 638712864000000000 + i, Length: 3}
			if err := w.Append(i%4, rec, strings.NewReader("abc")); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(seal); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, itoa(number)), out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if withSealed {
		write(1, 4, 7, true, v2.LeadingStubs)
	}
	write(2, 10, 11, false, lead)
	st := nodestate.State{CommitIndex: 10, LastApplied: 10, LastIndex: 11, Term: 2,
		Snapshot: nodestate.Snapshot{Index: 9, Rec: record.Record{Term: 2, Timestamp: 1, Length: 5}}}
	if err := os.WriteFile(filepath.Join(dir, nodestate.FileName), st.Encode(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "snapshot"), []byte("state"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func itoa(n int64) string { return string(rune('0' + n)) }

// zeroLeadFinding opens dir for target and returns its zero-leading-slots finding.
func zeroLeadFinding(t *testing.T, dir, target string) (raftlog.Finding, bool) {
	t.Helper()
	l, err := Open(dir, Options{Format: "v2", R: 4, Target: parseTarget(target)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var found []raftlog.Finding
	for _, f := range l.Findings {
		if f.Code == finding.ZeroLeadingSlots {
			found = append(found, f)
		}
	}
	if len(found) > 1 {
		t.Fatalf("%d zero-leading-slots findings", len(found))
	}
	if len(found) == 0 {
		return raftlog.Finding{}, false
	}
	return found[0], true
}

// The severity of zero leading slots follows the releases that will open
// the log: an error when --target-version names 5.4.0–5.7.2 or, without
// it, when the writer can be one of them (no sealed partition numbered ≥ 1);
// a warning (downgrade hazard) for a 5.7.3+ target or writer; nothing with
// stub records.
func TestZeroLeadingSeverity(t *testing.T) {
	tests := []struct {
		name       string
		lead       v2.Leading
		withSealed bool
		target     string
		want       raftlog.Severity // "" for no finding
		because    string
	}{
		{"stub records", v2.LeadingStubs, false, "5.7.2", "", ""},
		{"writer can be 5.7.2", v2.LeadingZeros, false, "", raftlog.Error, "writer can be 5.4.0–5.7.2"},
		{"writer is 5.7.3+", v2.LeadingZeros, true, "", raftlog.Warning, "partition 1 is sealed"},
		{"5.7.2 target over the evidence", v2.LeadingZeros, true, "5.7.2", raftlog.Error, "runs 5.7.2"},
		{"5.4.0 target", v2.LeadingZeros, true, "5.4.0", raftlog.Error, "runs 5.4.0"},
		{"5.7.3 target", v2.LeadingZeros, false, "5.7.3", raftlog.Warning, "runs 5.7.3"},
		{"5.26.2 target", v2.LeadingZeros, false, "5.26.2", raftlog.Warning, "runs 5.26.2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := zeroLeadFinding(t, tableLog(t, tc.lead, tc.withSealed), tc.target)
			if tc.want == "" {
				if ok {
					t.Fatalf("unexpected finding %+v", f)
				}
				return
			}
			if !ok || f.Severity != tc.want || f.Index != 10 || f.Offset != 512 || f.File != "2" {
				t.Fatalf("finding %+v, want %s at index 10, offset 512 of file 2", f, tc.want)
			}
			for _, s := range []string{"indexes 8–9", "entries 10–11", "committed 10", tc.because} {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message lacks %q: %s", s, f.Message)
				}
			}
			if !strings.HasPrefix(f.Fix, "walctl repair --apply") {
				t.Errorf("fix %q", f.Fix)
			}
		})
	}
}

// parseTarget is "" → no target, else the release.
func parseTarget(s string) release.Version {
	if s == "" {
		return release.Version{}
	}
	return release.MustParse(s)
}

// unsealed-partition is judged for --target-version like zero leading
// slots: an error when the node will run 5.7.3+ (or the release is not
// given), a warning when it stays on a release that scans the partition.
func TestUnsealedPartitionForTarget(t *testing.T) {
	dir := filepath.Join("..", "testdata", "fixtures", "5.7.1", "table-basic", "wal")
	for target, want := range map[string]raftlog.Severity{"": raftlog.Error, "5.26.2": raftlog.Error,
		"5.7.3": raftlog.Error,
		"5.7.2": raftlog.Warning, "5.4.0": raftlog.Warning} {
		l, err := Open(dir, Options{Target: parseTarget(target)})
		if err != nil {
			t.Fatal(err)
		}
		got := raftlog.Severity("")
		for _, f := range l.Findings {
			if f.Code == "unsealed-partition" {
				got = f.Severity
			}
		}
		l.Close()
		if got != want {
			t.Errorf("target %q: unsealed-partition %q, want %q", target, got, want)
		}
	}
}
