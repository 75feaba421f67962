package logdir

import (
	"fmt"
	"os"
	"strings"

	"github.com/walctl/walctl/detect"
	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/release"
)

// psLog holds what the PersistentState reader needs between passes.
type psLog struct {
	*Log
	codec    partition.Decoder // nil for a log without partition files (detection named no format)
	files    []detect.PartitionFile
	lastHint int64 // node.state LastIndex, -1 without node.state (or when it is lost)
	target   release.Version
	zeroLead []zeroLead // unsealed partitions whose leading slots are zero

	// What node.state's own damage leaves untrusted (judgeNodeState).
	stateLost bool // its indexes are garbage or gone
	termLost  bool // its term (and vote) are gone
	zeroState bool // 128 zero bytes: judged against the entries on disk
	// zeroOversized: a longer file whose first 128 bytes are zero: its size
	// finding, reported only when no entry on disk makes it node-state-zeroed
	zeroOversized *raftlog.Finding
	badChecksum   bool
	cutState      int64 // its size when shorter than 128 bytes, else -1
	// firstOnDisk and maxTerm: the first index and the highest term of the
	// records the scan found.
	firstOnDisk, maxTerm int64
	beyond               raftlog.Findings // codec findings about records after LastIndex
	notRegularLive       map[int64]bool   // numbers of non-regular names reported as live partitions
	fused                *fusedReplay     // Check's replay run during the scan (OpenChecked), or nil
	spec                 *speculation     // a one-pass scan's guess and probes (onePass), or nil
}

// openPS opens a PersistentState log detected as det. With sp, det is
// sp's guess: the scan probes every file, and the open stops with
// errGuessWrong unless detection then confirms the guess.
func openPS(dir string, det *detect.Result, target release.Version, fr *fusedReplay, sp *speculation) (*Log,
	error) {
	l := &Log{Dir: dir, Format: det.Format, Detection: det, R: det.R, M: det.M}
	codec, err := ps.Codec(det.Format)
	if err != nil && len(det.Listing.Partitions) > 0 {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	p := &psLog{Log: l, codec: codec, files: det.Listing.Partitions, lastHint: -1, target: target,
		cutState: -1, firstOnDisk: -1, spec: sp}
	if err := p.readNodeState(det.Listing.NodeState); err != nil {
		return nil, err
	}
	if err := p.readSnapshot(det.Listing.Snapshot); err != nil {
		return nil, err
	}
	p.startFused(fr)
	lastOnDisk, err := p.scan()
	p.spec = nil
	if err != nil {
		return nil, err
	}
	if sp != nil {
		if !sp.confirm() {
			return nil, errGuessWrong
		}
		l.Detection = sp.det // the guess, decided: the same format, R and M
	}
	if p.State != nil {
		p.checkLostState(lastOnDisk, p.maxTerm)
	}
	if !p.stateLost {
		// Records after LastIndex are worth knowing only when LastIndex is.
		p.Findings = append(p.Findings, p.beyond...)
	}
	p.bounds(lastOnDisk)
	p.checkDirectory(lastOnDisk)
	l.stateLost, l.termLost = p.stateLost, p.termLost
	p.finishFused()
	l.entries = func(from, to int64, yield func(raftlog.Entry) bool) error {
		return p.entries(from, to, p.lastHint, yield)
	}
	l.onDisk = func(from, to int64, yield func(raftlog.Entry) bool) error {
		return p.entries(from, to, max(p.lastHint, to), yield)
	}
	return l, nil
}

func (ps *psLog) readNodeState(path string) error {
	if path == "" {
		ps.Findings.Add(raftlog.New(finding.NodeStateMissing, "", nodestate.FileName, -1, raftlog.NoIndex, nil))
		return nil
	}
	b, size, err := detect.ReadHead(path, nodestate.Size)
	if err != nil {
		return err
	}
	s := nodestate.Decode(b)
	ns := &raftlog.NodeState{
		File: nodestate.FileName, Term: s.Term, HasVote: s.HasVote(),
		CommitIndex: s.CommitIndex, LastApplied: s.LastApplied, LastIndex: s.LastIndex,
		Size: size, ExpectedSize: nodestate.Size,
	}
	ns.Vote = memberOf(s.Vote)
	switch nodestate.Status(b) {
	case nodestate.ChecksumOK:
		ns.Checksum = raftlog.ChecksumOK
	case nodestate.ChecksumAbsent:
		ns.Checksum = raftlog.ChecksumAbsent
	default:
		ns.Checksum = raftlog.ChecksumMismatch
	}
	if s.Snapshot.Index > 0 {
		r := s.Snapshot.Rec
		ps.Snapshot = &raftlog.SnapshotMeta{Index: s.Snapshot.Index, Term: r.Term, Ticks: r.Timestamp,
			Length: r.Length, Offset: r.Offset, Flags: r.Flags, CommandID: r.CommandID(), File: "snapshot"}
		ns.Snapshot = ps.Snapshot
	}
	ps.State = ns
	ps.lastHint = s.LastIndex
	ps.judgeNodeState(b, size, s, ns)
	if !ps.stateLost {
		ps.checkVoteLayout(size, s)
	}
	return nil
}

// judgeNodeState reports what is wrong with node.state itself, once per
// cause, and marks the fields that cannot be trusted: garbage or lost
// indexes (stateLost: the directory is then read as if node.state said
// nothing, and every rule that needs its indexes is skipped) or a lost term
// (termLost: the replay does not compare entries' terms with it).
func (ps *psLog) judgeNodeState(b []byte, size int64, s nodestate.State, ns *raftlog.NodeState) {
	const f = nodestate.FileName
	mismatch := ns.Checksum == raftlog.ChecksumMismatch
	if neg := negativeFields(s); neg != "" {
		note := ""
		if mismatch {
			note = ", and its checksum does not match"
		}
		ps.Findings.Add(raftlog.New(finding.NegativeIndex, "", f, -1, raftlog.NoIndex,
			finding.F{"fields": neg, "checksum": note}))
		ps.lost(true)
		return
	}
	vote := voteWord(ns)
	switch {
	case size < nodestate.OffSnapshot:
		ps.cutState = size
		ps.lost(true)
		return // node-state-size "short", worded once the entries on disk are known
	case s.Snapshot.Index > 0 && size < nodestate.OffSnapshot+8+32:
		ps.Findings.Add(raftlog.New(finding.NodeStateSize, "cut-snapshot", f, size, raftlog.NoIndex,
			finding.F{"size": size, "snapshotIndex": s.Snapshot.Index}))
		ps.lost(true)
		return
	case size < nodestate.Size:
		ps.cutState = size
		ps.termLost = size < nodestate.OffTerm+8 || mismatch
	case size > nodestate.Size:
		oversized := raftlog.New(finding.NodeStateSize, "oversized", f, nodestate.Size, raftlog.NoIndex,
			finding.F{"size": size, "term": s.Term, "vote": vote})
		if allZero(b) { // the 128 bytes DotNext reads are zero: judged like a zeroed file (checkLostState)
			ps.zeroState, ps.zeroOversized = true, &oversized
			ps.lastHint = -1
		} else {
			ps.Findings.Add(oversized)
		}
	case allZero(b):
		ps.zeroState = true // judged against the entries on disk (checkZeroed)
		ps.lastHint = -1
	}
	if mismatch {
		ps.badChecksum, ps.termLost = true, true // worded in checkLostState, with the log's terms
	}
}

// lost marks node.state's indexes as garbage: the partitions are decoded as
// if node.state said nothing (every record on disk is seen).
func (ps *psLog) lost(indexes bool) {
	ps.stateLost, ps.termLost = indexes, true
	ps.lastHint = -1
}

// checkLostState words the node.state findings that need the entries on
// disk: a cut file's, and an all-zero file's when the partitions hold
// entries with a term above 0 (then node.state contradicts them: DotNext
// would open an empty log at term 0 and forget its vote).
func (ps *psLog) checkLostState(lastOnDisk, maxTerm int64) {
	const f = nodestate.FileName
	onDisk := "(none)"
	if lastOnDisk >= 0 {
		onDisk = finding.Range(max(ps.firstOnDisk, 1), lastOnDisk)
	}
	minTerm := max(maxTerm, ps.State.Term) + 1
	if ps.badChecksum {
		ps.Findings.Add(raftlog.New(finding.NodeStateChecksum, "", f, nodestate.OffChecksum, raftlog.NoIndex,
			finding.F{"minTerm": minTerm}))
	}
	switch {
	case ps.cutState >= 0 && ps.stateLost:
		ps.Findings.Add(raftlog.New(finding.NodeStateSize, "short", f, ps.cutState, raftlog.NoIndex,
			finding.F{"size": ps.cutState, "onDisk": onDisk}))
	case ps.cutState >= 0:
		snap, effect := "", "the vote forgotten"
		if ps.Snapshot != nil {
			snap = " and snapshot"
		}
		if ps.termLost {
			effect = "term 0, vote forgotten; measured"
		}
		ps.Findings.Add(raftlog.New(finding.NodeStateSize, "", f, ps.cutState, raftlog.NoIndex,
			finding.F{"size": ps.cutState, "snapshot": snap, "maxTerm": maxTerm, "minTerm": minTerm, "effect": effect}))
	case ps.zeroState && maxTerm > 0:
		form, size := "", int64(nodestate.Size)
		if ps.zeroOversized != nil {
			form, size = "oversized", ps.State.Size
		}
		ps.Findings.Add(raftlog.New(finding.NodeStateZeroed, form, f, 0, raftlog.NoIndex,
			finding.F{"size": size, "onDisk": onDisk, "maxTerm": maxTerm}))
		ps.lost(true)
	case ps.zeroState:
		ps.lastHint = 0              // nothing contradicts it: an empty log
		if ps.zeroOversized != nil { // only the size is wrong then
			ps.Findings.Add(*ps.zeroOversized)
		}
	}
}

// negativeFields lists the indexes and the term below zero, which the
// library never writes ("" when there are none).
func negativeFields(s nodestate.State) string {
	var out []string
	for _, field := range []struct {
		name     string
		off, val int64
	}{{"CommitIndex", nodestate.OffCommitIndex, s.CommitIndex}, {"LastApplied", nodestate.OffLastApplied, s.LastApplied},
		{"LastIndex", nodestate.OffLastIndex, s.LastIndex}, {"snapshot index", nodestate.OffSnapshot, s.Snapshot.Index},
		{"term", nodestate.OffTerm, s.Term}} {
		if field.val < 0 {
			out = append(out, fmt.Sprintf("a negative %s (%d at offset %d)", field.name, field.val, field.off))
		}
	}
	return strings.Join(out, ", ")
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return len(b) > 0
}

// memberOf is the model's view of a node.state member id: the member named
// in the layout its bytes are in, and what the releases of each layout read.
func memberOf(raw [nodestate.MemberIDSize]byte) raftlog.MemberID {
	m := nodestate.DecodeMember(raw)
	id := raftlog.MemberID{Raw: raw, Endpoint: m.Endpoint, Layout: m.Layout.String()}
	if m.Layout != nodestate.LayoutBefore480 && m.Layout != nodestate.Layout480 {
		return id
	}
	for i, l := range []nodestate.Layout{nodestate.LayoutBefore480, nodestate.Layout480} {
		r, match := m.ReadBy(l)
		same := match == nodestate.MatchSame
		reads := r.Endpoint
		if !same {
			reads = "another member: " + misread(r)
		}
		id.ReadBy[i] = raftlog.MemberReading{Releases: l.Releases().String(), Reads: reads, Voted: same}
	}
	return id
}

// misread names what a release of layout l makes of an id stored in the
// other layout: the length and port it sees.
func misread(r nodestate.Reading) string {
	length, port := nodestate.IDFields(r.ID)
	return fmt.Sprintf("length %d, port %d (an id no member has)", length, port)
}

// checkVoteLayout notes a vote stored in the layout before 4.8.0: what the
// node's release (4.0–4.7.x) reads right, and every later release reads as a
// vote for another member.
func (ps *psLog) checkVoteLayout(size int64, s nodestate.State) {
	m, ok := s.VoteMember()
	if !ok || m.Layout != nodestate.LayoutBefore480 || size < nodestate.OffVote+nodestate.MemberIDSize {
		return
	}
	ps.Findings.Add(raftlog.New(finding.OldVoteLayout, "", nodestate.FileName, nodestate.OffVote, raftlog.NoIndex,
		finding.F{"member": m.Endpoint, "term": s.Term, "oldReleases": nodestate.LayoutBefore480.Releases(),
			"newReleases": nodestate.Layout480.Releases()}))
}

func voteWord(ns *raftlog.NodeState) string {
	switch {
	case !ns.HasVote:
		return "none"
	case ns.Vote.Endpoint != "":
		return ns.Vote.Endpoint
	}
	return "set"
}

func (ps *psLog) readSnapshot(path string) error {
	s := ps.Snapshot
	if s == nil {
		return nil
	}
	if path == "" {
		// DiskBasedStateMachine keeps no snapshot file: nothing to check.
		s.File = ""
		return nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	end, ok := partition.AddOK(s.Offset, s.Length)
	if s.Length < 0 || s.Offset < 0 || !ok || end > info.Size() {
		ps.Findings.Add(raftlog.New(finding.SnapshotShort, "", "snapshot", info.Size(), s.Index,
			finding.F{"length": s.Length, "snapOffset": s.Offset, "size": info.Size()}))
	}
	if s.Offset == 48 {
		ps.Findings.Add(raftlog.New(finding.SnapshotOffset48, "", "snapshot", 0, s.Index, nil))
	}
	return nil
}

// open returns the codec view of one partition file and the function that
// closes it.
func (ps *psLog) open(pf detect.PartitionFile) (partition.File, func(), error) {
	h, err := os.Open(pf.Path)
	if err != nil {
		return partition.File{}, nil, err
	}
	// The codecs read 40-byte records. A Table or sparse decode reads them
	// from one end of the file to the other: one read of the whole file. A
	// legacy decode reads the prologue only: a few 64 KiB windows (its
	// payloads too are read through windows: a whole read of every file
	// held would add up to the whole-file budget to a walk's memory).
	r, release := partition.OpenFile(h, pf.Size, ps.Format != format.Legacy)
	f := partition.File{R: r, Size: pf.Size, Name: pf.Name, Number: pf.Number}
	if ps.spec != nil {
		f.Memo = &partition.Memo{} // the scan's decode, then its probe (speculation.probe)
	}
	return f, func() { release(); h.Close() }, nil
}

func (ps *psLog) geometry() partition.Geometry { return partition.Geometry{R: ps.R, M: ps.M} }

// scan decodes every partition once (one at a time) for the partition table
// and the codec findings; it returns the highest index with a record on disk.
func (ps *psLog) scan() (int64, error) {
	lastOnDisk := int64(-1)
	all := make([]int, len(ps.files))
	for i := range all {
		all[i] = i
	}
	err := ps.decodeInOrder(all, ps.lastHint, false, ps.prepareFused(), func(i int, d partition.Decoded,
		es []raftlog.Entry) (bool, error) {
		pf := ps.files[i]
		p := raftlog.Partition{Number: pf.Number, File: pf.Name, Sealed: d.Sealed, Bytes: pf.Size,
			Format: string(ps.Format), FirstIndex: -1, LastIndex: -1}
		base, ok := partition.MulOK(pf.Number, ps.R)
		if !ok {
			ps.Findings.Add(raftlog.New(finding.PartitionNumberOverflow, "", pf.Name, 0, raftlog.NoIndex,
				finding.F{"number": pf.Number, "r": ps.R}))
			return true, nil
		}
		for _, s := range d.Slots {
			if s.Kind == partition.Written || s.Kind == partition.Torn || s.Kind == partition.Missing ||
				s.Kind == partition.Invalid {
				idx := base + s.Slot
				if p.FirstIndex < 0 {
					p.FirstIndex = idx
				}
				p.LastIndex = idx
				p.Entries++
				lastOnDisk = max(lastOnDisk, idx)
				if ps.firstOnDisk < 0 || idx < ps.firstOnDisk {
					ps.firstOnDisk = idx
				}
				if s.Kind == partition.Written {
					ps.maxTerm = max(ps.maxTerm, s.Rec.Term)
				}
			}
		}
		for _, is := range d.Issues {
			if is.Code == finding.UnsealedPartition {
				continue // judged for the whole directory in checkUnsealed, with its index range
			}
			if is.Code == finding.ZeroLeadingSlots && !d.Sealed {
				ps.zeroLead = append(ps.zeroLead, zeroLeadOf(pf, base, is, d))
				continue // judged in checkZeroLead, with the entries and the releases at stake
			}
			ps.addIssue(pf, base, is)
		}
		ps.Partitions = append(ps.Partitions, p)
		ps.fusedPartition(es)
		return true, nil
	})
	if err != nil {
		return 0, err
	}
	return lastOnDisk, nil
}

// addIssue turns a codec's issue into a finding: its index, and whether
// that entry is committed (which picks the fix of a truncation). Issues
// about records after LastIndex wait in ps.beyond: they matter only when
// node.state's LastIndex can be trusted.
func (ps *psLog) addIssue(pf detect.PartitionFile, base int64, is partition.Issue) {
	idx := raftlog.NoIndex
	if is.Slot >= 0 {
		idx = base + is.Slot
	}
	facts := finding.F{}
	for k, v := range is.Facts {
		facts[k] = v
	}
	// from: the first entry a truncation for this issue drops (the slot's,
	// else the partition's first).
	from := idx
	if from == raftlog.NoIndex {
		from = max(base, 1)
	}
	if _, ok := facts["from"]; !ok {
		facts["from"] = from
	}
	facts["committed"] = ps.State != nil && from <= ps.State.CommitIndex
	f := raftlog.New(is.Code, is.Form, pf.Name, is.Offset, idx, facts)
	switch is.Form {
	case "stale", "beyond", "above-last":
		ps.beyond.Add(f)
		return
	}
	if is.Code == finding.BeyondLastIndex {
		ps.beyond.Add(f)
		return
	}
	ps.Findings.Add(f)
}

// bounds sets the range of indexes Entries yields: from the snapshot (or 1)
// to node.state's LastIndex (or the last record on disk without node.state).
func (ps *psLog) bounds(lastOnDisk int64) {
	ps.First = 1
	if ps.Snapshot != nil {
		ps.First = ps.Snapshot.Index
	}
	ps.Last = lastOnDisk
	if ps.State != nil {
		ps.Last = ps.State.LastIndex
	}
}
