package txn

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/walctl/walctl/format/partition"
)

// Auditor checks a staged output against its input before anything is
// published: input is the log as it is (in place: DIR, untouched until the
// audit passes), output the complete new log (in place: DIR's stage; with
// --out: the temp sibling that becomes OUT). Any error aborts the write:
// nothing is published and the input is unchanged. Audit must only read.
type Auditor interface {
	Audit(input, output string) error
}

// AuditFunc is an Auditor in a function.
type AuditFunc func(input, output string) error

// Audit calls f.
func (f AuditFunc) Audit(input, output string) error { return f(input, output) }

// Preparer is an Auditor that begins reading the input while the output
// is staged, so that the audit finds it read: Prepare(input) is called once
// the transaction has begun (the lock taken; in place, the backup made),
// before the first file is staged, and Release when the transaction ends,
// audited or not. Nothing changes the input before the audit (in place,
// DIR is untouched until the audit passes), so what Prepare reads is what
// Audit would read.
type Preparer interface {
	Auditor
	Prepare(input string)
	Release()
}

// All is an Auditor that runs each of as in order; the first failure wins.
// It prepares and releases those that are Preparers.
func All(as ...Auditor) Auditor { return all(as) }

type all []Auditor

func (as all) Audit(input, output string) error {
	for _, a := range as {
		if a == nil {
			continue
		}
		if err := a.Audit(input, output); err != nil {
			return err
		}
	}
	return nil
}

func (as all) Prepare(input string) {
	for _, a := range as {
		if p, ok := a.(Preparer); ok {
			p.Prepare(input)
		}
	}
}

func (as all) Release() {
	for _, a := range as {
		if p, ok := a.(Preparer); ok {
			p.Release()
		}
	}
}

// prepare lets the auditor begin reading the input (see Preparer).
func (t *Tx) prepare() {
	if p, ok := t.cfg.Auditor.(Preparer); ok {
		p.Prepare(t.dir)
		t.prepared = true
	}
}

// release ends what prepare began.
func (t *Tx) release() {
	if t.prepared {
		t.cfg.Auditor.(Preparer).Release()
		t.prepared = false
	}
}

// AuditError is a failed audit: the write was abandoned before it changed
// anything.
type AuditError struct {
	Dir string // what stays unchanged: DIR in place, or the input for --out
	Out string // --out: the directory that was not created
	Err error
}

func (e *AuditError) Error() string {
	if e.Out != "" {
		return fmt.Sprintf("the audit of the new log failed, so %s was not created (%s is unchanged): %v",
			e.Out, e.Dir, e.Err)
	}
	return fmt.Sprintf("the audit of the new log failed, so nothing was written (%s is unchanged): %v", e.Dir, e.Err)
}

func (e *AuditError) Unwrap() error { return e.Err }

// ErrNoAuditor: every write is audited; there is no way around it.
var ErrNoAuditor = errors.New("txn: a write needs an Auditor")

// Refusal is a setting the transaction cannot work with (a backup or an
// output inside the input, a name too long for the file system, too little
// space). Commands report it as a usage error.
type Refusal struct{ Msg, Hint string }

func (e *Refusal) Error() string { return e.Msg }

// Config describes one write.
type Config struct {
	// Op is the command ("repair", "convert"); Args its canonical command
	// line without "walctl": the journal shows it, and a run that finds an
	// unfinished one resumes only with the same Args.
	Op   string
	Args []string
	// Options are the caller's settings, kept in the journal (JSON) so that
	// a later run can plan again on the backup.
	Options any
	// Backup is where an in-place write copies DIR first; "" is a new
	// sibling DIR.walctl-backup-<UTC time>.
	Backup string
	// Need is how many bytes the new files take (in place: beside the
	// backup, in DIR; --out: in OUT's file system), for the free-space check.
	Need int64
	// Auditor is required.
	Auditor Auditor
	// FS makes every change; nil is OS.
	FS FS
	// Lock is the caller's lock on DIR (exclusive in place, shared or
	// exclusive for --out); nil: the transaction takes it.
	Lock *Lock
	// Progress hears the bytes the backup copied of the total, from time to
	// time.
	Progress func(done, total int64)
}

// Result is what a write did.
type Result struct {
	Backup   string   `json:"backup,omitempty"`
	Replaced []string `json:"replaced,omitempty"` // in place: names written
	Removed  []string `json:"removed,omitempty"`
	Out      string   `json:"out,omitempty"`
	Resumed  bool     `json:"resumed,omitempty"`
}

// Tx is one write: in place (Begin) or into a new directory (BeginOut).
// Every file of the output is written into Dir(); Commit audits and
// publishes; Close abandons what Commit did not publish.
type Tx struct {
	cfg   Config
	fsys  FS
	dir   string // the input, absolute
	out   string // --out: the output; "" in place
	stage string // where the output is built
	work  string // in place: DIR/.walctl-txn

	lock, outLock *Lock
	ownLock       bool
	j             *Journal
	ops           []Op
	done          map[string]bool // stage names written and synced (slash form)
	// unsynced are the files WriteFile wrote whose fsync is still due
	// (syncWritten: at the latest in Commit, before the audit reads the
	// stage), oldest first.
	unsynced  []stagedFile
	wb        *partition.WriteBehind // WriteFile's buffer, kept from file to file
	ahead     aheadBuffers           // the buffers of WriteFile's aheadWriter, kept from file to file
	ref       *attrs                 // attributes for new files
	madeWork  bool                   // DIR/.walctl-txn is this run's
	rootAttrs attrs                  // DIR's, before the transaction touched it
	committed bool
	published bool // DIR may hold new files: never abandon
	prepared  bool // the Auditor is a Preparer, prepared (release on Close)
}

func (c *Config) check() error {
	if c.Auditor == nil {
		return ErrNoAuditor
	}
	if c.FS == nil {
		c.FS = OS
	}
	return nil
}

// Begin starts an in-place write of the log directory dir: it takes the
// lock (unless cfg.Lock holds it), refuses a directory with an unfinished
// write (see ReadJournal, Finish, Discard), journals, copies dir to the
// backup and makes the empty stage. The caller then plans again on
// Backup(), writes the files that change (WriteFile, Remove) and Commits.
func Begin(dir string, cfg Config) (t *Tx, err error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	t = &Tx{cfg: cfg, fsys: cfg.FS, dir: abs, work: filepath.Join(abs, WorkName), done: map[string]bool{}}
	t.stage = filepath.Join(t.work, StageName)
	if err := t.takeLock(); err != nil {
		return nil, err
	}
	// The results are set before deferred calls run: close tx, not t.
	tx := t
	defer func() {
		if err != nil {
			tx.Close()
		}
	}()
	if j, err := ReadJournal(abs); err != nil {
		return nil, err
	} else if j != nil {
		return nil, &PendingError{J: j}
	}
	// A work folder without a journal is what a run that never got to
	// journal (or had finished publishing) left: nothing in it is needed.
	if err := t.removeIfExists(t.work); err != nil {
		return nil, err
	}
	backup, err := t.backupTarget()
	if err != nil {
		return nil, err
	}
	size, err := treeSize(abs, ownRoot)
	if err != nil {
		return nil, err
	}
	if err := checkSpace(need{backup, size, "the backup"}, need{abs, cfg.Need, "the new files"}); err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	t.rootAttrs = attrsOf(fi) // before the work folder changes its time
	opts, err := json.Marshal(cfg.Options)
	if err != nil {
		return nil, err
	}
	temp, err := tempName(backup)
	if err != nil {
		return nil, err
	}
	j := &Journal{Version: journalVersion, Op: cfg.Op, Args: cfg.Args, Options: opts, Dir: abs,
		Started: time.Now().UTC().Truncate(time.Second), PID: os.Getpid(), Backup: backup, BackupTemp: temp,
		Phase: PhaseStaging}
	if err := t.fsys.Mkdir(t.work, 0o700); err != nil {
		return nil, pathErr(err, t.work, "")
	}
	t.madeWork = true
	if err := writeJournal(t.fsys, abs, j); err != nil {
		return nil, err
	}
	t.j = j // from here on, abandoning the run means discarding what it journaled
	if err := t.takeBackup(temp, backup, size); err != nil {
		return nil, err
	}
	if err := t.fsys.Mkdir(t.stage, 0o700); err != nil {
		return nil, err
	}
	t.prepare()
	return t, nil
}

// BeginAgain is Begin, then the write's plan made again on the backup
// (replan): the caller compares it with the plan it was given, since
// nothing may change between the plan and the backup, and carries out the
// one made on the backup.
func BeginAgain[P any](dir string, cfg Config, replan func(backup string) (P, error)) (*Tx, P, error) {
	var again P
	tx, err := Begin(dir, cfg)
	if err != nil {
		return nil, again, err
	}
	if again, err = replan(tx.Backup()); err != nil {
		tx.Close()
		return nil, again, err
	}
	return tx, again, nil
}

func (t *Tx) takeLock() error {
	if t.cfg.Lock != nil {
		if !t.cfg.Lock.Exclusive() || t.cfg.Lock.Dir != t.dir {
			return fmt.Errorf("txn: the lock given is not walctl's exclusive lock on %s", t.dir)
		}
		t.lock = t.cfg.Lock
		return nil
	}
	l, err := LockDir(t.dir, Holder{Op: t.cfg.Op, Args: t.cfg.Args})
	if err != nil {
		return err
	}
	t.lock, t.ownLock = l, true
	return nil
}

// ownRoot skips walctl's own names in the root of a log directory.
func ownRoot(rel string) bool { return !strings.ContainsRune(rel, filepath.Separator) && Own(rel) }

// takeBackup copies DIR to temp, then renames it to backup: a backup is
// under its final name only when it is complete and durable.
func (t *Tx) takeBackup(temp, backup string, total int64) error {
	var done int64
	progress := func(n int64) {
		done += n
		if t.cfg.Progress != nil {
			t.cfg.Progress(done, total)
		}
	}
	if err := copyTree(t.fsys, t.dir, temp, ownRoot, progress, &t.rootAttrs); err != nil {
		return fmt.Errorf("back up %s to %s: %w", t.dir, temp, err)
	}
	if err := t.fsys.Rename(temp, backup); err != nil {
		return fmt.Errorf("back up %s: %w", t.dir, err)
	}
	return t.fsys.SyncDir(filepath.Dir(backup))
}

// Backup is the complete backup of DIR (in place).
func (t *Tx) Backup() string {
	if t.j == nil {
		return ""
	}
	return t.j.Backup
}

// Dir is where the output is built: every file of the new log goes there.
func (t *Tx) Dir() string { return t.stage }

// Input is the input directory, absolute.
func (t *Tx) Input() string { return t.dir }

// writeBehindSize is the one buffer WriteFile puts in front of a staged file.
const writeBehindSize = 1 << 20

// WriteFile writes the file name (relative, slash-separated) of the output
// with what fill writes (an io.Writer that is also an io.WriterAt: holes
// stay holes). It gets the owner, group and mode of the file it replaces,
// else those of the log's files; it is fsynced before the audit reads the
// stage (Commit). In place, it replaces DIR/name when the write is
// published, in the order of the calls.
//
// The fsync itself waits until Commit: fsyncing each file as it is
// finished would stop the writer on every file's disk write, in turn.
// Instead the disk starts writing the file at once (startWriteback) while
// the next file is being made, and Commit's fsyncs, in the order of the
// calls, find most of the data already written.
func (t *Tx) WriteFile(name string, fill func(w io.Writer) error) error {
	path, err := t.stagePath(name)
	if err != nil {
		return err
	}
	f, err := t.fsys.Create(path, 0o600)
	if err != nil {
		return err
	}
	aw := newAheadWriter(f, &t.ahead)
	if t.wb == nil {
		t.wb = partition.NewWriteBehind(aw, writeBehindSize)
	}
	wb := t.wb // one buffer for every file, grown once
	wb.Reset(aw)
	err = fill(wb)
	if err == nil {
		err = wb.Flush()
	}
	if werr := aw.wait(&t.ahead); err == nil {
		err = werr
	}
	if err == nil {
		err = t.attrsFor(name).apply(t.fsys, path, false)
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	startWriteback(f)
	t.unsynced = append(t.unsynced, stagedFile{name: name, f: f})
	if len(t.unsynced) > maxUnsynced {
		if err := t.syncWritten(len(t.unsynced) - maxUnsynced); err != nil {
			return err
		}
	}
	t.wrote(name)
	return nil
}

// maxUnsynced bounds the files WriteFile keeps open until their fsync: a
// log of many partitions must not run out of descriptors, and by the time a
// file is this many files old its writeback has long finished.
const maxUnsynced = 16

// stagedFile is a file WriteFile wrote, still open for its fsync: its name
// in the log.
type stagedFile struct {
	name string
	f    File
}

// syncWritten fsyncs and closes the oldest n of the files WriteFile wrote
// and has not synced yet (all: n < 0), in the order they were written.
func (t *Tx) syncWritten(n int) error {
	if n < 0 || n > len(t.unsynced) {
		n = len(t.unsynced)
	}
	for len(t.unsynced) > 0 && n > 0 {
		sf := t.unsynced[0]
		t.unsynced, n = t.unsynced[1:], n-1
		err := sf.f.Sync()
		if cerr := sf.f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", sf.name, err)
		}
	}
	return nil
}

// dropUnsynced closes the files whose fsync is still due, unsynced: the
// transaction is abandoned.
func (t *Tx) dropUnsynced() {
	for _, sf := range t.unsynced {
		sf.f.Close()
	}
	t.unsynced = nil
}

// WriteBytes is WriteFile with the content b.
func (t *Tx) WriteBytes(name string, b []byte) error {
	return t.WriteFile(name, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// CopyFile copies the file src (holes kept) to name in the output, with
// src's attributes.
func (t *Tx) CopyFile(src, name string) error {
	path, err := t.stagePath(name)
	if err != nil {
		return err
	}
	if err := copyFile(t.fsys, src, path, false, nil); err != nil {
		return err
	}
	t.wrote(name)
	return nil
}

// Remove deletes DIR/name when the write is published (in place).
func (t *Tx) Remove(name string) error {
	if t.out != "" {
		return errors.New("txn: Remove is for in-place writes")
	}
	if _, err := cleanName(name); err != nil {
		return err
	}
	t.ops = append(t.ops, Op{Kind: OpRemove, Name: name})
	return nil
}

func (t *Tx) wrote(name string) {
	t.done[name] = true
	if t.out == "" {
		t.ops = append(t.ops, Op{Kind: OpReplace, Name: name})
	}
}

// cleanName checks a relative, slash-separated name inside the log.
func cleanName(name string) (string, error) {
	rel := filepath.FromSlash(name)
	if name == "" || filepath.IsAbs(rel) || !filepath.IsLocal(rel) || Own(strings.Split(name, "/")[0]) {
		return "", fmt.Errorf("txn: %q is not a name inside the log", name)
	}
	return rel, nil
}

// stagePath returns the path of name in the stage, making its directories
// (with the attributes of the input's) as needed.
func (t *Tx) stagePath(name string) (string, error) {
	rel, err := cleanName(name)
	if err != nil {
		return "", err
	}
	if err := t.stageDirs(filepath.Dir(rel)); err != nil {
		return "", err
	}
	return filepath.Join(t.stage, rel), nil
}

func (t *Tx) stageDirs(rel string) error {
	if rel == "." {
		return nil
	}
	if err := t.stageDirs(filepath.Dir(rel)); err != nil {
		return err
	}
	p := filepath.Join(t.stage, rel)
	if _, err := os.Lstat(p); err == nil {
		return nil
	}
	return t.fsys.Mkdir(p, 0o700)
}

// attrsFor: the file it replaces, else the log's own files.
func (t *Tx) attrsFor(name string) attrs {
	if fi, err := os.Lstat(filepath.Join(t.dir, filepath.FromSlash(name))); err == nil && fi.Mode().IsRegular() {
		a := attrsOf(fi)
		a.mtime = time.Time{}
		return a
	}
	if t.ref == nil {
		a := referenceAttrs(t.dir)
		t.ref = &a
	}
	return *t.ref
}

// referenceAttrs are the attributes of the log's own files: node.state,
// state or checkpoint, else the first regular file; with none, the
// directory's owner and mode 0644 less what the directory denies.
func referenceAttrs(dir string) attrs {
	for _, n := range []string{"node.state", "state", "checkpoint"} {
		if fi, err := os.Lstat(filepath.Join(dir, n)); err == nil && fi.Mode().IsRegular() {
			a := attrsOf(fi)
			a.mtime = time.Time{}
			return a
		}
	}
	if ents, err := os.ReadDir(dir); err == nil {
		for _, e := range ents {
			if Own(e.Name()) || !e.Type().IsRegular() {
				continue
			}
			if fi, err := e.Info(); err == nil {
				a := attrsOf(fi)
				a.mtime = time.Time{}
				return a
			}
		}
	}
	a := attrs{mode: 0o644}
	if fi, err := os.Stat(dir); err == nil {
		d := attrsOf(fi)
		a.uid, a.gid, a.owned = d.uid, d.gid, d.owned
		a.mode &= d.mode.Perm() | 0o600
	}
	return a
}

// Commit completes the write. In place: the files that did not change are
// linked into the stage (so that it is a whole log), the stage is fsynced
// and audited, the journal turns to publishing, and the staged files are
// renamed into DIR in the order they were written (removals in their
// place); then the stage and the journal go. With --out: every file gets its
// attributes and is fsynced, the output is audited and renamed to OUT.
func (t *Tx) Commit() (*Result, error) {
	if t.committed {
		return nil, errors.New("txn: committed twice")
	}
	t.committed = true
	if err := t.syncWritten(-1); err != nil {
		return nil, err
	}
	if t.out != "" {
		return t.commitOut()
	}
	if err := t.completeStage(); err != nil {
		return nil, err
	}
	if err := t.audit(); err != nil {
		return nil, err
	}
	t.j.Phase, t.j.Ops, t.j.BackupTemp = PhasePublishing, t.ops, ""
	if err := writeJournal(t.fsys, t.dir, t.j); err != nil {
		return nil, err
	}
	t.published = true
	if err := publish(t.fsys, t.dir, t.j); err != nil {
		return nil, err
	}
	if err := cleanup(t.fsys, t.dir); err != nil {
		return nil, err
	}
	t.unlock()
	return resultOf(t.j, false), nil
}

func (t *Tx) audit() error {
	if err := t.cfg.Auditor.Audit(t.dir, t.stage); err != nil {
		return &AuditError{Dir: t.dir, Out: t.out, Err: err}
	}
	return mark(t.fsys, StepAudited, t.stage)
}

func resultOf(j *Journal, resumed bool) *Result {
	r := &Result{Backup: j.Backup, Resumed: resumed}
	for _, op := range j.Ops {
		if op.Kind == OpRemove {
			r.Removed = append(r.Removed, op.Name)
		} else {
			r.Replaced = append(r.Replaced, op.Name)
		}
	}
	return r
}

// completeStage links every file of DIR the write leaves alone into the
// stage (a copy where a link is not possible), then fsyncs the stage's
// directories, deepest first.
func (t *Tx) completeStage() error {
	skip := map[string]bool{}
	for _, op := range t.ops {
		skip[filepath.FromSlash(op.Name)] = true
	}
	var dirs []string
	err := walkTree(t.dir, ownRoot, func(p, rel string, fi fs.FileInfo) error {
		if rel == "." {
			dirs = append(dirs, t.stage)
			return nil
		}
		target := filepath.Join(t.stage, rel)
		switch {
		case fi.IsDir():
			if _, err := os.Lstat(target); err != nil {
				if err := t.fsys.Mkdir(target, 0o700); err != nil {
					return err
				}
			}
			dirs = append(dirs, target)
		case skip[rel]:
		case fi.Mode().IsRegular():
			if err := t.fsys.Link(p, target); err != nil {
				// No hard links here (another file system, a protected
				// link, FAT): a copy is just as complete.
				if err := copyFile(t.fsys, p, target, true, nil); err != nil {
					return err
				}
			}
		case fi.Mode()&fs.ModeSymlink != 0:
			to, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return t.fsys.Symlink(to, target)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("stage %s: %w", t.dir, err)
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		rel, _ := filepath.Rel(t.stage, dirs[i])
		if fi, err := os.Lstat(filepath.Join(t.dir, rel)); err == nil {
			a := attrsOf(fi)
			if err := a.apply(t.fsys, dirs[i], false); err != nil {
				return err
			}
		}
		if err := t.fsys.SyncDir(dirs[i]); err != nil {
			return err
		}
	}
	return nil
}

// publish carries out the journal's operations in DIR. It can run again
// after a crash at any point: a staged file that is gone was renamed.
func publish(fsys FS, dir string, j *Journal) error {
	stage := filepath.Join(dir, WorkName, StageName)
	dirs := map[string]bool{}
	for _, op := range j.Ops {
		rel, err := cleanName(op.Name)
		if err != nil {
			return err
		}
		target := filepath.Join(dir, rel)
		dirs[filepath.Dir(target)] = true
		switch op.Kind {
		case OpReplace:
			from := filepath.Join(stage, rel)
			if _, err := os.Lstat(from); errors.Is(err, os.ErrNotExist) {
				if _, err := os.Lstat(target); err != nil {
					return fmt.Errorf(
						"publish %s: neither the staged file nor the published one exists: %w",
						op.Name,
						err,
					)
				}
				continue // renamed before the interruption
			}
			if err := fsys.Rename(from, target); err != nil {
				return fmt.Errorf("publish %s: %w", op.Name, err)
			}
		case OpRemove:
			if err := fsys.Remove(target); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("publish: remove %s: %w", op.Name, err)
			}
		default:
			return fmt.Errorf("publish: unknown operation %q", op.Kind)
		}
	}
	names := make([]string, 0, len(dirs))
	for d := range dirs {
		names = append(names, d)
	}
	sort.Strings(names)
	for _, d := range names {
		if err := fsys.SyncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// cleanup removes the stage, then the journal (the end of the write), then
// the work folder.
func cleanup(fsys FS, dir string) error {
	work := filepath.Join(dir, WorkName)
	if err := fsys.RemoveAll(filepath.Join(work, StageName)); err != nil {
		return err
	}
	if err := fsys.Remove(journalPath(dir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := fsys.RemoveAll(work); err != nil {
		return err
	}
	return fsys.SyncDir(dir)
}

// Finish completes the write whose journal j (in phase publishing) is in
// dir: the renames not done yet, the fsyncs, the cleanup. The caller holds
// the lock (cfg.Lock) or Finish takes it; cfg needs no Auditor (the audit
// passed before publishing began).
func Finish(dir string, j *Journal, cfg Config) (*Result, error) {
	if !j.Touched() {
		return nil, fmt.Errorf("txn: the interrupted write in %s did not reach publishing: discard it", dir)
	}
	if cfg.FS == nil {
		cfg.FS = OS
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	t := &Tx{cfg: cfg, fsys: cfg.FS, dir: abs}
	if err := t.takeLock(); err != nil {
		return nil, err
	}
	defer t.unlock()
	if err := publish(t.fsys, abs, j); err != nil {
		return nil, err
	}
	if err := cleanup(t.fsys, abs); err != nil {
		return nil, err
	}
	return resultOf(j, true), nil
}

// Discard drops an unfinished write that had not reached publishing (DIR
// is unchanged): its stage, journal and backup. The caller holds the lock.
func Discard(dir string, j *Journal, fsys FS) error {
	if j.Touched() {
		return fmt.Errorf("txn: the interrupted write in %s was publishing: finish it", dir)
	}
	if fsys == nil {
		fsys = OS
	}
	for _, p := range []string{j.BackupTemp, j.Backup} {
		if p == "" || !filepath.IsAbs(p) || p == dir {
			continue
		}
		// The final name holds our copy only once renamed (it is then not
		// empty); an empty folder there is the user's.
		if p == j.Backup && emptyDir(p) {
			continue
		}
		if _, err := os.Lstat(p); err == nil {
			if err := fsys.RemoveAll(p); err != nil {
				return err
			}
		}
	}
	return cleanup(fsys, dir)
}

// Close abandons an uncommitted write: in place, the stage, the journal and
// the backup of an input that never changed; with --out, the temp output.
// A write that began publishing is left for Finish. Close then drops the
// locks the transaction took. It is safe to call after Commit.
func (t *Tx) Close() {
	if t == nil {
		return
	}
	t.release()
	t.dropUnsynced()
	if !t.published {
		t.abandon()
	}
	t.unlock()
}

func (t *Tx) abandon() {
	if t.out != "" {
		if t.stage != "" && !t.committedOut() {
			t.fsys.RemoveAll(t.stage)
		}
		return
	}
	var err error
	switch {
	case t.j != nil:
		err = Discard(t.dir, t.j, t.fsys)
		t.j = nil
	case t.madeWork:
		err = t.fsys.RemoveAll(t.work)
	default:
		return
	}
	if err == nil {
		// Only the work folder came and went: DIR keeps its time too (the
		// access time is left alone).
		t.fsys.Chtimes(t.dir, time.Time{}, t.rootAttrs.mtime)
	}
}

func (t *Tx) committedOut() bool {
	_, err := os.Lstat(t.stage)
	return errors.Is(err, os.ErrNotExist)
}

func (t *Tx) unlock() {
	if t.outLock != nil {
		t.outLock.Unlock()
		t.outLock = nil
	}
	if t.ownLock {
		t.lock.Unlock()
		t.lock, t.ownLock = nil, false
	}
}

func (t *Tx) removeIfExists(p string) error {
	if _, err := os.Lstat(p); err != nil {
		return nil
	}
	return t.fsys.RemoveAll(p)
}

// tempName is a new sibling of p for a directory that becomes p once
// complete.
func tempName(p string) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	name := p + tempMark + hex.EncodeToString(b[:])
	if err := nameFits(name); err != nil {
		return "", err
	}
	return name, nil
}

// tempMark marks walctl's temporary folders (an incomplete backup or output).
const tempMark = ".walctl-tmp-"

// Tidy removes the work folder a write left in dir without a journal (it
// stopped before journaling, or after its journal was removed: either way
// nothing in it is needed). The caller holds the lock and has found no
// journal.
func Tidy(dir string, fsys FS) error {
	if fsys == nil {
		fsys = OS
	}
	work := filepath.Join(dir, WorkName)
	if _, err := os.Lstat(work); err != nil {
		return nil
	}
	if err := fsys.RemoveAll(work); err != nil {
		return err
	}
	return fsys.SyncDir(dir)
}
