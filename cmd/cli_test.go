package cmd

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/txn"
)

// rawRun runs walctl with exactly args (no --no-color added), in a pipe.
func rawRun(t testing.TB, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := mainWith(append([]string{"walctl"}, args...), &out, &errb, pipe, txn.OS)
	return out.String(), errb.String(), code
}

// Global flags before the command, after it and after the directory; the
// command's flags before or after the directory, --json even before the
// command: all give the same output as the canonical order.
func TestFlagsAnywhere(t *testing.T) {
	dir := filepath.Join(fixtures.Root(), "5.7.1", "table-basic", "wal")
	cases := []struct {
		canonical []string
		variants  [][]string
	}{
		{[]string{"--no-color", "-q", "verify", "--json", dir}, [][]string{
			{"verify", "--no-color", "--json", "-q", dir},
			{"verify", dir, "--no-color", "--json", "--quiet"},
			{"--json", "--no-color", "verify", dir, "-q"},
			{"-q", "verify", "--json", dir, "--no-color"},
		}},
		{
			[]string{
				"--no-color",
				"inspect",
				"--entries",
				"--from-index",
				"4",
				"--to-index=5",
				"--payload",
				"redacted",
				dir,
			},
			[][]string{
				{
					"inspect",
					dir,
					"--entries",
					"--from-index",
					"4",
					"--to-index=5",
					"--payload",
					"redacted",
					"--no-color",
				},
				{
					"inspect",
					"--from-index",
					"4",
					dir,
					"--payload",
					"redacted",
					"--no-color",
					"--entries",
					"--to-index=5",
				},
			},
		},
		{[]string{"--no-color", "verify", "-R", "4", dir}, [][]string{
			{"verify", dir, "-R", "4", "--no-color"},
			{"verify", dir, "--records-per-partition=4", "--no-color"},
		}},
	}
	for _, c := range cases {
		want, wantErr, wantCode := rawRun(t, c.canonical...)
		if want == "" {
			t.Fatalf("%v: no output (%s)", c.canonical, wantErr)
		}
		for _, v := range c.variants {
			got, errs, code := rawRun(t, v...)
			if got != want || code != wantCode {
				t.Errorf("walctl %s: exit %d (want %d), output differs from walctl %s:\n%s%s",
					strings.Join(v, " "), code, wantCode, strings.Join(c.canonical, " "), got, errs)
			}
		}
	}
	// After "--" every argument is a directory.
	if _, errs, code := rawRun(t, "verify", "--", "--no-color"); code != exitError ||
		!strings.Contains(errs, "--no-color") {
		t.Errorf("after --: exit %d, %s", code, errs)
	}
}

// Usage errors are one line and a hint naming the command's --help, never
// cli's help text; every enumerated flag names all of its values.
func TestUsageErrorsAreOneLine(t *testing.T) {
	dir := filepath.Join(fixtures.Root(), "5.26.2", "table-basic", "wal")
	cases := []struct {
		args     []string
		contains []string
	}{
		{
			[]string{"verify", "-R", "99999999999999999999", dir},
			[]string{"--records-per-partition (-R)", "out of range", "walctl verify --help"},
		},
		{[]string{"verify", "-R", "four", dir}, []string{`"four"`, "walctl verify --help"}},
		{[]string{"verify", dir, "--bogus"}, []string{"unknown flag --bogus", "walctl verify --help"}},
		{[]string{"verify", dir, "-R"}, []string{"needs a value"}},
		{
			[]string{"convert", "--to=foo", "--out", "x", dir},
			[]string{"legacy", "v2", "sparse", "wal", "walctl convert --help"},
		},
		{[]string{"convert", "--out", "x", dir}, []string{"--to", "legacy|v2|sparse|wal"}},
		{
			[]string{"convert", "--to", "v2", "--in-format", "x", "--out", "x", dir},
			[]string{"legacy", "v2", "sparse", "wal"},
		},
		{[]string{"verify", "--format", "x", dir}, []string{"legacy", "v2", "sparse", "wal"}},
		{
			[]string{"inspect", "--payload", "x", dir},
			[]string{"none", "hex", "base64", "utf8", "json", "auto", "redacted", "raw"},
		},
		{
			[]string{"inspect", "--from-index", "9", "--to-index", "2", dir},
			[]string{"--from-index 9 is after --to-index 2", "walctl inspect --help"},
		},
		{[]string{"inspect", "--limit", "-1", dir}, []string{"--limit"}},
		{[]string{"inspect", "--jsonl", dir}, []string{"--entries"}},
		{[]string{"inspect", "--json", "--jsonl", "--entries", dir}, []string{"exclude"}},
		{[]string{"frobnicate"}, []string{`"frobnicate" is not a walctl command`, "walctl --help"}},
		{[]string{"--bogus", "verify", dir}, []string{"unknown flag --bogus", "walctl --help"}},
		{[]string{"completion", "tcsh"}, []string{"bash", "zsh", "fish"}},
		{[]string{"verify"}, []string{"walctl verify --help"}},
	}
	// The spellings convert and inspect renamed are refused by their new
	// name, never read in another sense: convert's output settings are
	// --out-…, inspect's index range --from-index/--to-index.
	for old, now := range map[string]string{"-R": "--out-records-per-partition", "--records-per-partition": "--out-records-per-partition",
		"-M": "--out-max-entry-size", "--max-entry-size": "--out-max-entry-size", "--hash": "--out-hash",
		"--chunk-size": "--out-chunk-size", "--wal-layout": "--out-wal-layout", "--checkpoint-bytes": "--out-checkpoint-bytes",
		"--snapshot-dir": "--out-snapshot-dir"} {
		cases = append(cases, struct {
			args     []string
			contains []string
		}{[]string{"convert", "--to", "wal", old, "8", "--out", "x", dir}, []string{old + " is now " + now, "walctl convert --help"}})
	}
	for old, now := range map[string]string{"--from": "--from-index", "--to": "--to-index"} {
		cases = append(cases, struct {
			args     []string
			contains []string
		}{[]string{"inspect", "--entries", old, "3", dir}, []string{old + " is now " + now, "walctl inspect --help"}})
	}
	for _, c := range cases {
		out, errs, code := rawRun(t, c.args...)
		lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
		if code != exitError || out != "" || len(lines) != 2 || !strings.HasPrefix(lines[0], "walctl: error: ") ||
			!strings.HasPrefix(lines[1], "walctl: hint: ") {
			t.Errorf(
				"walctl %s: exit %d, want 2, one error line and one hint:\nstdout: %s\nstderr: %s",
				strings.Join(c.args, " "),
				code,
				out,
				errs,
			)
			continue
		}
		for _, s := range c.contains {
			if !strings.Contains(errs, s) {
				t.Errorf("walctl %s: %q missing from:\n%s", strings.Join(c.args, " "), s, errs)
			}
		}
	}
	// The help of every enumerated flag lists every value.
	for _, c := range []struct{ cmd, flag, values string }{
		{"convert", "--to", "legacy|v2|sparse|wal"}, {"convert", "--in-format", "legacy|v2|sparse|wal"},
		{"verify", "--format", "legacy|v2|sparse|wal"}, {"inspect", "--payload", "none|hex|base64|utf8|json|auto|redacted raw"},
		{"verify", "--hash", "none|crc32|crc64|xxhash32|xxhash64|xxhash3"},
	} {
		out, _, _ := rawRun(t, c.cmd, "--help")
		found := false
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), c.flag+" ") {
				found = true
				for _, v := range strings.FieldsFunc(c.values, func(r rune) bool { return r == '|' || r == ' ' }) {
					if !strings.Contains(line, v) {
						t.Errorf("walctl %s --help: %s does not list %s: %s", c.cmd, c.flag, v, line)
					}
				}
			}
		}
		if !found {
			t.Errorf("walctl %s --help has no line for %s:\n%s", c.cmd, c.flag, out)
		}
	}
}

func TestVersion(t *testing.T) {
	info := func(version string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/walctl/walctl", Version: version}}
		for i := 0; i+1 < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	rev := "0123456789abcdef0123456789abcdef01234567"
	cases := []struct {
		set  string
		bi   *debug.BuildInfo
		want string
	}{
		{"v1.4.0", info("(devel)", "vcs.revision", rev), "v1.4.0"}, // -ldflags -X wins
		{"dev", info("v1.2.3"), "v1.2.3"},                          // go install …@v1.2.3
		{"dev", info("v0.0.0-20260101120000-0123456789ab+dirty", "vcs.revision", rev, "vcs.modified", "true"),
			"v0.0.0-20260101120000-0123456789ab+dirty"}, // a checkout build, Go ≥ 1.24
		{"dev", info("(devel)", "vcs.revision", rev, "vcs.modified", "true", "vcs.time", "2026-01-01T12:00:00Z"),
			"devel 0123456789ab+dirty 2026-01-01T12:00:00Z"}, // a checkout build with -buildvcs but no module version
		{"dev", info("(devel)", "vcs.revision", rev, "vcs.modified", "false"), "devel 0123456789ab"},
		{"dev", info("(devel)"), "dev"}, // go run, go test
		{"dev", nil, "dev"},
	}
	for _, c := range cases {
		if got := versionFrom(c.set, c.bi); got != c.want {
			t.Errorf("versionFrom(%q, %+v) = %q, want %q", c.set, c.bi, got, c.want)
		}
	}
	if out, _, code := rawRun(t, "--version"); code != 0 || !strings.HasPrefix(out, "walctl version ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}

// The completion scripts are valid shell; the man page is troff with every
// command.
func TestCompletionAndMan(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		out, errs, code := rawRun(t, "completion", sh)
		if code != 0 || !strings.Contains(out, "walctl") {
			t.Fatalf("completion %s: exit %d: %s", sh, code, errs)
		}
		if _, err := exec.LookPath(sh); err != nil {
			t.Logf("%s is not installed: syntax not checked", sh)
			continue
		}
		cmd := exec.Command(sh, "-n")
		if sh == "fish" {
			cmd = exec.Command(sh, "--no-execute")
		}
		cmd.Stdin = strings.NewReader(out)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s -n rejects the completion script: %v\n%s", sh, err, msg)
		}
	}
	out, _, code := rawRun(t, "man")
	if code != 0 || !strings.Contains(out, ".TH ") {
		t.Fatalf("man: exit %d, no .TH header", code)
	}
	for _, c := range appCommands() {
		if !strings.Contains(out, c) {
			t.Errorf("the man page does not mention %s", c)
		}
	}
	// What the shell asks while completing.
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{""}, []string{"detect", "verify", "completion"}},
		{[]string{"convert", "--to"}, []string{"legacy", "v2", "sparse", "wal"}},
		{[]string{"inspect", "--payload"}, []string{"utf8", "redacted", "raw"}},
		{[]string{"verify", "--rec"}, []string{"--recursive"}},
		{[]string{"completion"}, []string{"bash", "zsh", "fish"}},
	} {
		args := append(append([]string{}, c.args...), completionFlag)
		if c.args[0] == "" {
			args = []string{completionFlag}
		}
		out, _, _ := rawRun(t, args...)
		for _, w := range c.want {
			if !strings.Contains(out, w+"\n") {
				t.Errorf("completing %v: %q missing from %q", c.args, w, out)
			}
		}
	}
}

type verifyManyOut struct {
	Verdict  string         `json:"verdict"`
	ExitCode int            `json:"exitCode"`
	Counts   map[string]int `json:"counts"`
	Logs     []struct {
		Dir      string `json:"dir"`
		Format   string `json:"format"`
		Verdict  string `json:"verdict"`
		Errors   int    `json:"errors"`
		Warnings int    `json:"warnings"`
		Error    string `json:"error"`
		Hint     string `json:"hint"`
		Findings []struct {
			Code string `json:"code"`
		} `json:"findings"`
	} `json:"logs"`
}

// verify over several logs: one result per log, the worst exit code; with
// --recursive every log below the root, none of walctl's own backups and
// temp folders; one DIR keeps today's document.
func TestVerifyMany(t *testing.T) {
	root := t.TempDir()
	put := func(name, fixture string) string {
		dst := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(dst), 0o755)
		if err := os.Rename(fixtures.Copy(t, filepath.Join(fixtures.Root(), fixture, "wal")), dst); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	ok := put("a/ok", "5.26.2/table-basic")
	wal := put("b/wal", "6.12.0/wal-basic")
	damaged := put("c/damaged", "5.26.2/table-basic+tail-torn")
	put("a/ok.walctl-backup-20260101T000000Z", "5.26.2/table-basic+tail-torn")
	put("b/.walctl-convert-123", "5.26.2/table-basic+tail-torn")
	os.MkdirAll(filepath.Join(root, "empty", "nothing"), 0o755)

	out, _, code := runReadOnly(t, root, "verify", "--recursive", "--json", root)
	var doc verifyManyOut
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	var dirs []string
	for _, l := range doc.Logs {
		dirs = append(dirs, l.Dir)
	}
	if want := []string{ok, wal, damaged}; strings.Join(dirs, "|") != strings.Join(want, "|") {
		t.Errorf("found %v, want %v", dirs, want)
	}
	if code != exitDamaged || doc.ExitCode != 1 || doc.Verdict != "damaged" || doc.Counts["ok"] != 2 ||
		doc.Counts["damaged"] != 1 {
		t.Errorf("exit %d, doc %+v", code, doc)
	}
	if l := doc.Logs[2]; l.Errors != 1 || len(l.Findings) == 0 || l.Findings[0].Code != "torn-tail" {
		t.Errorf("damaged log: %+v", l)
	}

	// Several DIRs, one unsure (node.state without partition files: no
	// format to tell): exit 2, named in the row.
	unsure := filepath.Join(root, "d", "unsure")
	os.MkdirAll(unsure, 0o755)
	if b, err := os.ReadFile(filepath.Join(ok, "node.state")); err != nil ||
		os.WriteFile(filepath.Join(unsure, "node.state"), b, 0o644) != nil {
		t.Fatal(err)
	}
	out, errs, code := runReadOnly(t, unsure, "verify", ok, unsure, damaged)
	if code != exitError || !strings.Contains(out, "unsure") || !strings.Contains(out, "--format") ||
		!strings.Contains(errs, "1 of 3 logs could not be verified") {
		t.Errorf("exit %d:\n%s%s", code, out, errs)
	}
	os.RemoveAll(filepath.Dir(unsure))
	// R unknown but every value that fits gives one verdict (verify tries
	// each); the same flags for every log: -R 6 decides it too.
	candidates := filepath.Join(fixtures.Root(), "5.7.2", "table-snapshot-install", "wal")
	out, _, code = rawRun(t, "verify", "--json", candidates, candidates)
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitDamaged || len(doc.Logs) != 2 ||
		doc.Logs[0].Verdict != "damaged" {
		t.Errorf("exit %d: %v %s", code, err, out)
	}
	out, _, code = rawRun(t, "verify", "--json", "-R", "6", candidates, candidates)
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitDamaged || len(doc.Logs) != 2 ||
		doc.Logs[0].Verdict != "damaged" {
		t.Errorf("exit %d: %v %s", code, err, out)
	}
	// All ok: exit 0. A root without logs: exit 2.
	if _, errs, code := rawRun(t, "verify", ok, wal); code != 0 {
		t.Errorf("two healthy logs: exit %d %s", code, errs)
	}
	if _, errs, code := rawRun(t, "verify", "-r", filepath.Join(root, "empty")); code != exitError ||
		!strings.Contains(errs, "no log directory") {
		t.Errorf("empty root: exit %d %s", code, errs)
	}
	// One DIR without --recursive: the single-log document, unchanged.
	out, _, _ = rawRun(t, "verify", "--json", ok)
	var single map[string]json.RawMessage
	json.Unmarshal([]byte(out), &single)
	if _, ok := single["summary"]; !ok || single["logs"] != nil {
		t.Errorf("one DIR: not the single-log document:\n%s", out)
	}
}

// verify --recursive over the fixtures (what CI runs): every log is found,
// each with the verdict of its expect.json — the one whose R the files
// cannot tell too, as every R that fits gives that verdict — so the run
// exits 1.
func TestVerifyRecursiveFixtures(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole fixture tree: the native run covers it")
	}
	root := fixtures.Root()
	out, _, code := runReadOnly(t, root, "verify", "--recursive", "--json", root)
	var doc verifyManyOut
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("bad JSON: %v", err)
	}
	got := map[string]string{}
	for _, l := range doc.Logs {
		rel, _ := filepath.Rel(root, l.Dir)
		got[filepath.ToSlash(rel)] = l.Verdict
	}
	want := 0
	for _, tool := range []string{"fixturegen-ps", "fixturegen-wal"} {
		for _, f := range fixtures.All(t, tool) {
			want++
			v, found := got[f.Name+"/wal"]
			switch {
			case !found:
				t.Errorf("%s not found", f.Name)
			case v != f.Expect.Verdict:
				t.Errorf("%s: %s, want %s", f.Name, v, f.Expect.Verdict)
			}
		}
	}
	for _, r := range replicaDirs(t) {
		for _, n := range r.nodes {
			want++
			if _, found := got[r.name+"/"+n]; !found {
				t.Errorf("%s/%s not found", r.name, n)
			}
		}
	}
	if len(doc.Logs) != want || code != exitDamaged || doc.Counts["unsure"] != 0 || doc.Counts["damaged"] == 0 {
		t.Errorf("%d logs (want %d), exit %d, counts %v", len(doc.Logs), want, code, doc.Counts)
	}
}
