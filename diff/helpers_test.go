package diff

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/walctl/walctl/raftlog"
)

// fakeLog is an in-memory log for unit and fuzz tests.
type fakeLog struct {
	entries  []raftlog.Entry
	payloads map[int64][]byte
}

func (f *fakeLog) Entries(from, to int64, yield func(raftlog.Entry) bool) error {
	for _, e := range f.entries {
		if e.Index >= from && e.Index <= to && !yield(e) {
			return nil
		}
	}
	return nil
}

func (f *fakeLog) Payload(e raftlog.Entry) (io.Reader, error) {
	if e.IsSnapshot {
		return bytes.NewReader([]byte("snapshot state")), nil
	}
	return bytes.NewReader(f.payloads[e.Index]), nil
}

// fake builds a replica from a compact spec: one word per index, from 1 (or
// from the snapshot): "3" an entry of term 3, "3x" the same with another
// payload, "3x!" that entry as its own read finds it damaged, "e" an empty
// slot (no record), "-" a hole. snap > 0 puts a snapshot of term snapTerm
// at snap.
func fake(name string, commit int64, spec string, snap, snapTerm int64) Replica {
	f := &fakeLog{payloads: map[int64][]byte{}}
	i := int64(1)
	if snap > 0 {
		f.entries = append(
			f.entries,
			raftlog.Entry{Index: snap, Term: snapTerm, IsSnapshot: true, State: raftlog.EntryOK},
		)
		i = snap + 1
	}
	for _, w := range strings.Fields(spec) {
		switch {
		case w == "e": // an empty slot: no record
			f.entries = append(f.entries, raftlog.Entry{Index: i, State: raftlog.EntryEmpty})
		case strings.HasSuffix(w, "!"): // an entry its own read finds damaged (content as read)
			var term int64
			fmt.Sscanf(w, "%d", &term)
			p := []byte(
				fmt.Sprintf(
					"entry %d of term %d %s",
					i,
					term,
					strings.TrimRight(strings.TrimLeft(w, "0123456789"), "!"),
				),
			)
			f.payloads[i] = p
			f.entries = append(
				f.entries,
				raftlog.Entry{Index: i, Term: term, Length: int64(len(p)), State: raftlog.EntryDamaged},
			)
		case w != "-":
			var term int64
			fmt.Sscanf(w, "%d", &term)
			p := []byte(fmt.Sprintf("entry %d of term %d %s", i, term, strings.TrimLeft(w, "0123456789")))
			f.payloads[i] = p
			f.entries = append(
				f.entries,
				raftlog.Entry{Index: i, Term: term, Length: int64(len(p)), State: raftlog.EntryOK},
			)
		}
		i++
	}
	r := Replica{
		Name:   name,
		Dir:    "/logs/" + name,
		Format: "fake",
		State:  &raftlog.NodeState{CommitIndex: commit, Term: 1},
		First:  1,
		Last:   i - 1,
		Log:    f,
	}
	if snap > 0 {
		r.Snapshot = &raftlog.SnapshotMeta{Index: snap, Term: snapTerm}
		r.First = snap
	}
	return r
}

func mustCompare(t testing.TB, reps []Replica, o Options) *Report {
	t.Helper()
	r, err := Compare(reps, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// ---- the oracle: the facts computed the slow, obvious way ----

// oEntry is one entry as a fixture's readback lists it.
type oEntry struct {
	term   int64
	cmd    string
	length int64
	sha    string
}

// oLog is a log held in maps: what the oracle compares.
type oLog struct {
	name           string
	commit         int64
	snap, snapTerm int64
	entries        map[int64]oEntry
}

// facts are the overall facts a comparison must report.
type facts struct {
	Identical, Consistent    bool
	Shared                   int64
	FirstDiff, FirstConflict int64 // 0: none
	Violations               int64
	LastIndex, CommitIndex   map[string]int64
}

func (l oLog) last() int64 {
	m := l.snap
	for i := range l.entries {
		m = max(m, i)
	}
	return m
}

// holding says what l holds at i: 0 nothing, 1 covered, 2 snapshot, 3 entry.
func (l oLog) holding(i int64) (int, oEntry) {
	if e, ok := l.entries[i]; ok && i > l.snap {
		return 3, e
	}
	switch {
	case i == l.snap:
		return 2, oEntry{term: l.snapTerm}
	case i < l.snap:
		return 1, oEntry{}
	}
	return 0, oEntry{}
}

// oracle compares logs index by index over maps, with the rules of the
// package doc: a covered index matches anything held, a snapshot matches
// by term, entries by term, command id, length and hash.
func oracle(logs ...oLog) facts {
	f := facts{LastIndex: map[string]int64{}, CommitIndex: map[string]int64{}}
	top := int64(0)
	shared := int64(1 << 62)
	for _, l := range logs {
		f.LastIndex[l.name], f.CommitIndex[l.name] = l.last(), l.commit
		top = max(top, l.last())
		shared = min(shared, l.commit, l.last())
	}
	for i := int64(1); i <= top; i++ {
		clash := false
		for a := range logs {
			for b := a + 1; b < len(logs); b++ {
				ka, ea := logs[a].holding(i)
				kb, eb := logs[b].holding(i)
				differs, conflict := (ka == 0) != (kb == 0), false
				if ka != 0 && kb != 0 {
					switch {
					case ka == 1 || kb == 1:
					case ka == 2 || kb == 2:
						conflict = ea.term != eb.term
					default:
						conflict = ea != eb
						clash = clash || (conflict && ea.term == eb.term)
					}
				}
				if (differs || conflict) && f.FirstDiff == 0 {
					f.FirstDiff = i
				}
				if conflict && f.FirstConflict == 0 {
					f.FirstConflict = i
				}
			}
		}
		if clash {
			f.Violations++
		}
	}
	if f.FirstDiff > 0 {
		shared = min(shared, f.FirstDiff-1)
	}
	f.Shared = max(shared, 0)
	f.Identical, f.Consistent = f.FirstDiff == 0, f.FirstConflict == 0
	return f
}

// factsOf extracts the same facts from a report.
func factsOf(r *Report) facts {
	return facts{Identical: r.Identical, Consistent: r.Consistent, Shared: r.SharedCommittedPrefix,
		FirstDiff: deref(r.FirstDifferingIndex), FirstConflict: deref(r.FirstConflictIndex),
		Violations: r.LogMatchingViolations, LastIndex: r.LastIndex, CommitIndex: r.CommitIndex}
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// oracleOfFake reads a fake replica into the oracle's maps.
func oracleOfFake(r Replica) oLog {
	f := r.Log.(*fakeLog)
	l := oLog{name: r.Name, commit: r.State.CommitIndex, entries: map[int64]oEntry{}}
	if r.Snapshot != nil {
		l.snap, l.snapTerm = r.Snapshot.Index, r.Snapshot.Term
	}
	declared := max(r.State.LastIndex, r.State.CommitIndex)
	for _, e := range f.entries {
		if e.IsSnapshot || (e.State == raftlog.EntryEmpty && e.Index > declared) {
			continue
		}
		if e.State == raftlog.EntryEmpty {
			// what the library reads from a slot without a record
			l.entries[e.Index] = oEntry{term: 0, cmd: "-", sha: hex.EncodeToString(sha256.New().Sum(nil))}
			continue
		}
		sum := sha256.Sum256(f.payloads[e.Index])
		l.entries[e.Index] = oEntry{
			term:   e.Term,
			cmd:    cmdText(e.CommandID),
			length: e.Length,
			sha:    hex.EncodeToString(sum[:]),
		}
	}
	return l
}

func cmdText(c *int32) string {
	if c == nil {
		return "-"
	}
	return fmt.Sprint(*c)
}
