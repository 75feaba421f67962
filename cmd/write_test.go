package cmd

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/txn"
)

// The write path seen from the command line (package txn underneath): the
// lock, interrupted writes, paths, the audit.

func fixtureWAL(name string) string {
	return filepath.Join(fixtures.Root(), filepath.FromSlash(name), "wal")
}

// runFS runs walctl with its writes going through fsys.
func runFS(fsys txn.FS, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := MainFS(append([]string{"walctl", "--no-color"}, args...), &out, &errb, fsys)
	return out.String(), errb.String(), code
}

// crashAtPublish crashes a write once it is publishing: right after its
// first staged file is renamed into dir.
func crashAtPublish(dir string) *txn.FaultFS {
	return &txn.FaultFS{FS: txn.OS, Hook: func(step txn.Step, path string) error {
		if step == txn.StepRename && filepath.Dir(path) == dir {
			return txn.ErrInjected
		}
		return nil
	}}
}

// crashAtAudit crashes a write right after its audit passed: nothing is
// published yet.
func crashAtAudit() *txn.FaultFS {
	return &txn.FaultFS{FS: txn.OS, Hook: func(step txn.Step, path string) error {
		if step == txn.StepAudited {
			return txn.ErrInjected
		}
		return nil
	}}
}

// shellWords reads cmdline as a POSIX shell would (the command walctl
// suggests must survive a copy and paste).
func shellWords(t *testing.T, cmdline string) []string {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	b, err := exec.Command(sh, "-c", "set -- "+cmdline+`; for a in "$@"; do printf '%s\0' "$a"; done`).Output()
	if err != nil {
		t.Fatalf("sh cannot read %s: %v", cmdline, err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

var suggested = regexp.MustCompile("run `([^`]*)` to finish it")

// After a crash while convert --in-place publishes, every read-only command
// says first and only that the conversion is pending, with the command that
// finishes it (shell-quoted) and the backup; a write with other arguments
// is refused the same way and changes nothing; the command suggested
// finishes it, with the result of an uninterrupted run.
func TestInterruptedConvertIsNamed(t *testing.T) {
	src := fixtureWAL("5.26.2/table-basic")
	dir := filepath.Join(t.TempDir(), "raft log — журнал", "it's")
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(fixtures.Copy(t, src), dir); err != nil {
		t.Fatal(err)
	}
	ref := fixtures.Copy(t, src)
	args := []string{"convert", "--to", "legacy", "--out-records-per-partition", "3", "--in-place"}
	if _, errs, code := run(t, append(args, ref)...); code != 0 {
		t.Fatalf("uninterrupted: exit %d %s", code, errs)
	}
	if _, errs, code := runFS(crashAtPublish(dir), append(args, dir)...); code != 2 ||
		!strings.Contains(errs, "injected fault") {
		t.Fatalf("crashing run: exit %d %s", code, errs)
	}
	j, err := txn.ReadJournal(dir)
	if err != nil || j == nil {
		t.Fatalf("journal %v %v", j, err)
	}
	want := fmt.Sprintf("walctl: error: an interrupted walctl convert is pending on %s (started %s, backup %s): "+
		"run `walctl convert --to legacy --out-records-per-partition 3 --in-place '%s'` to finish it, "+
		"or restore from %s\n", dir, j.Started.Format(time.RFC3339), j.Backup, strings.ReplaceAll(dir, "'", `'\''`), j.Backup)
	before := logtest.TreeHash(t, dir)
	for _, c := range [][]string{
		{"verify", dir}, {"verify", "--json", dir}, {"detect", dir}, {"inspect", dir}, {"diff", dir, ref},
		{"repair", dir}, {"repair", "--apply", dir}, {"convert", "--to", "v2", "--in-place", dir},
		{"convert", "--to", "legacy", "--in-place", dir}, {"convert", "--to", "v2", "--out", filepath.Join(t.TempDir(), "o"), dir},
	} {
		out, errs, code := run(t, c...)
		if code != 2 || out != "" || errs != want {
			t.Errorf("walctl %s: exit %d\nstdout %q\nstderr %q\nwant   %q", strings.Join(c, " "), code, out, errs, want)
		}
	}
	if logtest.TreeHash(t, dir) != before {
		t.Fatal("a refused command changed the directory")
	}
	cmdline := suggested.FindStringSubmatch(want)[1]
	argv := shellWords(t, cmdline)
	out, errs, code := run(t, argv[1:]...)
	if code != 0 || !strings.Contains(errs, "finished the interrupted conversion") {
		t.Fatalf("the suggested %s: exit %d\n%s%s", cmdline, code, out, errs)
	}
	if d := diffFiles(t, ref, dir); len(d) > 0 {
		t.Errorf("finished run differs from an uninterrupted one in %v", d)
	}
	if out, errs, code := run(t, "verify", dir); code != 0 {
		t.Errorf("verify after: exit %d\n%s%s", code, out, errs)
	}
}

// A run interrupted before it published anything says so (the directory is
// unchanged), and the same command starts over.
func TestInterruptedBeforePublishing(t *testing.T) {
	dir := fixtures.Copy(t, fixtureWAL("5.26.2/table-basic+tail-torn"))
	before := logHash(t, dir)
	if _, errs, code := runFS(crashAtAudit(), "repair", "--apply", dir); code != 2 ||
		!strings.Contains(errs, "injected") {
		t.Fatalf("exit %d %s", code, errs)
	}
	if logHash(t, dir) != before {
		t.Fatal("a run stopped before publishing changed the directory")
	}
	_, errs, code := run(t, "verify", dir)
	if code != 2 || !strings.Contains(errs, "unchanged so far") ||
		!strings.Contains(errs, "run `walctl repair --apply "+dir+"` to finish it") {
		t.Errorf("verify: exit %d %s", code, errs)
	}
	out, errs, code := run(t, "repair", "--apply", dir)
	if code != 0 || !strings.Contains(errs, "starting over") || !strings.Contains(out, "verify after repair: ok") {
		t.Fatalf("re-run: exit %d\n%s%s", code, out, errs)
	}
	if left, _ := filepath.Glob(dir + ".walctl-backup-*"); len(left) != 1 {
		t.Errorf("backups beside the log: %v (the interrupted run's is discarded)", left)
	}
}

// diffFiles lists the files that differ between two directories (walctl's
// own names left out).
func diffFiles(t *testing.T, a, b string) []string {
	t.Helper()
	read := func(dir string) map[string]string {
		m := map[string]string{}
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.Type().IsRegular() && !txn.Own(e.Name()) {
				b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
				m[e.Name()] = string(b)
			}
		}
		return m
	}
	x, y := read(a), read(b)
	var out []string
	for n, v := range x {
		if y[n] != v {
			out = append(out, n)
		}
	}
	for n := range y {
		if _, ok := x[n]; !ok {
			out = append(out, n)
		}
	}
	return out
}

// A second writer exits 2 naming the walctl that writes (its PID), and
// changes nothing; so do the read-only commands while it writes.
func TestTwoWriters(t *testing.T) {
	dir := fixtures.Copy(t, fixtureWAL("5.26.2/table-basic+tail-torn"))
	before := treeHash(t, dir)
	hold, pid := holdLock(t, dir)
	defer hold()
	for _, c := range [][]string{
		{"repair", "--apply", dir}, {"convert", "--to", "legacy", "--in-place", dir},
		{"convert", "--to", "legacy", "--out", filepath.Join(t.TempDir(), "o"), dir}, {"verify", dir},
	} {
		out, errs, code := run(t, c...)
		want := "is writing " + dir
		if runtime.GOOS == "linux" {
			want = fmt.Sprintf("another walctl (PID %d) is writing %s: wait for it to finish", pid, dir)
		}
		if code != 2 || out != "" || !strings.Contains(errs, want) {
			t.Errorf("walctl %s: exit %d\n%s%s\nwant %q", c[0], code, out, errs, want)
		}
	}
	if treeHash(t, dir) != before {
		t.Error("the second writer changed the directory")
	}
}

// holdLock has another process (this test binary again) take walctl's
// lock on dir; it returns how to let it go and its PID.
func holdLock(t *testing.T, dir string) (func(), int) {
	t.Helper()
	c := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	c.Env = append(os.Environ(), "WALCTL_TEST_HOLD="+dir)
	stdin, _ := c.StdinPipe()
	stdout, _ := c.StdoutPipe()
	c.Stderr = os.Stderr
	if err := c.Start(); err != nil {
		// The binary cannot start itself (an emulated GOARCH): this
		// process holds the lock, through another open file — flock
		// tells open files apart, not processes.
		t.Logf("a second process cannot start (%v): the lock is held in this one", err)
		l, err := txn.LockDir(dir, txn.Holder{Op: "repair"})
		if err != nil {
			t.Fatal(err)
		}
		return l.Unlock, os.Getpid()
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		c.Process.Kill()
		c.Wait()
		t.Fatalf("the helper says %q", line)
	}
	return func() { stdin.Close(); c.Wait() }, c.Process.Pid
}

// TestHelperHoldLock is the other process of holdLock.
func TestHelperHoldLock(t *testing.T) {
	dir := os.Getenv("WALCTL_TEST_HOLD")
	if dir == "" {
		t.Skip("a helper process of TestTwoWriters")
	}
	l, err := txn.LockDir(dir, txn.Holder{Op: "repair"})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer l.Unlock()
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin) // until the test closes stdin
}

// --out may be an existing empty directory, for every conversion; nothing
// is left beside it.
func TestOutIntoEmptyDirectory(t *testing.T) {
	cases := []struct {
		src  string
		args []string
	}{
		{fixtureWAL("5.26.2/table-basic"), []string{"--to", "legacy"}},
		{fixtureWAL("5.26.2/legacy-snapshot"), []string{"--to", "wal", "--copy-snapshot"}},
		{fixtureWAL("6.12.0/wal-basic"), []string{"--to", "v2", "--out-records-per-partition", "4"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			parent := t.TempDir()
			out := filepath.Join(parent, "out")
			if err := os.Mkdir(out, 0o750); err != nil {
				t.Fatal(err)
			}
			o, errs, code := runReadOnly(
				t,
				c.src,
				append(append([]string{"convert"}, c.args...), "--out", out, c.src)...)
			if code != 0 || !strings.Contains(o, "verify the output: ok") {
				t.Fatalf("exit %d\n%s%s", code, o, errs)
			}
			if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o750 {
				t.Errorf("out: %v %v (an existing directory keeps its mode)", fi, err)
			}
			if ents, _ := os.ReadDir(parent); len(ents) != 1 {
				t.Errorf("left beside the output: %v", ents)
			}
			if o, _, code := run(t, "verify", out); code != 0 {
				t.Errorf("verify: %s", o)
			}
		})
	}
}

// --out inside the input is refused like --backup inside it: exit 2,
// nothing written.
func TestOutInsideInputRefused(t *testing.T) {
	for _, to := range []string{"legacy", "wal"} {
		dir := fixtures.Copy(t, fixtureWAL("5.26.2/table-basic"))
		_, errs, code := runReadOnly(t, dir, "convert", "--to", to, "--out", filepath.Join(dir, "sub"), dir)
		if code != 2 || !strings.Contains(errs, "is inside the log directory") ||
			!strings.Contains(errs, "give --out a folder outside") {
			t.Errorf("--to %s: exit %d %s", to, code, errs)
		}
	}
}

// withTimeout fails the test if run takes longer than d (the backup name
// search used to loop forever).
func withTimeout(t *testing.T, d time.Duration, args ...string) (string, string, int) {
	t.Helper()
	type res struct {
		out, errs string
		code      int
	}
	ch := make(chan res, 1)
	go func() { o, e, c := run(t, args...); ch <- res{o, e, c} }()
	select {
	case r := <-ch:
		return r.out, r.errs, r.code
	case <-time.After(d):
		t.Fatalf("walctl %s did not finish in %v", strings.Join(args, " "), d)
	}
	return "", "", 0
}

// A log directory whose name leaves no room for a backup's name: a clear
// error at once, and --backup elsewhere works.
func TestLongDirectoryName(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, strings.Repeat("L", 230))
	if err := os.Rename(fixtures.Copy(t, fixtureWAL("5.26.2/table-basic+tail-torn")), dir); err != nil {
		t.Fatal(err)
	}
	healthy := filepath.Join(parent, strings.Repeat("H", 228))
	if err := os.Rename(fixtures.Copy(t, fixtureWAL("5.26.2/table-basic")), healthy); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{{"repair", "--apply", dir}, {"convert", "--to", "legacy", "--in-place", healthy}} {
		before := logtest.TreeHash(t, c[len(c)-1])
		_, errs, code := withTimeout(t, time.Minute, c...)
		if code != 2 || !strings.Contains(errs, "more than the 255 a file name may have") ||
			!strings.Contains(errs, "--backup") {
			t.Errorf("walctl %s: exit %d %s", c[0], code, errs)
		}
		if logtest.TreeHash(t, c[len(c)-1]) != before {
			t.Error("the refused write changed the directory")
		}
	}
	out, errs, code := withTimeout(t, time.Minute, "repair", "--apply", "--backup", filepath.Join(parent, "b"), dir)
	if code != 0 || !strings.Contains(out, "verify after repair: ok") {
		t.Fatalf("with --backup: exit %d\n%s%s", code, out, errs)
	}
	if ents, _ := os.ReadDir(parent); len(ents) != 3 {
		t.Errorf("beside the logs: %v", ents)
	}
}

// A log deep in a path of non-ASCII names with spaces, close to the
// system's limit: repair and both kinds of convert work.
func TestNonASCIIAndLongPaths(t *testing.T) {
	root := t.TempDir()
	deep := root
	for len(deep) < 3200 {
		deep = filepath.Join(deep, strings.Repeat("каталог данных 日志 ", 6))
	}
	dir := filepath.Join(deep, "журнал")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(fixtures.Copy(t, fixtureWAL("5.26.2/table-basic+tail-torn")), dir); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := run(t, "repair", "--apply", dir); code != 0 ||
		!strings.Contains(out, "verify after repair: ok") {
		t.Fatalf("repair: exit %d\n%s%s", code, out, errs)
	}
	if out, errs, code := run(t, "convert", "--to", "sparse", "--out-max-entry-size", "20000", "--in-place", dir); code != 0 {
		t.Fatalf("convert --in-place: exit %d\n%s%s", code, out, errs)
	}
	out := filepath.Join(deep, "выход")
	if o, errs, code := run(t, "convert", "--to", "wal", "--out", out, dir); code != 0 {
		t.Fatalf("convert --out: exit %d\n%s%s", code, o, errs)
	}
	if o, _, code := run(t, "verify", out); code != 0 {
		t.Errorf("verify the output: %s", o)
	}
}

// A log whose absolute path is longer than the system allows: a writer
// says so at once (it used to loop looking for a backup name); a reader
// that is given a short relative path still reads it.
func TestPathTooLong(t *testing.T) {
	src := fixtureWAL("5.26.2/table-basic+tail-torn")
	files, _ := os.ReadDir(src)
	t.Chdir(t.TempDir())
	for depth := 0; depth < 18; depth++ {
		name := strings.Repeat("d", 250)
		if err := os.Mkdir(name, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Chdir(name)
	}
	os.Mkdir("log", 0o755)
	for _, f := range files {
		b, _ := os.ReadFile(filepath.Join(src, f.Name()))
		os.WriteFile(filepath.Join("log", f.Name()), b, 0o644)
	}
	_, errs, code := withTimeout(t, time.Minute, "repair", "--apply", "log")
	if code != 2 || !strings.Contains(errs, "more than the 4095 the system allows") {
		t.Errorf("repair --apply: exit %d %s", code, errs)
	}
	if out, errs, code := run(t, "verify", "log"); code != 1 || !strings.Contains(out, "torn-tail") {
		t.Errorf("verify: exit %d\n%s%s", code, out, errs)
	}
}

// logHash hashes the names and contents of the files below dir but
// walctl's own (lock, journal, stage).
func logHash(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if txn.Own(strings.Split(filepath.ToSlash(rel), "/")[0]) {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			c, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "%s\x00%x\x00", rel, c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// corruptFS flips the first byte written to files named name: a write that
// goes wrong on its way to disk. The audit must catch it before anything
// is published.
type corruptFS struct {
	txn.FS
	name string
}

func (c corruptFS) Create(path string, perm os.FileMode) (txn.File, error) {
	f, err := c.FS.Create(path, perm)
	staged := strings.Contains(path, txn.WorkName) ||
		strings.Contains(path, ".walctl-tmp-") && !strings.Contains(path, ".walctl-backup-")
	if err != nil || filepath.Base(path) != c.name || !staged {
		return f, err
	}
	return &corruptFile{File: f}, nil
}

type corruptFile struct {
	txn.File
	done bool
}

func (f *corruptFile) flip(p []byte) []byte {
	if f.done || len(p) == 0 {
		return p
	}
	f.done = true
	q := append([]byte(nil), p...)
	q[0] ^= 0xff
	return q
}

func (f *corruptFile) Write(p []byte) (int, error) { return f.File.Write(f.flip(p)) }
func (f *corruptFile) WriteAt(p []byte, off int64) (int, error) {
	return f.File.WriteAt(f.flip(p), off)
}

// A write whose output does not pass the audit publishes nothing: exit 1,
// the input as it was, no backup, stage or output left.
func TestAuditFailureWritesNothing(t *testing.T) {
	cases := []struct {
		name, src, corrupt string
		args               []string
		out                bool
	}{
		{"repair", "5.26.2/table-basic+tail-torn", "2", []string{"repair", "--apply"}, false},
		{"repair wal", "6.12.0/wal-basic+checkpoint-torn", "checkpoint", []string{"repair", "--apply"}, false},
		{"convert in place", "5.26.2/table-basic", "1", []string{"convert", "--to", "legacy", "--in-place"}, false},
		{
			"convert out",
			"5.26.2/table-basic",
			"1",
			[]string{"convert", "--to", "sparse", "--out-max-entry-size", "20000"},
			true,
		},
		{"convert out, copied file", "5.26.2/table-basic", "node.state", []string{"convert", "--to", "legacy"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "log")
			os.Rename(fixtures.Copy(t, fixtureWAL(c.src)), dir)
			before := logtest.TreeHash(t, dir)
			args := c.args
			if c.out {
				args = append(args, "--out", filepath.Join(parent, "out"))
			}
			out, errs, code := runFS(corruptFS{txn.OS, c.corrupt}, append(args, dir)...)
			if code != 1 || !strings.Contains(errs, "the audit of the new log failed") {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			t.Log(strings.TrimSpace(errs))
			if logtest.TreeHash(t, dir) != before {
				t.Error("the input changed")
			}
			if ents, _ := os.ReadDir(parent); len(ents) != 1 {
				t.Errorf("left beside the log: %v", ents)
			}
			if _, err := os.Stat(filepath.Join(dir, txn.WorkName)); err == nil {
				t.Error("stage left")
			}
		})
	}
}

// walctl's own files in a log directory — a lock file, the work folder of a
// write that left no journal, with a whole copy of the log in its stage —
// are never log files: detect and verify say what they say without them.
func TestOwnFilesAreNotLogFiles(t *testing.T) {
	for _, name := range []string{"5.26.2/table-basic+tail-torn", "5.26.2/sparse-basic", "6.12.0/wal-snapshot"} {
		t.Run(name, func(t *testing.T) {
			clean := fixtures.Copy(t, fixtureWAL(name))
			dir := fixtures.Copy(t, fixtureWAL(name))
			os.WriteFile(filepath.Join(dir, txn.LockName), []byte(`{"pid":1}`), 0o644)
			stage := filepath.Join(dir, txn.WorkName, txn.StageName)
			os.MkdirAll(filepath.Dir(stage), 0o755)
			os.Rename(fixtures.Copy(t, fixtureWAL(name)), stage)
			os.WriteFile(filepath.Join(dir, txn.WorkName, txn.JournalName+".tmp"), []byte("{"), 0o644)
			for _, c := range []string{"verify", "detect", "inspect"} {
				want, _, wcode := run(t, c, "--json", clean)
				got, errs, code := runReadOnly(t, dir, c, "--json", dir)
				if code != wcode || strings.ReplaceAll(got, dir, clean) != want {
					t.Errorf("%s: exit %d (want %d) %s\n%s\nwant\n%s", c, code, wcode, errs, got, want)
				}
			}
		})
	}
}

// An in-place conversion interrupted while it published, journaled by an
// earlier build that named the output's R --records-per-partition, is
// finished by today's command line, which names it
// --out-records-per-partition.
func TestInterruptedConvertOfAnEarlierBuild(t *testing.T) {
	src := fixtureWAL("5.26.2/table-basic")
	dir, ref := fixtures.Copy(t, src), fixtures.Copy(t, src)
	args := []string{"convert", "--to", "legacy", "--out-records-per-partition", "3", "--in-place"}
	if _, errs, code := run(t, append(args, ref)...); code != 0 {
		t.Fatalf("uninterrupted: exit %d %s", code, errs)
	}
	if _, errs, code := runFS(crashAtPublish(dir), append(args, dir)...); code != 2 ||
		!strings.Contains(errs, "injected fault") {
		t.Fatalf("crashing run: exit %d %s", code, errs)
	}
	path := filepath.Join(dir, txn.WorkName, txn.JournalName)
	b, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(b, []byte(`"--out-records-per-partition"`)) {
		t.Fatalf("journal %s: %v", b, err)
	}
	old := bytes.ReplaceAll(b, []byte(`"--out-records-per-partition"`), []byte(`"--records-per-partition"`))
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := run(t, append(args, dir)...)
	if code != 0 || !strings.Contains(errs, "finished the interrupted conversion") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if d := diffFiles(t, ref, dir); len(d) > 0 {
		t.Errorf("finished run differs from an uninterrupted one in %v", d)
	}
}

// A write interrupted while it published is finished by the same command
// line only once the node no longer holds the log: finishing renames files
// into DIR as the write would (repair, convert and upgrade alike).
func TestFinishWaitsForTheNode(t *testing.T) {
	for _, tc := range []struct {
		fixture string
		args    []string
	}{
		{"5.26.2/table-basic+tail-torn", []string{"repair", "--apply"}},
		{"5.26.2/table-basic", []string{"convert", "--to", "legacy", "--out-records-per-partition", "3", "--in-place"}},
		{"5.26.2/table-basic+tail-torn", []string{"upgrade", "--to-version", "4.15.3", "--apply"}},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			dir := fixtures.Copy(t, fixtureWAL(tc.fixture))
			args := append(tc.args, dir)
			if _, errs, code := runFS(crashAtPublish(dir), args...); code != 2 ||
				!strings.Contains(errs, "injected fault") {
				t.Fatalf("crashing run: exit %d %s", code, errs)
			}
			unlock := lock(t, filepath.Join(dir, "node.state"))
			before := logtest.TreeHash(t, dir)
			out, errs, code := run(t, args...)
			unlock()
			if code != 2 || !strings.Contains(errs, "the node seems to be running") {
				t.Errorf("finishing while the node holds node.state: exit %d\n%s%s", code, out, errs)
			}
			if logtest.TreeHash(t, dir) != before {
				t.Error("the refused run changed the directory")
			}
			if out, errs, code := run(t, args...); code != 0 {
				t.Errorf("finishing after the node stopped: exit %d\n%s%s", code, out, errs)
			}
			if j, err := txn.ReadJournal(dir); j != nil || err != nil {
				t.Errorf("journal left after the finished run: %v %v", j, err)
			}
		})
	}
}
