// Package nodestate reads and writes the 128-byte node.state file of the
// DotNext PersistentState formats (spec/persistent-state.md §6): commit,
// applied and last index, snapshot metadata, term, vote and the word-wise
// FNV-1a checksum.
package nodestate

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/walctl/walctl/format/record"
)

// Size is the size of a node.state file.
const Size = 128

// FileName is the name of the file inside a log directory.
const FileName = "node.state"

// Field offsets (spec §6.1).
const (
	OffCommitIndex = 0
	OffLastApplied = 8
	OffLastIndex   = 16
	OffSnapshot    = 24
	OffTerm        = 72
	OffVoteFlag    = 80
	OffVote        = 81
	OffChecksum    = 120
	MemberIDSize   = 28
)

// Snapshot is the 48-byte SnapshotMetadata: index plus a record.
type Snapshot struct {
	Index int64
	Rec   record.Record
}

// State is one decoded node.state.
type State struct {
	CommitIndex int64
	LastApplied int64
	LastIndex   int64
	Snapshot    Snapshot
	Term        int64
	VoteFlag    byte
	Vote        [MemberIDSize]byte
	Unused      [11]byte // bytes 109..119, always zero when the library writes them
	Checksum    uint64   // as stored at 120
}

// ChecksumStatus tells what the stored checksum says.
type ChecksumStatus int

const (
	ChecksumAbsent   ChecksumStatus = iota // bytes 120..127 zero: IntegrityCheck off
	ChecksumOK                             // matches bytes 0..119
	ChecksumMismatch                       // non-zero and different
)

func (c ChecksumStatus) String() string {
	return [...]string{"absent", "ok", "mismatch"}[c]
}

// Decode parses b. A short b is decoded as the library does in a fresh
// process: the missing bytes read as zero. Decode never fails; callers
// compare len(b) with Size to report a wrong size.
func Decode(b []byte) State {
	var buf [Size]byte
	copy(buf[:], b)
	le := binary.LittleEndian
	var s State
	s.CommitIndex = int64(le.Uint64(buf[OffCommitIndex:]))
	s.LastApplied = int64(le.Uint64(buf[OffLastApplied:]))
	s.LastIndex = int64(le.Uint64(buf[OffLastIndex:]))
	s.Snapshot.Index = int64(le.Uint64(buf[OffSnapshot:]))
	s.Snapshot.Rec = record.Decode(buf[OffSnapshot+8:])
	s.Term = int64(le.Uint64(buf[OffTerm:]))
	s.VoteFlag = buf[OffVoteFlag]
	copy(s.Vote[:], buf[OffVote:OffVote+MemberIDSize])
	copy(s.Unused[:], buf[OffVote+MemberIDSize:OffChecksum])
	s.Checksum = le.Uint64(buf[OffChecksum:])
	return s
}

// Encode returns the 128-byte file. The checksum field is written as stored
// in s; call WithChecksum first to recompute it.
func (s State) Encode() []byte {
	buf := make([]byte, Size)
	le := binary.LittleEndian
	le.PutUint64(buf[OffCommitIndex:], uint64(s.CommitIndex))
	le.PutUint64(buf[OffLastApplied:], uint64(s.LastApplied))
	le.PutUint64(buf[OffLastIndex:], uint64(s.LastIndex))
	le.PutUint64(buf[OffSnapshot:], uint64(s.Snapshot.Index))
	s.Snapshot.Rec.Encode(buf[OffSnapshot+8:])
	le.PutUint64(buf[OffTerm:], uint64(s.Term))
	buf[OffVoteFlag] = s.VoteFlag
	copy(buf[OffVote:], s.Vote[:])
	copy(buf[OffVote+MemberIDSize:], s.Unused[:])
	le.PutUint64(buf[OffChecksum:], s.Checksum)
	return buf
}

// WithChecksum returns s with the checksum recomputed over its encoding.
func (s State) WithChecksum() State {
	s.Checksum = Checksum(s.Encode())
	return s
}

// Checksum is the word-wise FNV-1a-64 of bytes 0..119 (spec §6.1): each
// 8-byte little-endian word is folded in as one unit, not byte by byte.
func Checksum(b []byte) uint64 {
	var buf [OffChecksum]byte
	copy(buf[:], b)
	h := uint64(0xCBF29CE484222325)
	for k := 0; k < OffChecksum; k += 8 {
		h = (h ^ binary.LittleEndian.Uint64(buf[k:])) * 0x00000100000001B3
	}
	return h
}

// Status compares the stored checksum with the one computed from b.
func Status(b []byte) ChecksumStatus {
	s := Decode(b)
	switch {
	case s.Checksum == 0:
		return ChecksumAbsent
	case s.Checksum == Checksum(b):
		return ChecksumOK
	default:
		return ChecksumMismatch
	}
}

// HasVote reports whether the vote flag is set.
func (s State) HasVote() bool { return s.VoteFlag != 0 }

// Endpoint decodes a ClusterMemberId made from an IP endpoint as
// "address:port", reading it in the 4.8.0+ byte order (member.go: use
// DecodeMember for an id that may be stored in the order before 4.8.0). ok is false for ids made from DNS
// names, URIs or anything else: those hashes cannot be reversed.
func Endpoint(id [MemberIDSize]byte) (string, bool) {
	le := binary.LittleEndian
	length := int32(le.Uint32(id[16:]))
	port := int32(le.Uint32(id[20:]))
	family := int32(le.Uint32(id[24:]))
	if port < 0 || port > 65535 {
		return "", false
	}
	var addr netip.Addr
	switch {
	case family == familyInet && length == 4 && allZero(id[4:16]):
		addr = netip.AddrFrom4([4]byte(id[0:4]))
	case family == familyInet6 && length == 16:
		addr = netip.AddrFrom16([16]byte(id[0:16]))
	default:
		return "", false
	}
	return netip.AddrPortFrom(addr, uint16(port)).String(), true
}

// FormatID renders a member id as hex, as ClusterMemberId.ToString does.
func FormatID(id [MemberIDSize]byte) string { return fmt.Sprintf("%X", id[:]) }

// IPMemberID builds the id of an IP endpoint "addr:port" (4.8.0+ order).
func IPMemberID(endpoint string) ([MemberIDSize]byte, error) {
	var id [MemberIDSize]byte
	ap, err := netip.ParseAddrPort(endpoint)
	if err != nil {
		return id, fmt.Errorf("not an address:port endpoint: %q", endpoint)
	}
	le := binary.LittleEndian
	a := ap.Addr()
	if a.Is4() {
		b := a.As4()
		copy(id[:], b[:])
		le.PutUint32(id[16:], 4)
		le.PutUint32(id[24:], familyInet)
	} else {
		b := a.As16()
		copy(id[:], b[:])
		le.PutUint32(id[16:], 16)
		le.PutUint32(id[24:], familyInet6)
	}
	le.PutUint32(id[20:], uint32(ap.Port()))
	return id, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// Describe is a short human rendering of the vote: the member it names,
// read in the layout it is stored in.
func (s State) Describe() string {
	m, ok := s.VoteMember()
	switch {
	case !ok:
		return "none"
	case m.Endpoint != "":
		return m.Endpoint
	}
	return FormatID(s.Vote)
}
