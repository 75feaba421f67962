package convert

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/release"
	"github.com/walctl/walctl/txn"
)

// FromWALOptions are the settings of a PersistentState log written from a
// WriteAheadLog. R has no default: it is the recordsPerPartition argument
// the application passes to the PersistentState constructor, and a log
// written with another R does not open correctly.
type FromWALOptions struct {
	To  format.Format `json:"to"` // legacy, v2 or sparse
	R   int64         `json:"recordsPerPartition"`
	M   int64         `json:"maxEntrySize,omitempty"` // sparse only
	Out string        `json:"out"`
	// Target is the release that will open the output (zero: not given):
	// a release before 4.8.0 gets the vote in its layout (port first).
	Target release.Version `json:"targetVersion,omitzero"`
}

// FromWALConversion is what PlanFromWAL plans and Write does.
type FromWALConversion struct {
	Dir         string        `json:"dir"`
	From        format.Format `json:"from"`
	To          format.Format `json:"to"`
	Out         string        `json:"out"`
	R           int64         `json:"recordsPerPartition"`
	M           int64         `json:"maxEntrySize,omitempty"`
	CommitIndex int64         `json:"commitIndex"`
	LastIndex   int64         `json:"lastIndex"`
	Entries     int64         `json:"entries"`
	Snapshot    int64         `json:"snapshotIndex,omitempty"`
	Notes       []string      `json:"notes,omitempty"`

	Checked // the output verified and compared with the input, by the audit

	src  *walSource
	opts FromWALOptions
}

// OutOptions open the output as it was written.
func (c *FromWALConversion) OutOptions() logdir.Options {
	return logdir.Options{Format: c.To, R: c.R, M: c.M, Force: true}
}

// PlanFromWAL checks that the entries (S, T] of the WriteAheadLog l can be
// written as a PersistentState log (the library's writer layout) in the new
// directory o.Out, with node.state from `state` (term, vote) and the
// checkpoint (commit index; LastApplied = the snapshot index S, as the WAL
// re-applies (S, C] on open). A snapshot becomes the PersistentState
// `snapshot` file (spec/persistent-state.md §7.1: the payload only, from
// offset 0) with its metadata in node.state bytes 24–71 (index, term,
// length, offset 0), as the library writes after installing a snapshot.
// l must stay open until Write returns.
func PlanFromWAL(l *logdir.Log, o FromWALOptions) (*FromWALConversion, error) {
	if err := checkFromWAL(o); err != nil {
		return nil, err
	}
	src, err := walSourceOf(l)
	if err != nil {
		return nil, err
	}
	if src.s > 0 && (src.snap == nil || len(src.snap.Payload) == 0 && src.snap.Length > 0 ||
		src.snap.Record.File == "") {
		return nil, &InputError{
			Dir: l.Dir,
			Reasons: []string{fmt.Sprintf("the WriteAheadLog starts after snapshot %d, "+
				"whose bytes are not in the directory (no <index>-<term> file in its snapshot directory)", src.s),
				"give the directory that holds the snapshot file with --in-snapshot-dir, or let the node install a " +
					"snapshot from the leader"},
		}
	}
	out, err := filepath.Abs(o.Out)
	if err != nil {
		return nil, err
	}
	c := &FromWALConversion{Dir: l.Dir, From: "wal", To: o.To, Out: out, R: o.R, M: o.M, CommitIndex: src.commit,
		LastIndex: src.last, Entries: src.last - src.s, Snapshot: src.s, src: src, opts: o}
	if src.s > 0 {
		c.Notes = append(c.Notes, fmt.Sprintf("snapshot %d (term %d, %d bytes) written as the snapshot file, its "+
			"metadata in node.state: the state machine restores it from there", src.s, src.sTerm, src.snap.Length))
	}
	if src.last > src.commit {
		c.Notes = append(
			c.Notes,
			fmt.Sprintf(
				"entries %d–%d stay uncommitted (LastIndex %d, CommitIndex %d)",
				src.commit+1,
				src.last,
				src.last,
				src.commit,
			),
		)
	}
	if src.state.HasVote && !o.Target.IsZero() && nodestate.ReaderLayout(o.Target) == nodestate.LayoutBefore480 {
		c.Notes = append(
			c.Notes,
			fmt.Sprintf(
				"node.state: the vote for %s stored in the layout before 4.8.0 (port before length): the layout DotNext %s reads",
				nodestate.DecodeMember(src.state.Vote.Raw).Name(),
				o.Target,
			),
		)
	}
	return c, nil
}

// Write writes the log through a transaction (package txn): built in a
// temp sibling of Out, audited by w.Auditor, renamed to Out.
func (c *FromWALConversion) Write(w txn.Config) error {
	w.Op, w.Need = "convert", txn.TreeAllocated(c.Dir)
	return txn.WriteOut(c.Dir, c.Out, w, func(tx *txn.Tx) error { return writePS(tx, c.src, c.opts) })
}

func checkFromWAL(o FromWALOptions) error {
	switch {
	case o.To != format.Legacy && o.To != format.V2 && o.To != format.Sparse:
		return &rebuild.FlagError{
			Msg:  fmt.Sprintf("--to %q is not a format walctl writes", o.To),
			Hint: "use --to legacy, v2, sparse or wal",
		}
	case o.R < ps.MinR || o.R > ps.MaxR:
		return &rebuild.FlagError{
			Msg:  "converting a WriteAheadLog to a PersistentState format needs --out-records-per-partition R",
			Hint: "give the recordsPerPartition the node's PersistentState constructor uses (" + ps.RRange + ")",
		}
	case o.To == format.Sparse && o.M < 1:
		return &rebuild.FlagError{
			Msg:  "--to sparse from a WriteAheadLog needs --out-max-entry-size M",
			Hint: "give the node's MaxLogEntrySize",
		}
	case o.To != format.Sparse && o.M != 0:
		return &rebuild.FlagError{
			Msg:  "--out-max-entry-size applies to --to sparse only",
			Hint: "drop --out-max-entry-size",
		}
	}
	return checkTarget(o.To, o.Target)
}

// writePS appends every entry through the PersistentState writer into the
// transaction's directory, then writes the snapshot file.
func writePS(tx *txn.Tx, src *walSource, o FromWALOptions) error {
	w, err := ps.Create(tx.Dir(), ps.Config{Format: o.To, R: o.R, M: o.M})
	if err != nil {
		return err
	}
	var appendErr error
	err = src.l.Entries(src.s+1, src.last, func(e raftlog.Entry) bool {
		if e.IsSnapshot {
			return true
		}
		if o.To == format.Sparse && e.Length > o.M {
			appendErr = &InputError{
				Dir: src.l.Dir,
				Reasons: []string{
					fmt.Sprintf("entry %d is %d bytes, more than --out-max-entry-size %d", e.Index, e.Length, o.M),
				},
			}
			return false
		}
		r, err := src.l.Payload(e)
		if err == nil {
			err = w.Append(
				ps.Entry{Index: e.Index, Term: e.Term, Ticks: e.Ticks, CommandID: e.CommandID, Length: e.Length},
				r,
			)
		}
		appendErr = err
		return err == nil
	})
	if err == nil {
		err = appendErr
	}
	if err != nil {
		return err
	}
	st := src.state
	ns := nodestate.State{CommitIndex: src.commit, LastApplied: src.s, LastIndex: src.last, Term: st.Term}
	if src.s > 0 {
		// Spec §7.1: what a snapshot installation writes (Offset 0, the
		// payload's length; the WriteAheadLog keeps no timestamp).
		ns.Snapshot.Index = src.s
		ns.Snapshot.Rec = record.Record{Term: src.sTerm, Length: src.snap.Length}
	}
	if st.HasVote {
		// The WriteAheadLog's id is in the 4.8.0+ layout; only a target
		// before 4.8.0 reads another.
		ns.VoteFlag, ns.Vote = 1, st.Vote.Raw
		if !o.Target.IsZero() {
			ns, _ = ns.WithVoteLayout(nodestate.ReaderLayout(o.Target))
		}
	}
	if err := w.Close(ns); err != nil || src.s == 0 {
		return err
	}
	// The writer leaves the empty snapshot file of a log that never took
	// one; the transaction writes the real one in its place.
	if err := os.Remove(filepath.Join(tx.Dir(), "snapshot")); err != nil {
		return err
	}
	return src.copySnapshot(tx, "snapshot")
}
