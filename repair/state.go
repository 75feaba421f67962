package repair

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/rebuild"
)

// stateCheck says which node.state fields survive and what the operator's
// flags supply for the rest. A term or a vote no byte still holds is never
// guessed: a wrong one can make the node vote twice in one term.
type stateCheck struct {
	size      int
	mismatch  bool
	termLost  bool
	voteLost  bool
	fatal     string // damage no flag can make up for
	stored    nodestate.State
	setTerm   *int64
	clearVote bool
}

func checkState(raw []byte, st nodestate.State, o Options) stateCheck {
	c := stateCheck{size: len(raw), stored: st, setTerm: o.SetTerm, clearVote: o.ClearVote}
	c.mismatch = len(raw) >= nodestate.Size && nodestate.Status(raw) == nodestate.ChecksumMismatch
	c.termLost = c.size < nodestate.OffVoteFlag || c.mismatch
	c.voteLost = c.size <= nodestate.OffVoteFlag ||
		(st.HasVote() && c.size < nodestate.OffVote+nodestate.MemberIDSize) ||
		c.mismatch
	switch {
	case c.size < nodestate.OffSnapshot:
		c.fatal = fmt.Sprintf(
			"node.state is %d bytes: CommitIndex, LastApplied and LastIndex (bytes 0–23) are not all there",
			c.size,
		)
	case st.Snapshot.Index > 0 && c.size < nodestate.OffSnapshot+8+32:
		c.fatal = fmt.Sprintf(
			"node.state is %d bytes: the snapshot's term, length or offset (bytes 32–63) are gone",
			c.size,
		)
	}
	return c
}

func (c stateCheck) termOK() bool { return !c.termLost || c.setTerm != nil }

func (c stateCheck) voteOK() bool {
	return !c.voteLost || c.clearVote || (c.setTerm != nil && !c.termLost && *c.setTerm > c.stored.Term)
}

// writable: node.state may be rewritten with what survives plus the flags.
func (c stateCheck) writable() bool { return c.fatal == "" && c.termOK() && c.voteOK() }

// flags names what the operator must add ("" when no flag helps).
func (c stateCheck) flags() string {
	if c.fatal != "" {
		return ""
	}
	var f []string
	if !c.termOK() {
		f = append(f, "--set-term T")
	}
	if !c.voteOK() {
		f = append(f, "--clear-vote")
	}
	return strings.Join(f, " ")
}

// refusal explains why node.state cannot be rewritten as it stands.
func (c stateCheck) refusal() string {
	switch {
	case c.fatal != "":
		return c.fatal + "; restore node.state from a backup or rebuild the node from the cluster"
	case c.mismatch:
		return "its checksum does not match bytes 0–119: one of its fields changed and walctl cannot tell which, so the term and the vote cannot be trusted — a wrong term or vote can make the node vote twice in one term"
	case c.termLost:
		return fmt.Sprintf(
			"it is %d bytes, not 128: the term (bytes 72–79) and the vote (80–108) are gone — a guessed term or vote can make the node vote twice in one term",
			c.size,
		)
	case c.voteLost:
		return fmt.Sprintf(
			"it is %d bytes, not 128: the vote (bytes 80–108) is gone — a guessed vote can make the node vote twice in one term",
			c.size,
		)
	}
	return ""
}

// termAdvice is the rule for choosing T, shown with every refusal that asks
// for it: the findings' words (finding.TermRule) and the bound walctl holds
// T to.
func termAdvice(maxTerm int64) string {
	return finding.TermRule(maxTerm) + fmt.Sprintf(" (walctl refuses a T below %d, the highest term in the log)",
		maxTerm)
}

// termCoversLog refuses --set-term T below maxTerm, the highest term in the
// log (PersistentState and WriteAheadLog alike): the node would hold entries
// of a term it has not reached, and could vote in it a second time.
func termCoversLog(t, maxTerm int64) error {
	if t >= maxTerm {
		return nil
	}
	return &rebuild.FlagError{
		Msg:  fmt.Sprintf("--set-term %d is below term %d of an entry in the log", t, maxTerm),
		Hint: termAdvice(maxTerm),
	}
}

// validate rejects flag values that would make node.state unsafe.
func (c stateCheck) validate(o Options, maxTerm int64) error {
	if o.SetTerm != nil {
		t := *o.SetTerm
		if t < 0 {
			return &rebuild.FlagError{
				Msg:  fmt.Sprintf("--set-term %d is negative", t),
				Hint: "give the cluster's current term",
			}
		}
		if err := termCoversLog(t, maxTerm); err != nil {
			return err
		}
		if !c.termLost && t < c.stored.Term {
			return &rebuild.FlagError{
				Msg: fmt.Sprintf(
					"--set-term %d is below the node's current term %d: lowering the term can make the node vote twice",
					t,
					c.stored.Term,
				),
				Hint: fmt.Sprintf("give a term ≥ %d, or leave the term alone", c.stored.Term),
			}
		}
	}
	if o.ClearVote && !c.voteLost && c.stored.HasVote() && (o.SetTerm == nil || *o.SetTerm <= c.stored.Term) {
		return &rebuild.FlagError{
			Msg: fmt.Sprintf(
				"--clear-vote in the same term %d would let the node vote a second time in it",
				c.stored.Term,
			),
			Hint: fmt.Sprintf("add --set-term T with T > %d (a new term starts without a vote)", c.stored.Term),
		}
	}
	return nil
}

// planNodeState rewrites node.state from its own fields, clamped to the
// repaired log: LastIndex = the last entry kept, CommitIndex and LastApplied
// never above it nor below the snapshot index, term and vote as supplied, the
// checksum recomputed when it is in use.
func (pl *planner) planNodeState() {
	want := pl.st
	var what []string
	change := func(field string, from, to int64) {
		if from != to {
			what = append(what, fmt.Sprintf("%s %d → %d", field, from, to))
		}
	}
	newC := pl.trustC
	if !pl.refused {
		newC = min(newC, pl.effLast)
	}
	newC = max(newC, pl.S)
	newA := max(min(pl.A, newC), pl.S)
	change("LastIndex", pl.L, pl.effLast)
	change("CommitIndex", pl.C, newC)
	change("LastApplied", pl.A, newA)
	want.LastIndex, want.CommitIndex, want.LastApplied = pl.effLast, newC, newA
	pl.p.NewLastIndex, pl.p.NewCommitIndex = pl.effLast, newC
	what = append(what, pl.termAndVote(&want)...)
	want, what = pl.checksum(want, what)
	b := want.Encode()
	if bytes.Equal(b, pl.raw) {
		return
	}
	if !pl.ns.writable() {
		pl.stateRefused = pl.ns.refusal()
		pl.p.NewLastIndex, pl.p.NewCommitIndex = pl.L, pl.C
		return
	}
	if len(pl.raw) != nodestate.Size {
		what = append(what, fmt.Sprintf("size %d → 128 bytes", len(pl.raw)))
	}
	if note := pl.commitNote(newC); note != "" {
		pl.p.Notes = append(pl.p.Notes, note)
	}
	pl.stateStep = &Step{Kind: StepNodeState, File: nodestate.FileName, What: strings.Join(what, "; "), state: b}
}

func (pl *planner) termAndVote(want *nodestate.State) []string {
	var what []string
	c := pl.ns
	if t := pl.o.SetTerm; t != nil && (c.termLost || *t != pl.st.Term) {
		what = append(what, fmt.Sprintf("Term %d → %d (--set-term)", pl.st.Term, *t))
		want.Term = *t
	}
	autoClear := c.setTerm != nil && !c.termLost && *c.setTerm > c.stored.Term
	if (pl.o.ClearVote || autoClear || c.voteLost) &&
		(want.VoteFlag != 0 || want.Vote != [nodestate.MemberIDSize]byte{}) {
		switch {
		case pl.o.ClearVote:
			what = append(what, "vote cleared (--clear-vote)")
		case autoClear:
			what = append(what, "vote cleared (a new term starts without a vote)")
		default:
			what = append(what, "vote cleared")
		}
		want.VoteFlag, want.Vote = 0, [nodestate.MemberIDSize]byte{}
	}
	if v := pl.o.VoteLayoutFor; !v.IsZero() && !c.voteLost && want.HasVote() {
		l := nodestate.ReaderLayout(v)
		if out, changed := want.WithVoteLayout(l); changed {
			m, _ := want.VoteMember()
			what = append(what, fmt.Sprintf("the vote for %s stored in the layout %s (%s, the layout DotNext %s "+
				"reads)", m.Name(), l, nodestate.LayoutWords(l.String()), v))
			*want = out
		}
	}
	return what
}

// checksum recomputes the checksum when the node uses it: a non-zero stored
// checksum, or a cut file whose checksum bytes are gone (a correct checksum
// is accepted whether IntegrityCheck is on or off).
func (pl *planner) checksum(want nodestate.State, what []string) (nodestate.State, []string) {
	inUse := len(pl.raw) < nodestate.Size || pl.st.Checksum != 0
	if !inUse {
		want.Checksum = 0
		return want, what
	}
	want = want.WithChecksum()
	if want.Checksum != pl.st.Checksum {
		what = append(what, "checksum recomputed")
	}
	return want, what
}
