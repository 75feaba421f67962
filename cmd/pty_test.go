package cmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
	"github.com/walctl/walctl/internal/fixtures"
)

// The real binary on a real terminal (a pty made by script(1)): it fits
// $COLUMNS, else the terminal's width (80 when the pty does not say), and
// writes tab-separated rows when its stdout is a pipe.
func TestTerminalAndPipe(t *testing.T) {
	if testing.Short() || runtime.GOOS != "linux" {
		t.Skip("builds the binary and runs it under script(1): native Linux runs only")
	}
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) is not installed (Debian: bsdutils)")
	}
	bin := filepath.Join(t.TempDir(), "walctl")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := filepath.Join(fixtures.Root(), "5.7.1", "table-single-appends", "wal")
	onTTY := func(columns string, args ...string) []string {
		t.Helper()
		cmd := exec.Command("script", "-qec", "'"+bin+"' "+strings.Join(args, " ")+" '"+dir+"'", "/dev/null")
		cmd.Env = append(os.Environ(), "COLUMNS="+columns)
		if columns == "" {
			cmd.Env = append(os.Environ(), "COLUMNS=")
		}
		out, _ := cmd.Output() // exit 1: the log is damaged
		return strings.Split(strings.TrimRight(strings.ReplaceAll(string(out), "\r", ""), "\n"), "\n")
	}
	widest := func(lines []string) int {
		w := 0
		for _, l := range lines {
			w = max(w, runewidth.StringWidth(stripSGR(l)))
			if strings.HasSuffix(stripSGR(l), " ") || strings.Contains(l, "\t") {
				t.Errorf("on a terminal: trailing space or tab in %q", l)
			}
		}
		return w
	}
	for _, c := range []struct {
		columns string
		max     int
	}{{"80", 80}, {"120", 120}, {"", 80}, {"junk", 80}} {
		for _, args := range [][]string{{"verify"}, {"repair"}, {"inspect", "--entries"}, {"verify", "--no-color"}} {
			lines := onTTY(c.columns, args...)
			if w := widest(lines); w > c.max || w < c.max-25 {
				t.Errorf(
					"COLUMNS=%q walctl %v: widest line %d cells, want ≤ %d and near it:\n%s",
					c.columns,
					args,
					w,
					c.max,
					strings.Join(lines, "\n"),
				)
			}
		}
	}
	// Colour on a terminal unless --no-color or NO_COLOR.
	if out := strings.Join(onTTY("80", "verify"), "\n"); !strings.Contains(out, "\x1b[") {
		t.Errorf("no colour on a terminal:\n%s", out)
	}
	if out := strings.Join(onTTY("80", "verify", "--no-color"), "\n"); strings.Contains(out, "\x1b") {
		t.Errorf("colour despite --no-color:\n%q", out)
	}
	// A pipe: tab-separated rows, no colour, no wrapping whatever COLUMNS says.
	cmd := exec.Command(bin, "repair", dir)
	cmd.Env = append(os.Environ(), "COLUMNS=40")
	out, _ := cmd.Output()
	if !strings.Contains(string(out), "SEVERITY\tCODE\tFILE\tINDEX\tSTATUS\tACTION\n") ||
		strings.Contains(string(out), "\x1b") ||
		!strings.Contains(string(out), "\trefused\tno safe repair: entries 4–6 are committed") {
		t.Errorf("piped output is not tab-separated or has colour:\n%s", out)
	}
}
