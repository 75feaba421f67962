package txn

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A tiny "log": files the transaction copies, keeps, replaces and removes.
func makeLog(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "log")
	for name, body := range map[string]string{"node.state": "state-v1", "0": "p0", "1": "p1", "sub/x": "x"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// content maps every file below dir (walctl's own names in the root left
// out) to its bytes.
func content(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel != "." && ownRoot(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func same(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

var newContent = map[string]string{"node.state": "state-v2", "0": "p0", "2": "p2", "sub/x": "x"}

// write is the transaction of these tests: node.state rewritten, "2" new,
// "1" removed. audit sees the stage.
func write(dir string, fsys FS, audit Auditor) (*Result, error) {
	tx, err := Begin(dir, Config{Op: "test", Args: []string{"test", dir}, Auditor: audit, FS: fsys})
	if err != nil {
		return nil, err
	}
	defer tx.Close()
	if err := tx.WriteBytes("node.state", []byte("state-v2")); err != nil {
		return nil, err
	}
	if err := tx.WriteFile("2", func(w io.Writer) error { _, err := io.WriteString(w, "p2"); return err }); err != nil {
		return nil, err
	}
	if err := tx.Remove("1"); err != nil {
		return nil, err
	}
	return tx.Commit()
}

func accept(string, string) error { return nil }

func TestWriteInPlace(t *testing.T) {
	dir := makeLog(t)
	old := content(t, dir)
	var staged map[string]string
	res, err := write(dir, OS, AuditFunc(func(in, out string) error {
		if !same(content(t, in), old) {
			t.Error("the input changed before the audit")
		}
		staged = content(t, out)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !same(staged, newContent) {
		t.Errorf("the audit saw %v, want the whole new log %v", staged, newContent)
	}
	if got := content(t, dir); !same(got, newContent) {
		t.Errorf("published %v, want %v", got, newContent)
	}
	if got := content(t, res.Backup); !same(got, old) {
		t.Errorf("backup %v, want %v", got, old)
	}
	if _, err := os.Stat(filepath.Join(dir, WorkName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("work folder left: %v", err)
	}
	want := &Result{Backup: res.Backup, Replaced: []string{"node.state", "2"}, Removed: []string{"1"}}
	if fmt.Sprint(res) != fmt.Sprint(want) {
		t.Errorf("result %+v, want %+v", res, want)
	}
}

// No auditor, no write: there is no setting that skips the audit.
func TestWriteNeedsAnAuditor(t *testing.T) {
	dir := makeLog(t)
	if _, err := write(dir, OS, nil); !errors.Is(err, ErrNoAuditor) {
		t.Fatalf("err %v", err)
	}
	if _, err := BeginOut(dir, filepath.Join(t.TempDir(), "o"), Config{}); !errors.Is(err, ErrNoAuditor) {
		t.Fatalf("out: err %v", err)
	}
}

// A failed audit publishes nothing, leaves the input as it was and takes
// its backup and stage away.
func TestFailedAuditWritesNothing(t *testing.T) {
	dir := makeLog(t)
	old := content(t, dir)
	parent := filepath.Dir(dir)
	// DIR's modification time is kept too: the work folder came and went.
	then := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	if err := os.Chtimes(dir, then, then); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if fi, err := os.Stat(dir); err != nil || !fi.ModTime().Equal(then) {
			t.Errorf("DIR's time after a failed audit: %v (%v), was %v", fi.ModTime(), err, then)
		}
	}()
	_, err := write(dir, OS, AuditFunc(func(string, string) error { return errors.New("entry 3 lost") }))
	var ae *AuditError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "entry 3 lost") ||
		!strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("err %v", err)
	}
	if !same(content(t, dir), old) {
		t.Error("the input changed")
	}
	ents, _ := os.ReadDir(parent)
	if len(ents) != 1 {
		t.Errorf("left beside the log: %v", ents)
	}
	if _, err := os.Stat(filepath.Join(dir, WorkName)); !errors.Is(err, os.ErrNotExist) {
		t.Error("work folder left")
	}
}

// phaseOf names where step k of a run lies: backup, stage, audit,
// publish, cleanup.
func phaseOf(step Step, path, dir string) string {
	switch {
	case strings.Contains(path, backupMark):
		return "backup"
	case step == StepAudited:
		return "audit"
	case strings.HasPrefix(path, filepath.Join(dir, WorkName, StageName)) && step != StepRemove:
		return "stage"
	case filepath.Dir(path) == dir && (step == StepRename || step == StepSyncDir):
		return "publish"
	}
	return "journal/cleanup"
}

// A crash after every step of the transaction — in the backup, the stage,
// the audit, the journal, publishing and the cleanup: before publishing
// the input is untouched and the run is discarded (backup and stage go) and
// starts over; once publishing, Finish completes it. Either way the result
// is the uninterrupted one.
func TestCrashAtEveryStep(t *testing.T) {
	ref := makeLog(t)
	var steps []string
	phases := map[string]int{}
	rec := &FaultFS{FS: OS, NoSync: true, Hook: func(s Step, p string) error {
		steps = append(steps, string(s)+" "+p)
		phases[phaseOf(s, p, ref)]++
		return nil
	}}
	if _, err := write(ref, rec, AuditFunc(accept)); err != nil {
		t.Fatal(err)
	}
	for _, ph := range []string{"backup", "stage", "audit", "publish", "journal/cleanup"} {
		if phases[ph] == 0 {
			t.Errorf("no crash point in %s: %v", ph, steps)
		}
	}
	for k := 1; k <= len(steps); k++ {
		dir := makeLog(t)
		old := content(t, dir)
		fsys, _ := CrashAt(k)
		if _, err := write(dir, fsys, AuditFunc(accept)); !errors.Is(err, ErrInjected) {
			t.Fatalf("crash at %d (%s): %v", k, steps[k-1], err)
		}
		j, err := ReadJournal(dir)
		if err != nil {
			t.Fatalf("crash at %d: %v", k, err)
		}
		got := content(t, dir)
		switch {
		case j != nil && j.Touched():
			// Every file old or new.
			for _, name := range []string{"node.state", "0", "1", "2", "sub/x"} {
				if v, ok := got[name]; ok && v != old[name] && v != newContent[name] {
					t.Errorf("crash at %d: %s is %q", k, name, v)
				}
			}
			if err := Check(dir); !errors.As(err, new(*PendingError)) ||
				!strings.Contains(err.Error(), "restore from") {
				t.Errorf("crash at %d: Check says %v", k, err)
			}
			if _, err := Finish(dir, j, Config{}); err != nil {
				t.Fatalf("crash at %d: finish: %v", k, err)
			}
		case j != nil:
			if strings.Contains(steps[k-1], tempMark) {
				if _, err := os.Stat(j.Backup); err == nil {
					t.Errorf(
						"crash at %d (%s), inside the backup copy: something is under the backup's name",
						k,
						steps[k-1],
					)
				}
			}
			if !same(got, old) {
				t.Errorf("crash at %d (%s) before publishing changed the input: %v", k, steps[k-1], got)
			}
			if err := Check(dir); !errors.As(err, new(*PendingError)) ||
				!strings.Contains(err.Error(), "unchanged so far") {
				t.Errorf("crash at %d: Check says %v", k, err)
			}
			l, err := LockDir(dir, Holder{})
			if err != nil {
				t.Fatal(err)
			}
			if err := Discard(dir, j, OS); err != nil {
				t.Fatal(err)
			}
			l.Unlock()
			if siblings(t, dir) != 1 {
				t.Errorf("crash at %d (%s): discard left a backup beside the log", k, steps[k-1])
			}
			fallthrough
		default:
			if j == nil && !same(got, old) && !same(got, newContent) {
				t.Errorf("crash at %d (%s) without a journal: %v", k, steps[k-1], got)
			}
			if same(content(t, dir), old) {
				if err := Tidy(dir, OS); err != nil {
					t.Fatal(err)
				}
				if _, err := write(dir, OS, AuditFunc(accept)); err != nil {
					t.Fatalf("crash at %d: re-run: %v", k, err)
				}
			}
		}
		if got := content(t, dir); !same(got, newContent) {
			t.Errorf("crash at %d (%s): after the re-run %v", k, steps[k-1], got)
		}
		Tidy(dir, OS)
		if _, err := os.Stat(filepath.Join(dir, WorkName)); err == nil {
			t.Errorf("crash at %d: work folder left", k)
		}
	}
}

func siblings(t *testing.T, dir string) int {
	ents, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), filepath.Base(dir)) {
			n++
		}
	}
	return n
}

func TestWriteOut(t *testing.T) {
	in := makeLog(t)
	old := content(t, in)
	parent := t.TempDir()
	for _, c := range []struct {
		name  string
		setup func(out string)
	}{
		{"new", func(string) {}},
		{"existing empty", func(out string) { os.Mkdir(out, 0o750) }},
		{"left by a crash", func(out string) { os.MkdirAll(out+tempMark+"0123456789ab/sub", 0o755) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(parent, strings.ReplaceAll(c.name, " ", "-"))
			c.setup(out)
			tx, err := BeginOut(in, out, Config{Auditor: AuditFunc(func(i, o string) error {
				if i != in || !strings.Contains(o, tempMark) {
					t.Errorf("audit(%s, %s)", i, o)
				}
				return nil
			})})
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Close()
			if err := tx.CopyFile(filepath.Join(in, "node.state"), "node.state"); err != nil {
				t.Fatal(err)
			}
			// A codec writer writes into Dir() by itself.
			if err := os.WriteFile(filepath.Join(tx.Dir(), "5"), []byte("p5"), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"node.state": "state-v1", "5": "p5"}
			if got := content(t, out); !same(got, want) {
				t.Errorf("out %v", got)
			}
			if fi, _ := os.Stat(filepath.Join(out, "5")); fi.Mode().Perm() != 0o644 {
				t.Errorf("a file the codec wrote has mode %v, not the input's 0644", fi.Mode().Perm())
			}
			if m, _ := filepath.Glob(out + ".walctl-*"); len(m) > 0 {
				t.Errorf("left: %v", m)
			}
			if !same(content(t, in), old) {
				t.Error("the input changed")
			}
		})
	}
}

func TestOutRefusals(t *testing.T) {
	in := makeLog(t)
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "x"), nil, 0o644)
	cases := []struct{ out, want string }{
		{in, "is the input"},
		{filepath.Join(in, "sub2"), "inside the log directory"},
		{filepath.Join(in, "sub"), "inside the log directory"},
		{full, "not empty"},
		{filepath.Join(t.TempDir(), strings.Repeat("n", 240)), "more than the 255"},
		{filepath.Join(t.TempDir(), "no", "out"), "does not exist"},
	}
	for _, c := range cases {
		_, err := BeginOut(in, c.out, Config{Auditor: AuditFunc(accept)})
		var r *Refusal
		if !errors.As(err, &r) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--out %s: %v, want a refusal saying %q", c.out, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(in, "sub2")); err == nil {
		t.Error("a refused output was created")
	}
}

func TestBackupRefusals(t *testing.T) {
	dir := makeLog(t)
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "x"), nil, 0o644)
	long := filepath.Join(t.TempDir(), strings.Repeat("b", 226))
	os.MkdirAll(long, 0o755)
	cases := []struct{ dir, backup, want string }{
		{dir, filepath.Join(dir, "bak"), "inside the log directory"},
		{dir, full, "not empty"},
		{long, "", "more than the 255"},
		{dir, filepath.Join(t.TempDir(), "no", "b"), "does not exist"},
	}
	for _, c := range cases {
		_, err := Begin(c.dir, Config{Backup: c.backup, Auditor: AuditFunc(accept)})
		var r *Refusal
		if !errors.As(err, &r) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s --backup %q: %v, want a refusal saying %q", filepath.Base(c.dir), c.backup, err, c.want)
		}
		if _, err := os.Stat(filepath.Join(c.dir, WorkName)); err == nil {
			t.Errorf("a refused write left its work folder")
		}
	}
}

// A second writer is refused, with the holder's PID; a reader of
// convert --out shares the directory with other readers but not with a
// writer.
func TestLock(t *testing.T) {
	dir := makeLog(t)
	l, err := LockDir(dir, Holder{Op: "repair"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockDir(dir, Holder{})
	var be *BusyError
	if !errors.As(err, &be) {
		t.Fatalf("second writer: %v", err)
	}
	if runtime.GOOS == "linux" && !strings.Contains(err.Error(), fmt.Sprintf("(PID %d) is writing", os.Getpid())) {
		t.Errorf("message %q does not name PID %d", err, os.Getpid())
	}
	if _, err := ShareDir(dir); !errors.As(err, &be) {
		t.Errorf("a reader while a writer holds it: %v", err)
	}
	if err := Check(dir); !errors.As(err, &be) {
		t.Errorf("Check while a writer holds it: %v", err)
	}
	l.Unlock()
	r1, err := ShareDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := ShareDir(dir)
	if err != nil {
		t.Fatalf("two readers: %v", err)
	}
	if err := Check(dir); err != nil {
		t.Errorf("Check while readers hold it: %v", err)
	}
	_, err = LockDir(dir, Holder{})
	if !errors.As(err, &be) || runtime.GOOS == "linux" && !strings.Contains(err.Error(), "is reading (convert --out)") {
		t.Errorf("a writer while readers hold it: %v", err)
	}
	r1.Unlock()
	r2.Unlock()
	w, err := LockDir(dir, Holder{})
	if err != nil {
		t.Fatalf("after the readers: %v", err)
	}
	w.Unlock()
	if ents, _ := os.ReadDir(dir); len(ents) != 4 {
		t.Errorf("the lock left files: %v", ents)
	}
}

func TestPendingMessageQuotesTheCommand(t *testing.T) {
	j := &Journal{Op: "convert", Args: []string{"convert", "--to", "v2", "--in-place", "/srv/raft log/it's"},
		Dir: "/srv/raft log/it's", Backup: "/b", Phase: PhasePublishing}
	got := (&PendingError{J: j}).Error()
	want := "run `walctl convert --to v2 --in-place '/srv/raft log/it'\\''s'` to finish it, or restore from /b"
	if !strings.Contains(got, want) {
		t.Errorf("%s\nlacks %s", got, want)
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 10 << 30: "10.0 GiB (10737418240 bytes)"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %s", n, got)
		}
	}
}

func TestSpaceCheck(t *testing.T) {
	dir := t.TempDir()
	free, ok := freeSpace(dir)
	if !ok {
		t.Skip("no statfs here")
	}
	// Each fits alone, together they do not (with a margin: other
	// processes write and delete on this file system meanwhile).
	each := free / 4 * 3
	err := checkSpace(need{filepath.Join(dir, "new"), each, "the backup"}, need{dir, each, "the new files"})
	if err == nil || !strings.Contains(err.Error(), "the backup and the new files need") {
		t.Errorf("err %v", err)
	}
	if err := checkSpace(need{dir, 1, "x"}); err != nil {
		t.Error(err)
	}
}

// DIR given as a symbolic link: the backup is a copy of the log it points
// to, not a copy of the link.
func TestWriteThroughSymlink(t *testing.T) {
	dir := makeLog(t)
	old := content(t, dir)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	res, err := write(link, OS, AuditFunc(accept))
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(res.Backup); err != nil || !fi.IsDir() {
		t.Fatalf("backup %v %v: not a directory", fi, err)
	}
	if got := content(t, res.Backup); !same(got, old) {
		t.Errorf("backup %v, want %v", got, old)
	}
	if got := content(t, dir); !same(got, newContent) {
		t.Errorf("published %v", got)
	}
}

// Every file WriteFile writes is fsynced before the audit reads the stage,
// also when more files are written than WriteFile keeps open for their
// fsync (maxUnsynced), in place and into a new directory.
func TestWrittenFilesSyncedBeforeAudit(t *testing.T) {
	const files = 2*maxUnsynced + 3
	for _, inPlace := range []bool{true, false} {
		t.Run(fmt.Sprint("in place ", inPlace), func(t *testing.T) {
			in := makeLog(t)
			var synced []string
			audited := -1
			rec := &FaultFS{FS: OS, NoSync: true, Hook: func(s Step, p string) error {
				if s == StepSync {
					synced = append(synced, filepath.Base(p))
				}
				return nil
			}}
			cfg := Config{Op: "test", Args: []string{"test", in}, FS: rec,
				Auditor: AuditFunc(func(string, string) error { audited = len(synced); return nil })}
			var tx *Tx
			var err error
			if inPlace {
				tx, err = Begin(in, cfg)
			} else {
				tx, err = BeginOut(in, filepath.Join(t.TempDir(), "out"), cfg)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Close()
			before := len(synced) // the backup's fsyncs
			for i := range files {
				if err := tx.WriteBytes(fmt.Sprint(10+i), []byte("p")); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if audited < 0 {
				t.Fatal("no audit")
			}
			got := map[string]int{}
			for _, name := range synced[before:audited] {
				got[name]++
			}
			for i := range files {
				if name := fmt.Sprint(10 + i); got[name] != 1 {
					t.Errorf("file %s fsynced %d times before the audit, not once", name, got[name])
				}
			}
		})
	}
}
