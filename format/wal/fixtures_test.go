package wal

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/raftlog"
)

// walFixtures returns every fixture written by the WAL generator.
func walFixtures(t *testing.T) []fixtures.Fixture {
	t.Helper()
	out := fixtures.All(t, "fixturegen-wal")
	if len(out) < 29 {
		t.Fatalf("found only %d WAL fixtures under %s", len(out), fixtures.Root())
	}
	return out
}

// readArgs maps the options of a fixture's read-args.txt to their values
// ("" for a flag without one, such as --legacy-timestamps).
func readArgs(t *testing.T, fx fixtures.Fixture) map[string]string {
	words := fixtures.ReadArgs(t, fx)
	args := map[string]string{}
	for k := 0; k < len(words); k++ {
		if k+1 < len(words) && !strings.HasPrefix(words[k+1], "--") {
			args[words[k]] = words[k+1]
			k++
		} else {
			args[words[k]] = ""
		}
	}
	return args
}

// padded292 lists the committed indexes whose payload the library read
// back differently from what was appended (the last append at each index):
// in the library-written fixtures that is #292 padding and nothing else.
func padded292(m fixtures.Manifest) []int64 {
	last := map[int64]int{}
	for k, a := range m.Appended {
		last[a.Index] = k
	}
	var out []int64
	for _, r := range m.Readback.Entries {
		k, ok := last[r.Index]
		if ok && !r.IsSnapshot && r.Index <= m.Readback.State.LastCommittedEntryIdx &&
			(m.Appended[k].Length != r.Length || m.Appended[k].SHA256 != r.SHA256) {
			out = append(out, r.Index)
		}
	}
	return out
}

// replicaNode is one node of a replica set with its readback.
type replicaNode struct {
	name string
	dir  string
	rb   fixtures.Readback
}

func replicaNodes(t *testing.T) []replicaNode {
	t.Helper()
	root := fixtures.Root()
	paths, _ := filepath.Glob(filepath.Join(root, "replicas", "*", "*", "node?.readback.json"))
	var out []replicaNode
	for _, p := range paths {
		var rb fixtures.Readback
		fixtures.ReadJSON(t, p, &rb)
		dir := strings.TrimSuffix(p, ".readback.json")
		if _, err := os.Stat(filepath.Join(dir, "node.state")); err == nil {
			continue // a PersistentState cluster: logdir's and diff's tests read it
		}
		rel, _ := filepath.Rel(root, dir)
		out = append(out, replicaNode{name: filepath.ToSlash(rel), dir: dir, rb: rb})
	}
	if len(out) < 18 {
		t.Fatalf("found only %d WriteAheadLog replica nodes", len(out))
	}
	return out
}

func openT(t *testing.T, dir string, o Options) *Log {
	t.Helper()
	l, err := Open(dir, o)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func collect(l *Log) []raftlog.Entry {
	var out []raftlog.Entry
	l.Entries(0, -1, func(e raftlog.Entry) bool {
		out = append(out, e)
		return true
	})
	return out
}

func payloadSHA(t *testing.T, l *Log, e raftlog.Entry) (string, int64) {
	t.Helper()
	h := sha256.New()
	cw := &countWriter{w: h}
	if err := l.ReadPayload(e, cw); err != nil {
		t.Errorf("entry %d: ReadPayload: %v", e.Index, err)
	}
	return hex.EncodeToString(h.Sum(nil)), cw.n
}

type countWriter struct {
	w interface{ Write([]byte) (int, error) }
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.w.Write(p)
}

// compareReadback checks Entries, payloads and the snapshot against what
// the library read from the same files.
func compareReadback(t *testing.T, l *Log, rb fixtures.Readback) {
	t.Helper()
	ours := map[int64]raftlog.Entry{}
	var order []int64
	for _, e := range collect(l) {
		ours[e.Index] = e
		order = append(order, e.Index)
	}
	if !sort.SliceIsSorted(order, func(i, j int) bool { return order[i] < order[j] }) {
		t.Errorf("Entries not in index order: %v", order)
	}
	want := 0
	for _, r := range rb.Entries {
		if r.IsSnapshot {
			s := l.Snapshot
			if s == nil {
				t.Errorf("readback has snapshot %d, Open found none", r.Index)
				continue
			}
			h := sha256.New()
			if err := l.ReadSnapshot(h); err != nil {
				t.Error(err)
			}
			if s.Index != r.Index || s.Term != r.Term || s.Length != r.Length ||
				hex.EncodeToString(h.Sum(nil)) != r.SHA256 {
				t.Errorf(
					"snapshot: got %d-%d len %d, readback %d-%d len %d",
					s.Index,
					s.Term,
					s.Length,
					r.Index,
					r.Term,
					r.Length,
				)
			}
			continue
		}
		want++
		e, ok := ours[r.Index]
		if !ok {
			t.Errorf("entry %d: in readback, not in Entries", r.Index)
			continue
		}
		if e.Term != r.Term || e.Length != r.Length {
			t.Errorf("entry %d: term/length %d/%d, readback %d/%d", r.Index, e.Term, e.Length, r.Term, r.Length)
		}
		if (e.CommandID == nil) != (r.CommandID == nil) || (e.CommandID != nil && *e.CommandID != *r.CommandID) {
			t.Errorf("entry %d: command id %v, readback %v", r.Index, ptr(e.CommandID), ptr(r.CommandID))
		}
		if r.TimestampTick != nil && *r.TimestampTick != e.Ticks {
			t.Errorf("entry %d: ticks %d, readback %d", r.Index, e.Ticks, *r.TimestampTick)
		}
		if got := e.Flags&FlagConfiguration != 0; got != r.IsConfig {
			t.Errorf("entry %d: configuration flag %v, readback %v", r.Index, got, r.IsConfig)
		}
		sum, n := payloadSHA(t, l, e)
		if sum != r.SHA256 || n != r.PayloadLength {
			t.Errorf(
				"entry %d: payload %d bytes sha %s…, readback %d bytes sha %s…",
				r.Index,
				n,
				sum[:12],
				r.PayloadLength,
				r.SHA256[:12],
			)
		}
		if e.Committed != (r.Index <= rb.State.LastCommittedEntryIdx) {
			t.Errorf(
				"entry %d: Committed %v with commit index %d",
				r.Index,
				e.Committed,
				rb.State.LastCommittedEntryIdx,
			)
		}
	}
	if len(ours) != want {
		t.Errorf("Entries yields %d entries, the library read %d", len(ours), want)
	}
}

func ptr(p *int32) any {
	if p == nil {
		return nil
	}
	return *p
}

// compareState checks the node state against the library's readback.
func compareState(t *testing.T, l *Log, rb fixtures.Readback) {
	t.Helper()
	st := rb.State
	ns := l.State
	if ns.Term != st.Term || ns.CommitIndex != st.LastCommittedEntryIdx || ns.LastIndex != st.LastEntryIndex {
		t.Errorf("state term/commit/last %d/%d/%d, readback %d/%d/%d", ns.Term, ns.CommitIndex, ns.LastIndex,
			st.Term, st.LastCommittedEntryIdx, st.LastEntryIndex)
	}
	if ns.LastApplied != -1 {
		t.Errorf("LastApplied %d, want -1 (not persisted)", ns.LastApplied)
	}
	switch st.Vote {
	case "expected":
		if !ns.HasVote || nodestate.FormatID(ns.Vote.Raw) != st.ExpectedMemberID || ns.Vote.Endpoint != st.ExpectedMember {
			t.Errorf(
				"vote %v %s %q, readback voted for %s (%s)",
				ns.HasVote,
				nodestate.FormatID(ns.Vote.Raw),
				ns.Vote.Endpoint,
				st.ExpectedMember,
				st.ExpectedMemberID,
			)
		}
	case "none":
		if ns.HasVote {
			t.Errorf("vote recorded for %q, readback none", ns.Vote.Endpoint)
		}
	case "other":
		if !ns.HasVote || nodestate.FormatID(ns.Vote.Raw) == st.ExpectedMemberID {
			t.Errorf("vote %v %s, readback: voted for another member", ns.HasVote, nodestate.FormatID(ns.Vote.Raw))
		}
	default:
		t.Errorf("unknown readback vote %q", st.Vote)
	}
	if st.SnapshotIndex != nil {
		if l.Snapshot == nil || l.Snapshot.Index != *st.SnapshotIndex || l.Snapshot.Term != *st.SnapshotTerm {
			t.Errorf("snapshot %+v, readback %d-%d", l.Snapshot, *st.SnapshotIndex, *st.SnapshotTerm)
		}
	}
}

// TestFixtureEntries: Entries reproduce what the library reads, for every
// fixture the library could read without an entry error (damaged ones
// included: walctl must show what the library does with them).
func TestFixtureEntries(t *testing.T) {
	n := 0
	for _, fx := range walFixtures(t) {
		rb := fx.Manifest.Readback
		if !rb.Opened() || len(rb.EntryErrors) > 0 || rb.Truncated {
			continue
		}
		n++
		t.Run(fx.Name, func(t *testing.T) {
			l := openT(t, fx.WAL, Options{})
			compareReadback(t, l, rb)
			compareState(t, l, rb)
		})
	}
	if n < 25 {
		t.Errorf("compared only %d fixtures", n)
	}
}

func TestReplicaEntries(t *testing.T) {
	for _, node := range replicaNodes(t) {
		t.Run(node.name, func(t *testing.T) {
			l := openT(t, node.dir, Options{})
			compareReadback(t, l, node.rb)
			compareState(t, l, node.rb)
			checkDetected(t, l.Params, node.rb.Settings, false)
			// The set's expect.json names the nodes the library padded (#292):
			// those indexes, and nothing else, are errors.
			var exp struct {
				Padded292 map[string][]int64 `json:"padded292"`
			}
			fixtures.ReadJSON(t, filepath.Join(filepath.Dir(node.dir), "expect.json"), &exp)
			var got []int64
			for _, f := range l.Check() {
				if f.Severity != raftlog.Error {
					continue
				}
				if f.Code != finding.Padding292 {
					t.Errorf("error on a node the library wrote: %s %s", f.Code, f.Message)
				}
				got = append(got, f.Index)
			}
			if want := exp.Padded292[filepath.Base(node.dir)]; !reflect.DeepEqual(got, want) {
				t.Errorf("padding-292 errors at %v, expect.json names %v", got, want)
			}
		})
	}
}

// checkDetected compares detected parameters with the writer's settings.
func checkDetected(t *testing.T, p Params, s fixtures.Settings, fiveX bool) {
	t.Helper()
	hash, _, ok := ParseHash(s.Hash)
	if !ok {
		t.Fatalf("settings hash %q", s.Hash)
	}
	wantLayout := Layout6
	if s.LegacyTimestamp || fiveX {
		wantLayout = Layout5
	}
	if p.ChunkSize != s.ChunkSize || p.Hash != hash || p.Layout != wantLayout || p.SnapshotDir != s.SnapshotDirectory {
		t.Errorf(
			"detected %s (snapshots %q), want chunk %d hash %s layout %s snapshots %q",
			p,
			p.SnapshotDir,
			s.ChunkSize,
			hash,
			wantLayout,
			s.SnapshotDirectory,
		)
	}
	if wantLayout == Layout5 {
		want := TicksZero
		if fiveX {
			want = TicksUTC
		}
		if p.Timestamps != want {
			t.Errorf("timestamps %q, want %q", p.Timestamps, want)
		}
	}
	if p.Confidence == Low || p.PageSize != 4096 {
		t.Errorf("confidence %s page %d: %v", p.Confidence, p.PageSize, p.Evidence)
	}
}

// TestFixtureDetect: Detect finds the writer's parameters without options,
// damaged fixtures included, and agrees with read-args.txt.
func TestFixtureDetect(t *testing.T) {
	for _, fx := range walFixtures(t) {
		t.Run(fx.Name, func(t *testing.T) {
			p, err := Detect(fx.WAL, Options{})
			if err != nil {
				t.Fatal(err)
			}
			fiveX := strings.HasPrefix(fx.Manifest.Library.RequestedVersion, "5.")
			checkDetected(t, p, fx.Manifest.Settings, fiveX)
			// read-args.txt is what the library was given to read the files.
			fxArgs := readArgs(t, fx)
			if a := fxArgs["--chunk-size"]; a != itoa(p.ChunkSize) {
				t.Errorf("read-args chunk size %s, detected %d", a, p.ChunkSize)
			}
			if a, ok := fxArgs["--hash"]; ok && !strings.EqualFold(a, p.Hash.String()) {
				t.Errorf("read-args hash %s, detected %s", a, p.Hash)
			}
			_, legacy := fxArgs["--legacy-timestamps"]
			if legacy != (p.Layout == Layout5 && p.Timestamps == TicksZero) {
				t.Errorf("read-args legacy %v, detected %s/%s", legacy, p.Layout, p.Timestamps)
			}
			if a := fxArgs["--snapshot-dir"]; a != p.SnapshotDir {
				t.Errorf("read-args snapshot dir %q, detected %q", a, p.SnapshotDir)
			}
			wantForm := CheckpointV1 // 6.8.0+
			switch v := fx.Manifest.Library.RequestedVersion; {
			case fiveX:
				wantForm = Checkpoint5x
			case fixtures.VersionLess(v, "6.8.0"):
				wantForm = CheckpointV0 // 6.0–6.7 write the 12-byte version-0 checkpoint
			}
			if fx.Manifest.Damage == nil && p.CheckpointForm != wantForm {
				t.Errorf("checkpoint form %d, want %d", p.CheckpointForm, wantForm)
			}
		})
	}
}

func errorsOf(fs raftlog.Findings) []string {
	var out []string
	for _, f := range fs {
		if f.Severity == raftlog.Error {
			out = append(out, string(f.Code)+" "+f.File+": "+f.Message)
		}
	}
	return out
}

// TestFixtureVerdict: Check gives the expect.json verdict, and for damaged
// fixtures a finding with the expected code at the damaged file.
func TestFixtureVerdict(t *testing.T) {
	for _, fx := range walFixtures(t) {
		t.Run(fx.Name, func(t *testing.T) {
			l := openT(t, fx.WAL, Options{})
			fs := l.Check()
			if got := fs.HasErrors(); got != (fx.Expect.Verdict == "damaged") {
				t.Fatalf("verdict %s, but errors: %v", fx.Expect.Verdict, errorsOf(fs))
			}
			for _, f := range fs {
				if f.Code == "" || f.Message == "" || strings.ToLower(string(f.Code)) != string(f.Code) ||
					strings.Contains(string(f.Code), " ") {
					t.Errorf("malformed finding %+v", f)
				}
				if f.Severity == raftlog.Error && f.Fix == "" {
					t.Errorf("error finding without a fix: %+v", f)
				}
			}
			if fx.Expect.Verdict != "damaged" {
				return
			}
			if fx.Manifest.Damage == nil {
				// The library damaged the log itself (#292): exactly the padded
				// committed entries are errors.
				var got []int64
				for _, f := range fs {
					if f.Severity == raftlog.Error {
						if string(f.Code) != fx.Expect.Damage {
							t.Errorf("unexpected error %s at %d: %s", f.Code, f.Index, f.Message)
						}
						got = append(got, f.Index)
					}
				}
				if want := padded292(fx.Manifest); len(want) == 0 || !reflect.DeepEqual(got, want) {
					t.Errorf("%s errors at %v, the library read back other payloads at %v", fx.Expect.Damage, got, want)
				}
				checkRepairHints(t, l, fx)
				return
			}
			found := false
			for _, f := range fs {
				if string(f.Code) == fx.Expect.Damage && f.File == fx.Manifest.Damage.File &&
					f.Severity == raftlog.Error {
					found = true
					if idx := fx.Manifest.Damage.Index; idx != nil && f.Index != raftlog.NoIndex && f.Index > *idx {
						t.Errorf("finding index %d after the damaged index %d", f.Index, *idx)
					}
				}
			}
			if !found {
				t.Errorf("no %s finding at %s; findings: %v", fx.Expect.Damage, fx.Manifest.Damage.File, errorsOf(fs))
			}
			checkRepairHints(t, l, fx)
		})
	}
}

// checkRepairHints: the Extent keeps every index expect.json says a repair
// must keep, and repairable damage gets an applicable fix.
func checkRepairHints(t *testing.T, l *Log, fx fixtures.Fixture) {
	t.Helper()
	ext := l.Extent()
	for _, i := range fx.Expect.CommittedIntact {
		if i > ext.ValidEnd {
			t.Errorf("committed-intact index %d beyond ValidEnd %d", i, ext.ValidEnd)
		}
	}
	for _, f := range l.Check() {
		if string(f.Code) != fx.Expect.Damage {
			continue
		}
		// Repairable damage gets a repair that needs no value from the
		// cluster (a term T, a commit index N) and drops no committed entry.
		cmd := " " + f.FixCommand + " "
		applicable := f.FixKind == finding.Run && strings.HasPrefix(f.FixCommand, "walctl repair --apply") &&
			!strings.Contains(
				cmd,
				"--allow-drop-committed",
			) && !strings.Contains(cmd, " T ") && !strings.Contains(cmd, " N ")
		if applicable != fx.Expect.Repairable {
			t.Errorf("repairable %v, but the fix says %q", fx.Expect.Repairable, f.Fix)
		}
	}
}

// TestPartitions: every chunk a live payload touches lists that entry's
// index in its range, every metadata page its live slots, and the chunk the
// data-chunk-missing fixtures deleted holds the entries their note names.
func TestPartitions(t *testing.T) {
	for _, fx := range walFixtures(t) {
		if fx.Manifest.Damage != nil {
			continue
		}
		t.Run(fx.Name, func(t *testing.T) {
			l := openT(t, fx.WAL, Options{})
			parts := map[string]raftlog.Partition{}
			for _, p := range l.Files {
				parts[p.File] = p
			}
			for _, e := range collect(l) {
				files := []string{e.Record.File}
				for _, s := range e.Payload {
					files = append(files, s.File)
				}
				for _, f := range files {
					p, ok := parts[f]
					if !ok || e.Index < p.FirstIndex || e.Index > p.LastIndex {
						t.Errorf("entry %d uses %s, whose partition is %+v", e.Index, f, p)
					}
				}
			}
			// The damaged copy's note lists the payloads the chunk held.
			var note struct {
				Note string `json:"note"`
			}
			damaged := filepath.Join(fx.Dir+"+data-chunk-missing", "expect.json")
			if _, err := os.Stat(damaged); err != nil {
				return
			}
			fixtures.ReadJSON(t, damaged, &note)
			var chunk string
			var list []int64
			head, rest, _ := strings.Cut(note.Note, " deleted (payloads of entries ")
			chunk = head[strings.LastIndex(head, " ")+1:]
			if err := json.Unmarshal([]byte(strings.TrimSuffix(rest, ")")), &list); err != nil || len(list) == 0 {
				t.Fatalf("cannot parse note %q: %v", note.Note, err)
			}
			p := parts[chunk]
			for _, i := range list {
				if i < p.FirstIndex || i > p.LastIndex {
					t.Errorf("%s holds %d–%d, the note says entry %d", chunk, p.FirstIndex, p.LastIndex, i)
				}
			}
		})
	}
}
