package convert

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/release"
	"github.com/walctl/walctl/txn"
)

// VoteLayout says in which ClusterMemberId layout a conversion stores the
// vote (spec/persistent-state.md §6.2) and why. A release reads the 28 bytes
// in its own layout, so a vote stored in the layout before 4.8.0 reads as a
// vote for another member in every 4.8.0+ release (5.x, 6.x) and the
// reverse: the output must hold the vote in the layout of the releases that
// will open it.
type VoteLayout struct {
	Member    string `json:"member"` // the endpoint, or the id as hex
	From      string `json:"from"`   // the input's layout
	To        string `json:"to"`     // the output's layout
	Rewritten bool   `json:"rewritten"`
	// Checksum: node.state's checksum was recomputed (IntegrityCheck in use).
	Checksum bool   `json:"checksumRecomputed,omitempty"`
	Why      string `json:"why"`
}

// Sentence is the line convert prints about the vote.
func (v *VoteLayout) Sentence(file string) string {
	switch {
	case v.Rewritten:
		s := fmt.Sprintf(
			"%s: the vote for %s rewritten from %s to %s: %s",
			file,
			v.Member,
			nodestate.LayoutWords(v.From),
			nodestate.LayoutWords(v.To),
			v.Why,
		)
		if v.Checksum {
			s += "; checksum recomputed"
		}
		return s
	case v.From == nodestate.LayoutUnknown.String():
		return fmt.Sprintf(
			"%s: the vote (%s) is not an IP endpoint's id, so its layout cannot be told from its bytes: kept as stored (a release on the other side of 4.8.0 from the one that cast it reads a vote for another member)",
			file,
			v.Member,
		)
	}
	return fmt.Sprintf("%s: the vote for %s kept in %s: %s", file, v.Member, nodestate.LayoutWords(v.From), v.Why)
}

// outputVoteLayout decides the layout of the output's vote:
//   - --target-version V given: the layout V reads;
//   - a Table or sparse output: the 4.8.0+ layout (only 5.4.0+ reads them);
//   - a legacy output of a v2 or sparse log: the 4.8.0+ layout (the node
//     runs 5.4.0+, which wrote its log);
//   - a legacy output of a legacy log: the layout stored, i.e. the one of
//     the release that cast the vote, which as far as the files tell is the
//     node's release (a 4.2.0 node keeps reading its own vote right).
func outputVoteLayout(
	from, to format.Format,
	target release.Version,
	stored nodestate.Layout,
) (nodestate.Layout, string) {
	switch {
	case !target.IsZero():
		return nodestate.ReaderLayout(target), fmt.Sprintf("the layout DotNext %s reads", target)
	case to == format.V2 || to == format.Sparse:
		return nodestate.Layout480, "what DotNext 5.4.0+, the releases that read the " + string(to) + " format, read"
	case to == format.WAL:
		return nodestate.Layout480, "what DotNext 5.22+ and 6.x, the releases with the WriteAheadLog, read"
	case from != format.Legacy:
		return nodestate.Layout480, "the node runs DotNext 5.4.0+, which wrote its " + string(
			from,
		) + " log; give --target-version V for another release"
	}
	return stored, "a legacy log keeps the layout of the release that stored the vote, the node's as far as the files tell; give --target-version V to store it for release V"
}

// planVote works out the output's node.state: nil bytes when the input's are
// copied unchanged. raw is the input's node.state (128 bytes: a damaged
// one was refused before).
func planVote(raw []byte, from, to format.Format, target release.Version) (*VoteLayout, []byte) {
	st := nodestate.Decode(raw)
	m, ok := st.VoteMember()
	if !ok {
		return nil, nil
	}
	want, why := outputVoteLayout(from, to, target, m.Layout)
	v := &VoteLayout{Member: m.Endpoint, From: m.Layout.String(), To: want.String(), Why: why}
	if v.Member == "" {
		v.Member = nodestate.FormatID(m.Stored)
	}
	out, changed := st.WithVoteLayout(want)
	if !changed {
		v.To = v.From
		return v, nil
	}
	v.Rewritten = true
	if st.Checksum != 0 {
		// IntegrityCheck in use: the library checks bytes 120–127 on open.
		out, v.Checksum = out.WithChecksum(), true
	}
	return v, out.Encode()
}

// checkTarget refuses a --target-version that cannot open the output format.
func checkTarget(to format.Format, v release.Version) error {
	if v.IsZero() {
		return nil
	}
	ok := release.PersistentState
	switch to {
	case format.V2, format.Sparse:
		ok = release.Between(release.TableFormat, release.PersistentStateRemoved)
	case format.WAL:
		return nil // the checkpoint form decides (CheckpointFormFor)
	}
	if ok.Contains(v) {
		return nil
	}
	hint := "give the DotNext.Net.Cluster release the node will run"
	switch {
	case !v.Less(release.PersistentStateRemoved):
		hint = "DotNext 6.x has only the WriteAheadLog: use --to wal"
	case v.Less(release.PersistentState4):
		hint = "walctl writes the formats of DotNext 4.0.0 and later"
	case to != format.Legacy:
		hint = fmt.Sprintf(
			"DotNext %s reads every partition as legacy (Table and sparse came in 5.4.0): use --to legacy",
			v,
		)
	}
	return &rebuild.FlagError{Msg: fmt.Sprintf("DotNext %s cannot open a %s log", v, to), Hint: hint}
}

// stageState writes the output's node.state into tx when it is not a copy
// of the input's (the vote's layout rewritten); the transaction gives it
// the owner and mode of the file it replaces.
func (c *Conversion) stageState(tx *txn.Tx) error {
	if c.state == nil {
		return nil
	}
	return tx.WriteBytes(nodestate.FileName, c.state)
}

func (c *Conversion) stateSteps() int {
	if c.state == nil {
		return 0
	}
	return 1
}

// voteFor480 plans the vote of a WriteAheadLog written from src: its
// `state` file stores the id as 5.22+ and 6.x read it, the 4.8.0+ layout,
// and has no checksum (spec/write-ahead-log.md §5). Only a PersistentState
// node.state can hold the layout before 4.8.0.
func (src *walSource) voteFor480() *VoteLayout {
	st := src.state
	if !st.HasVote {
		return nil
	}
	if st.File != nodestate.FileName {
		return nil // a WriteAheadLog input: already what the output's readers read
	}
	m := nodestate.DecodeMember(st.Vote.Raw)
	want, why := outputVoteLayout(src.l.Format, format.WAL, release.Version{}, m.Layout)
	v := &VoteLayout{Member: m.Endpoint, From: m.Layout.String(), To: m.Layout.String(), Why: why}
	if v.Member == "" {
		v.Member = nodestate.FormatID(m.Stored)
	}
	if m.Layout == nodestate.LayoutBefore480 {
		v.To, v.Rewritten = want.String(), true
	}
	return v
}

// compareNodeState compares two node.state files: byte for byte, except
// that the vote may be stored in the other layout if it names the same
// member, and then the checksum must be in use (and right) exactly when it
// is in the input.
func (c *Comparison) compareNodeState(a, b string) error {
	ra, errA := os.ReadFile(a)
	rb, errB := os.ReadFile(b)
	switch {
	case errors.Is(errA, os.ErrNotExist) && errors.Is(errB, os.ErrNotExist):
		c.NodeState = "identical"
		return nil
	case errors.Is(errA, os.ErrNotExist) || errors.Is(errB, os.ErrNotExist):
		c.add("node.state exists on one side only")
		return nil
	case errA != nil:
		return errA
	case errB != nil:
		return errB
	}
	if bytes.Equal(ra, rb) {
		c.NodeState = "identical"
		return nil
	}
	sa, sb := nodestate.Decode(ra), nodestate.Decode(rb)
	if len(ra) != nodestate.Size || len(rb) != nodestate.Size || sa.Vote == sb.Vote {
		c.add("node.state differs")
		return nil
	}
	ma, mb := nodestate.DecodeMember(sa.Vote), nodestate.DecodeMember(sb.Vote)
	known := ma.Layout != nodestate.LayoutUnknown && mb.Layout != nodestate.LayoutUnknown
	if !sa.HasVote() || !known || ma.ID != mb.ID {
		c.add("node.state: the vote differs (%s, layout %v / %s, layout %v)", nodestate.FormatID(sa.Vote), ma.Layout,
			nodestate.FormatID(sb.Vote), mb.Layout)
		return nil
	}
	sa.Vote, sa.Checksum, sb.Checksum = sb.Vote, 0, 0
	if sa != sb {
		c.add("node.state differs beyond the layout of the vote")
		return nil
	}
	if nodestate.Status(ra) != nodestate.Status(rb) {
		c.add("node.state checksum %v, the input's %v", nodestate.Status(rb), nodestate.Status(ra))
		return nil
	}
	c.NodeState = fmt.Sprintf("identical but for the vote, stored in %s instead of %s: the same member %s",
		shortLayout(mb.Layout), shortLayout(ma.Layout), mb.Name())
	if nodestate.Status(rb) == nodestate.ChecksumOK {
		c.NodeState += " (checksum recomputed)"
	}
	return nil
}

func shortLayout(l nodestate.Layout) string {
	if l == nodestate.LayoutBefore480 {
		return "the layout before 4.8.0"
	}
	return "the " + l.String() + " layout"
}

// compareTermAndVote compares the term and the voted member of two node
// states of any formats (node.state, the WriteAheadLog's state): the vote
// by the member it names, whatever layout stores it.
func (c *Comparison) compareTermAndVote(a, b *raftlog.NodeState) {
	if a == nil || b == nil {
		c.add("a node state is missing")
		return
	}
	if a.Term != b.Term {
		c.add("term %d in the input, %d in the output", a.Term, b.Term)
	}
	ka, okA := memberKey(a)
	kb, okB := memberKey(b)
	switch {
	case a.HasVote != b.HasVote:
		c.add("vote %v in the input, %v in the output", a.HasVote, b.HasVote)
	case !a.HasVote:
		c.NodeState = fmt.Sprintf("term %d equal, no vote", a.Term)
	case !okA || !okB:
		if a.Vote.Raw != b.Vote.Raw {
			c.add("the vote differs and its layout cannot be told (%X / %X)", a.Vote.Raw[:], b.Vote.Raw[:])
			return
		}
		c.NodeState = fmt.Sprintf("term %d and vote (%X, copied as stored) equal", a.Term, a.Vote.Raw[:])
	case ka != kb:
		c.add("the vote names %X in the input, %X in the output (as 4.8.0+ ids)", ka[:], kb[:])
	default:
		who := b.Vote.Endpoint
		if who == "" {
			who = fmt.Sprintf("%X", kb[:])
		}
		c.NodeState = fmt.Sprintf("term %d and vote for %s equal", a.Term, who)
		if a.Vote.Raw != b.Vote.Raw {
			l := b.Vote.Layout
			if b.File != nodestate.FileName {
				l = nodestate.Layout480.String() // the WriteAheadLog's state has no other
			}
			c.NodeState += fmt.Sprintf(" (the output stores it in %s: the same member)", nodestate.LayoutWords(l))
		}
	}
}

// memberKey is the voted member as a 4.8.0+ id; ok is false when a
// node.state id's layout cannot be told from its bytes.
func memberKey(ns *raftlog.NodeState) ([nodestate.MemberIDSize]byte, bool) {
	if ns.File != nodestate.FileName {
		return ns.Vote.Raw, true // the WriteAheadLog's state: 4.8.0+ only
	}
	m := nodestate.DecodeMember(ns.Vote.Raw)
	return m.ID, m.Layout != nodestate.LayoutUnknown
}
