package repair_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/walctl/walctl/cmd"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/repair"
	"github.com/walctl/walctl/txn"
	"github.com/walctl/walctl/verify"
)

// psFixtures are the PersistentState fixtures.
func psFixtures(t *testing.T) []fixtures.Fixture { return fixtures.All(t, "fixturegen-ps") }

// files returns the regular files directly in dir by name.
func files(t testing.TB, dir string) map[string][]byte {
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

// treeHash hashes names and contents of every file below dir.
func treeHash(t testing.TB, dir string) string {
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

// diffNames lists the files that differ between two file maps.
func diffNames(a, b map[string][]byte) []string {
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

// run executes walctl and returns stdout, stderr and the exit code.
func run(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := cmd.Main(append([]string{"walctl", "--no-color"}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

// openPlan opens dir with the fixture's own detection and plans a repair.
func openPlan(t testing.TB, dir string, o repair.Options) *repair.Plan {
	t.Helper()
	l, err := logdir.Open(dir, o.Log.Open())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p, err := repair.MakePlan(l, o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// verifyAs runs verify with explicit settings and returns its verdict and
// error findings.
func verifyAs(t testing.TB, dir string, o logdir.Options) (string, []raftlog.Finding) {
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

// written is what the manifest says was appended at one index.
type written struct {
	Term      int64
	CommandID *int32
	Length    int64
	SHA256    string
}

// appended maps every index to its last append in the manifest.
func appended(f fixtures.Fixture) map[int64]written {
	out := map[int64]written{}
	for _, a := range f.Manifest.Appended {
		out[a.Index] = written{Term: a.Term, CommandID: a.CommandID, Length: a.Length, SHA256: a.SHA256}
	}
	return out
}

// onDisk reads every entry of dir as walctl sees it.
type diskEntry struct {
	raftlog.Entry
	SHA256 string
}

func onDisk(t testing.TB, dir string, o logdir.Options) map[int64]diskEntry {
	t.Helper()
	l, err := logdir.Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	out := map[int64]diskEntry{}
	err = l.Entries(l.First, l.Last, func(e raftlog.Entry) bool {
		r, err := l.Payload(e)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			t.Fatal(err)
		}
		out[e.Index] = diskEntry{Entry: e, SHA256: hex.EncodeToString(h.Sum(nil))}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkIntact asserts that every index of want holds its appended term,
// command id, length and payload.
func checkIntact(t *testing.T, f fixtures.Fixture, dir string, o logdir.Options, want []int64) {
	t.Helper()
	disk, ap := onDisk(t, dir, o), appended(f)
	for _, i := range want {
		e, ok := disk[i]
		a, known := ap[i]
		switch {
		case !known:
			t.Fatalf("index %d is not in the manifest's appended entries", i)
		case !ok || e.State != raftlog.EntryOK || e.IsSnapshot:
			t.Errorf("index %d is not an intact entry after repair: %+v", i, e.Entry)
		case e.Term != a.Term || e.Length != a.Length || e.SHA256 != a.SHA256 || !sameID(e.CommandID, a.CommandID):
			t.Errorf("index %d: term %d len %d sha %s id %v, appended term %d len %d sha %s id %v",
				i, e.Term, e.Length, e.SHA256[:12], e.CommandID, a.Term, a.Length, a.SHA256[:12], a.CommandID)
		}
	}
}

func sameID(a, b *int32) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// settingsOf are the options a fixture's log is read with.
func settingsOf(p *repair.Plan) logdir.Options {
	return logdir.Options{Format: p.Format, R: p.R, M: p.M, Force: true}
}

// sourceOf returns the healthy fixture a "<source>+<damage>" copy was made from.
func sourceOf(t *testing.T, f fixtures.Fixture) (fixtures.Fixture, bool) {
	i := strings.Index(f.Name, "+")
	if i < 0 {
		return fixtures.Fixture{}, false
	}
	return fixtures.Load(t, filepath.Join(fixtures.Root(), f.Name[:i])), true
}

func openLog(t testing.TB, dir string) *logdir.Log {
	t.Helper()
	l, err := logdir.Open(dir, logdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func asFlagError(err error, target **repair.FlagError) bool { return errors.As(err, target) }

// settingsFor returns the settings an operator gives for fixture f: none
// when detection decides, else the node's settings from read-args.txt (the
// spec says the files alone cannot tell them, e.g. R of a log whose only
// partition is #244 T2-damaged). flagsFor is the same as command-line flags.
func settingsFor(t testing.TB, f fixtures.Fixture) repair.LogOptions {
	t.Helper()
	var o repair.LogOptions
	args := flagsFor(t, f)
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

func flagsFor(t testing.TB, f fixtures.Fixture) []string {
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

// audited is the transaction setting of a library-level write in these
// tests: an auditor that checks the staged output is a complete directory
// beside the unchanged input (node.state or the WriteAheadLog's files are
// there) and counts its calls. The tests check the published result
// themselves; the command's real audit is tested through cmd.
func audited(t testing.TB) txn.Config {
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
