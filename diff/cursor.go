package diff

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"iter"

	"github.com/walctl/walctl/raftlog"
)

// kind is what a node holds at one index.
type kind uint8

const (
	absent   kind = iota // no entry
	covered              // inside the node's snapshot: content unknown, not compared
	snapshot             // the snapshot itself: compared by term only
	entry                // a log entry: compared by content
)

// content is what identifies an entry across replicas: never where it is
// stored, only what it holds.
type content struct {
	term   int64
	hasCmd bool
	cmd    int32
	length int64
	sum    [sha256.Size]byte
	// unreadable: the payload could not be read, so sum is of a part only
	// and must not equal a readable payload's.
	unreadable bool
}

// cell is one node's holding at one index.
type cell struct {
	kind      kind
	c         content // term is set for snapshot cells too
	cmd       *int32
	committed bool
	damaged   bool
	// padded: the node's record covers #292 padding (DotNext 6.0.0–6.5.x
	// recorded the zero bytes skipped up to a chunk boundary as part of the
	// entry). c is what the library delivers, padding included; t is the
	// appended entry, which is what the cluster is compared on. For other
	// cells t == c.
	padded bool
	t      content
	// hole: an empty slot at an index the node's state says it holds; the
	// library reads it as Term 0, Length 0 (c is that), so it is compared
	// as such and is damaged.
	hole bool
	// bug names the DotNext defect whose signature the node's files show
	// where this entry is stored ("" when none is known).
	bug string
}

// compatible says whether two held cells do not contradict each other:
// covered indexes are never compared, a snapshot is compared by its term.
func compatible(a, b cell) bool {
	switch {
	case a.kind == covered || b.kind == covered:
		return true
	case a.kind == snapshot || b.kind == snapshot:
		return a.c.term == b.c.term
	}
	return a.c == b.c
}

// sameTermClash is a Log Matching violation: two entries of the same term
// at the same index with different content.
func sameTermClash(a, b cell) bool {
	return a.kind == entry && b.kind == entry && a.c.term == b.c.term && a.c != b.c
}

// sameEntry and sameTermClashAppended are compatible and sameTermClash on
// the appended entries: a #292-padded copy of an entry is the entry, so
// the reference and each node's standing are judged on them, while the
// facts (first conflict, violations) stay what the library delivers.
func sameEntry(a, b cell) bool {
	if a.kind == entry && b.kind == entry {
		return a.t == b.t
	}
	return compatible(a, b)
}

func sameTermClashAppended(a, b cell) bool {
	return a.kind == entry && b.kind == entry && a.t.term == b.t.term && a.t != b.t
}

func (c cell) held() bool { return c.kind != absent }

func (c cell) hash() string { return hex.EncodeToString(c.c.sum[:]) }

// cursor pulls one replica's entries in index order.
type cursor struct {
	r        Replica
	next     func() (raftlog.Entry, bool)
	stop     func()
	err      error
	peek     *raftlog.Entry
	prev     int64 // index of the last entry taken, to drop out-of-order ones
	coverEnd int64 // indexes ≤ coverEnd belong to the snapshot (0: none)
	commit   int64
	buf      []byte
	// what the stream met that the report mentions
	unordered   int64
	unreadable  int64
	firstUnread int64
	firstDamage int64

	// declared is the last index the node's state says it holds: an empty
	// slot up to it is read as the library reads it (Term 0, Length 0), an
	// index it lacks up to it is a hole in its own log.
	declared int64
	// bugs maps a file of the log to the DotNext defect its findings name.
	bugs map[string]string
}

func newCursor(r Replica) *cursor {
	c := &cursor{r: r, buf: make([]byte, 32<<10), bugs: bugsByFile(r.Findings)}
	if r.State != nil {
		c.commit = r.State.CommitIndex
		c.declared = max(r.State.LastIndex, r.State.CommitIndex, 0)
	}
	if s := r.Snapshot; s != nil && s.Index > 0 {
		c.coverEnd = s.Index
	}
	seq := func(yield func(raftlog.Entry) bool) {
		c.err = r.Log.Entries(max(r.First, 1), r.Last, yield)
	}
	c.next, c.stop = iter.Pull(seq)
	c.advance()
	return c
}

// advance loads the next entry that holds something, skipping empty slots
// and entries at or below one already taken (a hostile log may repeat them).
func (c *cursor) advance() {
	c.peek = nil
	for {
		e, ok := c.next()
		if !ok {
			return
		}
		if e.Index < 1 || e.Index <= c.prev {
			c.unordered++
			continue
		}
		if e.State == raftlog.EntryEmpty && e.Index > c.declared {
			continue
		}
		c.peek = &e
		return
	}
}

// at returns the node's cell at index i and consumes its entry there.
func (c *cursor) at(i int64) (cell, error) {
	if c.peek == nil || c.peek.Index != i {
		if i <= c.coverEnd {
			return cell{kind: covered, committed: true}, nil
		}
		return cell{kind: absent}, nil
	}
	e := *c.peek
	c.prev = i
	c.advance()
	if e.IsSnapshot {
		return cell{kind: snapshot, c: content{term: e.Term}, committed: true}, nil
	}
	out := cell{kind: entry, committed: i <= c.commit, damaged: e.State != raftlog.EntryOK, cmd: e.CommandID,
		bug: c.bugs[e.Record.File]}
	if e.State == raftlog.EntryEmpty {
		// What the library reads from a slot without a record.
		e = raftlog.Entry{Index: e.Index, State: e.State, Record: e.Record}
		out.hole, out.cmd = true, nil
	}
	out.c = content{term: e.Term, length: e.Length}
	if e.CommandID != nil {
		out.c.hasCmd, out.c.cmd = true, *e.CommandID
	}
	var skip int64 = -1
	if p := e.Padding292; p != nil && p.Proven {
		skip = p.Bytes
	}
	readable, err := c.digest(e, &out.c.sum, skip, &out.t.sum)
	if err != nil {
		return cell{}, err
	}
	if skip >= 0 && readable {
		out.padded, out.bug = true, Bug292
		out.t.term, out.t.hasCmd, out.t.cmd, out.t.length = out.c.term, out.c.hasCmd, out.c.cmd, e.Padding292.TrueLength
	} else {
		out.t = out.c
	}
	if !readable {
		out.damaged, out.c.unreadable = true, true
		c.unreadable++
		if c.firstUnread == 0 {
			c.firstUnread = i
		}
	}
	if out.damaged && c.firstDamage == 0 {
		c.firstDamage = i
	}
	return out, nil
}

// digest hashes the payload bytes on disk, and with skip ≥ 0 also the
// bytes after the first skip ones (a #292-padded entry's appended payload)
// into tsum, in the same pass. A file of the log that does not exist makes
// the payload unreadable (damage, reported); any other read error
// (permissions, I/O, descriptors) stops the comparison, since facts
// computed from payloads that could not be read would be false.
func (c *cursor) digest(e raftlog.Entry, sum *[sha256.Size]byte, skip int64,
	tsum *[sha256.Size]byte) (readable bool, err error) {
	h := sha256.New()
	var w io.Writer = h
	var th hash.Hash
	if skip >= 0 {
		th = sha256.New()
		w = io.MultiWriter(h, &skipWriter{w: th, skip: skip})
	}
	r, err := c.r.Log.Payload(e)
	if err == nil {
		// Hide any WriterTo: io.MultiReader's would allocate 32 KiB per call.
		_, err = io.CopyBuffer(w, struct{ io.Reader }{r}, c.buf)
	}
	h.Sum(sum[:0])
	if th != nil {
		th.Sum(tsum[:0])
	}
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("%s: reading the payload of entry %d: %w", c.r.Dir, e.Index, err)
}

// skipWriter passes on what follows the first skip bytes.
type skipWriter struct {
	w    io.Writer
	skip int64
}

func (s *skipWriter) Write(p []byte) (int, error) {
	n := len(p)
	k := min(int64(len(p)), s.skip)
	s.skip -= k
	if rest := p[k:]; len(rest) > 0 {
		if _, err := s.w.Write(rest); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// nextIndex is the index of the next held entry, or -1 at the end.
func (c *cursor) nextIndex() int64 {
	if c.peek == nil {
		return -1
	}
	return c.peek.Index
}

func (c *cursor) close() {
	c.stop()
	if r, ok := c.r.Log.(releaser); ok {
		r.releaseFiles()
	}
}
