package diff

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/walctl/walctl/raftlog"
)

func (e *engine) report() *Report {
	r := &Report{LastIndex: map[string]int64{}, CommitIndex: map[string]int64{},
		Behind: []Behind{}, Divergent: []Divergent{}, Overwritten: listed(e.overwrites), OverwrittenTotal: e.overwritten,
		Violations: listed(e.violations), Windows: listed(e.win.windows), WindowsOmitted: e.win.omitted,
		Notes: []string{}, Findings: raftlog.Findings{}, Pairs: []Pair{}}
	for k := range e.reps {
		n := e.node(k)
		r.Nodes = append(r.Nodes, n)
		if len(n.Padded292) > 0 {
			if r.Padded292 == nil {
				r.Padded292 = map[string][]int64{}
			}
			r.Padded292[n.Name] = n.Padded292
		}
		if na := e.nodes[k]; na.dmg244Total > 0 {
			if r.Damaged244 == nil {
				r.Damaged244 = map[string][]int64{}
			}
			r.Damaged244[n.Name] = na.dmg244
		}
		r.LastIndex[n.Name], r.CommitIndex[n.Name] = n.LastIndex, n.CommitIndex
		for _, m := range n.Missing {
			r.Behind = append(
				r.Behind,
				Behind{Node: n.Name, LastIndex: n.LastIndex, MissingFrom: m.From, MissingTo: m.To},
			)
		}
		for _, s := range n.Diverging {
			r.Divergent = append(
				r.Divergent,
				Divergent{Node: n.Name, FromIndex: s.From, ToIndex: s.To, Committed: s.Committed, Reason: s.Reason},
			)
		}
	}
	r.Agreement = agreement(&e.all, r.Nodes...)
	r.Padded292ViolationCount = e.padClashes
	for _, p := range e.pairs {
		r.Pairs = append(r.Pairs, pairFacts(p, r.Nodes[p.a], r.Nodes[p.b]))
	}
	r.Source = e.source(r.Nodes)
	r.Differences = e.differences(r)
	r.Notes = e.notes(r)
	r.Findings = e.findings(r)
	return r
}

func indexOrNil(i int64) *int64 {
	if i == 0 {
		return nil
	}
	return &i
}

// agreement is what p accumulated over nodes. The shared committed prefix
// is the largest k ≤ every node's commit index (and last index: an entry
// must exist to be shared) such that 1..k do not differ.
func agreement(p *pairAcc, nodes ...Node) Agreement {
	k := nodes[0].CommitIndex
	for _, n := range nodes {
		k = min(k, n.CommitIndex, n.LastIndex)
	}
	if p.firstDiff > 0 {
		k = min(k, p.firstDiff-1)
	}
	return Agreement{Identical: p.firstDiff == 0, Consistent: p.firstConflict == 0, SharedCommittedPrefix: max(k, 0),
		FirstDifferingIndex: indexOrNil(p.firstDiff), FirstConflictIndex: indexOrNil(p.firstConflict),
		LogMatchingViolations: p.clashes}
}

func pairFacts(p *pairAcc, a, b Node) Pair {
	common := max(a.LastIndex, b.LastIndex)
	if p.firstDiff > 0 {
		common = p.firstDiff - 1
	}
	return Pair{A: a.Name, B: b.Name, CommonPrefix: common, Agreement: agreement(p, a, b)}
}

func (e *engine) node(k int) Node {
	rep, na, c := e.reps[k], e.nodes[k], e.cur[k]
	n := Node{
		Name:             rep.Name,
		Dir:              rep.Dir,
		Format:           rep.Format,
		CommitIndex:      c.commit,
		LastIndex:        max(na.last, c.coverEnd),
		Entries:          na.entries,
		Missing:          na.missing,
		Diverging:        na.spans,
		Corrupt:          na.corrupt,
		CorruptTotal:     na.corruptTotal,
		Damaged:          na.damaged,
		AgreedPrefix:     na.prefixEnd,
		AgreedCommitted:  min(na.prefixEnd, c.commit),
		Padded292:        na.padded,
		Padded292Total:   na.paddedTotal,
		LocalDamage:      na.damage,
		LocalDamageTotal: na.damageCount,
	}
	if s := rep.State; s != nil {
		n.Term = s.Term
		n.Vote = vote(s)
	}
	if s := rep.Snapshot; s != nil && s.Index > 0 {
		n.Snapshot = &SnapshotRef{Index: s.Index, Term: s.Term}
	}
	n.Missing, n.Diverging, n.Corrupt = listed(n.Missing), listed(n.Diverging), listed(n.Corrupt)
	n.Padded292, n.LocalDamage = listed(n.Padded292), listed(n.LocalDamage)
	n.Standing = standing(na)
	return n
}

// listed is s, or an empty list for nil: the JSON says [] rather than null.
func listed[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func vote(s *raftlog.NodeState) *string {
	if !s.HasVote {
		return nil
	}
	v := s.Vote.Endpoint
	if v == "" {
		v = hex.EncodeToString(s.Vote.Raw[:])
	}
	return &v
}

func standing(na *nodeAcc) []string {
	var s []string
	if na.spansTotal > 0 {
		s = append(s, "divergent")
	}
	if na.missingTotal > 0 {
		s = append(s, "behind")
	}
	if na.corruptTotal > 0 {
		s = append(s, "corrupt")
	}
	if na.paddedTotal > 0 {
		s = append(s, StatusPadded)
	}
	if na.damageCount > 0 {
		s = append(s, StatusDamaged)
	}
	if len(s) == 0 {
		s = append(s, "identical")
	}
	return s
}

// source picks the safest node to re-replicate from. Rule: the node whose
// log matches the reference (majority) log on the longest prefix that it
// has itself committed. Those are entries Raft guarantees (committed) that
// no other replica contradicts (majority), so copying them neither loses
// a committed entry nor spreads one node's private corruption. Ties go to
// the longer matching prefix overall (more entries to hand out), then to
// the higher commit index, then to the node named first. A node that holds
// #292-padded entries, or local damage, is never the source while another
// node holds none: copying its log would hand out [zeros][payload] for
// those entries, or the damage.
func (e *engine) source(nodes []Node) Source {
	clean := func(n Node) bool { return n.Padded292Total == 0 && n.LocalDamageTotal == 0 }
	best := 0
	for k := 1; k < len(nodes); k++ {
		a, b := nodes[k], nodes[best]
		if clean(a) != clean(b) {
			if clean(a) {
				best = k
			}
			continue
		}
		if a.AgreedCommitted != b.AgreedCommitted {
			if a.AgreedCommitted > b.AgreedCommitted {
				best = k
			}
			continue
		}
		if a.AgreedPrefix != b.AgreedPrefix {
			if a.AgreedPrefix > b.AgreedPrefix {
				best = k
			}
			continue
		}
		if a.CommitIndex > b.CommitIndex {
			best = k
		}
	}
	n := nodes[best]
	src := Source{Node: n.Name, Reason: fmt.Sprintf(
		"entries 1–%d match the majority log and %s committed them (commit index %d); no node holds a longer such prefix",
		n.AgreedCommitted,
		n.Name,
		n.CommitIndex,
	)}
	switch {
	case n.Padded292Total > 0:
		src.Reason += "; but every node holds #292-padded entries: " +
			"run walctl repair --apply on each node before copying from any"
	case len(e.paddedNodes(nodes)) > 0:
		p := e.paddedNodes(nodes)
		src.Reason += fmt.Sprintf(
			"; %s %s #292-padded entries and %s not a source",
			strings.Join(p, ", "),
			map[bool]string{true: "holds", false: "hold"}[len(p) == 1],
			map[bool]string{true: "is", false: "are"}[len(p) == 1],
		)
	}
	return src
}

func (e *engine) paddedNodes(nodes []Node) []string {
	var out []string
	for _, n := range nodes {
		if n.Padded292Total > 0 {
			out = append(out, n.Name)
		}
	}
	return out
}

func (e *engine) notes(r *Report) []string {
	notes := []string{}
	for _, n := range r.Nodes {
		if n.Snapshot != nil {
			notes = append(
				notes,
				fmt.Sprintf(
					"%s holds indexes 1–%d as a snapshot of term %d: they are compared only where the other nodes hold entries, and index %d by its term only",
					n.Name,
					n.Snapshot.Index,
					n.Snapshot.Term,
					n.Snapshot.Index,
				),
			)
		}
	}
	if r.OverwrittenTotal > int64(len(r.Overwritten)) {
		notes = append(notes, fmt.Sprintf("overwritten lists %d of %d entries", len(r.Overwritten), r.OverwrittenTotal))
	}
	if r.LogMatchingViolations > int64(len(r.Violations)) {
		notes = append(
			notes,
			fmt.Sprintf("violations lists %d of %d indexes", len(r.Violations), r.LogMatchingViolations),
		)
	}
	if r.WindowsOmitted > 0 {
		notes = append(notes, fmt.Sprintf("%d more divergence windows not shown", r.WindowsOmitted))
	}
	for k, na := range e.nodes {
		if na.damageSpans > int64(len(na.damage)) || na.dmg244Total > int64(len(na.dmg244)) {
			notes = append(notes, fmt.Sprintf("%s: local damage lists cut to %d items (%d runs, %d indexes in all)",
				e.reps[k].Name, e.o.MaxDetails, na.damageSpans, na.damageCount))
		}
		if na.missingTotal > int64(len(na.missing)) || na.spansTotal > int64(len(na.spans)) ||
			na.corruptTotal > int64(len(na.corrupt)) {
			notes = append(
				notes,
				fmt.Sprintf(
					"%s: lists cut to %d items (%d missing ranges, %d divergent spans, %d corrupt entries in all)",
					e.reps[k].Name,
					e.o.MaxDetails,
					na.missingTotal,
					na.spansTotal,
					na.corruptTotal,
				),
			)
		}
	}
	return notes
}
