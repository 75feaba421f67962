package diff

import (
	"fmt"
	"strings"
)

// reference picks, at the current row, the entry the cluster is taken to
// hold — the yardstick for each node's standing.
//
// Only nodes still on the reference branch vote (a node leaves it where it
// holds an entry of another term: by Raft's Log Matching property, all its
// later entries descend from that other entry and carry no weight here).
// Entries are compared as appended: a #292-padded copy votes for the entry
// it pads. Among the voters' entries the one held by the most nodes wins — a
// majority when there is one; then the higher term (a newer leader's entry
// supersedes an older one's); then an entry some node has committed; then
// the earlier node on the command line. A snapshot votes for the entries of
// its term; when only snapshots or covered indexes remain, they are the
// reference (so a node lacking those indexes is behind). Copies their own
// node reads as damaged vote only when no intact copy is there.
func (e *engine) reference() (ref cell, hasRef bool) {
	// A copy its own node reads as damaged votes only where no intact copy
	// does: it is not what the cluster holds, it is what one node lost.
	for _, intactOnly := range []bool{true, false} {
		best, bestVotes := -1, 0
		for k, c := range e.cells {
			if !e.onRef[k] || (c.kind != entry && c.kind != snapshot) || (intactOnly && c.damaged) {
				continue
			}
			if c.kind == snapshot && e.anyEntryVoter() {
				continue
			}
			votes := e.votes(c)
			if best < 0 || e.better(c, votes, e.cells[best], bestVotes) {
				best, bestVotes = k, votes
			}
		}
		if best >= 0 {
			return e.cells[best], true
		}
	}
	for k, c := range e.cells {
		if e.onRef[k] && c.kind == covered {
			return c, true
		}
	}
	return cell{}, false
}

// holders lists the voters that hold the reference cell.
func (e *engine) holders(ref cell) []int {
	var ks []int
	for k, c := range e.cells {
		if e.onRef[k] && (c.kind == entry || c.kind == snapshot) && sameEntry(c, ref) {
			ks = append(ks, k)
		}
	}
	return ks
}

func (e *engine) anyEntryVoter() bool {
	for k, c := range e.cells {
		if e.onRef[k] && c.kind == entry {
			return true
		}
	}
	return false
}

// votes counts the voters whose cell agrees with c (snapshots by term).
func (e *engine) votes(c cell) int {
	n := 0
	for k, o := range e.cells {
		if e.onRef[k] && (o.kind == entry || o.kind == snapshot) && sameEntry(o, c) {
			n++
		}
	}
	return n
}

func (e *engine) better(c cell, votes int, b cell, bVotes int) bool {
	switch {
	case votes != bVotes:
		return votes > bVotes
	case c.c.term != b.c.term:
		return c.c.term > b.c.term
	case e.committedSomewhere(c) != e.committedSomewhere(b):
		return e.committedSomewhere(c)
	}
	return false // the earlier node keeps it
}

func (e *engine) committedSomewhere(c cell) bool {
	for k, o := range e.cells {
		if e.onRef[k] && o.held() && o.committed && sameEntry(o, c) {
			return true
		}
	}
	return false
}

// reason explains why node k's entry at i differs from the reference.
func (e *engine) reason(k int, ref cell, hasRef bool) string {
	c := e.cells[k]
	state := "uncommitted"
	if c.committed {
		state = "committed"
	}
	if !hasRef {
		return fmt.Sprintf(
			"%s entries of term %d that descend from an entry the other nodes do not hold",
			state,
			c.c.term,
		)
	}
	who := e.names(e.holders(ref))
	what := fmt.Sprintf("term-%d entries", ref.c.term)
	if ref.kind != entry {
		what = fmt.Sprintf("term-%d snapshot", ref.c.term)
	}
	if c.committed {
		return fmt.Sprintf(
			"committed entries of term %d differ from the %s of %s: a committed entry differs",
			c.c.term,
			what,
			who,
		)
	}
	return fmt.Sprintf("uncommitted suffix of term %d, superseded by the %s of %s", c.c.term, what, who)
}

func (e *engine) names(ks []int) string {
	if len(ks) == 0 {
		return "the reference"
	}
	s := make([]string, len(ks))
	for j, k := range ks {
		s[j] = e.reps[k].Name
	}
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
