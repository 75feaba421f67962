package diff

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// copyWAL writes a new WriteAheadLog holding the first keep entries of src
// followed by tail, with the given commit index. It returns the oracle's
// view of what it wrote.
func copyWAL(
	t *testing.T,
	name string,
	src *logdir.Log,
	keep int64,
	tail []wal.NewEntry,
	commit int64,
) (Replica, oLog) {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	ol := oLog{name: name, commit: commit, entries: map[int64]oEntry{}}
	var out []wal.NewEntry
	err := src.Entries(1, keep, func(e raftlog.Entry) bool {
		r, err := src.Payload(e)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		out = append(
			out,
			wal.NewEntry{Term: e.Term, CommandID: e.CommandID, Length: int64(len(b)), Payload: bytes.NewReader(b)},
		)
		ol.entries[e.Index] = oEntry{term: e.Term, cmd: cmdText(e.CommandID), length: int64(len(b)), sha: sha(b)}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	for j, e := range tail {
		b, _ := io.ReadAll(e.Payload)
		e.Payload = bytes.NewReader(b)
		out = append(out, e)
		ol.entries[keep+int64(j)+1] = oEntry{term: e.Term, cmd: cmdText(e.CommandID), length: e.Length, sha: sha(b)}
	}
	term := int64(0)
	for _, e := range out {
		term = max(term, e.Term)
	}
	seq := func(yield func(wal.NewEntry) bool) {
		for _, e := range out {
			if !yield(e) {
				return
			}
		}
	}
	if err := wal.Create(dst, wal.Params{}, raftlog.NodeState{Term: term}, commit, seq); err != nil {
		t.Fatal(err)
	}
	// A copy of one or two entries holds too few records for detection to
	// tell the record layout; say which one the writer used.
	l, err := logdir.Open(
		dst,
		logdir.Options{Format: "wal", WAL: wal.Options{Layout: "6", Hash: "none", ChunkSize: 4096}},
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return FromLogdir(name, l), ol
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func newTerm(term int64, n int) []wal.NewEntry {
	var es []wal.NewEntry
	for j := 0; j < n; j++ {
		es = append(es, wal.BytesEntry(term, []byte(fmt.Sprintf("rewritten %d in term %d", j, term))))
	}
	return es
}

func fixtureReplica(t *testing.T, name, as string) (Replica, oLog, *logdir.Log) {
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), filepath.FromSlash(name)))
	rep := openReplicas(t, []string{f.WAL}, []string{as})[0]
	ol := oracleOfFixture(f)
	ol.name = as
	return rep, ol, rep.Log.(*dirLog).Log
}

// Copies of a real log truncated at different points: a follower behind
// by that much, consistent, with the shared committed prefix where the
// copy ends.
func TestTruncatedCopies(t *testing.T) {
	for _, keep := range []int64{1, 5, 10, 16, 17, 19} {
		t.Run(fmt.Sprint(keep), func(t *testing.T) {
			leader, lo, l := fixtureReplica(t, "6.12.0/wal-basic", "leader")
			commit := min(keep, lo.commit)
			follower, fo := copyWAL(t, "follower", l, keep, nil, commit)
			r := mustCompare(t, []Replica{leader, follower}, Options{})
			if got, want := factsOf(r), oracle(lo, fo); !reflect.DeepEqual(got, want) {
				t.Errorf("facts\n got %+v\nwant %+v", got, want)
			}
			last := lo.last()
			want := []Behind{{Node: "follower", LastIndex: keep, MissingFrom: keep + 1, MissingTo: last}}
			if !r.OK() || !reflect.DeepEqual(r.Behind, want) || r.SharedCommittedPrefix != commit {
				t.Errorf(
					"ok %v behind %+v shared %d, want %+v and %d",
					r.OK(),
					r.Behind,
					r.SharedCommittedPrefix,
					want,
					commit,
				)
			}
		})
	}
}

// A tail rewritten in a higher term: against two copies of the original
// (one of them written with another hash: same entries, other bytes) the
// rewritten node diverges — a warning while its new entries are
// uncommitted, an error for the ones it committed. Alone against the
// original, the higher term is the reference, and the original's
// committed entries past the fork are the error.
func TestTailRewrittenInHigherTerm(t *testing.T) {
	const keep = 12
	cases := []struct {
		name     string
		commit   int64
		withPeer bool
		diverge  map[string]string
		codes    []string
		source   string
	}{
		{"uncommitted rewrite", keep, true, map[string]string{"rewritten": "13–22"},
			[]string{"warning replica-divergent-uncommitted"}, "original"},
		{"committed rewrite", keep + 2, true, map[string]string{"rewritten": "13–14c,15–22"},
			[]string{"error replica-divergent-committed", "warning replica-divergent-uncommitted"}, "original"},
		// The higher term is the reference: the original's last entries
		// diverge, and it lacks the rewritten log's 21–22.
		{"two nodes", keep, false, map[string]string{"original": "13–17c,18–20"},
			[]string{
				"error replica-divergent-committed",
				"warning replica-divergent-uncommitted",
				"info replica-behind",
			}, "rewritten"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			orig, oo, l := fixtureReplica(t, "6.12.0/wal-basic", "original")
			reps, logs := []Replica{orig}, []oLog{oo}
			if c.withPeer {
				peer, po, _ := fixtureReplica(t, "6.12.0/wal-hash-crc32", "peer")
				reps, logs = append(reps, peer), append(logs, po)
			}
			rw, ro := copyWAL(t, "rewritten", l, keep, newTerm(7, 10), c.commit)
			reps, logs = append(reps, rw), append(logs, ro)
			r := mustCompare(t, reps, Options{})
			if got, want := factsOf(r), oracle(logs...); !reflect.DeepEqual(got, want) {
				t.Errorf("facts\n got %+v\nwant %+v", got, want)
			}
			wantBehind := []Behind{}
			if !c.withPeer {
				wantBehind = []Behind{{Node: "original", LastIndex: 20, MissingFrom: 21, MissingTo: 22}}
			}
			if r.OK() || deref(r.FirstConflictIndex) != keep+1 || !reflect.DeepEqual(r.Behind, wantBehind) {
				t.Errorf("ok %v first conflict %v behind %+v", r.OK(), deref(r.FirstConflictIndex), r.Behind)
			}
			got := map[string]string{}
			for _, n := range r.Nodes {
				if s := rangesText(nil, n.Diverging); s != "" {
					got[n.Name] = s
				}
			}
			if !reflect.DeepEqual(got, c.diverge) {
				t.Errorf("diverging %v, want %v", got, c.diverge)
			}
			var codes []string
			for _, f := range r.Findings {
				codes = append(codes, string(f.Severity)+" "+string(f.Code))
			}
			if !reflect.DeepEqual(codes, c.codes) {
				t.Errorf("findings %v, want %v", codes, c.codes)
			}
			if r.Source.Node != c.source {
				t.Errorf("source %s, want %s", r.Source.Node, c.source)
			}
		})
	}
}

// The same entries written by different formats and versions are identical
// replicas: compared by content, never by file offset.
func TestMixedFormatsSameEntries(t *testing.T) {
	sets := [][]string{
		{"5.26.2/legacy-basic", "5.26.2/table-basic", "5.7.1/legacy-basic"},
		{"6.12.0/wal-basic", "6.12.0/wal-legacy-layout", "6.12.0/wal-hash-xxhash3", "6.12.0/wal-hash-crc64"},
		{"5.26.2/legacy-snapshot", "5.26.2/table-snapshot"},
		{"5.26.2/wal-snapshot", "6.12.0/wal-snapshot"},
	}
	for _, set := range sets {
		t.Run(strings.Join(set, ","), func(t *testing.T) {
			var reps []Replica
			for _, name := range set {
				rep, _, _ := fixtureReplica(t, name, name)
				reps = append(reps, rep)
			}
			r := mustCompare(t, reps, Options{})
			if !r.Identical || !r.OK() || len(r.Windows) != 0 {
				t.Errorf("identical %v ok %v first differing %v", r.Identical, r.OK(), deref(r.FirstDifferingIndex))
			}
		})
	}
}

// sampler wraps a log and, every `every` entries, measures the live heap
// after a collection: the memory the comparison holds at that point.
type sampler struct {
	Log
	every   int64
	samples []uint64
}

func (s *sampler) Entries(from, to int64, yield func(raftlog.Entry) bool) error {
	return s.Log.Entries(from, to, func(e raftlog.Entry) bool {
		if e.Index%s.every == 0 {
			var m runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m)
			s.samples = append(s.samples, m.HeapAlloc)
		}
		return yield(e)
	})
}

// bigWAL writes n entries of ~100 bytes, diverging from the common history
// at fork (term 2 instead of 1) when fork > 0.
func bigWAL(t *testing.T, dir string, n, fork int64) {
	t.Helper()
	entries := func(yield func(wal.NewEntry) bool) {
		for i := int64(1); i <= n; i++ {
			term := int64(1)
			if fork > 0 && i >= fork {
				term = 2
			}
			p := []byte(fmt.Sprintf("%-96d/%d", i, term))
			if !yield(wal.BytesEntry(term, p)) {
				return
			}
		}
	}
	var seq iter.Seq[wal.NewEntry] = entries
	if err := wal.Create(dir, wal.Params{ChunkSize: 1 << 20}, raftlog.NodeState{Term: 2}, n-100, seq); err != nil {
		t.Fatal(err)
	}
}

// Two large logs streamed in lockstep: the live heap does not grow with
// the length compared (samples along a 40 000-entry stream), and logs four
// times longer do not need more memory (the slack covers what opening a
// log keeps: a few bytes per metadata page).
func TestStreamingMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes two 4 MB logs")
	}
	peak := func(n int64) (first, top uint64, r *Report) {
		dir := t.TempDir()
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		bigWAL(t, a, n, 0)
		bigWAL(t, b, n, n-50) // a divergence near the end: windows are built too
		reps := openReplicas(t, []string{a, b}, []string{"a", "b"})
		s := &sampler{Log: reps[0].Log, every: n / 20}
		reps[0].Log = s
		r = mustCompare(t, reps, Options{})
		top = s.samples[0]
		for _, v := range s.samples {
			top = max(top, v)
		}
		return s.samples[0], top, r
	}
	_, smallTop, _ := peak(10_000)
	first, top, r := peak(40_000)
	t.Logf(
		"live heap: 10k-entry run peak %d KiB; 40k-entry run first sample %d KiB, peak %d KiB",
		smallTop>>10,
		first>>10,
		top>>10,
	)
	const slack = 1 << 20
	if top > first+slack {
		t.Errorf("live heap grew from %d to %d bytes along the stream", first, top)
	}
	if top > smallTop+slack {
		t.Errorf("a 4× longer log peaked at %d bytes, the short one at %d", top, smallTop)
	}
	if deref(r.FirstConflictIndex) != 40_000-50 || len(r.Windows) != 1 {
		t.Errorf("first conflict %v, %d windows", deref(r.FirstConflictIndex), len(r.Windows))
	}
}

// Payloads crossing more chunk files than diff keeps open read whole and
// right, and the open files stay bounded however many chunks the log has.
func TestPayloadsAcrossManyChunks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "big")
	var payloads [][]byte
	seq := func(yield func(wal.NewEntry) bool) {
		for i := 0; i < 12; i++ {
			p := bytes.Repeat([]byte{byte('a' + i)}, 5000*(i+1)) // up to 15 chunks of 4 KiB
			payloads = append(payloads, p)
			if !yield(wal.BytesEntry(1, p)) {
				return
			}
		}
	}
	if err := wal.Create(dir, wal.Params{}, raftlog.NodeState{Term: 1}, 12, seq); err != nil {
		t.Fatal(err)
	}
	rep := openReplicas(t, []string{dir}, []string{"big"})[0]
	d := rep.Log.(*dirLog)
	c := newCursor(rep)
	defer c.close()
	for i := int64(1); i <= 12; i++ {
		cl, err := c.at(i)
		if err != nil {
			t.Fatal(err)
		}
		if want := sha256.Sum256(payloads[i-1]); cl.c.sum != want || cl.damaged {
			t.Errorf("entry %d: hash %x, want %x", i, cl.c.sum[:4], want[:4])
		}
		if len(d.open) > openFiles {
			t.Fatalf("%d files open", len(d.open))
		}
	}
}
