package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/release"
)

// crossRead is the part of a readback-by-<V>.json these tests use.
type crossRead struct {
	Version   string
	OpenError json.RawMessage      `json:"openError"`
	Entries   []fixtures.ReadEntry `json:"entries"`
	Changed   []struct {
		Path      string `json:"path"`
		SizeAfter int64  `json:"sizeAfter"`
	} `json:"filesChangedByOpen"`
}

func (c crossRead) opened() bool { s := string(c.OpenError); return s == "" || s == "null" }

func crossReads(t *testing.T, f fixtures.Fixture) []crossRead {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(f.Dir, "readback-by-*.json"))
	var out []crossRead
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var c crossRead
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		c.Version = strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "readback-by-"), ".json")
		out = append(out, c)
	}
	return out
}

// A legacy log its own release cannot open (a partition shorter than its
// prologue: 4.15.3, 5.3.0, 5.7.1 crash logs) was read by 4.2.0, which
// zero-fills the short partition: inspect's entries equal that read-back
// (index, term, command id, length, payload SHA-256).
func TestInspectEqualsTheReleaseThatOpensIt(t *testing.T) {
	n := 0
	for _, f := range fixtures.All(t, "fixturegen-ps") {
		if f.Manifest.Readback.Opened() || f.Manifest.Settings.Format != "legacy" || f.Manifest.Damage != nil {
			continue
		}
		for _, c := range crossReads(t, f) {
			if !c.opened() {
				continue
			}
			n++
			t.Run(f.Name+"/by-"+c.Version, func(t *testing.T) {
				out, errs, code := runReadOnly(
					t,
					f.WAL,
					withSettings(t, f, "inspect", "--json", "--entries", "--payload", "none", f.WAL)...)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errs)
				}
				var doc inspectOut
				if err := json.Unmarshal([]byte(out), &doc); err != nil {
					t.Fatal(err)
				}
				if len(doc.Entries) != len(c.Entries) {
					t.Fatalf("%d entries, %s read %d", len(doc.Entries), c.Version, len(c.Entries))
				}
				for i, want := range c.Entries {
					e := doc.Entries[i]
					if e.Index != want.Index || e.Term != want.Term || e.Length != want.Length ||
						e.SHA256 != want.SHA256 ||
						!raftlog.SameCommand(e.CommandID, want.CommandID) {
						t.Errorf("index %d: got %+v, %s read %+v", want.Index, e, c.Version, want)
					}
				}
			})
		}
	}
	if n == 0 {
		t.Fatal("no legacy log that only another release opens")
	}
}

// What the short-prologue finding says is what the cross reads measured:
// every release before 4.3.0 opens the log and extends the short partition
// to R×40 bytes; 4.3.0 and every later release cannot open it.
func TestShortPrologueClaimMatchesTheCrossReads(t *testing.T) {
	zeroFills, throws := 0, 0
	for _, f := range fixtures.All(t, "fixturegen-ps") {
		if f.Expect.Damage != "partition-shorter-than-prologue" {
			continue
		}
		prologue := 40 * f.Manifest.Settings.RecordsPerPartition
		for _, c := range crossReads(t, f) {
			v := release.MustParse(c.Version)
			if !v.Less(release.ShortPrologueThrows) {
				if c.opened() {
					t.Errorf("%s: %s opened it", f.Name, c.Version)
				}
				throws++
				continue
			}
			zeroFills++
			extended := false
			for _, ch := range c.Changed {
				extended = extended || ch.SizeAfter == prologue
			}
			if !c.opened() || !extended {
				t.Errorf("%s: %s opened %v, files changed %+v", f.Name, c.Version, c.opened(), c.Changed)
			}
		}
	}
	if zeroFills == 0 || throws == 0 {
		t.Fatalf("cross reads: %d zero-fill, %d throw", zeroFills, throws)
	}
}

// The fixture-driven tests (inspect = read-back, verify = expect.json,
// repair keeps committedIntact, convert) iterate fixtures.All: it must hold
// the logs of the releases before the Table format, 4.x and 5.0–5.3.
func TestFixturesIncludeReleasesBeforeTable(t *testing.T) {
	seen := map[string]int{}
	for _, f := range fixtures.All(t, "fixturegen-ps") {
		v := strings.SplitN(f.Name, "/", 2)[0]
		if release.MustParse(v).Less(release.TableFormat) {
			seen[v]++
			if f.Manifest.Settings.Format != "legacy" {
				t.Errorf("%s: a release before 5.4.0 wrote format %q", f.Name, f.Manifest.Settings.Format)
			}
		}
	}
	for _, v := range []string{"4.2.0", "4.15.3", "5.3.0"} {
		if seen[v] == 0 {
			t.Errorf("no fixture of DotNext %s among %v", v, seen)
		}
	}
}
