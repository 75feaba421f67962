package txn

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// backupMark follows DIR's name in a default backup's name.
const backupMark = ".walctl-backup-"

// maxBackupTries bounds the search for a free default backup name: one
// per second would need a hundred runs in the same second to exhaust it.
const maxBackupTries = 100

// backupTarget is the backup folder: the one given, or a free sibling
// DIR.walctl-backup-<UTC time>[-n]. It must be outside DIR and not hold
// anything.
func (t *Tx) backupTarget() (string, error) {
	if t.cfg.Backup != "" {
		abs, err := filepath.Abs(t.cfg.Backup)
		if err != nil {
			return "", err
		}
		if err := outside(t.dir, abs, "--backup", "the backup"); err != nil {
			return "", err
		}
		if err := usableTarget(abs, "--backup", "backup"); err != nil {
			return "", err
		}
		return abs, nil
	}
	base := t.dir + backupMark + time.Now().UTC().Format("20060102T150405Z")
	for n := 1; n <= maxBackupTries; n++ {
		name := base
		if n > 1 {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		if err := nameFits(name); err != nil {
			return "", err
		}
		_, err := os.Lstat(name)
		switch {
		case errors.Is(err, os.ErrNotExist):
			if _, err := tempName(name); err != nil {
				return "", err
			}
			return name, nil
		case err != nil:
			return "", pathErr(err, name, "--backup FOLDER")
		}
	}
	return "", &Refusal{Msg: fmt.Sprintf("%d backups of %s exist for this second", maxBackupTries, t.dir),
		Hint: "give --backup FOLDER"}
}

// usableTarget accepts a folder that does not exist or is empty.
func usableTarget(p, flag, what string) error {
	if err := nameFits(p); err != nil {
		return err
	}
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if pfi, err := os.Stat(filepath.Dir(p)); err != nil || !pfi.IsDir() {
			return &Refusal{
				Msg:  fmt.Sprintf("the folder %s that would hold the %s does not exist", filepath.Dir(p), what),
				Hint: fmt.Sprintf("create it first, or give %s a path in an existing folder", flag),
			}
		}
		_, err := tempName(p)
		return err
	case err != nil:
		return pathErr(err, p, flag)
	case !fi.IsDir():
		return &Refusal{
			Msg:  fmt.Sprintf("%s exists and is not a directory", p),
			Hint: "give a new directory with " + flag,
		}
	case !emptyDir(p):
		return &Refusal{Msg: fmt.Sprintf("%s exists and is not empty", p),
			Hint: fmt.Sprintf("give a new or empty directory with %s: walctl never writes a %s over files", flag, what)}
	}
	_, err = tempName(p)
	return err
}

func emptyDir(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	return err != nil && len(names) == 0
}

// outside refuses a target that is the input or inside it (after symbolic
// links): a backup or an output there would be written into the log it
// copies.
func outside(input, target, flag, what string) error {
	in, tg := resolve(input), resolve(target)
	if tg == in || strings.HasPrefix(tg, in+string(filepath.Separator)) ||
		target == input || strings.HasPrefix(target, input+string(filepath.Separator)) {
		return &Refusal{Msg: fmt.Sprintf("%s %s is inside the log directory %s", what, target, input),
			Hint: fmt.Sprintf("give %s a folder outside the log directory", flag)}
	}
	return nil
}

// resolve follows the symbolic links of the longest existing prefix of p.
func resolve(p string) string {
	rest := ""
	for cur := p; ; {
		if r, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return p
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}

// Limits most file systems and Linux have: a name of at most 255 bytes, a
// path of at most 4095.
const (
	nameMax = 255
	pathMax = 4095
)

// nameFits refuses a path the file system cannot name, before anything is
// written (the kernel's ENAMETOOLONG would come in the middle of the work).
func nameFits(p string) error {
	if n := len(filepath.Base(p)); n > nameMax {
		return &Refusal{Msg: fmt.Sprintf("cannot name %s: %d bytes, more than the %d a file name may have",
			shorten(p), n, nameMax), Hint: nameHint(p)}
	}
	if len(p) > pathMax {
		return &Refusal{Msg: fmt.Sprintf(
			"cannot use %s: the path is %d bytes, more than the %d the system allows",
			shorten(
				p,
			),
			len(p),
			pathMax,
		), Hint: "move the log (or give --backup/--out) where its absolute path is shorter"}
	}
	return nil
}

func nameHint(p string) string {
	switch {
	case strings.Contains(filepath.Base(p), backupMark):
		return "the default backup name adds 31 bytes to the log directory's name: give --backup FOLDER with a shorter name"
	case strings.Contains(filepath.Base(p), tempMark), strings.HasSuffix(p, outLockMark):
		return "walctl builds the output beside it under a name 25 bytes longer: give a shorter --out or --backup"
	}
	return "use a shorter name"
}

func shorten(p string) string {
	if len(p) <= 80 {
		return p
	}
	return p[:40] + "…" + p[len(p)-37:]
}

// pathErr turns a too-long name or path into a Refusal that says so; other
// errors pass.
func pathErr(err error, p, flag string) error {
	if !tooLong(err) {
		return err
	}
	hint := "use a shorter path"
	if flag != "" {
		hint = "give " + flag + " with a shorter path"
	}
	return &Refusal{Msg: fmt.Sprintf("%s: the name or the path is too long for the file system (%d bytes)",
		shorten(p), len(p)), Hint: hint}
}
