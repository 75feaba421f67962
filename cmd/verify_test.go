package cmd

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/internal/fixtures"
)

type verifyOut struct {
	Verdict  string `json:"verdict"`
	Findings []struct {
		Severity string `json:"severity"`
		Code     string `json:"code"`
		File     string `json:"file"`
		Offset   int64  `json:"offset"`
		Index    int64  `json:"index"`
		Message  string `json:"message"`
		Fix      string `json:"fix"`
	} `json:"findings"`
}

// Every fixture gets the verdict of its expect.json: exit 0 and "ok", or
// exit 1 and "damaged" with an error finding where the damage is.
func TestVerifyFixtures(t *testing.T) {
	for _, tool := range []string{"fixturegen-ps", "fixturegen-wal"} {
		for _, f := range fixtures.All(t, tool) {
			t.Run(f.Name, func(t *testing.T) {
				out, errs, code := runReadOnly(t, f.WAL, withSettings(t, f, "verify", "--json", f.WAL)...)
				var v verifyOut
				if err := json.Unmarshal([]byte(out), &v); err != nil {
					t.Fatalf("exit %d, bad JSON (%v): %s %s", code, err, out, errs)
				}
				wantCode := map[string]int{"ok": 0, "damaged": 1}[f.Expect.Verdict]
				if v.Verdict != f.Expect.Verdict || code != wantCode {
					t.Fatalf(
						"verdict %s exit %d, want %s (%s); findings: %+v",
						v.Verdict,
						code,
						f.Expect.Verdict,
						f.Expect.Note,
						v.Findings,
					)
				}
				for _, fd := range v.Findings {
					if fd.Fix == "" || fd.Message == "" || fd.Code == "" {
						t.Errorf("finding without code, message or fix: %+v", fd)
					}
				}
				dm := f.Manifest.Damage
				if f.Expect.Verdict != "damaged" || dm == nil {
					return
				}
				for _, fd := range v.Findings {
					if fd.Severity != "error" || !sameFile(fd.File, dm.File) {
						continue
					}
					// The right place: the damaged index, or the damage's own code
					// (a checkpoint past the end is found at the first phantom slot).
					if dm.Index == nil || fd.Index == *dm.Index || fd.Code == f.Expect.Damage {
						return
					}
				}
				t.Errorf(
					"no error finding at file %s index %v (%s); findings: %+v",
					dm.File,
					deref64(dm.Index),
					dm.What,
					v.Findings,
				)
			})
		}
	}
}

func sameFile(got, want string) bool { return got == want || path.Base(got) == path.Base(want) }

func deref64(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// A legacy partition shorter than its R×40-byte prologue: the finding says
// which releases zero-fill it (4.0–4.2.x) and which throw (4.3.0+, every
// 5.x), that an upgrade from 4.2.x fails, and its fix is repair --apply.
func TestVerifyShortPrologueNamesTheReleases(t *testing.T) {
	n := 0
	for _, f := range fixtures.All(t, "fixturegen-ps") {
		if f.Expect.Damage != "partition-shorter-than-prologue" {
			continue
		}
		n++
		t.Run(f.Name, func(t *testing.T) {
			out, _, code := runReadOnly(t, f.WAL, withSettings(t, f, "verify", "--json", f.WAL)...)
			var v verifyOut
			if err := json.Unmarshal([]byte(out), &v); err != nil || code != 1 {
				t.Fatalf("exit %d: %v", code, err)
			}
			for _, fd := range v.Findings {
				if fd.Code != "partition-shorter-than-prologue" {
					continue
				}
				for _, want := range []string{"4.0.0–4.2.x zero-fill it", "4.3.0 or later (every 5.x) throw UnauthorizedAccessException",
					"an upgrade from 4.2.x fails"} {
					if !strings.Contains(fd.Message, want) {
						t.Errorf("message lacks %q: %s", want, fd.Message)
					}
				}
				if !strings.HasPrefix(fd.Fix, "walctl repair --apply") || fd.Severity != "error" {
					t.Errorf("severity %s, fix %q", fd.Severity, fd.Fix)
				}
				return
			}
			t.Errorf("no partition-shorter-than-prologue finding: %+v", v.Findings)
		})
	}
	if n < 2 {
		t.Fatalf("%d fixtures with a short legacy partition (4.15.3, 5.3.0, 5.7.1 have one)", n)
	}
}

// node.state (or a WriteAheadLog's state) that contradicts the entries on
// disk is an error with the library's reaction in the message, one finding
// per cause (issue 13 #1 and #3); each case is a damaged copy of a fixture.
func TestStateContradictsEntries(t *testing.T) {
	variants := map[string]adviceCase{}
	for _, v := range adviceVariants(t) {
		variants[v.name] = v
	}
	lowerCommit := adviceCase{name: "5.26.2/table-snapshot+commit-below-snapshot",
		base: fixtures.Load(t, filepath.Join(fixtures.Root(), "5.26.2", "table-snapshot")),
		damage: func(t *testing.T, dir string) {
			raw, err := os.ReadFile(filepath.Join(dir, "node.state"))
			if err != nil {
				t.Fatal(err)
			}
			s := nodestate.Decode(raw)
			s.CommitIndex, s.LastApplied = 9, 9 // below snapshot 11
			if err := os.WriteFile(filepath.Join(dir, "node.state"), s.WithChecksum().Encode(), 0o644); err != nil {
				t.Fatal(err)
			}
		}}
	cases := []struct {
		c     adviceCase
		code  string
		words []string // in the message
	}{
		{variants["5.26.2/table-basic+node-state-zeroed"], "node-state-zeroed",
			[]string{
				"entries 1–10",
				"terms up to 4",
				"LastIndex 0, CommitIndex 0, term 0 and no vote",
				"vote a second time",
			}},
		{variants["5.26.2/legacy-basic+node-state-zeroed"], "node-state-zeroed", []string{"entries 1–10"}},
		{variants["5.26.2/table-basic+node-state-zeroed-oversized"], "node-state-zeroed",
			[]string{"node.state is 366 bytes and its first 128", "entries 1–10", "terms up to 4"}},
		{variants["5.26.2/table-basic+node-state-empty"], "node-state-size",
			[]string{"0 bytes", "CommitIndex, LastApplied and LastIndex", "LastIndex 0, ignoring entries 1–10"}},
		{variants["5.26.2/table-basic+node-state-ff"], "negative-index",
			[]string{"negative LastIndex (-1 at offset 16)", "negative term", "checksum does not match"}},
		{variants["5.26.2/table-basic+node-state-cut-64"], "node-state-size",
			[]string{"64 bytes", "term 0, vote forgotten; measured", "vote a second time in a term up to 4"}},
		{variants["5.26.2/table-nocheck+node-state-term-0"], "term-reset",
			[]string{"node.state holds term 0", "terms up to 6", "second vote"}},
		{variants["6.12.0/wal-basic+state-zeroed"], "term-reset", []string{"state holds term 0", "terms up to 6"}},
		{variants["5.26.2/wal-basic+state-zeroed"], "term-reset", []string{"state holds term 0"}},
		{lowerCommit, "snapshot-beyond-commit", []string{"snapshot index 11 is above the commit index 9"}},
	}
	for _, tc := range cases {
		t.Run(tc.c.name, func(t *testing.T) {
			dir := fixtures.Copy(t, tc.c.base.WAL)
			tc.c.damage(t, dir)
			doc, code := verifyJSON(t, dir)
			if code != exitDamaged || doc.Verdict != "damaged" {
				t.Fatalf("verdict %s exit %d, want damaged: %+v", doc.Verdict, code, doc.Findings)
			}
			var errs []adviceFinding
			for _, f := range doc.Findings {
				if f.Severity == "error" {
					errs = append(errs, f)
				}
			}
			// One cause, one error: nothing else of the state file's fields
			// (term-above-current, entries-beyond-last-index, …) is judged.
			if len(errs) != 1 || errs[0].Code != tc.code {
				t.Fatalf("errors %+v, want one %s", errs, tc.code)
			}
			for _, f := range doc.Findings {
				if f.Code == "term-above-current" || f.Code == "entries-beyond-last-index" ||
					f.Code == "beyond-last-index" {
					t.Errorf("a second finding of the same cause: %s %s", f.Code, f.Message)
				}
			}
			for _, w := range tc.words {
				if !strings.Contains(errs[0].Message, w) {
					t.Errorf("message %q lacks %q", errs[0].Message, w)
				}
			}
			// A conversion carries no such state over: it would write the
			// empty log, or the lost term, node.state claims.
			if tc.code == "node-state-zeroed" || tc.code == "negative-index" {
				out := filepath.Join(t.TempDir(), "out")
				stdout, _, code := runReadOnly(t, dir, "convert", "--to", "wal", "--out", out, dir)
				if _, err := os.Stat(out); code != exitDamaged || err == nil || !strings.Contains(stdout, "refused") {
					t.Errorf("convert --to wal of it: exit %d, output written %v:\n%s", code, err == nil, stdout)
				}
			}
		})
	}
}

// Findings of one code and cause are one row: the cut node.state of a
// fixture gives one finding (not one per entry), a WriteAheadLog's state
// lagging behind its entries one term-above-current naming `state`, and
// two zeroed records of one partition one record-zeroed with both indexes
// in --json (issue 13 #3).
func TestOneFindingPerCause(t *testing.T) {
	for _, c := range []struct {
		fixture string
		code    string
		indexes []int64
		words   string
	}{
		{"5.26.2/table-nocheck+node-state-cut", "node-state-size", nil, "node.state is 64 bytes"},
		{"6.12.0/wal-crash", "term-above-current", []int64{4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
			"entries 4–15 (12) have terms 2–5, above the current term 1 in state"},
		{"5.26.2/table-cached-tail", "record-zeroed", []int64{7, 9}, "uncommitted entries 7, 9 (2)"},
	} {
		t.Run(c.fixture, func(t *testing.T) {
			dir := filepath.Join(fixtures.Root(), filepath.FromSlash(c.fixture), "wal")
			doc, _ := verifyJSON(t, dir)
			n := 0
			for _, f := range doc.Findings {
				if f.Code == "term-above-current" && c.code != f.Code {
					t.Errorf("term-above-current beside %s: %s", c.code, f.Message)
				}
				if f.Code != c.code {
					continue
				}
				n++
				if fmt.Sprint(f.Indexes) != fmt.Sprint(c.indexes) && c.indexes != nil {
					t.Errorf("indexes %v, want %v", f.Indexes, c.indexes)
				}
				if !strings.Contains(f.Message, c.words) {
					t.Errorf("message %q lacks %q", f.Message, c.words)
				}
				if strings.Contains(f.Message, "node.state") && strings.HasPrefix(c.fixture, "6.") {
					t.Errorf("a WriteAheadLog finding names node.state: %s", f.Message)
				}
			}
			if n != 1 {
				t.Errorf("%d %s findings, want one: %+v", n, c.code, doc.Findings)
			}
		})
	}
}

// When detection cannot tell R but every value that fits gives the same
// verdict, verify gives it (exit 0/1), says which R fit and that indexes are
// shown for the smallest, and its write fixes ask for the node's R (issue
// 13 #5: 5.7.2/table-snapshot-install, R = 6..10, #244 T2 in all).
func TestVerifyCandidatesAgree(t *testing.T) {
	dir := filepath.Join(fixtures.Root(), "5.7.2", "table-snapshot-install", "wal")
	out, errs, code := runReadOnly(t, dir, "verify", "--json", dir)
	var doc struct {
		Verdict    string          `json:"verdict"`
		Candidates []int64         `json:"candidates"`
		Findings   []adviceFinding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitDamaged {
		t.Fatalf("exit %d (%v): %s %s", code, err, out, errs)
	}
	if doc.Verdict != "damaged" || fmt.Sprint(doc.Candidates) != "[6 7 8 9 10]" {
		t.Errorf("verdict %s, candidates %v", doc.Verdict, doc.Candidates)
	}
	t2 := false
	for _, f := range doc.Findings {
		t2 = t2 || f.Code == "t2-header-overwritten" && f.Index == 8
		if f.FixKind == "command" && !strings.Contains(f.FixCommand, "--records-per-partition R") {
			t.Errorf("%s: a write fix without the node's R: %s", f.Code, f.FixCommand)
		}
	}
	if !t2 {
		t.Errorf("no T2 finding at index 8 (R = 6): %+v", doc.Findings)
	}
	text, _, _ := runReadOnly(t, dir, "verify", dir)
	if !strings.Contains(text, "R = 6–10 fit and every one gives this verdict") ||
		!strings.Contains(text, "shown for R = 6") {
		t.Errorf("the text does not say which R fit:\n%s", text)
	}
}

// detect names the damage its probes saw, and says to run verify: a missing
// partition beside "2 of 2 partition files are v2", #244 T1 shapes; nothing
// on a healthy log (issue 13 #5).
func TestDetectSaysDamageSeen(t *testing.T) {
	for _, c := range []struct{ fixture, want string }{
		{"5.26.2/table-basic+partition-missing", "partition file 1 is missing"},
		{"5.26.2/table-snapshot-boundary", "partition file 3 is missing"},
		{"5.7.1/table-single-appends", "partition 1: T1"},
		{"5.26.2/table-basic+tail-torn", "partition 2: torn tail"},
		{"5.26.2/table-basic", ""},
	} {
		dir := filepath.Join(fixtures.Root(), filepath.FromSlash(c.fixture), "wal")
		out, _, _ := runReadOnly(t, dir, "detect", dir)
		line := ""
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, "damage seen — run walctl verify") {
				line = l
			}
		}
		if (c.want == "") != (line == "") || !strings.Contains(line, c.want) {
			t.Errorf("%s: damage line %q, want one naming %q:\n%s", c.fixture, line, c.want, out)
		}
	}
}
