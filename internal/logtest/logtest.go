// Package logtest is test support over whole logs, for the tests of the
// packages that rewrite them (repair, convert): their files and hashes, the
// settings an operator gives for a fixture, verify with explicit settings,
// and the transaction settings of a library-level write. Only tests import
// it.
package logtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/partition"
	v2 "github.com/walctl/walctl/format/v2"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/txn"
	"github.com/walctl/walctl/verify"
)

// PSFixtures are the PersistentState fixtures.
func PSFixtures(t *testing.T) []fixtures.Fixture { return fixtures.All(t, "fixturegen-ps") }

// Files returns the regular files below dir by slash-separated name.
func Files(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TreeHash hashes names and contents of every file below dir.
func TreeHash(t testing.TB, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h.Write([]byte(rel + "\x00"))
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
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// DiffNames lists the files that differ between two file maps.
func DiffNames(a, b map[string][]byte) []string {
	var out []string
	for n, x := range a {
		if y, ok := b[n]; !ok || !bytes.Equal(x, y) {
			out = append(out, n)
		}
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Open opens dir by detection alone.
func Open(t testing.TB, dir string) *logdir.Log {
	t.Helper()
	l, err := logdir.Open(dir, logdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// VerifyAs runs verify with explicit settings and returns its verdict and
// error findings.
func VerifyAs(t testing.TB, dir string, o logdir.Options) (string, []raftlog.Finding) {
	t.Helper()
	v, err := verify.Dir(dir, verify.Options{Options: o})
	if err != nil {
		t.Fatalf("verify %s: %v", dir, err)
	}
	var errs []raftlog.Finding
	for _, f := range v.Findings {
		if f.Severity == raftlog.Error {
			errs = append(errs, f)
		}
	}
	return v.Verdict, errs
}

// SettingsFor returns the settings an operator gives for fixture f: none
// when detection decides, else the node's settings from read-args.txt (the
// spec says the files alone cannot tell them, e.g. R of a log whose only
// partition is #244 T2-damaged). FlagsFor is the same as command-line flags.
func SettingsFor(t testing.TB, f fixtures.Fixture) rebuild.LogOptions {
	t.Helper()
	var o rebuild.LogOptions
	args := FlagsFor(t, f)
	for i := 0; i+1 < len(args); i += 2 {
		switch args[i] {
		case "--format":
			o.Format = format.Format(args[i+1])
		case "--records-per-partition":
			o.R, _ = strconv.ParseInt(args[i+1], 10, 64)
		case "--max-entry-size":
			o.M, _ = strconv.ParseInt(args[i+1], 10, 64)
		}
	}
	return o
}

// FlagsFor is SettingsFor as command-line words.
func FlagsFor(t testing.TB, f fixtures.Fixture) []string {
	t.Helper()
	l, err := logdir.Open(f.WAL, logdir.Options{})
	if err == nil {
		l.Close()
		return nil
	}
	var unsure *logdir.ErrUnsure
	if !errors.As(err, &unsure) {
		return nil
	}
	return fixtures.ReadArgs(t, f)
}

// Audited is the transaction setting of a library-level write in these
// tests: an auditor that checks the staged output is a complete directory
// beside the unchanged input (node.state or the WriteAheadLog's files are
// there). The tests check the published result themselves; the command's
// real audit is tested through cmd.
func Audited(t testing.TB) txn.Config {
	return txn.Config{Auditor: txn.AuditFunc(func(input, output string) error {
		if input == output {
			t.Errorf("the audit got the input %s as the output", input)
		}
		for _, marker := range []string{"node.state", "checkpoint", "state"} {
			if _, err := os.Stat(filepath.Join(output, marker)); err == nil {
				return nil
			}
		}
		return errors.New("the staged output has neither node.state nor checkpoint nor state")
	})}
}

// Written is what the manifest says was appended at one index.
type Written struct {
	Term      int64
	CommandID *int32
	Length    int64
	SHA256    string
}

// Appended maps every index to its last append in the manifest.
func Appended(f fixtures.Fixture) map[int64]Written {
	out := map[int64]Written{}
	for _, a := range f.Manifest.Appended {
		out[a.Index] = Written{Term: a.Term, CommandID: a.CommandID, Length: a.Length, SHA256: a.SHA256}
	}
	return out
}

// OnDisk reads every entry of dir as walctl sees it.
type DiskEntry struct {
	raftlog.Entry
	SHA256 string
}

func OnDisk(t testing.TB, dir string, o logdir.Options) map[int64]DiskEntry {
	t.Helper()
	l, err := logdir.Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	out := map[int64]DiskEntry{}
	err = l.Entries(l.First, l.Last, func(e raftlog.Entry) bool {
		r, err := l.Payload(e)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			t.Fatal(err)
		}
		out[e.Index] = DiskEntry{Entry: e, SHA256: hex.EncodeToString(h.Sum(nil))}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// CheckIntact asserts that every index of want holds its appended term,
// command id, length and payload.
func CheckIntact(t *testing.T, f fixtures.Fixture, dir string, o logdir.Options, want []int64) {
	t.Helper()
	disk, ap := OnDisk(t, dir, o), Appended(f)
	for _, i := range want {
		e, ok := disk[i]
		a, known := ap[i]
		switch {
		case !known:
			t.Fatalf("index %d is not in the manifest's appended entries", i)
		case !ok || e.State != raftlog.EntryOK || e.IsSnapshot:
			t.Errorf("index %d is not an intact entry after repair: %+v", i, e.Entry)
		case e.Term != a.Term || e.Length != a.Length || e.SHA256 != a.SHA256 || !fixtures.SameID(e.CommandID, a.CommandID):
			t.Errorf("index %d: term %d len %d sha %s id %v, appended term %d len %d sha %s id %v",
				i, e.Term, e.Length, e.SHA256[:12], e.CommandID, a.Term, a.Length, a.SHA256[:12], a.CommandID)
		}
	}
}

// TableFile is a partition file in memory.
func TableFile(b []byte, n int64) partition.File {
	return partition.File{R: bytes.NewReader(b), Size: int64(len(b)), Name: fmt.Sprint(n), Number: n}
}

// LeadingStubs is what walctl writes for a library Table partition: the
// same bytes, except that never-written slots before the first entry, which
// the library leaves zero, are stub records (v2.LeadingStubs), so that
// 5.4.0–5.7.2 read the partition too.
func LeadingStubs(t *testing.T, b []byte, n, r int64) []byte {
	t.Helper()
	d := v2.Decode(TableFile(b, n), partition.Geometry{R: r}, -1)
	out := append([]byte{}, b...)
	for _, sl := range d.Slots {
		if sl.Kind != partition.Stub {
			break
		}
		at, _ := v2.LeadingSlot(sl.Slot)
		if (n != 0 || sl.Slot > 0) && bytes.Equal(out[at:at+40], make([]byte, 40)) {
			v2.FillLeadingStubs(out[at:at+40], at)
		}
	}
	return out
}

// InputMember is the member a fixture's node voted for, as its own release
// reads it; ok is false without a vote.
func InputMember(t *testing.T, f fixtures.Fixture) (nodestate.Member, bool) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(f.WAL, nodestate.FileName))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := nodestate.Decode(raw).VoteMember()
	return m, ok
}

// ReadsBy480 checks that a release since 4.8.0 (every 5.x and 6.x) reads
// the vote stored in id as member want.
func ReadsBy480(t *testing.T, what string, id [nodestate.MemberIDSize]byte, want nodestate.Member) {
	t.Helper()
	got := nodestate.DecodeMember(id)
	r, _ := got.ReadBy(nodestate.Layout480)
	if r.ID != want.ID || r.Endpoint != want.Endpoint {
		t.Errorf("%s: 5.x/6.x read %X (%q), the node voted for %X (%q)", what, r.ID, r.Endpoint, want.ID, want.Endpoint)
	}
}

// Readers are the Table reader families of DotNext 5.4.0–5.6.x, 5.7.0–5.7.2
// and 5.7.3+ (5.16.1 and 5.26.2 read like 5.7.3).
var Readers = []v2.Reader{v2.Reader540, v2.Reader570, v2.ReaderTip}

// CheckReadersSee opens every Table partition of dir the way each release
// family does (walctl's model of their scan, v2.LibraryReads) and requires
// every index of want to come back as the fixture appended it.
func CheckReadersSee(t *testing.T, f fixtures.Fixture, dir string, r int64, want []int64) {
	t.Helper()
	st := nodestate.Decode(MustRead(t, filepath.Join(dir, nodestate.FileName)))
	ap := Appended(f)
	for _, v := range Readers {
		for _, i := range want {
			name := filepath.Join(dir, strconv.FormatInt(i/r, 10))
			b := MustRead(t, name)
			file := partition.File{R: bytes.NewReader(b), Size: int64(len(b)), Name: name, Number: i / r}
			view := v2.LibraryReads(file, partition.Geometry{R: r}, st.LastIndex, v)
			if view.Err != "" {
				t.Fatalf("%v: partition %d: %s", v, i/r, view.Err)
			}
			rec, a := view.Records[i%r], ap[i]
			off, n := v2.LibraryPayload(file.Size, rec)
			if rec.Term != a.Term || rec.Length != a.Length || n != a.Length || SHA(b[off:off+n]) != a.SHA256 {
				t.Errorf("%v reads index %d as %v, appended term %d length %d", v, i, rec, a.Term, a.Length)
			}
		}
	}
}

// MustRead reads a file or fails the test.
func MustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Indexes lists from..to.
func Indexes(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// SHA is the hex SHA-256 of b.
func SHA(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
