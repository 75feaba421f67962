package repair

import (
	"fmt"

	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/rebuild"
)

// commitTrust settles the commit index a repair may write. node.state's own
// CommitIndex is trusted only when node.state is: a checksum mismatch or a
// cut file means any field may be wrong, CommitIndex included, and an
// untrusted CommitIndex written back as if it were sound would commit
// entries the cluster never committed (the state machine would apply them,
// and the leader may overwrite them). Without --commit-index N (the
// cluster's, from a healthy peer or walctl diff) the repair lowers it to what
// the files prove committed: the snapshot index. Lowering a commit index is
// safe in Raft: the leader sends its commit index again.
func (pl *planner) commitTrust() error {
	pl.commitTrusted = logdir.CommitTrusted(pl.l.State)
	pl.trustC = pl.C
	n := pl.o.CommitIndex
	if n == nil {
		if !pl.commitTrusted {
			pl.trustC = pl.S
		}
		return nil
	}
	switch {
	case *n < 0:
		return &rebuild.FlagError{
			Msg:  fmt.Sprintf("--commit-index %d is negative", *n),
			Hint: "give the cluster's commit index (walctl diff, or a healthy peer)",
		}
	case *n < pl.S:
		return &rebuild.FlagError{
			Msg:  fmt.Sprintf("--commit-index %d is below the snapshot index %d, which is committed", *n, pl.S),
			Hint: fmt.Sprintf("give the cluster's commit index, at least %d", pl.S),
		}
	case pl.commitTrusted && *n != pl.C:
		return &rebuild.FlagError{
			Msg: fmt.Sprintf(
				"--commit-index %d: node.state's CommitIndex %d is sound (checksum and size check out), so it is kept",
				*n,
				pl.C,
			),
			Hint: "--commit-index is for a node.state that cannot be trusted; drop it",
		}
	}
	pl.trustC = *n
	return nil
}

// dropC is the commit index the truncation rule protects: node.state's own
// (even when untrusted: an entry that may be committed is not dropped
// without --allow-drop-committed), or the operator's --commit-index.
func (pl *planner) dropC() int64 {
	if !pl.commitTrusted && pl.o.CommitIndex != nil {
		return *pl.o.CommitIndex
	}
	return pl.C
}

// commitNote says in the plan where the commit index comes from when
// node.state's own cannot be trusted.
func (pl *planner) commitNote(newC int64) string {
	if pl.commitTrusted {
		return ""
	}
	why := "its checksum does not match"
	if pl.ns.size < nodestate.Size {
		why = fmt.Sprintf("it is %d bytes, not 128", pl.ns.size)
	}
	if pl.o.CommitIndex != nil {
		return fmt.Sprintf(
			"node.state cannot be trusted (%s), nor its CommitIndex %d: CommitIndex %d comes from --commit-index",
			why,
			pl.C,
			newC,
		)
	}
	return fmt.Sprintf(
		"node.state cannot be trusted (%s), nor its CommitIndex %d: it is lowered to %d, the snapshot index, "+
			"the highest index the files prove committed (safe in Raft: the leader sends its commit index again); "+
			"give --commit-index N to write the cluster's instead (from a healthy peer, or walctl diff)",
		why,
		pl.C,
		newC,
	)
}
