package cmd

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
	"strings"
	"sync"
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/gen"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// A write base: a real-format log, the settings it was written with (its
// true geometry) and what was appended to it, index by index — the
// fuzzer's knowledge of the log, independent of walctl's detection and of
// the audit.
type writeBase struct {
	name  string
	dir   string
	truth logdir.Options
	want  map[int64]wantEntry
	// commit is the cluster's commit index (the manifest's), passed as
	// --commit-index when the fuzzer asks for it.
	commit int64
	term   int64
}

type wantEntry struct {
	term   int64
	cmd    *int32
	length int64
	sha    string
}

var (
	basesOnce sync.Once
	bases     []writeBase
	basesErr  error
)

// writeBases loads every single-node fixture and writes three logs with
// internal/gen (legacy, v2, sparse; R = 5) once per process, under the
// temp folder of the first caller (the fuzz target itself).
func writeBases(t testing.TB) []writeBase {
	basesOnce.Do(func() {
		for _, tool := range []string{"fixturegen-ps", "fixturegen-wal"} {
			for _, f := range fixtures.All(t, tool) {
				bases = append(bases, fixtureBase(f))
			}
		}
		root := t.TempDir()
		for _, c := range []ps.Config{{Format: "legacy", R: 5}, {Format: "v2", R: 5}, {Format: "sparse", R: 5, M: 300}} {
			b, err := genBase(filepath.Join(root, string(c.Format)), c)
			if err != nil {
				basesErr = err
				return
			}
			bases = append(bases, b)
		}
	})
	if basesErr != nil {
		t.Fatal(basesErr)
	}
	return bases
}

func fixtureBase(f fixtures.Fixture) writeBase {
	b := writeBase{
		name:   f.Name,
		dir:    f.WAL,
		want:   map[int64]wantEntry{},
		commit: f.Manifest.Final.LastCommittedEntryIdx,
		term:   f.Manifest.Final.Term,
	}
	s := f.Manifest.Settings
	switch s.Format {
	case "":
		layout := wal.Layout6
		if strings.HasPrefix(f.Name, "5.") || s.LegacyTimestamp {
			layout = wal.Layout5
		}
		b.truth = logdir.Options{
			Format: "wal",
			WAL:    wal.Options{ChunkSize: s.ChunkSize, Hash: s.Hash, Layout: layout, SnapshotDir: s.SnapshotDirectory},
		}
	default:
		b.truth = logdir.Options{Format: s.LogFormat(), R: s.RecordsPerPartition, M: s.MaxLogEntrySize}
	}
	for _, a := range f.Manifest.Appended {
		b.want[a.Index] = wantEntry{term: a.Term, cmd: a.CommandID, length: a.Length, sha: a.SHA256}
	}
	return b
}

// genBase writes 23 entries in 4 terms, commit 19, with payloads that
// fit M = 300.
func genBase(dir string, c ps.Config) (writeBase, error) {
	b := writeBase{
		name:   "gen/" + string(c.Format),
		dir:    dir,
		truth:  logdir.Options{Format: c.Format, R: c.R, M: c.M},
		want:   map[int64]wantEntry{},
		commit: 19,
		term:   4,
	}
	w, err := ps.Create(dir, c)
	if err != nil {
		return b, err
	}
	for i := int64(1); i <= 23; i++ {
		payload := bytes.Repeat([]byte{byte(i), byte(i * 7)}, int(i*6))
		e := ps.Entry{Index: i, Term: 1 + i/7, Ticks: gen.BaseTicks + i, Length: int64(len(payload))}
		if i%4 == 0 {
			id := int32(i)
			e.CommandID = &id
		}
		if err := w.Append(e, bytes.NewReader(payload)); err != nil {
			return b, err
		}
		sum := sha256.Sum256(payload)
		b.want[i] = wantEntry{term: e.Term, cmd: e.CommandID, length: e.Length, sha: hex.EncodeToString(sum[:])}
	}
	st, err := gen.State(23, 4, gen.Voter)
	if err != nil {
		return b, err
	}
	st.CommitIndex, st.LastApplied = 19, 19
	return b, w.Close(st)
}

// FuzzWritesKeepCommitted runs repair --apply and convert (through
// cmd.Main, on temp copies) on real-format logs — every fixture and three
// generated logs, optionally with one byte changed — with random R, M,
// format and flag values. Property: a run either refuses (exit 1 or 2, the
// input byte for byte unchanged, no output) or its result keeps every
// committed entry the input held intact, checked by reading the result
// with its true geometry against what was appended (the manifest), not by
// the audit; and the result's commit index is never above a trusted one.
func FuzzWritesKeepCommitted(f *testing.F) {
	for i, b := range writeBases(f) {
		op := uint8(i % 7)
		f.Add(uint8(i), op, uint8(0), uint8(0), uint8(0), uint8(0), uint32(0), uint8(0))
		f.Add(uint8(i), op, uint8(i%6+1), uint8(0), uint8(0), uint8(2), uint32(0), uint8(0))
		if strings.Contains(b.name, "sparse") {
			f.Add(uint8(i), uint8(3), uint8(0), uint8(3), uint8(3), uint8(0), uint32(0), uint8(0))
		}
		f.Add(uint8(i), uint8(0), uint8(0), uint8(0), uint8(0), uint8(32|4|8), uint32(7*i+1), uint8(0x10))
	}
	f.Fuzz(func(t *testing.T, base, op, r, m, format, flags uint8, off uint32, val uint8) {
		all := writeBases(t)
		if testing.Short() && base%4 != 0 {
			t.Skip("-short: every fourth base") // the ARM run under qemu
		}
		b := all[int(base)%len(all)]
		dir := fixtures.Copy(t, b.dir)
		if flags&32 != 0 {
			damage(t, dir, off, val)
		}
		must, bound := mustKeep(t, b, dir, flags&2 != 0, flags&16 != 0)
		before := treeHash(t, dir)
		args, out, result := writeArgs(b, dir, t.TempDir(), op, r, m, format, flags)
		stdout, stderr, code := run(t, args...)
		wrote := treeHash(t, dir) != before
		if _, err := os.Stat(out); err == nil {
			wrote = true
		}
		switch {
		case op == 6 && wrote:
			t.Fatalf("repair without --apply wrote: %v\n%s%s", args, stdout, stderr)
		case code == 2 && wrote:
			t.Fatalf("exit 2 after writing: %v\n%s%s", args, stdout, stderr)
		case code != 0 && code != 1 && code != 2:
			t.Fatalf("exit %d: %v", code, args)
		case !wrote:
			return // refused, or nothing to do: the input is as it was
		}
		checkKept(t, b, args, result, out, must, bound, stdout+stderr)
	})
}

// damage changes one byte of one file of dir (val 0: cuts the file there).
func damage(t *testing.T, dir string, off uint32, val uint8) {
	var names []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	if len(names) == 0 {
		return
	}
	path := names[off%uint32(len(names))] // not int(off): negative on 32-bit ARM
	data, err := os.ReadFile(path)
	if err != nil || len(data) == 0 {
		return
	}
	at := int(off/7) % len(data)
	if val == 0 {
		data = data[:at]
	} else {
		data[at] ^= val
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// mustKeep reads the input with its true geometry and returns the indexes
// a write must keep: committed (by node.state's own CommitIndex when it is
// sound, by the manifest's when the fuzzer passes it as --commit-index,
// else the snapshot index), decoded intact, and equal to what was
// appended. With --allow-drop-committed only those before the first index
// the input does not hold intact. It also returns the commit index the
// result may not exceed: the cluster's (the manifest's), or a higher one
// on disk that nothing can tell from a sound one (a changed byte in a
// node.state without a checksum), -1 when the input cannot be read.
func mustKeep(t *testing.T, b writeBase, dir string, allowDrop, commitFlag bool) ([]int64, int64) {
	o := b.truth
	o.Force = true
	l, err := logdir.Open(dir, o)
	if err != nil {
		return nil, -1 // the damage made the log unreadable even with its true settings
	}
	defer l.Close()
	var s int64
	if l.Snapshot != nil {
		s = max(l.Snapshot.Index, 0)
	}
	c, bound := s, max(b.commit, s)
	if st := l.State; st != nil {
		sound := soundCommit(dir, l)
		if sound {
			bound = max(bound, st.CommitIndex)
		}
		switch {
		case commitFlag:
			c = b.commit
		case sound:
			c = max(st.CommitIndex, s)
		}
	}
	var keep []int64
	next, bad := s+1, int64(-1)
	l.Entries(s+1, min(c, l.Last), func(e raftlog.Entry) bool {
		if e.IsSnapshot {
			return true
		}
		if e.Index != next && bad < 0 {
			bad = next
		}
		next = e.Index + 1
		ok := e.State == raftlog.EntryOK && e.PayloadAvailable() == e.Length && (e.HashOK == nil || *e.HashOK)
		if !ok && bad < 0 {
			bad = e.Index
		}
		if ok && (!allowDrop || bad < 0) && matches(t, l, e, b.want) {
			keep = append(keep, e.Index)
		}
		return true
	})
	return keep, bound
}

// soundCommit: node.state is 128 bytes and its checksum is absent or
// matches; a WriteAheadLog checkpoint has one of the forms the library
// writes.
func soundCommit(dir string, l *logdir.Log) bool {
	if w := l.WAL(); w != nil {
		return !w.Checkpoint.Torn() && w.Checkpoint.Present
	}
	raw, err := os.ReadFile(filepath.Join(dir, nodestate.FileName))
	return err == nil && len(raw) == nodestate.Size && nodestate.Status(raw) != nodestate.ChecksumMismatch
}

// matches compares a decoded entry with what was appended at its index.
func matches(t *testing.T, l *logdir.Log, e raftlog.Entry, want map[int64]wantEntry) bool {
	w, ok := want[e.Index]
	if !ok || w.term != e.Term || w.length != e.Length || !raftlog.SameCommand(w.cmd, e.CommandID) {
		return false
	}
	return payloadSHA(t, l, e) == w.sha
}

func payloadSHA(t *testing.T, l *logdir.Log, e raftlog.Entry) string {
	r, err := l.Payload(e)
	if err != nil {
		return "unreadable"
	}
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "unreadable"
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Values the fuzzer draws settings from: the true ones and wrong ones.
var (
	fuzzFormats = []string{"", "legacy", "v2", "sparse", "wal"}
	fuzzM       = []int64{0, 300, 512, 1024, 2048, 10240}
	fuzzHashes  = []string{"", "none", "crc32", "xxhash3"}
	fuzzChunks  = []int64{0, 4096, 8192}
)

// writeArgs builds the command: op 0 repair --apply, 1–3 convert --out to
// legacy / v2 / sparse, 4 convert --in-place, 5 convert --to wal, 6 repair
// (plan only). It returns the arguments, the --out path and the directory
// holding the result.
func writeArgs(b writeBase, dir, tmp string, op, r, m, format, flags uint8) (args []string, out, result string) {
	out = filepath.Join(tmp, "out")
	var R int64
	if r != 0 {
		R = 2 + int64(r%7)
	}
	M := fuzzM[int(m)%len(fuzzM)]
	f := fuzzFormats[int(format)%len(fuzzFormats)]
	isWAL := b.truth.Format == "wal"
	add := func(cond bool, a ...string) {
		if cond {
			args = append(args, a...)
		}
	}
	switch op % 7 {
	case 0, 6:
		args = []string{"repair"}
		add(op%7 == 0, "--apply", "--backup", filepath.Join(tmp, "backup"))
		add(R > 0, "-R", fmt.Sprint(R))
		add(M > 0 && (f == "" || f == "sparse"), "-M", fmt.Sprint(M))
		add(f != "", "--format", f)
		add(
			isWAL && flags&128 != 0,
			"--hash",
			fuzzHashes[int(r)%len(fuzzHashes)],
			"--chunk-size",
			fmt.Sprint(max(fuzzChunks[int(m)%len(fuzzChunks)], 4096)),
		)
		add(flags&2 != 0, "--allow-drop-committed")
		add(flags&4 != 0, "--set-term", fmt.Sprint(b.term+int64(flags>>6)))
		add(flags&8 != 0, "--clear-vote")
		add(flags&16 != 0, "--commit-index", fmt.Sprint(b.commit))
		result = dir
	case 1, 2, 3, 4:
		to := []string{"legacy", "v2", "sparse", "v2"}[op%7-1]
		if op%7 == 4 && f != "" && f != "wal" {
			to = f
		}
		args = []string{"convert", "--to", to}
		if op%7 == 4 {
			args = append(args, "--in-place", "--backup", filepath.Join(tmp, "backup"))
			result = dir
		} else {
			args = append(args, "--out", out)
			result = out
		}
		add(R > 0 && flags&64 == 0, "--out-records-per-partition", fmt.Sprint(R))
		add(R > 0 && flags&64 != 0, "--in-records-per-partition", fmt.Sprint(R))
		add(to == "sparse" && M > 0, "--out-max-entry-size", fmt.Sprint(M))
		add(f != "" && f != "wal" && flags&1 == 0, "--in-format", f)
		add(isWAL && flags&128 != 0, "--in-hash", fuzzHashes[int(r)%len(fuzzHashes)])
		add(isWAL && R == 0, "--out-records-per-partition", "4") // a WriteAheadLog has no R to keep
	case 5:
		args = []string{"convert", "--to", "wal", "--out", out}
		add(flags&64 != 0, "--copy-snapshot")
		add(flags&128 != 0, "--out-hash", fuzzHashes[int(r)%len(fuzzHashes)])
		add(fuzzChunks[int(m)%len(fuzzChunks)] > 0, "--out-chunk-size", fmt.Sprint(fuzzChunks[int(m)%len(fuzzChunks)]))
		add(R > 0, "--in-records-per-partition", fmt.Sprint(R))
		add(f != "" && f != "wal", "--in-format", f)
		result = out
	}
	add(flags&1 != 0, "--override-evidence")
	return append(args, dir), out, result
}

// checkKept opens the result with its own detection (the settings the
// write used where detection is unsure) and checks every index of must.
func checkKept(t *testing.T, b writeBase, args []string, result, out string, must []int64, bound int64, output string) {
	l, err := openResult(b, args, result, out)
	if err != nil {
		if len(must) > 0 {
			t.Fatalf("%v: the result cannot be read back (%v) but must keep %v\n%s", args, err, must, output)
		}
		return
	}
	defer l.Close()
	if st := l.State; st != nil && bound >= 0 && st.CommitIndex > bound {
		t.Fatalf(
			"%v: commit index %d is above %d, the cluster's (or a sound one on disk)\n%s",
			args,
			st.CommitIndex,
			bound,
			output,
		)
	}
	var outSnap int64
	if l.Snapshot != nil {
		outSnap = l.Snapshot.Index
	}
	got := map[int64]raftlog.Entry{}
	l.Entries(l.First, l.Last, func(e raftlog.Entry) bool {
		if !e.IsSnapshot {
			got[e.Index] = e
		}
		return true
	})
	for _, i := range must {
		if i <= outSnap {
			continue // the result's snapshot covers it
		}
		e, ok := got[i]
		if !ok || e.State != raftlog.EntryOK || !matches(t, l, e, b.want) {
			t.Fatalf(
				"%s: %v: committed entry %d, intact in the input, is not kept (%+v)\n%s",
				b.name,
				args,
				i,
				e,
				output,
			)
		}
	}
}

// openResult reads the result: by detection, else (unsure) with what the
// write was told, else with the base's true settings. A WriteAheadLog
// written without the snapshot file is read as the node reads it once its
// state machine restored the snapshot.
func openResult(b writeBase, args []string, result, out string) (*logdir.Log, error) {
	l, err := logdir.Open(result, logdir.Options{})
	var unsure *logdir.ErrUnsure
	if err == nil || !errors.As(err, &unsure) {
		return l, err
	}
	o := b.truth
	if result == out || strings.Contains(strings.Join(args, " "), "--in-place") {
		o = logdir.Options{Format: format.Format(flagValue(args, "--to", string(b.truth.Format))), R: b.truth.R}
		if v := flagValue(args, "--out-records-per-partition", ""); v != "" {
			fmt.Sscan(v, &o.R)
		}
		if v := flagValue(args, "--out-max-entry-size", ""); v != "" {
			fmt.Sscan(v, &o.M)
		} else if o.Format == "sparse" {
			o.M = b.truth.M
		}
	}
	o.Force = true
	return logdir.Open(result, o)
}

func flagValue(args []string, name, def string) string {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == name {
			return args[i+1]
		}
	}
	return def
}
