package diff

import (
	"fmt"
	"strings"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/internal/shellquote"
	"github.com/walctl/walctl/raftlog"
)

// Every difference between the replicas is one of three things, and each
// calls for something else: damage to one node's files (heal that node from
// a replica), a node that is behind (nothing: the leader sends the rest), or
// histories that really diverged (Raft conflict: someone must decide).
const (
	// ClassLocalDamage: a node's own read of its files finds the entries
	// damaged or unusable (or a known defect's signature, or a hole in the
	// range its state says it holds) where the other nodes hold them intact.
	// No history diverged: the node lost what the cluster agreed on.
	ClassLocalDamage = "local-damage"
	// ClassBehind: a node lacks entries past the end of its own log.
	ClassBehind = "behind"
	// ClassDivergence: intact entries that differ — other terms at one index
	// (Raft conflict) or, with the same term, other content.
	ClassDivergence = "divergence"
)

// The DotNext defects whose signatures diff recognises in a node's files.
const (
	BugT1  = "DotNext #244 T1"
	BugT2  = "DotNext #244 T2"
	BugT3  = "DotNext #244 T3"
	Bug292 = "DotNext #292"
)

// bugCodes are the finding codes of logdir that name a defect's signature
// in one file.
var bugCodes = map[finding.Code]string{
	finding.T1MissingInlineRecords: BugT1,
	finding.MissingRecord:          BugT1, // the sparse format's T1: a zero record before its payload
	finding.T2HeaderOverwritten:    BugT2,
	finding.T3GarbageFooter:        BugT3,
}

// bugsByFile maps each file of a node's log to the defect its findings
// show there.
func bugsByFile(fs raftlog.Findings) map[string]string {
	m := map[string]string{}
	for _, f := range fs {
		if b, ok := bugCodes[f.Code]; ok && f.File != "" && m[f.File] == "" {
			m[f.File] = b
		}
	}
	return m
}

func is244(bug string) bool { return strings.HasPrefix(bug, "DotNext #244") }

// DamageSpan is a run of indexes a node holds damaged (or lacks inside its
// own log) while the other nodes hold them intact.
type DamageSpan struct {
	From      int64  `json:"from"`
	To        int64  `json:"to"`
	Committed bool   `json:"committed"`
	Bug       string `json:"bug,omitempty"` // the defect whose signature the node's files show, "" if none
}

// Difference is one classified difference: what it is, on which node and
// at which indexes, the defect behind it when its signature is known, and
// what heals it.
type Difference struct {
	Class   string  `json:"class"`
	Node    string  `json:"node"`
	Dir     string  `json:"dir"`
	Indexes []Range `json:"indexes"`
	// Total counts the indexes (Indexes may be cut to Options.MaxDetails).
	Total     int64  `json:"total"`
	Committed bool   `json:"committed"` // some of them are at or below the node's commit index
	Bug       string `json:"bug,omitempty"`
	Cause     string `json:"cause"`
	// Source is the node to heal from ("" when no replica command applies).
	Source string `json:"source,omitempty"`
	// Heal is the command that heals it, or what to do in words.
	Heal string `json:"heal"`
	// sourceDir is the Source node's directory (the finding's REPLICA).
	sourceDir string
}

// localDamage turns into StatusDamaged the statuses of cells that differ
// only because the node's own copy is unusable: a damaged entry (as its own
// decoder reads it, a hole the library reads as Term 0, an unreadable
// payload) or an index missing inside the range the node's state says it
// holds, where the reference is an intact entry some other node holds.
func (e *engine) localDamage(ref cell, hasRef bool) {
	if !hasRef || ref.kind != entry || ref.damaged {
		return
	}
	for k, c := range e.cells {
		switch st := e.status[k]; {
		case c.kind == entry && c.damaged && (st == StatusDivergent || st == StatusCorrupt):
			e.status[k] = StatusDamaged
		case c.kind == absent && st == StatusMissing && e.rowFrom <= e.cur[k].declared:
			e.status[k] = StatusDamaged
			e.cells[k].committed = e.rowFrom <= e.cur[k].commit
		}
	}
}

// damageCause explains a Log Matching violation by local damage when every
// copy of that term that differs from the reference is one its own node
// reads as damaged; "" otherwise.
func (e *engine) damageCause(term int64) string {
	var ks []int
	for k, c := range e.cells {
		if c.kind != entry || c.c.term != term || e.status[k] == StatusAgree {
			continue
		}
		if e.status[k] != StatusDamaged {
			return ""
		}
		ks = append(ks, k)
	}
	if len(ks) == 0 {
		return ""
	}
	return fmt.Sprintf("local damage: %s's own read finds the entry damaged (replica-local-damage)", e.names(ks))
}

// differences lists every classified difference, node by node.
func (e *engine) differences(r *Report) []Difference {
	out := []Difference{}
	for k, n := range r.Nodes {
		out = append(out, e.damageDiffs(k, n, r)...)
		if n.Padded292Total > 0 {
			out = append(
				out,
				Difference{Class: ClassLocalDamage, Node: n.Name, Dir: n.Dir, Indexes: singles(n.Padded292),
					Total: n.Padded292Total, Committed: n.Padded292[0] <= n.CommitIndex, Bug: Bug292, Cause: padCause(n.Name),
					Heal: shellquote.Join("walctl", "repair", "--apply", n.Dir)},
			)
		}
		if len(n.Missing) > 0 {
			out = append(out, Difference{Class: ClassBehind, Node: n.Name, Dir: n.Dir, Indexes: n.Missing,
				Total: e.nodes[k].missingIndexes, Committed: n.Missing[0].From <= n.CommitIndex,
				Cause: behindCause(n), Heal: behindHeal()})
		}
		out = append(out, divergence(n, r.Source.Node)...)
	}
	return out
}

// damageDiffs groups a node's local damage by the defect behind it.
func (e *engine) damageDiffs(k int, n Node, r *Report) []Difference {
	var out []Difference
	at := map[string]int{}
	for _, s := range n.LocalDamage {
		j, ok := at[s.Bug]
		if !ok {
			j = len(out)
			at[s.Bug] = j
			src := e.healSource(k, r)
			d := Difference{
				Class: ClassLocalDamage,
				Node:  n.Name,
				Dir:   n.Dir,
				Bug:   s.Bug,
				Cause: damageCause(n.Name, s.Bug),
			}
			if src >= 0 {
				d.Source, d.Heal = r.Nodes[src].Name, healFrom(r.Nodes[src].Dir, n.Dir, n.Format)
				d.sourceDir = r.Nodes[src].Dir
			} else {
				d.Heal = noHealer(n.Name)
			}
			out = append(out, d)
		}
		out[j].Indexes = append(out[j].Indexes, Range{From: s.From, To: s.To})
		out[j].Total += s.To - s.From + 1
		out[j].Committed = out[j].Committed || s.Committed
	}
	return out
}

// healSource is the node to rebuild node k from: the safest source when it
// holds no local damage itself, else the clean node that matches the
// majority log on the longest committed prefix; failing a clean one, a
// node whose own damage lies elsewhere (repair --from takes only the
// indexes k lost). -1 when no node qualifies.
func (e *engine) healSource(k int, r *Report) int {
	clean := func(n Node) bool { return n.LocalDamageTotal == 0 && n.Padded292Total == 0 }
	best, spare := -1, -1
	for j, n := range r.Nodes {
		switch {
		case j == k:
		case clean(n) && n.Name == r.Source.Node:
			return j
		case clean(n):
			if best < 0 || n.AgreedCommitted > r.Nodes[best].AgreedCommitted {
				best = j
			}
		case spare < 0 && n.Padded292Total == 0 && !overlaps(n.LocalDamage, r.Nodes[k].LocalDamage) &&
			int64(len(n.LocalDamage)) == e.nodes[j].damageSpans:
			spare = j
		}
	}
	if best < 0 {
		return spare
	}
	return best
}

// overlaps reports whether two lists of damage spans share an index.
func overlaps(a, b []DamageSpan) bool {
	for _, x := range a {
		for _, y := range b {
			if x.From <= y.To && y.From <= x.To {
				return true
			}
		}
	}
	return false
}

// divergence lists a node's intact entries that differ: other terms at an
// index (Raft conflict), and the same term with other content.
func divergence(n Node, src string) []Difference {
	var out []Difference
	if len(n.Diverging) > 0 {
		d := Difference{Class: ClassDivergence, Node: n.Name, Dir: n.Dir, Source: src}
		for _, s := range n.Diverging {
			d.Indexes = append(d.Indexes, Range{From: s.From, To: s.To})
			d.Total += s.To - s.From + 1
			d.Committed = d.Committed || s.Committed
		}
		d.Cause, d.Heal = divergenceCause(n), divergenceHeal(d.Committed, src)
		out = append(out, d)
	}
	if n.CorruptTotal > 0 {
		d := Difference{
			Class:   ClassDivergence,
			Node:    n.Name,
			Dir:     n.Dir,
			Indexes: singles(n.Corrupt),
			Total:   n.CorruptTotal,
			Source:  src,
			Cause:   clashCause(n),
			Heal:    clashHeal(src),
		}
		for _, i := range n.Corrupt {
			d.Committed = d.Committed || i <= n.CommitIndex
		}
		out = append(out, d)
	}
	return out
}

func singles(is []int64) []Range {
	out := make([]Range, len(is))
	for j, i := range is {
		out[j] = Range{From: i, To: i}
	}
	return out
}
