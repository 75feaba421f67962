package cmd

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/internal/fixtures"
)

func fixtureLog(parts ...string) string {
	return filepath.Join(append([]string{fixtures.Root()}, append(parts, "wal")...)...)
}

// Every writing command refuses a setting that exact evidence in the files
// rules out, before it writes anything (exit 2), and names the evidence.
func TestWritesRefuseContradictedSettings(t *testing.T) {
	table := fixtureLog("5.26.2", "table-basic")
	legacy := fixtureLog("5.26.2", "legacy-basic")
	sparse := fixtureLog("5.26.2", "sparse-basic")
	walLog := fixtureLog("6.12.0", "wal-hash-xxhash3")
	cases := []struct {
		name     string
		src      string
		args     []string // before DIR; "OUT" becomes a fresh output path
		evidence string
	}{
		{
			"repair --apply with another R (issue 12)",
			table,
			[]string{"repair", "--apply", "-R", "3"},
			"partition 0: its sealed footer proves R = 4",
		},
		{"the plan alone too", table, []string{"repair", "-R", "3"}, "partition 1: its sealed footer proves R = 4"},
		{"legacy with R = 2 (issue 12)", legacy, []string{"repair", "--apply", "-R", "2"}, "partition 0: its prologue"},
		{"another format", table, []string{"repair", "--apply", "--format", "legacy"}, "which legacy does not explain"},
		{"another sparse M", sparse, []string{"repair", "--apply", "-M", "512"}, "M = 1024"},
		{
			"convert with another input R",
			table,
			[]string{"convert", "--to", "legacy", "--in-records-per-partition", "3", "--out", "OUT"},
			"proves R = 4",
		},
		{
			"convert in place with another input format",
			table,
			[]string{"convert", "--to", "legacy", "--in-format", "legacy", "--in-place"},
			"partition 0",
		},
		{
			"convert to wal with another input R",
			table,
			[]string{"convert", "--to", "wal", "--in-records-per-partition", "5", "--out", "OUT"},
			"proves R = 4",
		},
		{
			"WAL repair with a hash that does not verify",
			walLog,
			[]string{"repair", "--apply", "--hash", "crc32"},
			"metadata/: the slots prove hash xxhash3",
		},
		{
			"WAL repair with another chunk size",
			walLog,
			[]string{"repair", "--apply", "--chunk-size", "8192"},
			"data/: all 5 chunk files are 4096 bytes",
		},
		{"WAL repair with another layout", walLog, []string{"repair", "--wal-layout", "5"}, "32-byte records"},
		{
			"convert a WAL with another input hash",
			walLog,
			[]string{"convert", "--to", "v2", "--out-records-per-partition", "4", "--in-hash", "none", "--out", "OUT"},
			"hash xxhash3",
		},
		{"a WAL read as v2", walLog, []string{"repair", "--apply", "--format", "v2"}, "is a WriteAheadLog"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := fixtures.Copy(t, c.src)
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{}, c.args...)
			for i, a := range args {
				if a == "OUT" {
					args[i] = out
				}
			}
			before := treeHash(t, dir)
			stdout, stderr, code := run(t, append(args, dir)...)
			if code != 2 || !strings.Contains(stderr, "contradicts") || !strings.Contains(stderr, c.evidence) ||
				!strings.Contains(stderr, "--override-evidence") {
				t.Fatalf("exit %d, want 2 naming %q:\n%s%s", code, c.evidence, stdout, stderr)
			}
			if treeHash(t, dir) != before {
				t.Error("the refused command changed the input")
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("the refused command wrote an output")
			}
			if siblings, _ := filepath.Glob(dir + ".walctl-backup-*"); len(siblings) > 0 {
				t.Errorf("the refused command took a backup: %v", siblings)
			}
		})
	}
}

// Read-only commands keep answering with the user's settings: the
// conflicts are findings there, not refusals.
func TestReadOnlyCommandsKeepGeometryConflicts(t *testing.T) {
	dir := fixtureLog("5.26.2", "table-basic")
	out, _, code := runReadOnly(t, dir, "verify", "-R", "3", dir)
	if code != 1 || !strings.Contains(out, "geometry-conflict") {
		t.Fatalf("verify -R 3: exit %d\n%s", code, out)
	}
	if _, _, code := runReadOnly(t, dir, "inspect", "-R", "3", dir); code == 2 {
		t.Fatalf("inspect -R 3 refused")
	}
}

// Evidence that is itself damaged: the files disagree on R. The user's R
// contradicts the damaged file (exit 2); --override-evidence lifts the
// refusal, the plan still wants its own flags, and the write is audited
// with that R only because it is one of detection's candidates.
func TestOverrideEvidence(t *testing.T) {
	dir := fixtures.Copy(t, fixtureLog("5.26.2", "legacy-basic"))
	path := filepath.Join(dir, "1")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint64(b[24:], 120) // partition 1's first record now says R = 3
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	before := treeHash(t, dir)
	if out, errs, code := run(t, "repair", "--apply", "-R", "4", dir); code != 2 ||
		!strings.Contains(errs, "partition 1: its prologue") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	out, errs, code := run(t, "repair", "--apply", "-R", "4", "--override-evidence", dir)
	if code != 1 || !strings.Contains(out, "nothing was written") ||
		!strings.Contains(out, "--allow-drop-committed allows it") ||
		!strings.Contains(errs, "overridden by --override-evidence") ||
		treeHash(t, dir) != before {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	out, errs, code = run(t, "repair", "--apply", "-R", "4", "--override-evidence", "--allow-drop-committed", dir)
	if code != 0 ||
		!strings.Contains(
			out,
			"audit: input re-read on its own (legacy, R = 4, by the write's setting, one of detection's candidates): committed 1–3",
		) {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}

// --apply never carries out part of a plan: a plan that refuses anything is
// printed with what is refused and the flag that allows it, and nothing is
// written (exit 1).
func TestRepairApplyNeverPartial(t *testing.T) {
	for _, c := range []struct {
		fixture, flag string
	}{
		{"5.26.2/table-basic+partition-missing", "--allow-drop-committed allows it"},
		{"5.26.2/table-basic+node-state-flip", "--set-term T --clear-vote allows it"},
		{"6.12.0/wal-basic+state-cut", "--set-term T allows it"},
		{"6.12.0/wal-hash-crc32+hash-payload-flip", "--allow-drop-committed allows it"},
	} {
		t.Run(c.fixture, func(t *testing.T) {
			dir := fixtures.Copy(t, filepath.Join(fixtures.Root(), c.fixture, "wal"))
			before := treeHash(t, dir)
			out, errs, code := run(t, "repair", "--apply", dir)
			if code != 1 || !strings.Contains(out, "refused: nothing was written") || !strings.Contains(out, c.flag) {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			if treeHash(t, dir) != before {
				t.Error("a refused plan changed the directory")
			}
			if siblings, _ := filepath.Glob(dir + ".walctl-backup-*"); len(siblings) > 0 {
				t.Errorf("a refused plan took a backup: %v", siblings)
			}
			jout, _, jcode := run(t, "repair", "--apply", "--json", dir)
			var doc repairJSON
			if err := json.Unmarshal([]byte(jout), &doc); err != nil || jcode != 1 || len(doc.Refused) == 0 ||
				doc.Applied != nil {
				t.Errorf("JSON: exit %d, %v, %+v", jcode, err, doc)
			}
		})
	}
}

// Issue 12's second case: a flipped CommitIndex (8 → 9) is not made
// official. Without --commit-index it is lowered to the snapshot index and
// the plan says so; with the cluster's it is that one; every run is audited.
func TestRepairFlippedCommitIndex(t *testing.T) {
	flipped := func(t *testing.T) string {
		dir := fixtures.Copy(t, fixtureLog("5.26.2", "table-basic"))
		path := filepath.Join(dir, nodestate.FileName)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b[nodestate.OffCommitIndex] ^= 0x01 // 8 → 9
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, c := range []struct {
		name   string
		flags  []string
		commit int64
		says   string
	}{
		{"lowered to the snapshot index", nil, 0, "it is lowered to 0, the snapshot index"},
		{"the cluster's, from --commit-index", []string{"--commit-index", "8"}, 8, "CommitIndex 8 comes from --commit-index"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := flipped(t)
			args := append(append([]string{"repair", "--apply", "--set-term", "5", "--clear-vote"}, c.flags...), dir)
			out, errs, code := run(t, args...)
			if code != 0 || !strings.Contains(out, c.says) || !strings.Contains(out, "audit: ") {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			ins, _, _ := run(t, "inspect", "--json", dir)
			var doc struct {
				NodeState struct {
					Term        int64 `json:"term"`
					CommitIndex int64 `json:"commitIndex"`
				} `json:"nodeState"`
			}
			if err := json.Unmarshal([]byte(ins), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.NodeState.CommitIndex != c.commit || doc.NodeState.Term != 5 {
				t.Errorf("node state after repair: %+v, want commit %d", doc.NodeState, c.commit)
			}
		})
	}
	dir := flipped(t)
	if _, errs, code := run(t, "repair", "--set-term", "5", "--clear-vote", "--commit-index", "-1", dir); code != 2 ||
		!strings.Contains(errs, "--commit-index") {
		t.Fatalf("a negative --commit-index: exit %d %s", code, errs)
	}
}

// Every write prints its audit in one line (and puts it in the JSON).
func TestWritesAreAudited(t *testing.T) {
	cases := []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"repair", func(t *testing.T) []string {
			return []string{"repair", "--apply", fixtures.Copy(t, fixtureLog("5.26.2", "table-basic+tail-torn"))}
		}},
		{"WAL repair", func(t *testing.T) []string {
			return []string{"repair", "--apply", fixtures.Copy(t, fixtureLog("6.12.0", "wal-basic+checkpoint-torn"))}
		}},
		{"convert --out", func(t *testing.T) []string {
			return []string{
				"convert",
				"--to",
				"legacy",
				"--out-records-per-partition",
				"3",
				"--out",
				filepath.Join(t.TempDir(), "o"),
				fixtureLog("5.26.2", "table-snapshot"),
			}
		}},
		{"convert --in-place", func(t *testing.T) []string {
			return []string{
				"convert",
				"--to",
				"v2",
				"--in-place",
				fixtures.Copy(t, fixtureLog("5.26.2", "legacy-basic")),
			}
		}},
		{"convert --to wal", func(t *testing.T) []string {
			return []string{
				"convert",
				"--to",
				"wal",
				"--out",
				filepath.Join(t.TempDir(), "o"),
				fixtureLog("5.26.2", "legacy-snapshot"),
			}
		}},
		{"convert from wal", func(t *testing.T) []string {
			return []string{
				"convert",
				"--to",
				"v2",
				"--out-records-per-partition",
				"4",
				"--out",
				filepath.Join(t.TempDir(), "o"),
				fixtureLog("6.12.0", "wal-basic"),
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args(t)
			out, errs, code := run(t, args...)
			if code != 0 || !strings.Contains(out, "audit: input re-read on its own") ||
				!strings.Contains(out, "kept byte for byte") {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			fresh := c.args(t)
			jout, _, code := run(t, append([]string{fresh[0], "--json"}, fresh[1:]...)...)
			var doc struct {
				Audit *struct {
					Committed int64 `json:"committed"`
				} `json:"audit"`
			}
			if err := json.Unmarshal([]byte(jout), &doc); err != nil || code != 0 || doc.Audit == nil ||
				doc.Audit.Committed == 0 {
				t.Errorf("JSON: exit %d, %v, audit %+v", code, err, doc.Audit)
			}
		})
	}
}
