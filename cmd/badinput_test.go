package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
)

// A catalogue of bad inputs: each gets a one-line error naming the path,
// a hint, exit 2 (or the verify verdict where the input is a damaged log),
// and never a panic or a stack trace.
func TestBadInputCatalogue(t *testing.T) {
	healthy := filepath.Join(fixtures.Root(), "5.26.2", "table-basic", "wal")
	walHealthy := filepath.Join(fixtures.Root(), "6.12.0", "wal-basic", "wal")
	cases := []struct {
		name     string
		setup    func(t *testing.T) string // returns the path to pass
		args     []string                  // command and flags; the path is appended
		code     int
		contains string // in stderr (exit 2) or stdout (exit 1)
	}{
		{
			"missing directory",
			func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope") },
			[]string{"inspect"},
			2,
			"no such file",
		},
		{
			"file instead of directory",
			func(t *testing.T) string { return filepath.Join(healthy, "0") },
			[]string{"inspect"},
			2,
			"not a directory",
		},
		{
			"empty directory",
			func(t *testing.T) string { return t.TempDir() },
			[]string{"verify"},
			2,
			"not a DotNext log",
		},
		{"unrelated files", func(t *testing.T) string {
			d := t.TempDir()
			os.WriteFile(filepath.Join(d, "README.txt"), []byte("hello"), 0o644)
			return d
		}, []string{"inspect"}, 2, "not a DotNext log"},
		{"partition that cannot be read", func(t *testing.T) string {
			d := fixtures.Copy(t, healthy)
			os.Remove(filepath.Join(d, "1"))
			os.Symlink(filepath.Join(d, "nowhere"), filepath.Join(d, "1"))
			return d
		}, []string{"verify"}, 2, "1"},
		{"symlink loop", func(t *testing.T) string {
			d := fixtures.Copy(t, healthy)
			os.Remove(filepath.Join(d, "2"))
			os.Symlink("2", filepath.Join(d, "2"))
			return d
		}, []string{"verify"}, 2, "2"},
		{"non-canonical partition name", func(t *testing.T) string {
			d := fixtures.Copy(t, healthy)
			os.WriteFile(filepath.Join(d, "007"), []byte("x"), 0o644)
			return d
		}, []string{"verify"}, 0, ""},
		{"zero-length partition", func(t *testing.T) string {
			d := fixtures.Copy(t, healthy)
			os.WriteFile(filepath.Join(d, "2"), nil, 0o644)
			return d
		}, []string{"verify"}, 1, "error"},
		{"truncated node.state", func(t *testing.T) string {
			d := fixtures.Copy(t, healthy)
			os.Truncate(filepath.Join(d, "node.state"), 100)
			return d
		}, []string{"verify"}, 1, "node-state-size"},
		{"oversized node.state", func(t *testing.T) string {
			d := fixtures.Copy(t, healthy)
			f, _ := os.OpenFile(filepath.Join(d, "node.state"), os.O_APPEND|os.O_WRONLY, 0)
			f.Write(make([]byte, 72))
			f.Close()
			return d
			// DotNext reads the first 128 bytes (one read into a 128-byte
			// buffer): a warning, whose fix cuts the file.
		}, []string{"verify"}, 0, "node-state-size"},
		{"2 GiB+ sparse hole partition", func(t *testing.T) string {
			d := fixtures.Copy(t, healthy)
			if err := os.Truncate(filepath.Join(d, "2"), 2<<30+12345); err != nil {
				t.Skip("no sparse files here:", err)
			}
			return d
		}, []string{"verify"}, 0, "trailing"},
		{
			"R that does not fit",
			func(t *testing.T) string { return healthy },
			[]string{"verify", "--records-per-partition", "3"},
			1,
			"geometry-conflict",
		},
		{
			"R zero",
			func(t *testing.T) string { return healthy },
			[]string{"verify", "--records-per-partition", "0"},
			2,
			"out of range",
		},
		{
			"target version not a release",
			func(t *testing.T) string { return healthy },
			[]string{"verify", "--target-version", "5.7"},
			2,
			"not a release number",
		},
		{"target version unknown", func(t *testing.T) string { return healthy }, []string{"verify",
			"--target-version", "9.9.9"}, 2, "4.0.0–6.12.x"},
		// Issue 15: every command that takes a release parses it the same way.
		{"target version 9.9", func(t *testing.T) string { return healthy }, []string{"verify", "--target-version",
			"9.9"}, 2, "not a release number"},
		{"repair target version 9.9.9", func(t *testing.T) string { return healthy }, []string{"repair",
			"--target-version", "9.9.9"}, 2, "4.0.0–6.12.x"},
		{"convert target version 9.9", func(t *testing.T) string { return healthy },
			[]string{"convert", "--to", "legacy", "--out", "x", "--target-version", "9.9"}, 2,
			"not a release number"},
		{"convert --to wal target version 7.0.0", func(t *testing.T) string { return healthy },
			[]string{"convert", "--to", "wal", "--out", "x", "--target-version", "7.0.0"}, 2, "4.0.0–6.12.x"},
		{
			"target version",
			func(t *testing.T) string { return healthy },
			[]string{"verify", "--target-version", "v5.7.2"},
			0,
			"",
		},
		{
			"contradictory overrides",
			func(t *testing.T) string { return healthy },
			[]string{"inspect", "--format", "legacy", "--max-entry-size", "100"},
			2,
			"sparse",
		},
		{
			"unknown format",
			func(t *testing.T) string { return healthy },
			[]string{"inspect", "--format", "xml"},
			2,
			"not a log format",
		},
		{
			"two directories",
			func(t *testing.T) string { return healthy },
			[]string{"inspect", healthy},
			2,
			"one log directory",
		},
		{
			"unknown payload view",
			func(t *testing.T) string { return healthy },
			[]string{"inspect", "--entries", "--payload", "xml"},
			2,
			"payload view",
		},
		// Rows added for issue 6 (hostile input).
		{"unreadable partition (permission, non-root)", func(t *testing.T) string {
			if os.Geteuid() == 0 {
				t.Skip("root reads every file; the node.state-is-a-directory row covers the unreadable case as root")
			}
			d := fixtures.Copy(t, healthy)
			os.Chmod(filepath.Join(d, "1"), 0)
			return d
		}, []string{"verify"}, 2, "permission denied"},
		{"unreadable node.state (permission, non-root)", func(t *testing.T) string {
			if os.Geteuid() == 0 {
				t.Skip("root reads every file")
			}
			d := fixtures.Copy(t, healthy)
			os.Chmod(filepath.Join(d, "node.state"), 0)
			return d
		}, []string{"inspect"}, 2, "node.state"},
		{"node.state is a directory (unreadable, also as root)", func(t *testing.T) string {
			d := fixtures.Copy(t, healthy)
			os.Remove(filepath.Join(d, "node.state"))
			os.Mkdir(filepath.Join(d, "node.state"), 0o755)
			return d
		}, []string{"verify"}, 2, "node.state: not a regular file"},
		{"node.state is a named pipe (used to block forever)", func(t *testing.T) string {
			d := fixtures.Copy(t, healthy)
			os.Remove(filepath.Join(d, "node.state"))
			if err := mkfifo(filepath.Join(d, "node.state")); err != nil {
				t.Skip("no named pipes here:", err)
			}
			return d
		}, []string{"inspect"}, 2, "node.state: not a regular file"},
		{"partition is a named pipe", func(t *testing.T) string {
			d := fixtures.Copy(t, healthy)
			os.Remove(filepath.Join(d, "1"))
			if err := mkfifo(filepath.Join(d, "1")); err != nil {
				t.Skip("no named pipes here:", err)
			}
			return d
		}, []string{"verify"}, 1, "partition-not-regular"},
		{"2 GiB zero partition, the only partition", func(t *testing.T) string {
			// An all-zero legacy prologue of R = 53,687,091: decoding used to
			// allocate 4.7 GB for its slots (fatal on 32-bit ARM).
			d := t.TempDir()
			ns, _ := os.ReadFile(filepath.Join(fixtures.Root(), "5.26.2", "legacy-basic", "wal", "node.state"))
			os.WriteFile(filepath.Join(d, "node.state"), ns, 0o644)
			f, _ := os.Create(filepath.Join(d, "1"))
			defer f.Close()
			if err := f.Truncate(53687091 * 40); err != nil {
				t.Skip("no sparse files here:", err)
			}
			return d
		}, []string{"verify"}, 1, "partition-missing"},
		{"WAL: garbage checkpoint", func(t *testing.T) string {
			d := fixtures.Copy(t, walHealthy)
			os.WriteFile(filepath.Join(d, "checkpoint"), []byte(strings.Repeat("\xff", 20)), 0o644)
			return d
		}, []string{"verify"}, 1, "checkpoint-version-unsupported"},
		{"WAL: torn checkpoint of 7 bytes", func(t *testing.T) string {
			d := fixtures.Copy(t, walHealthy)
			os.WriteFile(filepath.Join(d, "checkpoint"), []byte("garbage"), 0o644)
			return d
		}, []string{"verify"}, 1, "checkpoint"},
		{"WAL: directory where the checkpoint file is expected", func(t *testing.T) string {
			d := fixtures.Copy(t, walHealthy)
			os.Remove(filepath.Join(d, "checkpoint"))
			os.Mkdir(filepath.Join(d, "checkpoint"), 0o755)
			return d
		}, []string{"verify"}, 1, "checkpoint-missing"},
		{"WAL: checkpoint is a named pipe (used to block forever)", func(t *testing.T) string {
			d := fixtures.Copy(t, walHealthy)
			os.Remove(filepath.Join(d, "checkpoint"))
			if err := mkfifo(filepath.Join(d, "checkpoint")); err != nil {
				t.Skip("no named pipes here:", err)
			}
			return d
		}, []string{"verify"}, 1, "checkpoint-missing"},
		{"WAL: directory where metadata page 0 is expected", func(t *testing.T) string {
			d := fixtures.Copy(t, walHealthy)
			os.Remove(filepath.Join(d, "metadata", "0"))
			os.Mkdir(filepath.Join(d, "metadata", "0"), 0o755)
			return d
		}, []string{"verify"}, 2, "cannot tell"},
		{"WAL: data is a file, not a directory", func(t *testing.T) string {
			d := fixtures.Copy(t, walHealthy)
			os.RemoveAll(filepath.Join(d, "data"))
			os.WriteFile(filepath.Join(d, "data"), []byte("x"), 0o644)
			return d
		}, []string{"verify"}, 2, "cannot tell"},
		{
			"WAL directory given as the file to read",
			func(t *testing.T) string { return filepath.Join(walHealthy, "metadata", "0") },
			[]string{"verify"},
			2,
			"not a directory",
		},
		{
			"--chunk-size that is no power of two",
			func(t *testing.T) string { return walHealthy },
			[]string{"verify", "--chunk-size", "5000"},
			2,
			"chunk size",
		},
		{
			"--records-per-partition 2^31",
			func(t *testing.T) string { return healthy },
			[]string{"verify", "--records-per-partition", "2147483648"},
			2,
			"out of range",
		},
		{
			"--records-per-partition one above the library's bound",
			func(t *testing.T) string { return healthy },
			[]string{"verify", "--records-per-partition", "53687092"},
			2,
			"DotNext accepts 2 ≤ R ≤ 53687091",
		},
		{
			"--max-entry-size 2^63-1",
			func(t *testing.T) string { return filepath.Join(fixtures.Root(), "5.26.2", "sparse-basic", "wal") },
			[]string{"verify", "--max-entry-size", "9223372036854775807"},
			1,
			"error",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := c.setup(t)
			out, errs, code := run(t, append(c.args, path)...)
			if strings.Contains(out+errs, "panic") || strings.Contains(out+errs, "goroutine ") {
				t.Fatalf("stack trace:\n%s%s", out, errs)
			}
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out, errs)
			}
			text := out
			if code == 2 {
				text = errs
				lines := strings.Split(strings.TrimSpace(errs), "\n")
				if !strings.HasPrefix(lines[0], "walctl: error: ") || len(lines) > 2 ||
					(len(lines) == 2 && !strings.HasPrefix(lines[1], "walctl: hint: ")) {
					t.Errorf("want one error line and at most one hint line, got:\n%s", errs)
				}
			}
			if !strings.Contains(text, c.contains) {
				t.Errorf("output does not mention %q:\n%s", c.contains, text)
			}
		})
	}
}
