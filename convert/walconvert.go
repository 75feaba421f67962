package convert

import (
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"strings"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/release"
	"github.com/walctl/walctl/txn"
)

// WALOptions are the settings of a WriteAheadLog written by ConvertToWAL.
// Zero values take the library's defaults (layout 6, chunk 4096, no hash,
// the 20-byte 6.8.0+ checkpoint).
type WALOptions struct {
	Out            string      `json:"out"`
	Layout         string      `json:"layout,omitempty"` // wal.Layout6 or wal.Layout5
	ChunkSize      int64       `json:"chunkSize,omitempty"`
	Hash           wal.HashAlg `json:"hash,omitempty"`
	CheckpointForm int         `json:"checkpointForm,omitempty"` // 8, 12 or 20
	// NoSnapshot leaves the input's snapshot out: the output then records
	// its index and term in wal.SnapshotRecordFile (so that walctl reads it
	// where the node's own state machine restores it), and the application
	// must restore its own state. Otherwise the snapshot is copied to
	// <SnapshotDir>/<index>-<term> (the SimpleStateMachine naming): a log
	// without it reads, with SimpleStateMachine, as starting at index 1.
	NoSnapshot  bool   `json:"noSnapshot,omitempty"`
	SnapshotDir string `json:"snapshotDir,omitempty"` // relative to Out; default wal.DefaultSnapshotDir
}

// WALConversion is what ConvertToWAL did.
type WALConversion struct {
	Dir          string        `json:"dir"`
	From         format.Format `json:"from"`
	Out          string        `json:"out"`
	Params       string        `json:"params"`
	Writers      string        `json:"writers"`
	Checkpoint   int           `json:"checkpointBytes"`
	Snapshot     int64         `json:"snapshotIndex"`
	SnapshotTerm int64         `json:"snapshotTerm"`
	CommitIndex  int64         `json:"commitIndex"`
	LastIndex    int64         `json:"lastIndex"`
	Entries      int64         `json:"entries"`
	SnapshotFile string        `json:"snapshotFile,omitempty"` // the copied snapshot, relative to Out
	// SnapshotRecord is wal.SnapshotRecordFile when the snapshot was left
	// out (--no-snapshot) and its index recorded there.
	SnapshotRecord string   `json:"snapshotRecord,omitempty"`
	Notes          []string `json:"notes,omitempty"`
	// Vote says in which layout `state` stores the vote (nil without one).
	Vote *VoteLayout `json:"vote,omitempty"`
	// OpenFiles are the page files of the output, which DotNext holds open.
	OpenFiles wal.OpenFiles `json:"openFiles"`

	params  wal.Params
	Checked // the output verified and compared with the input, by the audit

	src  *walSource
	opts WALOptions
}

// OutOptions are the options that open the output as it was written.
func (c *WALConversion) OutOptions() logdir.Options {
	p := c.params
	return logdir.Options{
		Format: format.WAL,
		Force:  true,
		WAL: wal.Options{ChunkSize: p.ChunkSize, PageSize: p.PageSize,
			Layout: p.Layout, SlotSize: p.SlotSize, Hash: p.Hash.String(), SnapshotDir: p.SnapshotDir},
	}
}

// CheckpointFormFor is the checkpoint form release v reads and writes
// (wal.CheckpointFormFor), or a rebuild.FlagError for a release without a
// WriteAheadLog.
func CheckpointFormFor(v release.Version) (int, error) {
	form, ok := wal.CheckpointFormFor(v)
	if !ok {
		return 0, &rebuild.FlagError{
			Msg: fmt.Sprintf("DotNext %s has no WriteAheadLog", v),
			Hint: "the WriteAheadLog " +
				"exists in 5.22+ and 6.x; convert to legacy, v2 or sparse for older releases",
		}
	}
	return form, nil
}

// walParams turns the options into the writer's parameters, with the
// library's rules: a 5.x reader knows only 40-byte records without a hash.
func walParams(o WALOptions) (wal.Params, error) {
	p := wal.Params{Layout: o.Layout, ChunkSize: o.ChunkSize, Hash: o.Hash, CheckpointForm: o.CheckpointForm,
		SnapshotDir: o.SnapshotDir}
	if p.SnapshotDir == "" {
		p.SnapshotDir = wal.DefaultSnapshotDir
	}
	if p.CheckpointForm == wal.Checkpoint5x {
		if p.Layout == wal.Layout6 {
			return p, &rebuild.FlagError{
				Msg:  "a 5.x WriteAheadLog has 40-byte records: --out-wal-layout 6 cannot go with the 8-byte checkpoint",
				Hint: "drop --out-wal-layout (or use --out-wal-layout 5) for DotNext 5.x",
			}
		}
		if p.Hash != wal.HashNone {
			return p, &rebuild.FlagError{
				Msg:  "DotNext 5.x stores no per-entry hash",
				Hint: "drop --out-hash for a 5.x target",
			}
		}
		p.Layout = wal.Layout5
	}
	if p.Layout == wal.Layout5 {
		p.Timestamps = wal.TicksZero // what 6.x writes with IgnoreTimestamp=false
		if p.CheckpointForm == wal.Checkpoint5x {
			p.Timestamps = wal.TicksUTC // the 5.x writer keeps each entry's ticks
		}
	}
	p, err := wal.WriteParams(p)
	if err != nil {
		return p, &rebuild.FlagError{
			Msg:  err.Error(),
			Hint: "check --out-wal-layout, --out-chunk-size, --out-hash and --out-checkpoint-bytes",
		}
	}
	return p, nil
}

// walSource is the part of a log ConvertToWAL carries over.
type walSource struct {
	l            *logdir.Log
	snap         *raftlog.Entry // the snapshot entry, or nil
	s, sTerm     int64
	commit, last int64
	state        raftlog.NodeState
}

// PlanToWAL checks that the entries of l after its snapshot up to its last
// index can be carried over into a WriteAheadLog in o.Out (a log with
// damaged entries is refused with an *InputError) and says what Write will
// write: term and vote from its node state, the checkpoint from its commit
// index. l must stay open until Write returns.
func PlanToWAL(l *logdir.Log, o WALOptions) (*WALConversion, error) {
	p, err := walParams(o)
	if err != nil {
		return nil, err
	}
	src, err := walSourceOf(l)
	if err != nil {
		return nil, err
	}
	out, err := filepath.Abs(o.Out)
	if err != nil {
		return nil, err
	}
	c := &WALConversion{Dir: l.Dir, From: l.Format, Out: out, Params: p.String(), Checkpoint: p.CheckpointForm,
		Snapshot: src.s, SnapshotTerm: src.sTerm, CommitIndex: src.commit, LastIndex: src.last,
		Entries: src.last - src.s, params: p, src: src, opts: o}
	c.Writers = writersOf(p)
	c.Vote = src.voteFor480()
	c.notes(src, o, p)
	return c, nil
}

// Write writes the WriteAheadLog through a transaction (package txn):
// built in a temp sibling of Out, audited by w.Auditor, renamed to Out.
func (c *WALConversion) Write(w txn.Config) error {
	w.Op, w.Need = "convert", txn.TreeAllocated(c.Dir)
	return txn.WriteOut(c.Dir, c.Out, w, func(tx *txn.Tx) error {
		err := c.fill(tx, c.src, c.opts, c.params)
		c.OpenFiles = wal.CountOpenFiles(tx.Dir())
		return err
	})
}

// OpenFileNote says how many files the output keeps open when the node needs
// more than the usual open-file limit for them ("" otherwise).
func (c *WALConversion) OpenFileNote() string {
	of := c.OpenFiles
	if !of.OverUsual() {
		return ""
	}
	return fmt.Sprintf(
		"the output keeps %s open while the node runs: it needs an open-file limit of about %d, above the usual %d (systemd LimitNOFILE, ulimit -n; walctl verify explains the options)",
		of,
		of.Limit(),
		wal.UsualOpenFileLimit,
	)
}

func writersOf(p wal.Params) string {
	return "DotNext " + wal.WritersOf(p, p.CheckpointForm)
}

func (c *WALConversion) notes(src *walSource, o WALOptions, p wal.Params) {
	if src.last > src.commit && p.CheckpointForm != wal.CheckpointV1 {
		c.Notes = append(
			c.Notes,
			fmt.Sprintf(
				"entries %d–%d are not committed: the %d-byte checkpoint holds no last index, so the library drops them when it opens the log (the leader sends them again)",
				src.commit+1,
				src.last,
				p.CheckpointForm,
			),
		)
	}
	if src.snap == nil {
		return
	}
	if !o.NoSnapshot {
		c.SnapshotFile = filepath.ToSlash(filepath.Join(p.SnapshotDir, fmt.Sprintf("%d-%d", src.s, src.sTerm)))
		c.Notes = append(c.Notes, fmt.Sprintf("snapshot %d (term %d) copied to %s: it is the application's data, "+
			"and SimpleStateMachine reads it from there (--no-snapshot leaves it out)", src.s, src.sTerm, c.SnapshotFile))
		return
	}
	c.SnapshotRecord = wal.SnapshotRecordFile
	c.Notes = append(c.Notes, fmt.Sprintf("snapshot %d (term %d) NOT copied (--no-snapshot): the log starts at index "+
		"%d, so the node's state machine must restore a snapshot at index %d itself; %s records it for walctl (the "+
		"library never reads that file)", src.s, src.sTerm, src.s+1, src.s, wal.SnapshotRecordFile))
}

// walSourceOf checks that every entry to carry over is intact.
func walSourceOf(l *logdir.Log) (*walSource, error) {
	if l.State == nil {
		return nil, &InputError{Dir: l.Dir, Reasons: []string{"the node state is missing", "run walctl repair first"}}
	}
	src := &walSource{l: l, state: *l.State, commit: l.State.CommitIndex, last: l.Last}
	if l.State.LastIndex >= 0 {
		src.last = min(src.last, l.State.LastIndex)
	}
	if why := stateDamage(l); why != "" {
		return nil, &InputError{Dir: l.Dir, Reasons: []string{why, "run walctl repair first"}}
	}
	if w := l.WAL(); w != nil {
		if bad := errorCodes(l.Findings); len(bad) > 0 {
			return nil, &InputError{
				Dir: l.Dir,
				Reasons: []string{
					fmt.Sprintf("the WriteAheadLog has errors (%s)", strings.Join(bad, ", ")),
					"run walctl repair first",
				},
			}
		}
		src.commit = w.Commit()
		if ext := w.Extent(); ext.FirstBad != raftlog.NoIndex || ext.ValidEnd < w.T {
			return nil, &InputError{
				Dir: l.Dir,
				Reasons: []string{
					fmt.Sprintf(
						"the WriteAheadLog is damaged from index %d on (its checkpoint says %d)",
						min(ext.ValidEnd+1, w.T),
						w.T,
					),
					"run walctl repair first",
				},
			}
		}
	}
	if s := l.Snapshot; s != nil {
		src.s, src.sTerm = s.Index, s.Term
	}
	var why []string
	switch {
	case !rebuild.Sane(src.last) || !rebuild.Sane(src.commit) || !rebuild.Sane(src.s):
		why = append(why, "the node state holds a negative or impossibly large index")
	case src.commit > src.last:
		why = append(why, fmt.Sprintf("CommitIndex %d is above the last index %d", src.commit, src.last))
	case src.s > src.last:
		why = append(why, fmt.Sprintf("the snapshot index %d is above the last index %d", src.s, src.last))
	}
	if len(why) > 0 {
		return nil, &InputError{Dir: l.Dir, Reasons: append(why, "run walctl repair first")}
	}
	src.commit = max(src.commit, src.s)
	return src, src.scan()
}

// scan refuses entries that cannot be copied exactly, or missing ones, and
// finds the snapshot entry.
func (src *walSource) scan() error {
	var bad []string
	next := src.s + 1
	err := src.l.Entries(src.l.First, src.last, func(e raftlog.Entry) bool {
		if e.IsSnapshot {
			snap := e
			src.snap = &snap
			return true
		}
		if e.Index > next {
			bad = append(
				bad,
				fmt.Sprintf("entries %d–%d are missing (no record or partition file holds them)", next, e.Index-1),
			)
		}
		next = max(next, e.Index+1)
		if why := e.Damage(); why != "" {
			bad = append(bad, fmt.Sprintf("entry %d: %s", e.Index, why))
		}
		return len(bad) < 5
	})
	if err != nil {
		return err
	}
	if next <= src.last && len(bad) < 5 {
		bad = append(
			bad,
			fmt.Sprintf("entries %d–%d are missing (no record or partition file holds them)", next, src.last),
		)
	}
	if len(bad) > 0 {
		return &InputError{Dir: src.l.Dir, Reasons: append(bad, "run walctl repair first")}
	}
	return nil
}

// fill writes the WAL into the transaction's directory, then the snapshot
// file when asked.
func (c *WALConversion) fill(tx *txn.Tx, src *walSource, o WALOptions, p wal.Params) error {
	tmp := tx.Dir()
	ns := raftlog.NodeState{Term: src.state.Term, HasVote: src.state.HasVote, Vote: src.state.Vote}
	if c.Vote != nil && c.Vote.Rewritten {
		ns.Vote.Raw = nodestate.InLayout(ns.Vote.Raw, nodestate.LayoutBefore480, nodestate.Layout480)
	}
	if src.snap != nil || src.s > 0 {
		ns.Snapshot = &raftlog.SnapshotMeta{Index: src.s, Term: src.sTerm}
	}
	var srcErr error
	if err := wal.Create(tmp, p, ns, src.commit, src.entries(&srcErr)); err != nil {
		return err
	}
	if srcErr != nil {
		return srcErr
	}
	switch {
	case c.SnapshotFile != "":
		return src.copySnapshot(tx, c.SnapshotFile)
	case c.SnapshotRecord != "":
		return tx.WriteBytes(c.SnapshotRecord, wal.EncodeSnapshotRecord(src.s, src.sTerm))
	}
	return nil
}

// entries streams the entries (S, last] as the writer's input; a read
// error stops the stream and is left in *errp.
func (src *walSource) entries(errp *error) iter.Seq[wal.NewEntry] {
	return func(yield func(wal.NewEntry) bool) {
		stopped := false
		err := src.l.Entries(src.s+1, src.last, func(e raftlog.Entry) bool {
			if e.IsSnapshot {
				return true
			}
			r, err := src.l.Payload(e)
			if err != nil {
				*errp = err
				return false
			}
			ne := wal.NewEntry{Term: e.Term, Ticks: e.Ticks, CommandID: e.CommandID, Length: e.Length, Payload: r,
				Configuration: src.l.WAL() != nil && e.Flags&wal.FlagConfiguration != 0}
			stopped = !yield(ne)
			return !stopped
		})
		if err != nil && *errp == nil {
			*errp = err
		}
	}
}

func (src *walSource) copySnapshot(tx *txn.Tx, name string) error {
	r, err := src.l.Payload(*src.snap)
	if err != nil {
		return err
	}
	return tx.WriteFile(name, func(w io.Writer) error {
		n, err := io.Copy(w, r)
		if err == nil && n != src.snap.Length {
			err = fmt.Errorf("snapshot %d: %d of %d bytes read", src.s, n, src.snap.Length)
		}
		return err
	})
}

// CompareCommitted compares the entries (max(S, from), upTo] of two logs of
// any formats by index, term, command id, length and payload bytes, the
// snapshot index and term, and the node state's term and voted member. Timestamps and flags are not compared: the
// formats keep different ones.
func CompareCommitted(a, b string, ao, bo logdir.Options, upTo int64) (*Comparison, error) {
	la, lb, err := openBoth(a, b, ao, bo)
	if err != nil {
		return nil, err
	}
	defer la.Close()
	defer lb.Close()
	c := &Comparison{}
	sa, sb := snapOf(la), snapOf(lb)
	if sa != sb {
		c.add("snapshot (index, term) %v differs from %v", sa, sb)
	}
	if lb.Last < upTo {
		c.add("the output ends at %d, before %d", lb.Last, upTo)
	}
	c.compareTermAndVote(la.State, lb.State)
	next, stop := iter.Pull2(lb.Seq(lb.First, lb.Last, false))
	defer stop()
	for ea, err := range la.Seq(la.First, la.Last, false) {
		if err != nil {
			return nil, err
		}
		if ea.IsSnapshot || ea.Index <= sa[0] {
			continue
		}
		if ea.Index > upTo {
			break
		}
		eb, err := nextEntry(next, sb[0])
		if err != nil {
			return nil, err
		}
		if eb == nil {
			c.add("entry %d is missing from the output", ea.Index)
			continue
		}
		c.Entries++
		if err := c.sameContent(la, lb, ea, *eb); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func snapOf(l *logdir.Log) [2]int64 {
	if l.Snapshot == nil {
		return [2]int64{}
	}
	return [2]int64{l.Snapshot.Index, l.Snapshot.Term}
}

// nextEntry pulls the next live entry after the snapshot.
func nextEntry(next func() (raftlog.Entry, error, bool), s int64) (*raftlog.Entry, error) {
	for {
		e, err, ok := next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, nil
		}
		if !e.IsSnapshot && e.Index > s {
			return &e, nil
		}
	}
}

func (c *Comparison) sameContent(la, lb *logdir.Log, ea, eb raftlog.Entry) error {
	switch {
	case ea.Index != eb.Index:
		c.add("entry %d faces entry %d", ea.Index, eb.Index)
		return nil
	case eb.State != raftlog.EntryOK:
		c.add("entry %d is %s in the output: %s", eb.Index, eb.State, eb.Reason)
		return nil
	case ea.Term != eb.Term || !raftlog.SameCommand(ea.CommandID, eb.CommandID) || ea.Length != eb.Length:
		c.add("entry %d: term %d/%d, command id %s/%s, length %d/%d", ea.Index, ea.Term, eb.Term,
			raftlog.CommandText(ea.CommandID), raftlog.CommandText(eb.CommandID), ea.Length, eb.Length)
		return nil
	}
	return c.payload(la, ea, lb, eb)
}

// VerifyView returns the directory to verify the output out (the
// conversion's, or its staged copy) from: out itself, which holds its
// snapshot (or records it in wal.SnapshotRecordFile), so that walctl verify
// OUT reads it as convert did. cleanup is a no-op, kept for callers.
func (c *WALConversion) VerifyView(out string) (dir string, cleanup func(), err error) {
	return out, func() {}, nil
}

// stateDamage says why the node state's term and vote cannot be trusted,
// or "".
func stateDamage(l *logdir.Log) string {
	st := l.State
	switch {
	case l.Findings.Has(finding.NodeStateZeroed) || l.Findings.Has(finding.NegativeIndex):
		return fmt.Sprintf("%s is zeroed or garbage: its log position, term and vote are gone", st.File)
	case st.Checksum == raftlog.ChecksumMismatch:
		return fmt.Sprintf("%s: its checksum does not match, so its term and vote cannot be trusted", st.File)
	case st.ExpectedSize > 0 && st.Size < st.ExpectedSize:
		return fmt.Sprintf("%s is %d bytes, not %d: its term and vote are lost", st.File, st.Size, st.ExpectedSize)
	}
	return ""
}

// errorCodes lists the distinct codes of the error findings.
func errorCodes(fs raftlog.Findings) []string {
	var codes []string
	seen := map[finding.Code]bool{}
	for _, f := range fs {
		if f.Severity == raftlog.Error && !seen[f.Code] {
			seen[f.Code] = true
			codes = append(codes, string(f.Code))
		}
	}
	return codes
}
