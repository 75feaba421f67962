package wal

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/raftlog"
)

// StateSize is the size of the `state` file (spec §5).
const StateSize = 37

// DecodeState decodes the `state` file from its first bytes b (min(size,37)
// of them) and its length. It returns what the library uses: a file shorter
// than 37 bytes is zeroed on open (term 0, no vote, spec §5.2), so Term and
// the vote are then zero. raw holds the bytes as found, for messages.
func DecodeState(b []byte, size int64) raftlog.NodeState {
	ns := raftlog.NodeState{
		File:         "state",
		LastApplied:  -1,
		LastIndex:    -1,
		Checksum:     raftlog.ChecksumNone,
		Size:         size,
		ExpectedSize: StateSize,
	}
	if size < StateSize || len(b) < StateSize {
		return ns
	}
	ns.HasVote = b[0] != 0
	copy(ns.Vote.Raw[:], b[1:29])
	ns.Vote = DecodeMemberID(ns.Vote.Raw)
	ns.Term = int64(binary.LittleEndian.Uint64(b[29:]))
	return ns
}

// EncodeState returns the 37 bytes the library writes for a node state. The
// vote id bytes are written even without a vote (the library keeps stale ids
// after UpdateTermAsync(term, resetLastVote: true)).
func EncodeState(ns raftlog.NodeState) []byte {
	b := make([]byte, StateSize)
	if ns.HasVote {
		b[0] = 1
	}
	copy(b[1:29], ns.Vote.Raw[:])
	binary.LittleEndian.PutUint64(b[29:], uint64(ns.Term))
	return b
}

// DecodeMemberID decodes a ClusterMemberId's 28 bytes (spec §5.3), stored
// as node.state's 4.8.0+ layout stores them (nodestate.Endpoint): only ids
// made from an IPEndPoint are reversible; for them Endpoint is "addr:port".
func DecodeMemberID(raw [28]byte) raftlog.MemberID {
	id := raftlog.MemberID{Raw: raw}
	id.Endpoint, _ = nodestate.Endpoint(raw)
	return id
}

// MemberIDFromEndpoint builds the id ClusterMemberId.FromEndPoint gives an
// IPEndPoint "addr:port" (IPv6 as "[addr]:port"): nodestate.IPMemberID.
func MemberIDFromEndpoint(endpoint string) (raftlog.MemberID, error) {
	raw, err := nodestate.IPMemberID(endpoint)
	if err != nil {
		return raftlog.MemberID{}, fmt.Errorf("wal: member endpoint: %w", err)
	}
	return DecodeMemberID(raw), nil
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
