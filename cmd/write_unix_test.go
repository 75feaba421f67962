//go:build linux || darwin || freebsd

package cmd

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
)

// Owner, group and mode of a log owned by the node's user survive a root
// repair --apply, convert --in-place (new partition files too) and convert
// --out; the backup keeps them.
func TestWriteKeepsOwnerAndMode(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to another user")
	}
	const uid, gid = 65534, 65534
	own := func(t *testing.T, dir string) {
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			os.Lchown(p, uid, gid)
			if d.IsDir() {
				return os.Chmod(p, 0o700)
			}
			return os.Chmod(p, 0o600)
		})
	}
	check := func(t *testing.T, what, dir string) {
		n := 0
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, _ := d.Info()
			st, ok := fi.Sys().(*syscall.Stat_t)
			u, g := -1, -1
			if ok {
				u, g = int(st.Uid), int(st.Gid)
			}
			want := os.FileMode(0o600)
			if d.IsDir() {
				want = 0o700
			}
			if !ok || u != uid || g != gid || fi.Mode().Perm() != want {
				t.Errorf("%s: %s is %d:%d %v, want %d:%d %v", what, p, u, g, fi.Mode().Perm(), uid, gid, want)
			}
			n++
			return nil
		})
		if n < 3 {
			t.Errorf("%s: only %d files", what, n)
		}
	}
	t.Run("repair", func(t *testing.T) {
		dir := fixtures.Copy(t, fixtureWAL("5.26.2/table-basic+tail-torn"))
		own(t, dir)
		backup := filepath.Join(t.TempDir(), "b")
		if out, errs, code := run(t, "repair", "--apply", "--backup", backup, dir); code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		check(t, "repaired", dir)
		check(t, "backup", backup)
	})
	t.Run("repair wal", func(t *testing.T) {
		dir := fixtures.Copy(t, fixtureWAL("6.12.0/wal-basic+checkpoint-torn"))
		own(t, dir)
		if out, errs, code := run(t, "repair", "--apply", dir); code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		check(t, "repaired", dir)
	})
	t.Run("convert in place", func(t *testing.T) {
		dir := fixtures.Copy(t, fixtureWAL("5.26.2/table-basic"))
		own(t, dir)
		if out, errs, code := run(t, "convert", "--to", "legacy", "--out-records-per-partition", "2", "--in-place", dir); code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		if _, err := os.Stat(filepath.Join(dir, "4")); err != nil {
			t.Fatalf("no new partition: %v", err)
		}
		check(t, "converted", dir)
	})
	t.Run("convert out", func(t *testing.T) {
		dir := fixtures.Copy(t, fixtureWAL("5.26.2/table-basic"))
		own(t, dir)
		out := filepath.Join(t.TempDir(), "out")
		if o, errs, code := run(t, "convert", "--to", "wal", "--out", out, dir); code != 0 {
			t.Fatalf("exit %d\n%s%s", code, o, errs)
		}
		check(t, "output", out)
	})
}
