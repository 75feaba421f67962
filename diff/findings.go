package diff

import (
	"fmt"
	"strings"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/internal/shellquote"
	"github.com/walctl/walctl/raftlog"
)

func (e *engine) findings(r *Report) raftlog.Findings {
	var fs raftlog.Findings
	src := r.Source.Node
	var padDirs []string
	for _, n := range r.Nodes {
		if n.Padded292Total > 0 {
			padDirs = append(padDirs, shellquote.Join("walctl", "repair", "--apply", n.Dir))
		}
	}
	// The facts DIR (and REPLICA) fill the placeholders of a fix command:
	// diff knows the node's directory, so its commands are whole.
	facts := func(k int, msg string) finding.F {
		return finding.F{"detail": msg, "source": src, "dir": e.reps[k].Dir, "dirs": strings.Join(padDirs, "; "),
			"DIR": shellquote.Quote(e.reps[k].Dir)}
	}
	addForm := func(code finding.Code, form string, k int, idx int64, f finding.F) {
		fs.Add(raftlog.New(code, form, e.reps[k].Dir, -1, idx, f))
	}
	add := func(code finding.Code, k int, idx int64, msg string) { addForm(code, "", k, idx, facts(k, msg)) }
	for _, v := range r.Violations {
		if v.Cause != "" {
			continue // reported with the padded nodes (replica-padded-292)
		}
		add(finding.LogMatchingViolation, e.holderOf(v), v.Index, violationText(v))
	}
	for k, n := range r.Nodes {
		for _, s := range n.Diverging {
			rg := Range{From: s.From, To: s.To}
			if s.Committed {
				add(
					finding.ReplicaDivergentCommitted,
					k,
					s.From,
					fmt.Sprintf("%s: entries %s: %s", n.Name, rg, s.Reason),
				)
			} else {
				add(finding.ReplicaDivergentUncommitted, k, s.From, fmt.Sprintf("%s: entries %s: %s", n.Name, rg, s.Reason))
			}
		}
		for _, m := range n.Missing {
			if m.From > n.CommitIndex {
				add(
					finding.ReplicaBehind,
					k,
					m.From,
					fmt.Sprintf("%s lacks entries %s (its last index is %d)", n.Name, m, n.LastIndex),
				)
				continue
			}
			add(
				finding.ReplicaMissingCommitted,
				k,
				m.From,
				fmt.Sprintf("%s lacks entries %s although its commit index is %d",
					n.Name, m, n.CommitIndex),
			)
		}
		if n.Padded292Total > 0 {
			add(finding.ReplicaPadded292, k, n.Padded292[0], e.paddedText(k, n, r))
		}
		e.streamFindings(k, n, add)
	}
	for _, d := range r.Differences {
		if d.Class != ClassLocalDamage || d.Bug == Bug292 {
			continue // #292 padding is replica-padded-292
		}
		k := e.index(d.Node)
		f := facts(k, localDamageText(d))
		form := "" // repair --from the source
		switch {
		case d.Source == "":
			form, f["heal"] = "no-healer", d.Heal
		case r.Nodes[k].Format == format.WAL:
			form, f["sourceDir"] = "wal", d.sourceDir
		default:
			f["REPLICA"], f["sourceDir"] = shellquote.Quote(d.sourceDir), d.sourceDir
		}
		if !d.Committed {
			form = strings.TrimPrefix(form+"-uncommitted", "-")
		}
		addForm(finding.ReplicaLocalDamage, form, k, d.Indexes[0].From, f)
	}
	if fs == nil {
		fs = raftlog.Findings{}
	}
	return fs
}

func (e *engine) streamFindings(k int, n Node, add func(finding.Code, int, int64, string)) {
	c := e.cur[k]
	// Damaged entries local damage explains are reported with it.
	if left := n.Damaged - e.nodes[k].damagedLocal; left > 0 {
		add(
			finding.ReplicaEntryDamaged,
			k,
			c.firstDamage,
			fmt.Sprintf("%s: %d entries are damaged on disk (first at %d); they "+
				"were compared as read", n.Name, left, c.firstDamage),
		)
	}
	if c.unreadable > 0 {
		add(
			finding.ReplicaPayloadUnreadable,
			k,
			c.firstUnread,
			fmt.Sprintf("%s: %d payloads could not be read (first at %d); "+
				"they count as different from every other node's", n.Name, c.unreadable, c.firstUnread),
		)
	}
	if c.unordered > 0 {
		add(
			finding.ReplicaUnorderedEntries,
			k,
			raftlog.NoIndex,
			fmt.Sprintf("%s: %d entries came out of index order and were skipped",
				n.Name, c.unordered),
		)
	}
	if s := n.Snapshot; s != nil {
		add(
			finding.ReplicaSnapshot,
			k,
			s.Index,
			fmt.Sprintf("%s starts after a snapshot at %d (term %d): indexes 1–%d are "+
				"compared only where other nodes hold entries, %d by term only", n.Name, s.Index, s.Term, s.Index, s.Index),
		)
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
		parts[j] = fmt.Sprintf(
			"%s hold%s %d bytes sha256 %.12s",
			strings.Join(vr.Nodes, ", "),
			plural(len(vr.Nodes)),
			vr.Length,
			vr.SHA256,
		)
	}
	return fmt.Sprintf(
		"index %d, term %d: %s — same index and term, different content (Raft's Log Matching property says this cannot happen: corruption)",
		v.Index,
		v.Term,
		strings.Join(parts, "; "),
	)
}

func plural(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

// ---- the words of the classes (small functions: the text, not the logic) ----

func healFrom(srcDir, dir string, from format.Format) string {
	if from == format.WAL {
		return "walctl repair --from rebuilds PersistentState logs only; for this WriteAheadLog, " +
			shellquote.Join(
				"walctl",
				"repair",
				"--apply",
				"--allow-drop-committed",
				dir,
			) + " drops the damaged entries " +
			"and those after them (" + srcDir + " and a majority must hold them) and the leader re-replicates them"
	}
	return shellquote.Join("walctl", "repair", "--from", srcDir, "--apply", dir)
}

func noHealer(name string) string {
	return fmt.Sprintf("no other node holds these entries intact without damage of its own: heal the other nodes "+
		"first, then rebuild %s from one of them", name)
}

func damageCause(name, bug string) string {
	what := fmt.Sprintf("%s's own read of its files finds these entries damaged or missing (walctl verify on it "+
		"lists them)", name)
	switch bug {
	case BugT1:
		what = fmt.Sprintf("%s lost the inline records of entries it appended as leader (DotNext #244 T1, "+
			"5.4.0–5.7.1 with caching): the library reads them as Term 0, Length 0 and replays only what precedes; "+
			"the payload bytes are still on its disk", name)
	case BugT2:
		what = fmt.Sprintf("%s wrote entries at a wrong address (DotNext #244 T2, 5.4.0–5.7.2)", name)
	case BugT3:
		what = fmt.Sprintf("%s sealed a footer of garbage records after a restart (DotNext #244 T3, 5.4.0–5.7.2)", name)
	}
	return what + "; the other nodes hold them intact: local damage, no history diverged"
}

func padCause(name string) string {
	return fmt.Sprintf("%s recorded the zero bytes skipped up to a chunk boundary as part of these entries "+
		"(DotNext #292, 6.0.0–6.5.x): local damage, no history diverged", name)
}

func behindCause(n Node) string {
	return fmt.Sprintf("%s's log ends at %d: it has not received these entries yet", n.Name, n.LastIndex)
}

func behindHeal() string { return "nothing to do: the leader sends them when the node rejoins" }

func divergenceCause(n Node) string {
	return fmt.Sprintf("%s holds intact entries of other terms at these indexes: %s", n.Name, n.Diverging[0].Reason)
}

func clashCause(n Node) string {
	return fmt.Sprintf("%s holds intact entries of the same term as the others with other content "+
		"(a Log Matching violation): its own checks pass, so this is not damage walctl can attribute", n.Name)
}

func clashHeal(src string) string {
	return fmt.Sprintf("the leader never repairs this (its consistency check compares terms only): find the node "+
		"whose payload is wrong (walctl verify, the application's checksums) and rebuild it from %s", src)
}

func divergenceHeal(committed bool, src string) string {
	if committed {
		return fmt.Sprintf("two replicas committed different entries: stop the cluster, decide which history to keep, "+
			"and rebuild the others from it (safest source: %s)", src)
	}
	return "nothing to do: the leader overwrites them when the node rejoins"
}
