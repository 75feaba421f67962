//go:build linux || darwin || freebsd

package txn

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The backup of a file with a 10 GiB hole takes a few blocks, not 10 GiB,
// and keeps mode and time; the progress reports the data bytes.
func TestBackupKeepsHoles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	os.Mkdir(dir, 0o755)
	p := filepath.Join(dir, "0")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	const hole = 10 << 30
	data := bytes.Repeat([]byte("d"), 4096)
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(data, hole); err != nil {
		t.Skip("no sparse files here:", err)
	}
	f.Close()
	os.Chmod(p, 0o640)
	src, _ := os.Stat(p)
	if allocatedOf(src) > 1<<20 {
		t.Skip("this file system allocates holes")
	}
	var done, total int64
	tx, err := Begin(dir, Config{Auditor: AuditFunc(accept), Progress: func(d, tot int64) { done, total = d, tot }})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	b, err := os.Stat(filepath.Join(tx.Backup(), "0"))
	if err != nil {
		t.Fatal(err)
	}
	if b.Size() != src.Size() {
		t.Errorf("backup size %d, want %d", b.Size(), src.Size())
	}
	if st := b.Sys().(*syscall.Stat_t); st.Blocks*512 > 1<<20 {
		t.Errorf(
			"the backup allocates %d bytes for %d of data: the hole was copied as zeros",
			st.Blocks*512,
			2*len(data),
		)
	}
	if b.Mode() != src.Mode() || !b.ModTime().Equal(src.ModTime()) {
		t.Errorf("backup %v %v, want %v %v", b.Mode(), b.ModTime(), src.Mode(), src.ModTime())
	}
	if done != 2*int64(len(data)) || total < done {
		t.Errorf("progress %d of %d, want %d data bytes", done, total, 2*len(data))
	}
	// The data at both ends, and zeros in between (sampled: reading the
	// whole hole back would cost 10 GiB of memory traffic).
	bf, err := os.Open(filepath.Join(tx.Backup(), "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer bf.Close()
	for _, at := range []struct {
		off  int64
		want []byte
	}{{0, data}, {hole, data}, {4096, make([]byte, 4096)}, {hole / 2, make([]byte, 4096)}, {hole - 4096, make([]byte, 4096)}} {
		got := make([]byte, len(at.want))
		if _, err := bf.ReadAt(got, at.off); err != nil || !bytes.Equal(got, at.want) {
			t.Errorf("backup bytes at %d differ (%v)", at.off, err)
		}
	}
}

// Owner, group and mode: a rewritten file keeps those of the file it
// replaces, a new one takes node.state's; the backup keeps them all.
func TestWriteKeepsOwnerAndMode(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to another user")
	}
	dir := makeLog(t)
	const uid, gid = 65534, 65533
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		os.Lchown(p, uid, gid)
		if !d.IsDir() {
			os.Chmod(p, 0o600)
		}
		return nil
	})
	os.Chmod(dir, 0o700)
	res, err := write(dir, OS, AuditFunc(accept))
	if err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{dir, res.Backup} {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			fi, _ := d.Info()
			st := fi.Sys().(*syscall.Stat_t)
			if int(st.Uid) != uid || int(st.Gid) != gid {
				t.Errorf("%s belongs to %d:%d, want %d:%d", p, st.Uid, st.Gid, uid, gid)
			}
			if want := os.FileMode(0o600); !d.IsDir() && fi.Mode().Perm() != want {
				t.Errorf("%s has mode %v, want %v", p, fi.Mode().Perm(), want)
			}
			return nil
		})
	}
}
