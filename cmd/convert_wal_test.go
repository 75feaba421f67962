package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/convert"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/verify"
)

// healthyFixtures are the fixtures the library wrote and read back without
// an error or a damage of ours.
func healthyFixtures(t *testing.T) []fixtures.Fixture {
	var out []fixtures.Fixture
	for _, tool := range []string{"fixturegen-ps", "fixturegen-wal"} {
		for _, f := range fixtures.All(t, tool) {
			if f.Expect.Verdict == "ok" && !f.Manifest.Readback.HasError() && f.Manifest.Damage == nil {
				out = append(out, f)
			}
		}
	}
	return out
}

// convertToWAL runs convert --to wal on a fixture (read-only on it) and
// checks exit 0; it returns the output directory.
func convertToWAL(t *testing.T, f fixtures.Fixture, flags ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	args := append(append([]string{"convert", "--to", "wal"}, flags...), "--out", out, f.WAL)
	stdout, errs, code := runReadOnly(t, f.WAL, args...)
	if code != 0 {
		t.Fatalf("walctl %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, errs)
	}
	return out
}

// assertCommittedEqual checks, against the library's read-back of the
// source, that the WAL in out verifies clean and holds every committed
// entry after the snapshot with the same term, command id, length and
// payload digest.
func assertCommittedEqual(t *testing.T, f fixtures.Fixture, out string, flags ...string) {
	t.Helper()
	vout, _, code := run(t, append(append([]string{"verify", "--json"}, flags...), out)...)
	var v verifyOut
	if err := json.Unmarshal([]byte(vout), &v); err != nil || code != 0 {
		t.Fatalf("verify the output: exit %d, %v\n%s", code, err, vout)
	}
	iout, _, code := run(
		t,
		append(append([]string{"inspect", "--json", "--entries", "--payload", "none"}, flags...), out)...)
	var doc inspectOut
	if err := json.Unmarshal([]byte(iout), &doc); err != nil || code != 0 {
		t.Fatalf("inspect the output: exit %d, %v", code, err)
	}
	if doc.Format != "wal" {
		t.Fatalf("the output is %q, not wal", doc.Format)
	}
	got := map[int64]int{}
	for i, e := range doc.Entries {
		got[e.Index] = i
	}
	rb := f.Manifest.Readback
	checked := 0
	for _, want := range rb.Entries {
		if want.Index > rb.State.LastCommittedEntryIdx {
			continue
		}
		i, ok := got[want.Index]
		if !ok {
			t.Errorf("committed index %d is missing from the output", want.Index)
			continue
		}
		e := doc.Entries[i]
		if e.Term != want.Term || e.Snapshot != want.IsSnapshot ||
			(!e.Snapshot && (e.Length != want.Length || e.SHA256 != want.SHA256 ||
				fmt.Sprint(deref(e.CommandID)) != fmt.Sprint(deref(want.CommandID)))) {
			t.Errorf(
				"index %d: got term %d len %d id %v snap %v; library read term %d len %d id %v snap %v",
				want.Index,
				e.Term,
				e.Length,
				deref(e.CommandID),
				e.Snapshot,
				want.Term,
				want.Length,
				deref(want.CommandID),
				want.IsSnapshot,
			)
		}
		checked++
	}
	if checked == 0 && rb.State.LastCommittedEntryIdx > 0 {
		t.Errorf("no committed entry was compared")
	}
}

// convert --to wal of every healthy fixture (PersistentState and WAL) gives
// a WAL that verify passes and that holds the source's committed entries.
func TestConvertToWALEveryHealthyFixture(t *testing.T) {
	fs := healthyFixtures(t)
	if len(fs) < 20 {
		t.Fatalf("only %d healthy fixtures", len(fs))
	}
	for _, f := range fs {
		t.Run(f.Name, func(t *testing.T) {
			out := convertToWAL(t, f, "--copy-snapshot")
			assertCommittedEqual(t, f, out)
		})
	}
}

// Layout and parameter changes: a 5.x-layout WAL becomes a 6.x one, and
// every writer option round-trips through detection.
func TestConvertToWALOptions(t *testing.T) {
	cases := []struct {
		fixture string
		flags   []string
		read    []string // overrides verify needs (none: detected)
		want    string   // in the output's text
	}{
		{"5.26.2/wal-basic", nil, nil, "32-byte record"},
		{"6.12.0/wal-legacy-layout", []string{"--out-wal-layout", "6"}, nil, "32-byte record"},
		{"6.12.0/wal-basic", []string{"--out-wal-layout", "5"}, nil, "40-byte record"},
		{"5.26.2/table-basic", []string{"--target-version", "5.26.2"}, nil, "8-byte checkpoint"},
		{"5.26.2/table-basic", []string{"--target-version", "6.7.0"}, nil, "12-byte checkpoint"},
		{
			"5.26.2/sparse-basic",
			[]string{"--out-checkpoint-bytes", "12", "--out-hash", "xxhash64"},
			nil,
			"hash xxhash64",
		},
		{
			"5.26.2/legacy-basic",
			[]string{"--out-chunk-size", "65536", "--out-hash", "crc32"},
			[]string{"--chunk-size", "65536"},
			"chunk 65536",
		},
		{"6.12.0/wal-hash-crc64", []string{"--out-hash", "none"}, nil, "hash none"},
	}
	for _, c := range cases {
		t.Run(c.fixture+" "+strings.Join(c.flags, " "), func(t *testing.T) {
			f := fixtures.Load(t, filepath.Join(fixtures.Root(), c.fixture))
			out := filepath.Join(t.TempDir(), "out")
			stdout, errs, code := runReadOnly(
				t,
				f.WAL,
				append(append([]string{"convert", "--to", "wal"}, c.flags...), "--out", out, f.WAL)...)
			if code != 0 || !strings.Contains(stdout, c.want) {
				t.Fatalf("exit %d, want 0 and %q\n%s%s", code, c.want, stdout, errs)
			}
			assertCommittedEqual(t, f, out, c.read...)
		})
	}
}

// The snapshot is copied by default (a WriteAheadLog whose state machine
// lacks it reads, with SimpleStateMachine, as starting at index 1); with
// --no-snapshot it is not, and walctl.snapshot records its index and term.
// Either way plain walctl verify OUT gives convert's verdict (issue 13 #6).
func TestConvertToWALSnapshotUnlessNoSnapshot(t *testing.T) {
	for _, name := range []string{"5.26.2/legacy-snapshot", "5.26.2/table-snapshot", "6.12.0/wal-snapshot"} {
		f := fixtures.Load(t, filepath.Join(fixtures.Root(), filepath.FromSlash(name)))
		snap := map[string]string{"6.12.0/wal-snapshot": "db/300-6"}[name]
		if snap == "" {
			snap = "db/11-4"
		}
		for _, skip := range []bool{false, true} {
			var flags []string
			if skip {
				flags = []string{"--no-snapshot"}
			}
			out := filepath.Join(t.TempDir(), "out")
			stdout, errs, code := run(
				t,
				append(append([]string{"convert", "--to", "wal"}, flags...), "--out", out, f.WAL)...)
			if code != 0 {
				t.Fatalf("%s: exit %d\n%s%s", name, code, stdout, errs)
			}
			_, err := os.Stat(filepath.Join(out, filepath.FromSlash(snap)))
			_, recErr := os.Stat(filepath.Join(out, "walctl.snapshot"))
			if skip == (err == nil) || skip != (recErr == nil) {
				t.Errorf(
					"%s --no-snapshot %v: %s exists %v, walctl.snapshot exists %v",
					name,
					skip,
					snap,
					err == nil,
					recErr == nil,
				)
			}
			word := map[bool]string{false: "copied to " + snap, true: "NOT copied (--no-snapshot)"}[skip]
			if !strings.Contains(stdout, word) || !strings.Contains(stdout, "verify the output: ok") ||
				!strings.Contains(stdout, "walctl verify "+out+" for details") {
				t.Errorf(
					"%s --no-snapshot %v: output does not say %q, ok and the verify command:\n%s",
					name,
					skip,
					word,
					stdout,
				)
			}
			vout, _, vcode := runReadOnly(t, out, "verify", out)
			if vcode != 0 || !strings.Contains(vout, "verdict: ok") {
				t.Errorf("%s --no-snapshot %v: walctl verify OUT exit %d:\n%s", name, skip, vcode, vout)
			}
			if m, _ := filepath.Glob(out + ".verify*"); len(m) > 0 {
				t.Errorf("verification view left behind: %v", m)
			}
		}
	}
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), "5.26.2", "legacy-snapshot"))
	_, errs, code := run(t, "convert", "--to", "wal", "--no-snapshot", "--copy-snapshot", "--out",
		filepath.Join(t.TempDir(), "out"), f.WAL)
	if code != exitError || !strings.Contains(errs, "contradict") {
		t.Errorf("--no-snapshot with --copy-snapshot: exit %d %s", code, errs)
	}
}

// A WriteAheadLog with a snapshot converts to every PersistentState format:
// the snapshot becomes the snapshot file (payload only, from offset 0) with
// its metadata in node.state, the audit proves it kept, and plain verify
// of the output is ok (issue 13 #6).
func TestConvertWALWithSnapshotToPersistentState(t *testing.T) {
	for _, name := range []string{"6.12.0/wal-snapshot", "5.26.2/wal-snapshot", "6.4.0/wal-snapshot"} {
		f := fixtures.Load(t, filepath.Join(fixtures.Root(), filepath.FromSlash(name)))
		for _, to := range [][]string{{"--to", "legacy"}, {"--to", "v2"}, {"--to", "sparse", "--out-max-entry-size", "4096"}} {
			out := filepath.Join(t.TempDir(), "out")
			args := append(
				append([]string{"convert"}, to...),
				"--out-records-per-partition",
				"100",
				"--out",
				out,
				f.WAL,
			)
			stdout, errs, code := run(t, args...)
			if code != 0 {
				t.Fatalf("%s %v: exit %d\n%s%s", name, to, code, stdout, errs)
			}
			if !strings.Contains(stdout, "snapshot 300 kept") || !strings.Contains(stdout, "verify the output: ok") {
				t.Errorf("%s %v: the audit or verify does not keep snapshot 300:\n%s", name, to, stdout)
			}
			l, err := logdir.Open(
				out,
				logdir.Options{
					Format: format.Format(to[1]),
					R:      100,
					M:      4096 * map[bool]int64{true: 1}[to[1] == "sparse"],
				},
			)
			if err != nil {
				t.Fatal(err)
			}
			s := l.Snapshot
			l.Close()
			want, err := os.ReadFile(filepath.Join(f.WAL, "db", "300-6"))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(filepath.Join(out, "snapshot"))
			if s == nil || s.Index != 300 || s.Term != 6 || s.Offset != 0 || s.Length != int64(len(want)) ||
				!bytes.Equal(got, want) {
				t.Errorf("%s %v: snapshot %+v, file %d bytes, want index 300 term 6 and the %d bytes of db/300-6",
					name, to, s, len(got), len(want))
			}
		}
	}
}

// Inputs and flags convert --to wal refuses.
func TestConvertToWALRefusals(t *testing.T) {
	root := fixtures.Root()
	cases := []struct {
		name, fixture string
		flags         []string
		code          int
		want          string
	}{
		{"damaged input", "6.12.0/wal-basic+checkpoint-past-end", nil, 1, "run walctl repair first"},
		{"torn PersistentState tail", "5.26.2/table-basic+tail-torn", nil, 1, "run walctl repair first"},
		{"missing partition", "5.26.2/table-basic+partition-missing", nil, 1, "entries 4–7 are missing"},
		{"node.state checksum", "5.26.2/legacy-basic+node-state-flip", nil, 1, "checksum does not match"},
		{"node.state cut", "5.26.2/table-nocheck+node-state-cut", nil, 1, "term and vote are lost"},
		{"torn 5.x checkpoint", "5.26.2/wal-basic+checkpoint-torn", nil, 1, "checkpoint-torn"},
		{"cut WAL state", "6.12.0/wal-basic+state-cut", nil, 1, "term and vote are lost"},
		{
			"uncommitted hash mismatch",
			"6.12.0/wal-hash-xxhash32+hash-uncommitted-flip",
			nil,
			1,
			"hash-mismatch-uncommitted",
		},
		{
			"5.x with a hash",
			"5.26.2/table-basic",
			[]string{"--target-version", "5.26.2", "--out-hash", "crc32"},
			2,
			"no per-entry hash",
		},
		{
			"bad checkpoint form",
			"5.26.2/table-basic",
			[]string{"--out-checkpoint-bytes", "16"},
			2,
			"not a checkpoint form",
		},
		{"bad version", "5.26.2/table-basic", []string{"--target-version", "5.7.1"}, 2, "no WriteAheadLog"},
		{"in place", "5.26.2/table-basic", []string{"--in-place"}, 2, "new directory only"},
		{
			"damaged WAL to v2",
			"6.12.0/wal-basic+metadata-cut",
			[]string{"--out-records-per-partition", "4"},
			1,
			"metadata-truncated",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(root, c.fixture, "wal")
			out := filepath.Join(t.TempDir(), "out")
			to := "wal"
			if strings.Contains(c.name, "to v2") {
				to = "v2"
			}
			stdout, errs, code := runReadOnly(
				t,
				dir,
				append(append([]string{"convert", "--to", to}, c.flags...), "--out", out, dir)...)
			if code != c.code || !strings.Contains(stdout+errs, c.want) {
				t.Fatalf("exit %d, want %d and %q\n%s%s", code, c.code, c.want, stdout, errs)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was written although the conversion was refused", out)
			}
		})
	}
}

// A WriteAheadLog converts to every PersistentState format, with its
// snapshot if it has one: verify passes and every entry the library read
// back (committed or not, the snapshot included) is there.
func TestConvertFromWAL(t *testing.T) {
	n := 0
	for _, f := range healthyFixtures(t) {
		if !strings.HasPrefix(f.Manifest.Tool, "fixturegen-wal") {
			continue
		}
		snapshot := false
		var maxLen int64 = 1
		for _, e := range f.Manifest.Readback.Entries {
			snapshot = snapshot || e.IsSnapshot
			maxLen = max(maxLen, e.Length)
		}
		for _, to := range []string{"legacy", "v2", "sparse"} {
			t.Run(f.Name+"/"+to, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "out")
				args := []string{"convert", "--to", to, "--out-records-per-partition", "4", "--out", out}
				if to == "sparse" {
					args = append(args, "--out-max-entry-size", fmt.Sprint(maxLen))
				}
				stdout, errs, code := runReadOnly(t, f.WAL, append(args, f.WAL)...)
				if snapshot && !strings.Contains(stdout, "written as the snapshot file") {
					t.Errorf("a WAL with a snapshot: the output does not say where the snapshot went\n%s", stdout)
				}
				if code != 0 {
					t.Fatalf("exit %d\n%s%s", code, stdout, errs)
				}
				n++
				flags := []string{"--format", to, "-R", "4"}
				if to == "sparse" {
					flags = append(flags, "--max-entry-size", fmt.Sprint(maxLen))
				}
				iout, _, code := run(
					t,
					append(append([]string{"inspect", "--json", "--entries", "--payload", "none"}, flags...), out)...)
				var doc inspectOut
				if err := json.Unmarshal([]byte(iout), &doc); err != nil || code != 0 {
					t.Fatalf("inspect the output: exit %d, %v", code, err)
				}
				rb := f.Manifest.Readback.Entries
				if len(doc.Entries) != len(rb) {
					t.Fatalf("%d entries, the library read %d from the WAL", len(doc.Entries), len(rb))
				}
				for i, want := range rb {
					e := doc.Entries[i]
					if e.Index != want.Index || e.Term != want.Term || e.Length != want.Length ||
						e.SHA256 != want.SHA256 ||
						fmt.Sprint(deref(e.CommandID)) != fmt.Sprint(deref(want.CommandID)) {
						t.Errorf("entry %d/%d differs from the library's read-back", e.Index, want.Index)
					}
				}
			})
		}
	}
	if n == 0 {
		t.Fatal("no WAL was converted")
	}
}

// WAL input: R is required (it is the application's constructor argument).
func TestConvertFromWALNeedsR(t *testing.T) {
	dir := filepath.Join(fixtures.Root(), "6.12.0", "wal-basic", "wal")
	stdout, errs, code := runReadOnly(t, dir, "convert", "--to", "v2", "--out", filepath.Join(t.TempDir(), "o"), dir)
	if code != 2 || !strings.Contains(errs+stdout, "--out-records-per-partition") {
		t.Fatalf("exit %d, want 2 naming --out-records-per-partition\n%s%s", code, stdout, errs)
	}
}

// A conversion whose output keeps more page files open than the usual
// limit of 1024 allows says so in its summary, with the counts apart and the
// limit the node needs (the counts of a real output are checked on a small
// one; wal's TestManyChunkFiles writes a log of over 1000 files).
func TestConvertToWALOpenFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "small")
	stdout, _, code := run(
		t,
		"convert",
		"--json",
		"--to",
		"wal",
		"--out",
		out,
		filepath.Join(fixtures.Root(), "5.26.2", "table-basic", "wal"),
	)
	var doc struct {
		Conversion struct {
			OpenFiles wal.OpenFiles `json:"openFiles"`
		} `json:"conversion"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != 0 {
		t.Fatalf("exit %d, %v\n%s", code, err, stdout)
	}
	if got, want := doc.Conversion.OpenFiles, wal.CountOpenFiles(out); got != want || got.MetadataPages != 1 ||
		got.DataChunks < 1 {
		t.Errorf("openFiles %+v, the output has %+v", got, want)
	}
	cases := []struct {
		of   wal.OpenFiles
		want []string
	}{
		{
			wal.OpenFiles{MetadataPages: 3907, DataChunks: 191},
			[]string{"keeps 4098 page files (3907 metadata pages + 191 data chunks) open", "about 4198"},
		},
		{
			wal.OpenFiles{MetadataPages: 1, DataChunks: 977},
			[]string{"keeps 978 page files (1 metadata page + 977 data chunks) open", "about 1078"},
		},
		{wal.OpenFiles{MetadataPages: 1, DataChunks: 923}, nil},
	}
	for _, c := range cases {
		var b strings.Builder
		printToWAL(&b, &walConvertDoc{Conversion: &convert.WALConversion{OpenFiles: c.of},
			checkedDoc: checkedDoc{
				Comparison: &convert.Comparison{},
				Verify:     &verify.Report{Verdict: verify.OK},
			}}, "OUT")
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%+v: summary lacks %q:\n%s", c.of, w, b.String())
			}
		}
		if c.want == nil && strings.Contains(b.String(), "open-file limit") {
			t.Errorf("%+v: summary mentions the open-file limit:\n%s", c.of, b.String())
		}
	}
}
