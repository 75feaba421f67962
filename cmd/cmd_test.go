package cmd

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/logdir"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/golden")

// goldenDir is absolute: a test may change its working directory.
var goldenDir = func() string {
	d, err := filepath.Abs(filepath.Join("testdata", "golden"))
	if err != nil {
		panic(err)
	}
	return d
}()

// run executes walctl with args and returns stdout, stderr and the exit code.
func run(t testing.TB, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(append([]string{"walctl", "--no-color"}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

// runReadOnly runs a command that must not change a byte under dir.
func runReadOnly(t testing.TB, dir string, args ...string) (string, string, int) {
	t.Helper()
	before := treeHash(t, dir)
	out, errs, code := run(t, args...)
	if after := treeHash(t, dir); after != before {
		t.Fatalf("walctl %s changed files under %s", strings.Join(args, " "), dir)
	}
	return out, errs, code
}

// treeHash hashes names, modes, sizes and contents of every file below dir.
func treeHash(t testing.TB, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h.Write([]byte(rel + "\x00" + info.Mode().String() + "\x00" + info.ModTime().String() + "\x00"))
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("hash %s: %v", dir, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	got = strings.ReplaceAll(got, fixtures.Root(), "$FIXTURES")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf(
			"output differs from %s (run go test ./cmd -update after checking the change):\n--- want\n%s\n--- got\n%s",
			path,
			want,
			got,
		)
	}
}

// settingsArgs returns the flags an operator adds for fixture f: none when
// detection decides, else the node's settings from read-args.txt (the spec
// says the files alone cannot tell them, e.g. R of a log whose only
// partition is #244 T2-damaged).
func settingsArgs(t testing.TB, f fixtures.Fixture) []string {
	t.Helper()
	l, err := logdir.Open(f.WAL, logdir.Options{})
	if err == nil {
		l.Close()
		return nil
	}
	var unsure *logdir.ErrUnsure
	if !errors.As(err, &unsure) {
		return nil // the command under test reports the error itself
	}
	return fixtures.ReadArgs(t, f)
}

// withSettings puts settingsArgs before the last argument (the directory).
func withSettings(t testing.TB, f fixtures.Fixture, args ...string) []string {
	t.Helper()
	n := len(args) - 1
	settings := settingsArgs(t, f)
	if len(args) > 0 && args[0] == "convert" { // convert names the input's settings --in-…
		for i, a := range settings {
			if strings.HasPrefix(a, "--") {
				settings[i] = "--in-" + strings.TrimPrefix(a, "--")
			}
		}
	}
	out := append(append(append([]string{}, args[:n]...), settings...), args[n:]...)
	return out
}
