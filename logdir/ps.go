package logdir

import (
	"fmt"
	"os"

	"github.com/walctl/walctl/detect"
	"github.com/walctl/walctl/format/legacy"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/sparse"
	"github.com/walctl/walctl/format/v2"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/release"
)

// decoder is one partition codec's Decode.
type decoder func(f partition.File, g partition.Geometry, lastIndex int64) partition.Decoded

func decoderFor(format string) decoder {
	switch format {
	case detect.Legacy:
		return legacy.Decode
	case detect.Sparse:
		return sparse.Decode
	default:
		return v2.Decode
	}
}

// psLog holds what the PersistentState reader needs between passes.
type psLog struct {
	*Log
	decode   decoder
	files    []detect.PartitionFile
	lastHint int64 // node.state LastIndex, -1 without node.state
	target   release.Version
	zeroLead []zeroLead // unsealed partitions whose leading slots are zero
}

func openPS(dir string, det *detect.Result, target release.Version) (*Log, error) {
	l := &Log{Dir: dir, Format: det.Format, Detection: det, R: det.R, M: det.M}
	ps := &psLog{Log: l, decode: decoderFor(det.Format), files: det.Listing.Partitions, lastHint: -1, target: target}
	if err := ps.readNodeState(det.Listing.NodeState); err != nil {
		return nil, err
	}
	if err := ps.readSnapshot(det.Listing.Snapshot); err != nil {
		return nil, err
	}
	lastOnDisk, err := ps.scan()
	if err != nil {
		return nil, err
	}
	ps.bounds(lastOnDisk)
	ps.checkDirectory(lastOnDisk)
	l.entries = func(from, to int64, yield func(raftlog.Entry) bool) error {
		return ps.entries(from, to, ps.lastHint, yield)
	}
	l.onDisk = func(from, to int64, yield func(raftlog.Entry) bool) error {
		return ps.entries(from, to, max(ps.lastHint, to), yield)
	}
	return l, nil
}

func (ps *psLog) readNodeState(path string) error {
	if path == "" {
		ps.Findings.Add(finding(raftlog.Error, "node-state-missing", nodestate.FileName, -1, raftlog.NoIndex,
			"node.state is missing: DotNext creates a fresh one (term 0, no vote, commit 0) and ignores every entry"))
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
	ps.checkNodeState(size, ns)
	ps.checkNegative(s)
	ps.checkVoteLayout(size, s)
	return nil
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
	ps.Findings.Add(finding(raftlog.Info, "old-vote-layout", nodestate.FileName, nodestate.OffVote, raftlog.NoIndex,
		fmt.Sprintf("node.state stores the vote for %s (term %d) in the ClusterMemberId layout before 4.8.0 (port before length): DotNext %s reads it right, %s reads it as a vote for another member",
			m.Endpoint, s.Term, nodestate.LayoutBefore480.Releases(), nodestate.Layout480.Releases())))
}

func (ps *psLog) checkNodeState(size int64, ns *raftlog.NodeState) {
	const f = nodestate.FileName
	if size != nodestate.Size {
		ps.Findings.Add(finding(raftlog.Error, "node-state-size", f, min(size, nodestate.Size), raftlog.NoIndex,
			fmt.Sprintf("node.state is %d bytes, not %d: DotNext reads the missing bytes as zero (term %d, vote %s) without an error — the node can vote twice in one term",
				size, nodestate.Size, ns.Term, voteWord(ns))))
	}
	if ns.Checksum == raftlog.ChecksumMismatch {
		ps.Findings.Add(finding(raftlog.Error, "node-state-checksum", f, nodestate.OffChecksum, raftlog.NoIndex,
			"node.state checksum does not match bytes 0–119: with IntegrityCheck on, DotNext ≥ 4.2 throws InternalStateBrokenException from InitializeAsync"))
	}
}

// checkNegative reports indexes and a term below zero, which the library
// never writes. The model reads -1 as "not kept by the format" and ignores
// a snapshot index ≤ 0, so they would otherwise pass silently.
func (ps *psLog) checkNegative(s nodestate.State) {
	for _, field := range []struct {
		name     string
		off, val int64
	}{{"LastIndex", nodestate.OffLastIndex, s.LastIndex}, {"LastApplied", nodestate.OffLastApplied, s.LastApplied},
		{"snapshot index", nodestate.OffSnapshot, s.Snapshot.Index}, {"term", nodestate.OffTerm, s.Term}} {
		if field.val < 0 {
			ps.Findings.Add(finding(raftlog.Error, "negative-index", nodestate.FileName, field.off, raftlog.NoIndex,
				fmt.Sprintf("node.state holds a negative %s (%d at offset %d), which the library never writes: the file is damaged; restore node.state from a healthy replica", field.name, field.val, field.off)))
		}
	}
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
	end, ok := addOK(s.Offset, s.Length)
	if s.Length < 0 || s.Offset < 0 || !ok || end > info.Size() {
		ps.Findings.Add(finding(raftlog.Error, "snapshot-short", "snapshot", info.Size(), s.Index,
			fmt.Sprintf("node.state says the snapshot is %d bytes at offset %d, but the snapshot file has %d: the state machine restores a cut snapshot", s.Length, s.Offset, info.Size())))
	}
	if s.Offset == 48 {
		ps.Findings.Add(finding(raftlog.Warning, "snapshot-offset-48", "snapshot", 0, s.Index,
			"snapshot metadata Offset is 48 (InlineSnapshotBuilder quirk): the library reads the payload from byte 48 although it was written from 0"))
	}
	return nil
}

func addOK(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

// open returns the codec view of one partition file.
func (ps *psLog) open(pf detect.PartitionFile) (partition.File, *os.File, error) {
	h, err := os.Open(pf.Path)
	if err != nil {
		return partition.File{}, nil, err
	}
	// The codecs read 40-byte records: serve them from a few 64 KiB windows
	// instead of one pread each.
	return partition.File{R: partition.NewCachedReader(h, pf.Size), Size: pf.Size, Name: pf.Name, Number: pf.Number}, h, nil
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
	err := ps.decodeInOrder(all, ps.lastHint, func(i int, d partition.Decoded) (bool, error) {
		pf := ps.files[i]
		p := raftlog.Partition{Number: pf.Number, File: pf.Name, Sealed: d.Sealed, Bytes: pf.Size,
			Format: ps.Format, FirstIndex: -1, LastIndex: -1}
		base, ok := mulOK(pf.Number, ps.R)
		if !ok {
			ps.Findings.Add(finding(raftlog.Error, "partition-number-overflow", pf.Name, 0, raftlog.NoIndex,
				fmt.Sprintf("partition number %d × R %d overflows a log index", pf.Number, ps.R)))
			return true, nil
		}
		for _, s := range d.Slots {
			if s.Kind == partition.Written || s.Kind == partition.Torn || s.Kind == partition.Missing || s.Kind == partition.Invalid {
				idx := base + s.Slot
				if p.FirstIndex < 0 {
					p.FirstIndex = idx
				}
				p.LastIndex = idx
				p.Entries++
				lastOnDisk = max(lastOnDisk, idx)
			}
		}
		for _, is := range d.Issues {
			if is.Code == "unsealed-partition" {
				continue // judged for the whole directory in checkUnsealed, with its index range
			}
			if is.Code == v2.CodeZeroLeading && !d.Sealed {
				ps.zeroLead = append(ps.zeroLead, zeroLeadOf(pf, base, is, d))
				continue // judged in checkZeroLead, with the entries and the releases at stake
			}
			idx := raftlog.NoIndex
			if is.Slot >= 0 {
				idx = base + is.Slot
			}
			ps.Findings.Add(finding(raftlog.Severity(is.Severity), is.Code, pf.Name, is.Offset, idx, is.Message))
		}
		ps.Partitions = append(ps.Partitions, p)
		return true, nil
	})
	if err != nil {
		return 0, err
	}
	return lastOnDisk, nil
}

func mulOK(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	c := a * b
	if c/b != a || c < 0 {
		return 0, false
	}
	return c, true
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
