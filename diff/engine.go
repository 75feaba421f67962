package diff

import (
	"fmt"
	"math"
)

// engine holds the state of one streaming comparison: one cursor per log,
// the per-node and per-pair accumulators, the reference set and the window
// builder. Nothing in it grows with the log length except counters.
type engine struct {
	o     Options
	reps  []Replica
	cur   []*cursor
	nodes []*nodeAcc
	pairs []*pairAcc
	// onRef[k]: node k is still on the reference branch (see reference).
	onRef []bool
	win   windower
	all   pairAcc // the facts over all nodes

	violations  []Violation
	overwrites  []Overwrite
	overwritten int64
	// padClashes counts the violations that #292 padding explains.
	padClashes int64

	cells   []cell   // scratch: the current row
	status  []string // scratch: each cell against the reference
	rowFrom int64    // the current row's first index
}

func newEngine(reps []Replica, o Options) *engine {
	n := len(reps)
	e := &engine{o: o, reps: reps, onRef: make([]bool, n), cells: make([]cell, n), status: make([]string, n),
		win: newWindower(o.Context, o.MaxWindows)}
	for k, r := range reps {
		e.cur = append(e.cur, newCursor(r))
		e.nodes = append(e.nodes, &nodeAcc{max: o.MaxDetails})
		e.onRef[k] = true
	}
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			e.pairs = append(e.pairs, &pairAcc{a: a, b: b})
		}
	}
	return e
}

func (e *engine) close() {
	for _, c := range e.cur {
		c.close()
	}
}

// run walks the union of the indexes the logs hold, from 1 up. Indexes no
// log holds are skipped in one step (a hostile last index cannot make it
// count to 2^63); ranges only some snapshots cover are handled as one row.
func (e *engine) run() error {
	i := int64(1)
	for {
		next := int64(-1)
		for _, c := range e.cur {
			if n := c.nextIndex(); n >= 0 && (next < 0 || n < next) {
				next = n
			}
		}
		if next < 0 {
			e.gap(i, e.maxCover())
			break
		}
		e.gap(i, next-1)
		for k, c := range e.cur {
			var err error
			if e.cells[k], err = c.at(next); err != nil {
				return err
			}
		}
		e.row(next, next)
		if next == math.MaxInt64 {
			break // nothing can follow (and next+1 would wrap)
		}
		i = next + 1
	}
	for _, c := range e.cur {
		if c.err != nil {
			return c.err
		}
	}
	e.win.finish()
	return nil
}

func (e *engine) maxCover() int64 {
	m := int64(0)
	for _, c := range e.cur {
		m = max(m, c.coverEnd)
	}
	return m
}

// gap handles a..b, where no log holds an entry: each node either covers
// an index with its snapshot or lacks it. The range is cut where a
// snapshot's coverage ends so that every row is uniform.
func (e *engine) gap(a, b int64) {
	for a <= b {
		end := b
		for _, c := range e.cur {
			if c.coverEnd >= a && c.coverEnd < end {
				end = c.coverEnd
			}
		}
		anyCovered := false
		for k, c := range e.cur {
			e.cells[k] = cell{kind: absent}
			if a <= c.coverEnd {
				e.cells[k] = cell{kind: covered, committed: true}
				anyCovered = true
			}
		}
		if anyCovered {
			e.row(a, end)
		}
		if end == b {
			return
		}
		a = end + 1
	}
}

// row compares the current cells, which hold for every index from..to.
func (e *engine) row(from, to int64) {
	e.rowFrom = from
	ref, hasRef := e.reference()
	e.judge(ref, hasRef)
	e.localDamage(ref, hasRef)
	differs := e.compare(from, to)
	for k, na := range e.nodes {
		if na.add(from, to, e.cells[k], e.status[k]) {
			na.setReason(e.reason(k, ref, hasRef))
		}
		e.noteOverwrite(k, from, ref, hasRef)
	}
	// A node leaves the reference branch where it holds an entry of another
	// term; it rejoins where it holds the reference's entry again. Damage of
	// its own (StatusDamaged) is no entry of another branch: it stays.
	for k, st := range e.status {
		switch {
		case st == StatusDivergent:
			e.onRef[k] = false
		case (st == StatusAgree || st == StatusPadded) && e.cells[k].kind != covered:
			e.onRef[k] = true
		}
		if st == StatusPadded {
			e.nodes[k].notePadded(from, e.unpaddedHolders(ref))
		}
	}
	e.win.add(rawRow{from: from, to: to, differs: differs, cells: e.cells, status: e.status})
}

// judge sets each node's status against the reference cell.
func (e *engine) judge(ref cell, hasRef bool) {
	for k, c := range e.cells {
		switch {
		case c.kind == absent && hasRef:
			e.status[k] = StatusMissing
		case c.kind == absent:
			e.status[k] = StatusNone
		case c.kind == covered:
			e.status[k] = StatusAgree
		case !hasRef:
			e.status[k] = StatusDivergent
		case sameEntry(c, ref) && c.padded:
			e.status[k] = StatusPadded
		case sameEntry(c, ref):
			e.status[k] = StatusAgree
		case sameTermClashAppended(c, ref):
			e.status[k] = StatusCorrupt
		default:
			e.status[k] = StatusDivergent
		}
	}
}

// compare feeds every pair and the overall facts; it returns whether the
// nodes differ on this row.
func (e *engine) compare(from, to int64) bool {
	var differs, conflict, clash bool
	clashTerm := int64(0)
	for _, p := range e.pairs {
		ca, cb := e.cells[p.a], e.cells[p.b]
		d, c, l := relate(ca, cb)
		p.add(from, d, c, l)
		differs, conflict = differs || d, conflict || c
		if l && !clash {
			clash, clashTerm = true, ca.c.term
		}
	}
	e.all.add(from, differs, conflict, clash)
	cause := ""
	if clash {
		cause = e.paddingCause(clashTerm)
		if cause != "" {
			e.padClashes++
		} else {
			cause = e.damageCause(clashTerm)
		}
	}
	if clash && len(e.violations) < e.o.MaxDetails {
		v := e.violation(from, clashTerm)
		v.Cause = cause
		e.violations = append(e.violations, v)
	}
	return differs
}

// paddingCause explains a Log Matching violation by #292 padding when the
// entries of that term agree once their padding is taken off and some
// node holds a padded copy; it returns "" otherwise.
func (e *engine) paddingCause(term int64) string {
	var first *cell
	var padded, clean []int
	for k := range e.cells {
		c := &e.cells[k]
		if c.kind != entry || c.c.term != term {
			continue
		}
		if first != nil && c.t != first.t {
			return ""
		}
		first = c
		if c.padded {
			padded = append(padded, k)
		} else {
			clean = append(clean, k)
		}
	}
	if len(padded) == 0 {
		return ""
	}
	s := fmt.Sprintf("DotNext bug #292: %s recorded the zero bytes skipped up to a chunk boundary as part of the entry",
		e.names(padded))
	if len(clean) > 0 {
		s += fmt.Sprintf("; without them it is the entry %s holds", e.names(clean))
	}
	return s
}

// unpaddedHolders names the nodes that hold the reference entry without
// padding.
func (e *engine) unpaddedHolders(ref cell) string {
	var ks []int
	for _, k := range e.holders(ref) {
		if !e.cells[k].padded {
			ks = append(ks, k)
		}
	}
	if len(ks) == 0 {
		return ""
	}
	return e.names(ks)
}

// relate says whether two cells differ (a missing entry included), conflict
// (both hold something and it differs), and clash (same term, different
// content: a Log Matching violation).
func relate(a, b cell) (differs, conflict, clash bool) {
	if a.held() != b.held() {
		return true, false, false
	}
	if !a.held() {
		return false, false, false
	}
	conflict = !compatible(a, b)
	return conflict, conflict, sameTermClash(a, b)
}

func (e *engine) violation(i, term int64) Violation {
	v := Violation{Index: i, Term: term}
	for k, c := range e.cells {
		if c.kind != entry || c.c.term != term {
			continue
		}
		found := false
		for j := range v.Variants {
			if v.Variants[j].SHA256 == c.hash() && v.Variants[j].Length == c.c.length {
				v.Variants[j].Nodes = append(v.Variants[j].Nodes, e.reps[k].Name)
				found = true
			}
		}
		if !found {
			v.Variants = append(
				v.Variants,
				Variant{Nodes: []string{e.reps[k].Name}, Length: c.c.length, CommandID: c.cmd, SHA256: c.hash()},
			)
		}
	}
	return v
}

// noteOverwrite records an entry a re-replication would replace: a
// divergent entry where the reference holds an entry. Corrupt entries are
// not listed: a leader never replaces an entry whose term matches (its
// consistency check compares terms only).
func (e *engine) noteOverwrite(k int, i int64, ref cell, hasRef bool) {
	c := e.cells[k]
	if e.status[k] != StatusDivergent || c.kind != entry || !hasRef || ref.kind != entry {
		return
	}
	e.overwritten++
	if len(e.overwrites) < e.o.MaxDetails {
		e.overwrites = append(
			e.overwrites,
			Overwrite{Node: e.reps[k].Name, Index: i, OldTerm: c.c.term, OldSHA256: c.hash(),
				NewTerm: ref.c.term, NewSHA256: ref.hash()},
		)
	}
}
