package repair

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/txn"
)

// File operations of a WriteAheadLog repair, each written atomically:
// whole small files, and metadata pages in which only the slots of
// #292-padded records change. No other page file is rewritten: after the
// checkpoint is lowered, slots and data past the new end are ignored by the
// library and overwritten by later appends (spec §11.5).
const (
	StepCheckpoint   StepKind = "checkpoint"    // rewrite `checkpoint`
	StepState        StepKind = "state"         // rewrite `state`
	StepMetadataPage StepKind = "metadata-page" // rewrite one metadata page: only the listed slots change
)

// RecordFix is one #292-padded record a StepMetadataPage corrects in place
// (spec §2.3): Offset becomes the chunk boundary, Length the appended
// length, the hash is recomputed; End and every data byte stay.
type RecordFix struct {
	Index      int64  `json:"index"`
	Committed  bool   `json:"committed"`
	SlotOffset int64  `json:"slotOffset"`
	Padding    int64  `json:"padding"`
	OldOffset  int64  `json:"oldOffset"`
	OldLength  int64  `json:"oldLength"`
	NewOffset  int64  `json:"newOffset"`
	NewLength  int64  `json:"newLength"`
	OldHash    string `json:"oldHash,omitempty"`
	NewHash    string `json:"newHash,omitempty"`
}

// slotPatch is the byte change of one slot: old must be what the page
// holds at off before new replaces it.
type slotPatch struct {
	off      int64
	old, new []byte
}

// WALRepairOptions steer MakeWALPlan and ApplyWAL.
type WALRepairOptions struct {
	// AllowDropCommitted lets the plan lower the commit index below a
	// damaged committed entry (the cluster's majority must still hold it).
	AllowDropCommitted bool `json:"allowDropCommitted,omitempty"`
	// SetTerm is the term written to a lost `state` (without a vote).
	SetTerm *int64 `json:"setTerm,omitempty"`
	// CommitIndex is the cluster's commit index, supplied by the operator
	// when the checkpoint cannot be trusted (torn, or missing while slots
	// hold entries).
	CommitIndex *int64 `json:"commitIndex,omitempty"`
	// CheckpointForm is the checkpoint size to write (8, 12, 20); 0 keeps
	// the form on disk (for a torn file: the form its bytes came from).
	CheckpointForm int    `json:"checkpointForm,omitempty"`
	Backup         string `json:"-"`
	Force          bool   `json:"force,omitempty"`
	// WAL are the layout overrides the log was opened with.
	WAL wal.Options `json:"wal"`
}

// Open returns the logdir options that open the log as planned.
func (o WALRepairOptions) Open() logdir.Options {
	return logdir.Options{Format: format.WAL, Force: o.Force, WAL: o.WAL}
}

// entryDamageCodes are the findings about one entry in (S, T] that a
// truncation before it removes from the log.
var entryDamageCodes = map[finding.Code]bool{
	finding.SlotZero: true, finding.RecordInvalid: true, finding.PayloadOverlap: true, finding.HashMismatch: true,
	finding.HashMismatchUncommitted: true, finding.DataChunkMissing: true, finding.DataChunkShort: true,
	finding.MetadataTruncated: true, finding.MetadataPageMissing: true, finding.ResumeAddressBeyondChunks: true,
	finding.TermOrder: true, finding.CommandIDWithoutFlag: true, finding.CheckpointPastEnd: true,
}

// checkpointCodes are the findings a checkpoint rewrite resolves.
var checkpointCodes = map[finding.Code]bool{
	finding.CheckpointTorn: true, finding.CheckpointPastEnd: true, finding.CheckpointLastBelowCommit: true,
	finding.CheckpointNegative: true, finding.CheckpointMixedForm: true, finding.CheckpointVersionUnsupported: true,
	finding.CheckpointMissing: true, finding.CheckpointEmpty: true, // written from --commit-index
}

// walPlanner carries one MakeWALPlan call.
type walPlanner struct {
	l   *logdir.Log
	w   *wal.Log
	o   WALRepairOptions
	ext wal.Extent
	p   *Plan

	knownC       int64 // the commit index the disk proves
	curT         int64 // the last index the library reads now
	newC, newL   int64
	form         int
	refusal      string // why the end of the log cannot be repaired
	refuseFlag   string
	stateRefusal string
	cpStep       int // 1-based step numbers, 0 none
	stateStep    int
	pastEnd      bool // the checkpoint pointed past the slots ever written
	// padStep maps an index whose #292-padded record a step corrects to
	// that step's number.
	padStep map[int64]int
	padFix  map[int64]RecordFix
}

// MakeWALPlan works out what a repair of the WriteAheadLog l would do: the
// checkpoint rewritten from what the slots really hold (never a commit
// index above what the disk proves committed), an uncommitted tail with
// failing hashes cut off, `state` rewritten when the operator supplies the
// term. It writes nothing.
func MakeWALPlan(l *logdir.Log, o WALRepairOptions) (*Plan, error) {
	w := l.WAL()
	if w == nil {
		return nil, fmt.Errorf("%s: not a WriteAheadLog", l.Dir)
	}
	findings, err := collectFindings(l)
	if err != nil {
		return nil, err
	}
	pl := &walPlanner{l: l, w: w, o: o, ext: w.Extent(), p: &Plan{Dir: l.Dir, Format: format.WAL}}
	if err := pl.chooseForm(); err != nil {
		return nil, err
	}
	if err := pl.decideEnd(findings); err != nil {
		return nil, err
	}
	if err := pl.planState(findings); err != nil {
		return nil, err
	}
	pl.planCheckpoint(findings)
	if err := pl.planPadding(); err != nil {
		return nil, err
	}
	pl.p.Items = pl.items(findings)
	return pl.p, nil
}

// chooseForm picks the checkpoint form: the operator's, else the one on
// disk, else (torn) the one its surviving bytes and the slots point to.
func (pl *walPlanner) chooseForm() error {
	cp, params := pl.w.Checkpoint, pl.w.Params
	switch {
	case pl.o.CheckpointForm != 0:
		pl.form = pl.o.CheckpointForm
	case cp.Form == wal.Checkpoint5x || cp.Form == wal.CheckpointV0 || cp.Form == wal.CheckpointV1:
		pl.form = cp.Form
	case pl.w.Reader == wal.Reader5x:
		pl.form = wal.Checkpoint5x
	case cp.Size >= 4 && cp.Version == 0:
		pl.form = wal.CheckpointV0
	default:
		pl.form = wal.CheckpointV1
	}
	if pl.form == wal.Checkpoint5x && (params.Layout != wal.Layout5 || params.Hash != wal.HashNone) {
		return &rebuild.FlagError{
			Msg: fmt.Sprintf(
				"DotNext 5.x reads only 40-byte records without a hash, and metadata/ holds %d-byte records with hash %s (%s): this log cannot get a 5.x checkpoint",
				params.RecordSize,
				params.Hash,
				params.Confidence.String()+" confidence",
			),
			Hint: "use --target-version 6.x, or walctl convert --to wal --target-version 5.26.2 to rewrite the whole log",
		}
	}
	return nil
}

// commitFlag is the flag that supplies a commit index the disk does not hold.
const commitFlag = "--commit-index N"

// checkCommitFlag accepts --commit-index only for a checkpoint that cannot
// be trusted, and never below the snapshot index.
func (pl *walPlanner) checkCommitFlag(untrusted bool) error {
	n := pl.o.CommitIndex
	switch {
	case n == nil:
		return nil
	case *n < pl.ext.S:
		return &rebuild.FlagError{
			Msg:  fmt.Sprintf("--commit-index %d is below the snapshot index %d, which is committed", *n, pl.ext.S),
			Hint: fmt.Sprintf("give the cluster's commit index, at least %d", pl.ext.S),
		}
	case !untrusted && *n != pl.ext.Commit:
		return &rebuild.FlagError{
			Msg: fmt.Sprintf(
				"--commit-index %d: the checkpoint's commit index %d is sound, so it is kept",
				*n,
				pl.ext.Commit,
			),
			Hint: "--commit-index is for a torn or missing checkpoint; drop it",
		}
	}
	return nil
}

func checkpointWords(cp wal.Checkpoint) string {
	switch {
	case cp.Torn():
		return fmt.Sprintf("torn, %d bytes", cp.Size)
	case !cp.Present:
		return "missing"
	}
	return "empty"
}

// decideEnd sets the new commit and last index from the verified extent.
func (pl *walPlanner) decideEnd(findings raftlog.Findings) error {
	ext, cp, p := pl.ext, pl.w.Checkpoint, pl.p
	pl.curT = ext.T
	p.Snapshot, p.LastIndex, p.CommitIndex = ext.S, ext.T, ext.Commit
	pl.knownC = ext.Commit
	untrusted := cp.Torn() || ((!cp.Present || cp.Form == wal.CheckpointEmpty) && ext.LastWritten > ext.S)
	if err := pl.checkCommitFlag(untrusted); err != nil {
		return err
	}
	switch n := pl.o.CommitIndex; {
	case untrusted && n != nil:
		pl.knownC = *n
		p.Notes = append(
			p.Notes,
			fmt.Sprintf(
				"the checkpoint cannot be trusted (%s): commit index %d comes from --commit-index",
				checkpointWords(cp),
				*n,
			),
		)
	case cp.Torn() && !ext.RecoveredConfirmed:
		pl.refuse(
			fmt.Sprintf(
				"the checkpoint is torn (%d bytes) and its surviving bytes give no commit index the slots confirm: the true commit index is not on disk, and raising it could apply uncommitted entries",
				cp.Size,
			),
			commitFlag,
		)
		return nil
	case cp.Torn():
		pl.knownC = max(ext.RecoveredC, ext.S)
		p.Notes = append(
			p.Notes,
			fmt.Sprintf(
				"the torn checkpoint (%d bytes) still gives commit index %d, and slots %d–%d confirm it",
				cp.Size,
				ext.RecoveredC,
				ext.S+1,
				ext.ValidEnd,
			),
		)
	case untrusted:
		pl.refuse(
			"the checkpoint is missing or empty while slots hold entries: the commit index is not on disk, and raising it could apply uncommitted entries (spec §11.4); the library opens the log at the snapshot and the cluster re-replicates the rest",
			commitFlag,
		)
		return nil
	}
	end := ext.ValidEnd
	pl.newL = min(pl.curT, end)
	if untrusted {
		pl.newL = end // L is lost; the slots verify and chain up to end
	}
	pl.newC = pl.knownC
	if pl.knownC > end {
		pl.commitPastEnd(findings, end)
	}
	pl.newL = max(pl.newL, pl.newC)
	return nil
}

// commitPastEnd handles a commit index above the last entry that verifies.
func (pl *walPlanner) commitPastEnd(findings raftlog.Findings, end int64) {
	k := end + 1
	code, why := firstDamage(findings, k)
	if code == finding.CheckpointPastEnd {
		pl.newC = end
		pl.pastEnd = true
		pl.p.Notes = append(
			pl.p.Notes,
			fmt.Sprintf(
				"the checkpoint claims commit index %d, but entries end at %d: the commit index is lowered to %d, never raised (the true one is not on disk; a majority of the cluster holds it)",
				pl.knownC,
				end,
				end,
			),
		)
		return
	}
	if pl.o.AllowDropCommitted {
		pl.newC = end
		pl.p.Drop = &Drop{Range: raftlog.Range{From: k, To: pl.curT}, Committed: &raftlog.Range{From: k, To: pl.knownC},
			Why: fmt.Sprintf("entry %d: %s", k, why)}
		return
	}
	pl.refuse(
		fmt.Sprintf(
			"committed entry %d is damaged (%s: %s): repairing it would drop committed entries %d–%d",
			k,
			code,
			why,
			k,
			pl.knownC,
		),
		"--allow-drop-committed",
	)
	pl.p.Drop = &Drop{Range: raftlog.Range{From: k, To: pl.curT}, Committed: &raftlog.Range{From: k, To: pl.knownC},
		Why: fmt.Sprintf("entry %d: %s", k, why), Refused: true, Flag: "--allow-drop-committed"}
}

// firstDamage names the error finding at index k (or the first one).
func firstDamage(findings raftlog.Findings, k int64) (code finding.Code, why string) {
	for _, f := range findings {
		if f.Severity == raftlog.Error && (f.Index == k || f.Index == raftlog.NoIndex && entryDamageCodes[f.Code]) {
			return f.Code, f.Message
		}
	}
	return "damaged", "the entry does not verify"
}

func (pl *walPlanner) refuse(why, flag string) {
	pl.refusal, pl.refuseFlag = why, flag
	pl.newC, pl.newL = pl.ext.Commit, pl.ext.T
}

// planCheckpoint adds the checkpoint rewrite when its bytes change.
func (pl *walPlanner) planCheckpoint(findings raftlog.Findings) {
	p := pl.p
	p.NewCommitIndex, p.NewLastIndex = pl.newC, pl.newL
	if pl.refusal != "" {
		p.NewCommitIndex, p.NewLastIndex = p.CommitIndex, p.LastIndex
		return
	}
	if pl.form != wal.CheckpointV1 {
		p.NewLastIndex = pl.newC // the form holds no L: T = max(C, S)
	}
	if pl.newL < pl.curT && p.Drop == nil {
		code, _ := firstDamage(findings, pl.newL+1)
		p.Drop = &Drop{
			Range: raftlog.Range{From: pl.newL + 1, To: pl.curT},
			Why:   fmt.Sprintf("entry %d does not verify (%s)", pl.newL+1, code),
		}
		if pl.pastEnd {
			p.Drop.Why = "their slots were never written: the checkpoint pointed past the end of the log"
		} else if pl.newC < pl.knownC {
			p.Drop.Committed = &raftlog.Range{From: pl.newC + 1, To: min(pl.knownC, pl.curT)}
		}
	}
	if pl.form != wal.CheckpointV1 && pl.curT > pl.newC && p.Drop == nil {
		p.Drop = &Drop{
			Range: raftlog.Range{From: pl.newC + 1, To: pl.curT},
			Why:   fmt.Sprintf("the %d-byte checkpoint holds no last index", pl.form),
		}
	}
	want, err := wal.EncodeCheckpoint(pl.form, pl.newC, pl.newL)
	if err != nil || pl.sameCheckpoint(want) {
		return
	}
	what := fmt.Sprintf("%d-byte form (%s): commit index %d", pl.form, formReaders(pl.form), pl.newC)
	if pl.form == wal.CheckpointV1 {
		what += fmt.Sprintf(", last index %d", pl.newL)
	}
	st := Step{Kind: StepCheckpoint, File: "checkpoint", What: what, state: want, Why: pl.checkpointWhy(findings)}
	if p.Drop != nil {
		st.Drops = &p.Drop.Range
	}
	if pl.newC > pl.ext.S {
		st.Keeps = &raftlog.Range{From: pl.ext.S + 1, To: p.NewLastIndex}
	}
	p.Steps = append(p.Steps, st)
	pl.cpStep = len(p.Steps)
	if pl.newL > pl.newC && pl.form != wal.CheckpointV1 && pl.curT > pl.newC {
		p.Notes = append(
			p.Notes,
			fmt.Sprintf(
				"the %d-byte checkpoint holds no last index: uncommitted entries %d–%d are dropped when the library opens the log (the leader sends them again)",
				pl.form,
				pl.newC+1,
				pl.newL,
			),
		)
	}
}

func (pl *walPlanner) sameCheckpoint(want []byte) bool {
	cp := pl.w.Checkpoint
	return cp.Present && cp.Size == int64(len(want)) && bytes.Equal(cp.Raw, want)
}

func formReaders(form int) string {
	switch form {
	case wal.Checkpoint5x:
		return "DotNext 5.22–5.26"
	case wal.CheckpointV0:
		return "DotNext 6.0+"
	}
	return "DotNext 6.8+"
}

// planState rewrites `state` when the operator supplies the term: a lost
// one (missing, cut), or one whose term lags behind the entries' terms
// (term-above-current, term-reset). The new term is never below an entry's
// term nor the stored one, and a new term starts without a vote.
func (pl *walPlanner) planState(findings raftlog.Findings) error {
	lost, behind := false, false
	for _, f := range findings {
		lost = lost || f.Code == finding.StateTruncated || f.Code == finding.StateMissing
		behind = behind || f.Code == finding.TermAboveCurrent || f.Code == finding.TermReset
	}
	if !lost && (!behind || pl.o.SetTerm == nil) {
		return nil
	}
	maxTerm, err := pl.maxTerm()
	if err != nil {
		return err
	}
	if pl.o.SetTerm == nil {
		pl.stateRefusal = "the term and the vote in `state` are lost (the library would silently reset them to 0 and may vote twice in a term); supply --set-term T: " + termAdvice(
			maxTerm,
		)
		return nil
	}
	t := *pl.o.SetTerm
	if err := termCoversLog(t, maxTerm); err != nil {
		return err
	}
	if !lost && t <= pl.l.State.Term {
		return &rebuild.FlagError{Msg: fmt.Sprintf("--set-term %d is not above the stored term %d", t, pl.l.State.Term),
			Hint: termAdvice(maxTerm)}
	}
	pl.p.Steps = append(
		pl.p.Steps,
		Step{Kind: StepState, File: "state", What: fmt.Sprintf("term %d (from --set-term), no vote; 37 bytes", t),
			state: wal.EncodeState(raftlog.NodeState{Term: t})},
	)
	pl.stateStep = len(pl.p.Steps)
	return nil
}

// maxTerm is the highest term of the snapshot and the live entries.
func (pl *walPlanner) maxTerm() (int64, error) {
	var m int64
	if s := pl.l.Snapshot; s != nil {
		m = s.Term
	}
	err := pl.l.Entries(pl.l.First, pl.l.Last, func(e raftlog.Entry) bool {
		if e.State == raftlog.EntryOK {
			m = max(m, e.Term)
		}
		return true
	})
	return m, err
}

// items answers every finding.
func (pl *walPlanner) items(fs raftlog.Findings) []Item {
	out := make([]Item, 0, len(fs))
	for _, f := range fs {
		it := Item{Finding: f}
		pl.classify(&it)
		out = append(out, it)
	}
	return groupItems(out)
}

func (pl *walPlanner) classify(it *Item) {
	f := it.Finding
	dropped := pl.p.Drop != nil && !pl.p.Drop.Refused && pl.cpStep > 0
	switch {
	case f.Code == finding.Padding292 && pl.padStep[f.Index] > 0:
		it.Status, it.Step = Fixed, pl.padStep[f.Index]
		it.Action = fmt.Sprintf(
			"step %d rewrites %s",
			it.Step,
			recordFixText(pl.padFix[f.Index], f.File, pl.w.Params.Hash),
		)
	case f.Code == finding.Padding292 && f.Index == raftlog.NoIndex && len(pl.padStep) > 0:
		it.Status, it.Step = Fixed, pl.firstPadStep()
		it.Action = fmt.Sprintf("the metadata-page steps correct all %d padded records", len(pl.padStep))
	case (f.Code == finding.TermAboveCurrent || f.Code == finding.TermReset) && pl.stateStep > 0:
		it.Status, it.Step = Fixed, pl.stateStep
		it.Action = fmt.Sprintf("step %d rewrites state with the term from --set-term and no vote", pl.stateStep)
	case f.Code == finding.StateTruncated || f.Code == finding.StateMissing:
		if pl.stateStep > 0 {
			it.Status, it.Step, it.Action = Fixed, pl.stateStep, fmt.Sprintf(
				"step %d rewrites state with the term from --set-term and no vote",
				pl.stateStep,
			)
		} else {
			it.Status, it.Action, it.Flag = Refused, pl.stateRefusal, "--set-term T"
		}
	case pl.refusal != "" && (f.Severity == raftlog.Error && (entryDamageCodes[f.Code] || checkpointCodes[f.Code] || f.Code == finding.CheckpointMissing)):
		it.Status, it.Action, it.Flag = Refused, pl.refusal, pl.refuseFlag
	case dropped && f.Index != raftlog.NoIndex && f.Index > pl.newL && f.Index <= pl.curT:
		it.Status, it.Step = Dropped, pl.cpStep
		it.Action = fmt.Sprintf(
			"step %d ends the log at index %d; entry %d is no longer part of it",
			pl.cpStep,
			pl.newL,
			f.Index,
		)
	case checkpointCodes[f.Code] && pl.cpStep > 0:
		it.Status, it.Step, it.Action = Fixed, pl.cpStep, fmt.Sprintf(
			"step %d rewrites the checkpoint from the slots",
			pl.cpStep,
		)
	case f.Severity == raftlog.Error:
		it.Status, it.Action = Refused, "walctl repair does not rewrite this: "+f.Fix
	default:
		it.Status, it.Action = NoAction, "left as is"
	}
}

// planPadding corrects every #292-padded record that stays in the log:
// one step per metadata page, in which only those slots change (spec §2.3,
// §11.5). The correction keeps End, so the checkpoint and the resume
// address stay valid whichever steps a crash leaves undone.
func (pl *walPlanner) planPadding() error {
	pl.padStep, pl.padFix = map[int64]int{}, map[int64]RecordFix{}
	p := pl.p
	var cur *Step
	flush := func() {
		if cur != nil {
			cur.What = padStepWhat(cur, pl.w.Params.Hash)
			p.Steps = append(p.Steps, *cur)
			cur = nil
		}
	}
	err := pl.w.Corrections292(pl.ext.S+1, p.NewLastIndex, func(c wal.Correction292) bool {
		if cur != nil && cur.File != c.File {
			flush()
		}
		if cur == nil {
			cur = &Step{Kind: StepMetadataPage, File: c.File, Why: []string{string(finding.Padding292)}}
		}
		fix := RecordFix{Index: c.Index, Committed: c.Committed, SlotOffset: c.SlotOffset, Padding: c.Padding.Bytes,
			OldOffset: c.OldOffset, OldLength: c.OldLength, NewOffset: c.NewOffset, NewLength: c.NewLength,
			OldHash: c.OldHash, NewHash: c.NewHash}
		cur.Records = append(cur.Records, fix)
		cur.patches = append(cur.patches, slotPatch{off: c.SlotOffset, old: c.Old, new: c.New})
		pl.padStep[c.Index], pl.padFix[c.Index] = len(p.Steps)+1, fix
		return true
	})
	if err != nil {
		return err
	}
	flush()
	if len(pl.padStep) > 0 {
		p.Notes = append(p.Notes, pl.paddingNote())
	}
	return nil
}

func (pl *walPlanner) firstPadStep() int {
	first := 0
	for _, n := range pl.padStep {
		if first == 0 || n < first {
			first = n
		}
	}
	return first
}

// paddingNote says what the correction means for the application.
func (pl *walPlanner) paddingNote() string {
	var idx []int64
	committed := 0
	for i, f := range pl.padFix {
		idx = append(idx, i)
		if f.Committed {
			committed++
		}
	}
	sort.Slice(idx, func(a, b int) bool { return idx[a] < idx[b] })
	list := joinIndexList(idx, 10)
	s := fmt.Sprintf("#292: the records of %s are corrected in place, so every DotNext release delivers the "+
		"appended payloads; no data byte moves and nothing else changes.", list)
	if committed > 0 {
		s += fmt.Sprintf(
			" The state machine has applied the padded payloads ([zeros][payload]) of the committed ones. "+
				"DotNext applies (S, C] = (%d, %d] again from the snapshot at the next open, so a state machine rebuilt "+
				"from its snapshot gets the appended payloads; state kept outside the log — a durable state machine, or a "+
				"snapshot taken since those entries were applied (here or on other nodes) — may still hold the padded "+
				"result and has to be rebuilt.",
			pl.ext.S,
			pl.newC,
		)
	}
	return s + " The alternative to this repair: rebuild the node from a leader that holds the appended payloads " +
		"(walctl diff shows which node does; Raft never replaces an entry whose term matches)."
}

// joinIndexList renders "entry 5", "entries 5, 7" or "entries 5, 7, … (12 in all)".
func joinIndexList(idx []int64, limit int) string {
	if len(idx) == 1 {
		return fmt.Sprintf("entry %d", idx[0])
	}
	parts := make([]string, 0, limit)
	for k, i := range idx {
		if k == limit {
			return fmt.Sprintf("entries %s, … (%d in all)", strings.Join(parts, ", "), len(idx))
		}
		parts = append(parts, strconv.FormatInt(i, 10))
	}
	return "entries " + strings.Join(parts, ", ")
}

// padStepWhat describes a metadata-page step in words.
func padStepWhat(st *Step, h wal.HashAlg) string {
	idx := make([]int64, len(st.Records))
	for k, r := range st.Records {
		idx[k] = r.Index
	}
	hash := ""
	if h != wal.HashNone {
		hash = ", " + h.LibraryName() + " hash recomputed"
	}
	return fmt.Sprintf("%s: #292 padding removed from the record (Offset = the chunk boundary, "+
		"Length = the appended length%s); every other byte of the page stays", joinIndexList(idx, 10), hash)
}

// recordFixText renders one correction with its old and new values.
func recordFixText(f RecordFix, file string, h wal.HashAlg) string {
	s := fmt.Sprintf("entry %d's record (%s @%d): Offset %d → %d, Length %d → %d", f.Index, file, f.SlotOffset,
		f.OldOffset, f.NewOffset, f.OldLength, f.NewLength)
	if f.NewHash != "" {
		s += fmt.Sprintf(", %s hash %s → %s", h.LibraryName(), f.OldHash, f.NewHash)
	}
	return s + fmt.Sprintf("; the %d padding bytes become a gap before the payload", f.Padding)
}

// ApplyWAL carries out a WriteAheadLog plan on dir through the same
// transaction as Apply: backup, re-plan on the backup, the new checkpoint
// and state staged beside the unchanged pages, audit, publish.
func ApplyWAL(plan *Plan, dir string, o WALRepairOptions, w txn.Config) (*Result, error) {
	return applyPlan(plan, dir, w, journalOptions{WAL: &o}, o.Backup,
		func(backup string) (*Plan, error) { return walPlanOn(backup, o) })
}

func walPlanOn(dir string, o WALRepairOptions) (*Plan, error) {
	l, err := logdir.Open(dir, o.Open())
	if err != nil {
		return nil, err
	}
	defer l.Close()
	return MakeWALPlan(l, o)
}

// patchedPage is the backup's copy of a metadata page with the step's
// slots replaced; the page keeps its size and every other byte.
func patchedPage(backup string, st Step) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(backup, st.File))
	if err != nil {
		return nil, err
	}
	for _, p := range st.patches {
		end := p.off + int64(len(p.old))
		if p.off < 0 || end > int64(len(b)) || !bytes.Equal(b[p.off:end], p.old) || len(p.new) != len(p.old) {
			return nil, fmt.Errorf("the slot at %d is not what the plan read: run walctl repair again", p.off)
		}
		copy(b[p.off:], p.new)
	}
	return b, nil
}

// checkpointWhy names the findings and the flag a checkpoint rewrite
// answers.
func (pl *walPlanner) checkpointWhy(findings raftlog.Findings) []string {
	var why []string
	seen := map[finding.Code]bool{}
	for _, f := range findings {
		hit := checkpointCodes[f.Code] ||
			(f.Index != raftlog.NoIndex && f.Index > pl.newL && f.Index <= pl.curT && entryDamageCodes[f.Code])
		if f.Severity == raftlog.Error && hit && !seen[f.Code] {
			seen[f.Code] = true
			why = append(why, string(f.Code))
		}
	}
	if pl.o.CheckpointForm != 0 && pl.o.CheckpointForm != pl.w.Checkpoint.Form {
		why = append(why, fmt.Sprintf("--target-version: the %d-byte form", pl.o.CheckpointForm))
	}
	return why
}
