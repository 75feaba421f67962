package wal

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/walctl/walctl/raftlog"
)

// StateSize is the size of the `state` file (spec §5).
const StateSize = 37

// AddressFamily values of System.Net.Sockets.AddressFamily used by IPEndPoint ids.
const (
	familyInet  = 2
	familyInet6 = 23
)

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

// DecodeMemberID decodes a ClusterMemberId's 28 bytes (spec §5.3): 16
// address bytes, uint64 LE lengthAndPort, int32 LE family. Only ids made
// from an IPEndPoint are reversible; for them Endpoint is "addr:port".
func DecodeMemberID(raw [28]byte) raftlog.MemberID {
	id := raftlog.MemberID{Raw: raw}
	lengthAndPort := binary.LittleEndian.Uint64(raw[16:])
	family := int32(binary.LittleEndian.Uint32(raw[24:]))
	addrLen := uint32(lengthAndPort)
	port := lengthAndPort >> 32
	if port > 65535 {
		return id
	}
	var addr netip.Addr
	switch {
	case family == familyInet && addrLen == 4 && isZero(raw[4:16]):
		addr = netip.AddrFrom4([4]byte(raw[0:4]))
	case family == familyInet6 && addrLen == 16:
		addr = netip.AddrFrom16([16]byte(raw[0:16]))
	default:
		return id
	}
	id.Endpoint = netip.AddrPortFrom(addr, uint16(port)).String()
	return id
}

// MemberIDFromEndpoint builds the id ClusterMemberId.FromEndPoint gives an
// IPEndPoint "addr:port" (IPv6 as "[addr]:port").
func MemberIDFromEndpoint(endpoint string) (raftlog.MemberID, error) {
	ap, err := netip.ParseAddrPort(endpoint)
	if err != nil {
		return raftlog.MemberID{}, fmt.Errorf("wal: member endpoint: %w", err)
	}
	var raw [28]byte
	addr := ap.Addr()
	var n, family uint32
	if addr.Is4() {
		a := addr.As4()
		copy(raw[:], a[:])
		n, family = 4, familyInet
	} else {
		a := addr.As16()
		copy(raw[:], a[:])
		n, family = 16, familyInet6
	}
	binary.LittleEndian.PutUint64(raw[16:], uint64(n)|uint64(ap.Port())<<32)
	binary.LittleEndian.PutUint32(raw[24:], family)
	return DecodeMemberID(raw), nil
}

// MemberIDHex renders the id as ClusterMemberId.ToString() does: uppercase hex.
func MemberIDHex(id raftlog.MemberID) string {
	const digits = "0123456789ABCDEF"
	b := make([]byte, 0, 56)
	for _, c := range id.Raw {
		b = append(b, digits[c>>4], digits[c&15])
	}
	return string(b)
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
