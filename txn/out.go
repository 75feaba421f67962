package txn

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// WriteOut is one whole write into the new directory out: BeginOut, fill
// writes the output into the transaction's directory, Commit audits and
// publishes it.
func WriteOut(dir, out string, cfg Config, fill func(tx *Tx) error) error {
	tx, err := BeginOut(dir, out, cfg)
	if err != nil {
		return err
	}
	defer tx.Close()
	if err := fill(tx); err != nil {
		return err
	}
	_, err = tx.Commit()
	return err
}

// BeginOut starts a write of a new log directory out from the log in
// input, which it never changes: it takes a shared lock on input (unless
// cfg.Lock holds one) and the lock of out, refuses an out inside input or
// holding files, removes what an interrupted run left (out.walctl-tmp-*),
// checks the free space and makes the empty temp sibling Dir() the output
// is built in. Commit audits it and renames it to out.
func BeginOut(input, out string, cfg Config) (t *Tx, err error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Backup != "" {
		return nil, &Refusal{Msg: "--backup applies to in-place writes only",
			Hint: "--out never changes DIR, so it needs no backup"}
	}
	in, err := filepath.Abs(input)
	if err != nil {
		return nil, err
	}
	o, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	if resolve(o) == resolve(in) {
		return nil, &Refusal{
			Msg:  "--out is the input directory",
			Hint: "use --in-place to convert a directory in place",
		}
	}
	if err := outside(in, o, "--out", "the output"); err != nil {
		return nil, err
	}
	t = &Tx{cfg: cfg, fsys: cfg.FS, dir: in, out: o, done: map[string]bool{}}
	if cfg.Lock != nil {
		if cfg.Lock.Dir != in {
			return nil, fmt.Errorf("txn: the lock given is not on %s", in)
		}
		t.lock = cfg.Lock
	} else {
		l, err := ShareDir(in)
		if err != nil {
			return nil, err
		}
		t.lock, t.ownLock = l, true
	}
	// The results are set before deferred calls run: close tx, not t.
	tx := t
	defer func() {
		if err != nil {
			tx.Close()
		}
	}()
	if err := usableTarget(o, "--out", "log"); err != nil {
		return nil, err
	}

	if err := nameFits(o + outLockMark); err != nil {
		return nil, err
	}
	if t.outLock, err = lockOut(o, Holder{Op: cfg.Op, Args: cfg.Args}); err != nil {
		return nil, err
	}
	if err := removeStaleTemps(t.fsys, o); err != nil {
		return nil, err
	}
	if err := checkSpace(need{o, cfg.Need, "the new log"}); err != nil {
		return nil, err
	}
	if t.stage, err = tempName(o); err != nil {
		return nil, err
	}
	if err := t.fsys.Mkdir(t.stage, 0o700); err != nil {
		return nil, pathErr(err, t.stage, "--out")
	}
	t.prepare()
	return t, nil
}

// removeStaleTemps deletes the temp outputs an interrupted run left; the
// caller holds out's lock, so none is being written.
func removeStaleTemps(fsys FS, out string) error {
	matches, err := filepath.Glob(globEscape(out) + tempMark + "*")
	if err != nil {
		return err
	}
	for _, m := range matches {
		if err := fsys.RemoveAll(m); err != nil {
			return err
		}
	}
	return nil
}

func globEscape(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)
	return r.Replace(p)
}

// commitOut gives every file and directory of the output its attributes
// (those of the input's file of the same name, else of the input's log
// files; the root those of an existing empty out, else of the input),
// fsyncs them, audits the output and renames it to out.
func (t *Tx) commitOut() (*Result, error) {
	if err := t.settleOut(); err != nil {
		return nil, err
	}
	if err := t.audit(); err != nil {
		return nil, err
	}
	if err := t.fsys.Rename(t.stage, t.out); err != nil {
		return nil, fmt.Errorf("publish %s: %w", t.out, err)
	}
	if err := t.fsys.SyncDir(filepath.Dir(t.out)); err != nil {
		return nil, err
	}
	t.unlock()
	return &Result{Out: t.out}, nil
}

func (t *Tx) settleOut() error {
	var dirs []string
	err := filepath.WalkDir(t.stage, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(t.stage, p)
		name := filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			dirs = append(dirs, p)
		case d.Type().IsRegular() && !t.done[name]:
			if err := t.attrsFor(name).apply(t.fsys, p, false); err != nil {
				return err
			}
			return t.syncFile(p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("complete %s: %w", t.stage, err)
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := t.dirAttrs(dirs[i]).apply(t.fsys, dirs[i], false); err != nil {
			return err
		}
		if err := t.fsys.SyncDir(dirs[i]); err != nil {
			return err
		}
	}
	return nil
}

// dirAttrs: the input's directory of the same name; the root takes an
// existing empty out's, else the input's.
func (t *Tx) dirAttrs(p string) attrs {
	rel, _ := filepath.Rel(t.stage, p)
	src := filepath.Join(t.dir, rel)
	if rel == "." {
		if fi, err := os.Stat(t.out); err == nil && fi.IsDir() {
			src = t.out
		}
	}
	fi, err := os.Stat(src)
	if err != nil || !fi.IsDir() {
		fi, err = os.Stat(t.dir)
	}
	if err != nil {
		return attrs{mode: 0o755}
	}
	a := attrsOf(fi)
	return attrs{mode: a.mode, uid: a.uid, gid: a.gid, owned: a.owned}
}

func (t *Tx) syncFile(p string) error {
	f, err := t.fsys.OpenFile(p)
	if err != nil {
		return err
	}
	serr := f.Sync()
	if cerr := f.Close(); serr == nil {
		serr = cerr
	}
	return serr
}

// Out is the output directory of a --out write.
func (t *Tx) Out() string { return t.out }
