package detect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/release"
)

// overridesOf are the settings a fixture needs where the files alone leave
// R undetermined (detection is still tried first by the commands).
func overridesOf(f fixtures.Fixture) Overrides {
	st := f.Manifest.Settings
	return Overrides{Format: st.LogFormat(), R: st.RecordsPerPartition, M: st.MaxLogEntrySize}
}

// The release that wrote each library fixture is among the writers detect
// names, for every PersistentState log the library wrote itself (damaged
// copies can carry another release's shape, e.g. a seal removed).
func TestWritersContainTheWriter(t *testing.T) {
	for _, f := range fixtures.All(t, "fixturegen-ps") {
		t.Run(f.Name, func(t *testing.T) {
			r, err := Directory(f.WAL, overridesOf(f))
			if err != nil {
				t.Fatal(err)
			}
			w := r.Writers
			if w == nil || len(w.Evidence) == 0 {
				t.Fatalf("no writer evidence for a %s log", r.Format)
			}
			if f.Manifest.Damage != nil {
				return
			}
			v := release.MustParse(strings.SplitN(f.Name, "/", 2)[0])
			if w.Conflict != "" || !w.Set.Contains(v) {
				t.Errorf(
					"written by %s, detect says %q (conflict %q); evidence %+v",
					v,
					w.Releases,
					w.Conflict,
					w.Evidence,
				)
			}
			for _, e := range w.Evidence {
				if e.Assumes == "" && !e.Set.Contains(v) {
					t.Errorf("a strong fact excludes the writer %s: %+v", v, e)
				}
			}
		})
	}
}

// What the evidence of each kind of log narrows the writers to.
func TestWritersNarrow(t *testing.T) {
	for fixture, want := range map[string]string{
		"4.2.0/legacy-basic":           "4.2.0–4.7.x", // the vote layout before 4.8.0, and a checksum
		"4.15.3/legacy-basic":          "4.8.0–5.3.x, or 5.4.0–5.x with UseLegacyBinaryFormat",
		"4.15.3/legacy-snapshot":       "4.8.0–5.3.x, or 5.4.0–5.7.2 with UseLegacyBinaryFormat",
		"5.3.0/legacy-snapshot":        "4.8.0–5.3.x, or 5.4.0–5.7.2 with UseLegacyBinaryFormat",
		"5.26.2/legacy-snapshot":       "4.8.0–5.3.x, or 5.4.0–5.x with UseLegacyBinaryFormat",
		"5.7.1/table-basic":            "5.4.0–5.7.2", // full partition 1 left unsealed
		"5.7.1/table-single-appends":   "5.4.0–5.7.1", // T1
		"5.7.1/table-snapshot-install": "5.4.0–5.7.2", // T2
		"5.26.2/table-basic":           "5.7.3–5.x",   // partition 1 sealed
		"5.26.2/sparse-basic":          "5.4.0–5.x",
	} {
		f := fixtures.Load(t, filepath.Join(fixtures.Root(), fixture))
		r, err := Directory(f.WAL, overridesOf(f))
		if err != nil {
			t.Fatal(err)
		}
		if r.Writers == nil || r.Writers.Releases != want {
			t.Errorf("%s: written by %+v, want %q", fixture, r.Writers, want)
		}
	}
}

// A Table log whose node.state still holds a vote cast before 4.8.0 (a 4.x
// node upgraded without voting again): no single release wrote both, and
// detect says so instead of naming one.
func TestWritersConflict(t *testing.T) {
	dir := fixtures.Copy(t, filepath.Join(fixtures.Root(), "5.26.2/table-basic", "wal"))
	path := filepath.Join(dir, nodestate.FileName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := nodestate.Decode(b).WithVoteLayout(nodestate.LayoutBefore480)
	if err := os.WriteFile(path, s.WithChecksum().Encode(), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Directory(dir, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if w := r.Writers; w == nil || w.Conflict == "" || w.Releases != "" || !w.Set.Empty() {
		t.Fatalf("writers %+v", r.Writers)
	}
}

// Strong facts intersect; a weak fact (one that assumes a default setting
// or no crash) that contradicts them is set aside, not used.
func TestWritersCombine(t *testing.T) {
	strong := Evidence{Fact: "T1", Set: release.Of(release.Between(release.TableFormat, release.CachedAppendsWritten))}
	weakAgrees := Evidence{
		Fact:    "Sequential shape",
		Set:     release.Of(release.Before(release.Issue244Fixed)),
		Assumes: "x",
	}
	weakContradicts := Evidence{Fact: "sealed ≥ 1", Set: release.Of(release.Since(release.Issue244Fixed)), Assumes: "y"}
	w := &Writers{Evidence: []Evidence{strong, weakContradicts, weakAgrees}}
	w.combine(release.Of(release.PersistentState))
	if w.Conflict != "" || w.Releases != "5.4.0–5.7.1" || !w.Evidence[1].SetAside || w.Evidence[2].SetAside {
		t.Errorf("%+v", w)
	}
	w = &Writers{
		Evidence: []Evidence{
			strong,
			{Fact: "vote before 4.8.0", Set: release.Of(release.Before(release.MemberIDLengthFirst))},
		},
	}
	w.combine(release.Of(release.PersistentState))
	if w.Conflict == "" || w.Releases != "" {
		t.Errorf("two strong facts that exclude each other: %+v", w)
	}
}

// The WriteAheadLog's "written by" is the same release arithmetic: the
// release that wrote each library fixture is in it, and each kind of log
// narrows it as the spec's version map says (§0.4).
func TestWALWritersContainTheWriter(t *testing.T) {
	want := map[string]string{
		"5.26.2/wal-basic":         "5.22.0–5.x",
		"6.4.0/wal-basic":          "6.0.0–6.7.x",
		"6.4.0/wal-hash-crc32":     "6.0.0–6.7.x",
		"6.12.0/wal-basic":         "6.8.0 or later",
		"6.12.0/wal-legacy-layout": "6.8.0 or later with IgnoreTimestamp=false",
	}
	seen := 0
	for _, f := range fixtures.All(t, "fixturegen-wal") {
		r, err := Directory(f.WAL, Overrides{})
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		w := r.Writers
		if w == nil || len(w.Evidence) == 0 || r.WAL == nil || r.WAL.Writers != w.Releases {
			t.Fatalf("%s: writers %+v, wal %+v", f.Name, w, r.WAL)
		}
		if s, ok := want[f.Name]; ok {
			seen++
			if w.Releases != s {
				t.Errorf("%s: written by %q, want %q", f.Name, w.Releases, s)
			}
		}
		if f.Manifest.Damage != nil {
			continue
		}
		v := release.MustParse(strings.SplitN(f.Name, "/", 2)[0])
		if w.Conflict != "" || !w.Set.Contains(v) {
			t.Errorf("%s: written by %s, detect says %q (conflict %q)", f.Name, v, w.Releases, w.Conflict)
		}
	}
	if seen != len(want) {
		t.Errorf("%d of %d expected fixtures seen", seen, len(want))
	}
}
