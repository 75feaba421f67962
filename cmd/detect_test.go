package cmd

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
)

type detectOut struct {
	Format              string `json:"format"`
	Confidence          string `json:"confidence"`
	RecordsPerPartition int64  `json:"recordsPerPartition"`
	MaxEntrySize        int64  `json:"maxEntrySize"`
	Files               []struct {
		Name    string `json:"name"`
		Format  string `json:"format"`
		Dissent bool   `json:"dissent"`
	} `json:"files"`
}

func detectJSON(t *testing.T, dir string) (detectOut, int) {
	t.Helper()
	out, errs, code := runReadOnly(t, dir, "detect", "--json", dir)
	var d detectOut
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("exit %d, bad JSON (%v): %s %s", code, err, out, errs)
	}
	return d, code
}

// Every PersistentState fixture: detect names the writer's format and R (and
// M for sparse). Healthy ones with high or very-high confidence; damaged ones
// either the same or low confidence — never a wrong format with confidence.
func TestDetectFixtures(t *testing.T) {
	for _, f := range fixtures.All(t, "fixturegen-ps") {
		t.Run(f.Name, func(t *testing.T) {
			d, code := detectJSON(t, f.WAL)
			s := f.Manifest.Settings
			healthy := f.Expect.Verdict == "ok" && f.Manifest.Damage == nil
			if d.Confidence == "low" {
				if healthy {
					t.Fatalf("low confidence on a healthy log: %+v", d)
				}
				if code != 2 {
					t.Errorf("low confidence must exit 2, got %d", code)
				}
				return
			}
			if d.Format != formatName(s.Format) || d.RecordsPerPartition != s.RecordsPerPartition {
				t.Errorf(
					"got %s R=%d (%s), want %s R=%d",
					d.Format,
					d.RecordsPerPartition,
					d.Confidence,
					s.Format,
					s.RecordsPerPartition,
				)
			}
			if s.Format == "sparse" && d.MaxEntrySize != s.MaxLogEntrySize {
				t.Errorf("M = %d, want %d", d.MaxEntrySize, s.MaxLogEntrySize)
			}
			if healthy && d.Confidence != "high" && d.Confidence != "very-high" {
				t.Errorf("confidence %s on a healthy log", d.Confidence)
			}
			if code != 0 {
				t.Errorf("exit %d", code)
			}
		})
	}
}

func TestDetectWAL(t *testing.T) {
	for _, f := range fixtures.All(t, "fixturegen-wal") {
		d, _ := detectJSON(t, f.WAL)
		if d.Format != "wal" {
			t.Errorf("%s: format %s, want wal", f.Name, d.Format)
		}
	}
}

// detect names the releases that can have written a PersistentState log,
// in text ("written by …" and one line per fact) and JSON (writers).
func TestDetectNamesTheWriters(t *testing.T) {
	for _, c := range []struct{ fixture, releases, fact string }{
		{"4.2.0/legacy-basic", "4.2.0–4.7.x", "in the layout before 4.8.0"},
		{"4.15.3/legacy-snapshot", "4.8.0–5.3.x, or 5.4.0–5.7.2 with UseLegacyBinaryFormat", "snapshot index 13 = commit index"},
		{"5.7.1/table-single-appends", "5.4.0–5.7.1", "#244 T1"},
		{"5.26.2/table-basic", "5.7.3–5.x", "sealed partition(s) [1]"},
	} {
		t.Run(c.fixture, func(t *testing.T) {
			dir := filepath.Join(fixtures.Root(), c.fixture, "wal")
			text, _, code := runReadOnly(t, dir, "detect", dir)
			if code != 0 || !strings.Contains(text, ", written by "+c.releases+"\n") ||
				!strings.Contains(text, c.fact) {
				t.Errorf("exit %d, text lacks %q or %q:\n%s", code, c.releases, c.fact, text)
			}
			out, _, _ := runReadOnly(t, dir, "detect", "--json", dir)
			var d struct {
				Writers struct {
					Releases string `json:"releases"`
					Evidence []struct {
						Fact     string `json:"fact"`
						Releases string `json:"releases"`
					} `json:"evidence"`
				} `json:"writers"`
			}
			if err := json.Unmarshal([]byte(out), &d); err != nil || d.Writers.Releases != c.releases ||
				len(d.Writers.Evidence) < 2 {
				t.Errorf("JSON writers %+v (%v)", d.Writers, err)
			}
		})
	}
}
