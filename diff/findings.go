package diff

import (
	"fmt"
	"strings"

	"github.com/walctl/walctl/raftlog"
)

// Finding codes emitted by Compare.
const (
	// A node's committed entries differ from the reference log: two
	// replicas committed different entries at one index.
	CodeDivergentCommitted = "replica-divergent-committed"
	// A node's uncommitted entries differ: a stale suffix the leader
	// overwrites when the node rejoins.
	CodeDivergentUncommitted = "replica-divergent-uncommitted"
	// Same index, same term, different content on two nodes.
	CodeLogMatching = "log-matching-violation"
	// A node lacks entries above its commit index: it is behind.
	CodeBehind = "replica-behind"
	// A node lacks entries at or below its own commit index.
	CodeMissingCommitted = "replica-missing-committed"
	// A node's own decoder found entries damaged; they were compared as read.
	CodeEntryDamaged = "replica-entry-damaged"
	// A node's payload could not be read; the entry differs from every other.
	CodePayloadUnreadable = "replica-payload-unreadable"
	// A node's log yielded entries out of index order; they were skipped.
	CodeUnordered = "replica-unordered-entries"
	// A node's log starts after a snapshot; covered indexes are not compared.
	CodeSnapshot = "replica-snapshot"
	// A node holds entries with DotNext #292 padding: it delivers
	// [zeros][payload] where the others hold the appended payload.
	CodePadded292 = "replica-padded-292"
	// A node's own copy of entries the other nodes hold intact is damaged
	// or missing (a known defect's signature, or what its own read finds):
	// local damage, no history diverged; it is healed from a replica.
	CodeLocalDamage = "replica-local-damage"
)

func (e *engine) findings(r *Report) raftlog.Findings {
	var fs raftlog.Findings
	add := func(sev raftlog.Severity, code string, k int, idx int64, msg, fix string) {
		fs.Add(raftlog.Finding{Severity: sev, Code: code, File: e.reps[k].Dir, Offset: -1, Index: idx, Message: msg, Fix: fix})
	}
	src := r.Source.Node
	var padFix []string
	for _, n := range r.Nodes {
		if n.Padded292Total > 0 {
			padFix = append(padFix, "walctl repair --apply "+n.Dir)
		}
	}
	for _, v := range r.Violations {
		if v.Cause != "" {
			continue // reported with the padded nodes (replica-padded-292)
		}
		add(raftlog.Error, CodeLogMatching, e.holderOf(v), v.Index, violationText(v),
			fmt.Sprintf("the leader never repairs this (its consistency check compares terms only): find the node whose payload is wrong (walctl verify, the application's checksums) and rebuild it from %s", src))
	}
	for k, n := range r.Nodes {
		for _, s := range n.Diverging {
			rg := Range{From: s.From, To: s.To}
			if s.Committed {
				add(raftlog.Error, CodeDivergentCommitted, k, s.From, fmt.Sprintf("%s: entries %s: %s", n.Name, rg, s.Reason),
					fmt.Sprintf("two replicas committed different entries: stop the cluster, decide which history to keep, and rebuild the others from it (safest source: %s)", src))
			} else {
				add(raftlog.Warning, CodeDivergentUncommitted, k, s.From, fmt.Sprintf("%s: entries %s: %s", n.Name, rg, s.Reason),
					"nothing to do: the leader overwrites them when the node rejoins")
			}
		}
		for _, m := range n.Missing {
			if m.From > n.CommitIndex {
				add(raftlog.Info, CodeBehind, k, m.From, fmt.Sprintf("%s lacks entries %s (its last index is %d)", n.Name, m, n.LastIndex),
					"nothing to do: the leader sends them when the node rejoins")
				continue
			}
			add(raftlog.Warning, CodeMissingCommitted, k, m.From, fmt.Sprintf("%s lacks entries %s although its commit index is %d", n.Name, m, n.CommitIndex),
				fmt.Sprintf("run walctl verify on %s; rebuild it from %s if its log is damaged", n.Dir, src))
		}
		if n.Padded292Total > 0 {
			add(raftlog.Error, CodePadded292, k, n.Padded292[0], e.paddedText(k, n, r),
				strings.Join(padFix, "; ")+" (on every node that holds padded entries: corrects only the padded "+
					"records, no data byte moves; the logs then agree)")
		}
		e.streamFindings(k, n, add)
	}
	for _, d := range r.Differences {
		if d.Class != ClassLocalDamage || d.Bug == Bug292 {
			continue // #292 padding is replica-padded-292
		}
		sev := raftlog.Warning
		if d.Committed {
			sev = raftlog.Error
		}
		add(sev, CodeLocalDamage, e.index(d.Node), d.Indexes[0].From, localDamageText(d), d.Heal)
	}
	if fs == nil {
		fs = raftlog.Findings{}
	}
	return fs
}

func (e *engine) streamFindings(k int, n Node, add func(raftlog.Severity, string, int, int64, string, string)) {
	c := e.cur[k]
	// Damaged entries local damage explains are reported with it.
	if left := n.Damaged - e.nodes[k].damagedLocal; left > 0 {
		add(raftlog.Warning, CodeEntryDamaged, k, c.firstDamage, fmt.Sprintf("%s: %d entries are damaged on disk (first at %d); they were compared as read", n.Name, left, c.firstDamage),
			fmt.Sprintf("run walctl verify %s", n.Dir))
	}
	if c.unreadable > 0 {
		add(raftlog.Warning, CodePayloadUnreadable, k, c.firstUnread, fmt.Sprintf("%s: %d payloads could not be read (first at %d); they count as different from every other node's", n.Name, c.unreadable, c.firstUnread),
			fmt.Sprintf("check the files of %s (permissions, missing data files) and run walctl verify", n.Dir))
	}
	if c.unordered > 0 {
		add(raftlog.Warning, CodeUnordered, k, raftlog.NoIndex, fmt.Sprintf("%s: %d entries came out of index order and were skipped", n.Name, c.unordered),
			fmt.Sprintf("run walctl verify %s", n.Dir))
	}
	if s := n.Snapshot; s != nil {
		add(raftlog.Info, CodeSnapshot, k, s.Index, fmt.Sprintf("%s starts after a snapshot at %d (term %d): indexes 1–%d are compared only where other nodes hold entries, %d by term only", n.Name, s.Index, s.Term, s.Index, s.Index),
			"nothing to do")
	}
}

// index is the position of the node named name.
func (e *engine) index(name string) int {
	for k, r := range e.reps {
		if r.Name == name {
			return k
		}
	}
	return 0
}

// localDamageText says which of a node's entries are damaged, by what, and
// that the other nodes hold them.
func localDamageText(d Difference) string {
	rs := make([]string, 0, len(d.Indexes))
	var listed int64
	for _, r := range d.Indexes {
		rs = append(rs, r.String())
		listed += r.To - r.From + 1
	}
	list := strings.Join(rs, ", ")
	if d.Total > listed {
		list += fmt.Sprintf(" (+%d more)", d.Total-listed)
	}
	what := "entry "
	if d.Total > 1 {
		what = "entries "
	}
	return fmt.Sprintf("%s: %s%s: %s", d.Node, what, list, d.Cause)
}

// holderOf names the node of the least-held variant of a violation: the
// likelier culprit when the others agree.
func (e *engine) holderOf(v Violation) int {
	least := 0
	for j, vr := range v.Variants {
		if len(vr.Nodes) < len(v.Variants[least].Nodes) {
			least = j
		}
	}
	if len(v.Variants) == 0 {
		return 0
	}
	name := v.Variants[least].Nodes[0]
	for k, r := range e.reps {
		if r.Name == name {
			return k
		}
	}
	return 0
}

// paddedText says what a node's #292 padding does and who holds the
// appended entries.
func (e *engine) paddedText(k int, n Node, r *Report) string {
	list := joinIndexes(n.Padded292, n.Padded292Total)
	who := "no other node"
	if h := e.nodes[k].padHolders; h != "" {
		who = h
	}
	lm := ""
	switch n := r.Padded292ViolationCount; {
	case n == 1 && r.LogMatchingViolations == 1:
		lm = "; the Log Matching violation is this padding, not divergent histories"
	case n > 0 && n == r.LogMatchingViolations:
		lm = fmt.Sprintf("; the %d Log Matching violations are this padding, not divergent histories", n)
	case n > 0:
		lm = fmt.Sprintf("; %d of the %d Log Matching violations are this padding, not divergent histories",
			n, r.LogMatchingViolations)
	}
	return fmt.Sprintf("%s holds %s with DotNext #292 padding: a 6.0.0–6.5.x writer recorded the zero bytes it "+
		"skipped up to a chunk boundary as part of the entry, so %s delivers [zeros][payload] to its state machine "+
		"where %s holds the appended payload%s",
		n.Name, list, n.Name, who, lm)
}

func joinIndexes(is []int64, total int64) string {
	s := make([]string, len(is))
	for j, i := range is {
		s[j] = fmt.Sprint(i)
	}
	what := "entry "
	if total > 1 {
		what = "entries "
	}
	out := what + strings.Join(s, ", ")
	if total > int64(len(is)) {
		out += fmt.Sprintf(" (+%d more)", total-int64(len(is)))
	}
	return out
}

func violationText(v Violation) string {
	parts := make([]string, len(v.Variants))
	for j, vr := range v.Variants {
		parts[j] = fmt.Sprintf("%s hold%s %d bytes sha256 %.12s", strings.Join(vr.Nodes, ", "), plural(len(vr.Nodes)), vr.Length, vr.SHA256)
	}
	return fmt.Sprintf("index %d, term %d: %s — same index and term, different content (Raft's Log Matching property says this cannot happen: corruption)",
		v.Index, v.Term, strings.Join(parts, "; "))
}

func plural(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}
