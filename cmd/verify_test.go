package cmd

import (
	"encoding/json"
	"path"
	"strings"
	"testing"

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
				fixtures.SkipPending(t, f.Name, "verdict")
				out, errs, code := runReadOnly(t, f.WAL, withSettings(t, f, "verify", "--json", f.WAL)...)
				var v verifyOut
				if err := json.Unmarshal([]byte(out), &v); err != nil {
					t.Fatalf("exit %d, bad JSON (%v): %s %s", code, err, out, errs)
				}
				wantCode := map[string]int{"ok": 0, "damaged": 1}[f.Expect.Verdict]
				if v.Verdict != f.Expect.Verdict || code != wantCode {
					t.Fatalf("verdict %s exit %d, want %s (%s); findings: %+v", v.Verdict, code, f.Expect.Verdict, f.Expect.Note, v.Findings)
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
				t.Errorf("no error finding at file %s index %v (%s); findings: %+v", dm.File, deref64(dm.Index), dm.What, v.Findings)
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
