package cmd

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/txn"
)

// The modes of the output tests: a terminal 80 and 120 cells wide, a pipe.
var (
	term80  = termMode{tty: true, width: 80}
	term120 = termMode{tty: true, width: 120}
	pipe    = termMode{}
)

// runMode runs walctl (without colour) with stdout in mode.
func runMode(t testing.TB, mode termMode, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := mainWith(append([]string{"walctl", "--no-color"}, args...), &out, &errb, mode, txn.OS)
	return out.String(), errb.String(), code
}

// fixtureRel is the log directory of a fixture relative to the test's
// directory: a path of the same length on every checkout, so that the
// goldens wrap the same everywhere.
func fixtureRel(name string) string {
	return filepath.Join("..", "testdata", "fixtures", name, "wal")
}

// goldenCase is one command whose output is held in three goldens: on a
// terminal 80 and 120 cells wide and in a pipe.
type goldenCase struct {
	name string
	dir  string   // the working directory ("" the test's); the copy setup returns, if any
	args []string // the command line
	code int
	// setup prepares a directory to work in and returns it (convert writes).
	setup func(t *testing.T) string
}

func goldenCases() []goldenCase {
	return []goldenCase{
		{
			name: "detect",
			args: []string{"detect", fixtureRel("5.7.1/table-basic"), fixtureRel("6.12.0/wal-hash-xxhash3")},
		},
		{name: "inspect-entries", args: []string{"inspect", "--entries", fixtureRel("5.26.2/table-basic")}},
		{
			name: "inspect-wal",
			args: []string{"inspect", "--entries", "--limit", "4", fixtureRel("6.12.0/wal-snapshot")},
		},
		{name: "verify-unsealed", args: []string{"verify", fixtureRel("5.7.1/table-basic")}, code: 1},
		{name: "verify-t1", args: []string{"verify", fixtureRel("5.7.1/table-single-appends")}, code: 1},
		{name: "verify-ok", args: []string{"verify", fixtureRel("6.12.0/wal-basic")}},
		{
			name: "verify-recursive",
			args: []string{"verify", "--recursive", filepath.Join("..", "testdata", "fixtures", "replicas", "5.26.2"),
				filepath.Join("..", "testdata", "fixtures", "replicas", "5.7.1")},
			code: 1,
		},
		{
			name: "repair-node-state-flip",
			args: []string{"repair", fixtureRel("5.26.2/table-basic+node-state-flip")},
			code: 1,
		},
		{name: "repair-tail-torn", args: []string{"repair", fixtureRel("5.26.2/table-basic+tail-torn")}},
		{name: "repair-t1", args: []string{"repair", fixtureRel("5.7.1/table-single-appends")}, code: 1},
		{name: "repair-wal", args: []string{"repair", fixtureRel("6.12.0/wal-basic+checkpoint-past-end")}},
		{
			name:  "convert-v2",
			args:  []string{"convert", "--to", "v2", "--out", "out", "in"},
			setup: convertSetup("5.26.2/legacy-snapshot"),
		},
		{
			name:  "convert-wal",
			args:  []string{"convert", "--to", "wal", "--out", "out", "in"},
			setup: convertSetup("5.26.2/table-basic"),
		},
		{name: "diff-divergent", args: []string{"diff", "node1", "node2", "node3"}, code: 1,
			dir: filepath.Join("..", "testdata", "fixtures", "replicas", "6.12.0", "cluster-divergent")},
	}
}

// convertSetup copies a fixture to "in" in a new directory, for a
// conversion to "out" beside it: short relative paths, the same on every
// machine, so nothing needs masking.
func convertSetup(fixture string) func(t *testing.T) string {
	return func(t *testing.T) string {
		src := fixtures.Copy(t, filepath.Join(fixtures.Root(), fixture, "wal"))
		dir := t.TempDir()
		if err := os.Rename(src, filepath.Join(dir, "in")); err != nil {
			t.Fatal(err)
		}
		return dir
	}
}

// Every command's human output, on a terminal 80 and 120 cells wide and in
// a pipe, against testdata/golden/<case>.<mode>.txt (go test ./cmd -update
// rewrites them).
func TestOutputGolden(t *testing.T) {
	for _, c := range goldenCases() {
		for _, m := range []struct {
			name string
			mode termMode
		}{{"w80", term80}, {"w120", term120}, {"pipe", pipe}} {
			t.Run(c.name+"/"+m.name, func(t *testing.T) {
				if c.setup != nil {
					t.Chdir(c.setup(t))
				} else if c.dir != "" {
					t.Chdir(c.dir)
				}
				out, errs, code := runMode(t, m.mode, c.args...)
				if code != c.code {
					t.Errorf("exit %d, want %d; stderr: %s", code, c.code, errs)
				}
				golden(t, c.name+"."+m.name+".txt", out)
				checkLines(t, m.mode, out)
			})
		}
	}
}

// checkLines holds output to the mode's rules: on a terminal no line wider
// than the terminal (in display cells) and none ending in a space; in a
// pipe no line ending in a space either, and no colour.
func checkLines(t *testing.T, mode termMode, out string) {
	t.Helper()
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		plain := stripSGR(line)
		if mode.tty && runewidth.StringWidth(plain) > mode.width {
			t.Errorf(
				"line %d is %d cells wide on a %d-cell terminal: %q",
				i+1,
				runewidth.StringWidth(plain),
				mode.width,
				line,
			)
		}
		if strings.HasSuffix(plain, " ") {
			t.Errorf("line %d ends in a space: %q", i+1, line)
		}
		if !mode.tty && strings.Contains(line, "\x1b") {
			t.Errorf("line %d has an escape code in a pipe: %q", i+1, line)
		}
	}
}

// stripSGR removes the colour codes walctl writes (ESC [ digits/; m) and
// nothing else: any other escape stays for the tests to find.
func stripSGR(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] == ';' || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			if j < len(s) && s[j] == 'm' {
				i = j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// On a terminal of any width, no command prints a line wider than the
// terminal or ending in a space, for any fixture, with colour on (the codes
// must not count, and a wrapped coloured cell must not leak its colour).
func TestNoLineWiderThanTheTerminal(t *testing.T) {
	widths := []int{60, 80, 120}
	commands := [][]string{{"detect"}, {"inspect", "--entries"}, {"verify"}, {"repair"}}
	if testing.Short() {
		widths, commands = []int{80}, [][]string{{"inspect", "--entries"}, {"verify"}}
	}
	var all []fixtures.Fixture
	for _, tool := range []string{"fixturegen-ps", "fixturegen-wal"} {
		all = append(all, fixtures.All(t, tool)...)
	}
	for _, f := range all {
		for _, cmd := range commands {
			for _, w := range widths {
				t.Run(fmt.Sprintf("%s/%s/%d", f.Name, cmd[0], w), func(t *testing.T) {
					args := withSettings(t, f, append(append([]string{}, cmd...), f.WAL)...)
					var out, errb bytes.Buffer
					mainWith(append([]string{"walctl"}, args...), &out, &errb, termMode{tty: true, width: w}, txn.OS)
					checkLines(t, termMode{tty: true, width: w}, out.String())
				})
			}
		}
	}
}

// Counts agree with their nouns: "entry 6 is committed", "1 error".
func TestSingularWording(t *testing.T) {
	dir := fixtures.Copy(t, filepath.Join(fixtures.Root(), "5.26.2", "legacy-basic+record-zeroed", "wal"))
	setNodeState(nodestate.OffCommitIndex, 6)(t, dir) // the zeroed record is entry 6: one committed entry is lost
	setNodeState(nodestate.OffLastApplied, 6)(t, dir)
	out, _, _ := runMode(t, pipe, "repair", dir)
	if !strings.Contains(out, "entry 6 is committed (CommitIndex 6): a majority of the cluster must still hold it") ||
		strings.Contains(out, "entries 6 are") {
		t.Errorf("repair does not say \"entry 6 is committed\":\n%s", out)
	}
	out, _, _ = runMode(t, pipe, "verify", filepath.Join(fixtures.Root(), "5.7.1", "table-basic", "wal"))
	if !strings.Contains(out, "verdict: damaged: 1 error, 0 warnings") {
		t.Errorf("verify does not say \"1 error\":\n%s", out)
	}
	out, _, _ = runMode(t, pipe, "inspect", "--entries", filepath.Join(fixtures.Root(), "6.12.0", "wal-basic", "wal"))
	if strings.Contains(out, " 1 entries") || strings.Contains(out, "-–-") {
		t.Errorf("inspect says \"1 entries\" or \"-–-\":\n%s", out)
	}
}
