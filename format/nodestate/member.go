package nodestate

import (
	"encoding/binary"

	"github.com/walctl/walctl/release"
)

// A ClusterMemberId (spec §6.2) is 28 bytes; two 4-byte fields swapped
// places in 4.8.0 (commit 23a83fc96):
//
//	off  size  4.8.0+ (length first)        4.0.0–4.7.x (port first)
//	 0    16   address / host hash          same
//	16     4   int32 length                 int32 port
//	20     4   int32 port                   int32 length
//	24     4   int32 family                 same
//
// For an IPEndPoint, length is the address size (4 for family 2, 16 for
// family 23) and port is 0..65535. A release reads the 8 bytes at 16 in its
// own order and compares ids byte for byte, so a release on the other side
// of 4.8.0 reads a vote for another member: an id no member has, for which
// IsVotedFor is false whoever asks.
const (
	offIDAddress = 0
	offIDField16 = 16 // length from 4.8.0, port before
	offIDField20 = 20 // port from 4.8.0, length before
	offIDFamily  = 24
)

// AddressFamily values of IPEndPoint ids.
const (
	familyInet  = 2
	familyInet6 = 23
)

// Layout is the byte order a stored ClusterMemberId is in.
type Layout int

const (
	// LayoutUnknown: the bytes do not tell. Ids of DnsEndPoint, HttpEndPoint
	// and UriEndPoint hold a one-way hash and two small integers (a host or
	// URI length and a port) that fit either order; an id of another
	// EndPoint holds a hash and its SocketAddress size.
	LayoutUnknown Layout = iota
	// LayoutBefore480: port before length, as DotNext 4.0.0–4.7.x write it.
	LayoutBefore480
	// Layout480: length before port, as DotNext 4.8.0 and later write it.
	Layout480
	// LayoutEither: both orders give the same bytes (port = length, e.g.
	// 127.0.0.1:4), or the id is all zero: every release reads the same
	// member.
	LayoutEither
)

func (l Layout) String() string {
	switch l {
	case LayoutBefore480:
		return "before 4.8.0"
	case Layout480:
		return "4.8.0+"
	case LayoutEither:
		return "either"
	}
	return "unknown"
}

// LayoutWords describe a layout by its String() name: what the operator is
// told ("the layout before 4.8.0 (port before length)").
func LayoutWords(name string) string {
	switch name {
	case LayoutBefore480.String():
		return "the layout before 4.8.0 (port before length)"
	case Layout480.String():
		return "the 4.8.0+ layout (length before port)"
	case LayoutEither.String():
		return "a layout every release reads the same"
	}
	return "a layout the bytes do not tell"
}

// Releases is the releases that write (and read) ids in layout l; every
// release for LayoutEither and LayoutUnknown.
func (l Layout) Releases() release.Range {
	switch l {
	case LayoutBefore480:
		return release.Before(release.MemberIDLengthFirst)
	case Layout480:
		return release.Since(release.MemberIDLengthFirst)
	}
	return release.Any
}

// ReaderLayout is the layout release v reads and writes: the vote-layout
// rule of the upgrade gate.
func ReaderLayout(v release.Version) Layout {
	if v.Less(release.MemberIDLengthFirst) {
		return LayoutBefore480
	}
	return Layout480
}

// MemberLayout tells the layout of a stored id from its bytes. Only ids of
// IP endpoints can be told apart: family 2 with address bytes 4–15 zero
// needs length 4, family 23 needs length 16, so the field that holds 4 (or
// 16) is the length and the other one, 0..65535, the port. When both
// fields hold it (port = length) the two orders are the same bytes.
//
// Everything else is LayoutUnknown, on purpose. A DNS or HTTP id holds a
// host-name length (1..253 for a valid name) and a port (0..65535); a URI id
// the AbsoluteUri length and a port (−1 when the scheme has none). A rule
// such as "the field ≤ 253 is the length" guesses right for most ports but
// not for a port ≤ 253 (80 with a 13-character host: 13 and 80 fit both
// orders), and a wrong guess rewrites a right vote into a wrong one. An id
// of any other EndPoint stores a 32-bit hash as the port before 4.8.0 and
// port 0 from 4.8.0 on: not even a swap maps one to the other.
func MemberLayout(id [MemberIDSize]byte) Layout {
	if id == ([MemberIDSize]byte{}) {
		return LayoutEither
	}
	le := binary.LittleEndian
	f16 := int32(le.Uint32(id[offIDField16:]))
	f20 := int32(le.Uint32(id[offIDField20:]))
	var size int32
	switch family := int32(le.Uint32(id[offIDFamily:])); {
	case family == familyInet && allZero(id[4:16]):
		size = 4
	case family == familyInet6:
		size = 16
	default:
		return LayoutUnknown
	}
	port := func(p int32) bool { return p >= 0 && p <= 65535 }
	switch {
	case f16 == size && f20 == size:
		return LayoutEither
	case f16 == size && port(f20):
		return Layout480
	case f20 == size && port(f16):
		return LayoutBefore480
	}
	return LayoutUnknown
}

// IDFields returns the length and port of an id in the 4.8.0+ layout.
func IDFields(id [MemberIDSize]byte) (length, port int32) {
	le := binary.LittleEndian
	return int32(le.Uint32(id[offIDField16:])), int32(le.Uint32(id[offIDField20:]))
}

// Swap exchanges the fields at 16 and 20: it turns an id stored in one
// layout into the same member's id in the other.
func Swap(id [MemberIDSize]byte) [MemberIDSize]byte {
	var f16 [4]byte
	copy(f16[:], id[offIDField16:offIDField20])
	copy(id[offIDField16:], id[offIDField20:offIDFamily])
	copy(id[offIDField20:], f16[:])
	return id
}

// InLayout returns the id of the member id names (stored in layout from)
// as a release reading layout to stores it. Unknown or Either layouts, and
// equal ones, leave the bytes as they are.
func InLayout(id [MemberIDSize]byte, from, to Layout) [MemberIDSize]byte {
	if (from == LayoutBefore480 && to == Layout480) || (from == Layout480 && to == LayoutBefore480) {
		return Swap(id)
	}
	return id
}

// Member is the member a stored ClusterMemberId names.
type Member struct {
	// Stored is the 28 bytes as found.
	Stored [MemberIDSize]byte
	// Layout is the layout Stored is in.
	Layout Layout
	// ID is the member's id in the 4.8.0+ layout: what 4.8.0 and later
	// releases (every 5.x, 6.x, the WriteAheadLog's state file) compare.
	// Stored itself unless Layout is LayoutBefore480; for LayoutUnknown it
	// is Stored as 4.8.0+ reads it, which is right only if a 4.8.0+ release
	// stored it.
	ID [MemberIDSize]byte
	// Endpoint is "address:port" when the id is an IP endpoint's, read in
	// its own layout; else "".
	Endpoint string
}

// Name is the member as the operator knows it: its endpoint, else its id
// in hex.
func (m Member) Name() string {
	if m.Endpoint != "" {
		return m.Endpoint
	}
	return FormatID(m.ID)
}

// DecodeMember tells the layout of a stored id and the member it names.
func DecodeMember(stored [MemberIDSize]byte) Member {
	m := Member{Stored: stored, Layout: MemberLayout(stored)}
	m.ID = InLayout(stored, m.Layout, Layout480)
	m.Endpoint, _ = Endpoint(m.ID)
	return m
}

// Reading is what a release reads from a stored id.
type Reading struct {
	// ID is what the reader reads, as a 4.8.0+ id: equal to the Member's ID
	// when the reader reads the member the vote was cast for.
	ID [MemberIDSize]byte
	// Endpoint is the IP endpoint the reader's id stands for, or "" (a
	// hash, or an id no endpoint has, such as 127.0.0.1 with length 3262).
	Endpoint string
}

// Match says whether a release reads the member a stored id names.
type Match int

const (
	// MatchUnknown: the id's layout cannot be told from its bytes, so
	// whether a release reads it right depends on who stored it.
	MatchUnknown Match = iota
	// MatchSame: the release reads the member the id names.
	MatchSame
	// MatchOther: the release reads another member (an id no member has).
	MatchOther
)

func (m Match) String() string {
	return [...]string{"unknown", "same member", "another member"}[m]
}

// ReadBy is what a release reading layout l (see ReaderLayout) makes of the
// stored bytes, and whether that is the member the id names.
func (m Member) ReadBy(l Layout) (Reading, Match) {
	var r Reading
	r.ID = InLayout(m.Stored, l, Layout480)
	r.Endpoint, _ = Endpoint(r.ID)
	switch {
	case r.ID == m.ID && m.Layout != LayoutUnknown:
		return r, MatchSame
	case m.Layout == LayoutUnknown && r.ID != Swap(r.ID):
		return r, MatchUnknown
	case m.Layout == LayoutUnknown:
		return r, MatchSame // port = length: both orders are the same bytes
	}
	return r, MatchOther
}

// VoteMember is the member s voted for; ok is false without a vote (byte
// 80 = 0: the library ignores bytes 81–108 then).
func (s State) VoteMember() (m Member, ok bool) {
	if !s.HasVote() {
		return Member{}, false
	}
	return DecodeMember(s.Vote), true
}

// EncodeID returns the 28 bytes a release reading layout l stores for m:
// with l = Layout480 the encoder of the layout every release since 4.8.0
// reads. An id whose layout is unknown (or the same in both) is returned as
// stored: its member cannot be re-encoded.
func EncodeID(m Member, l Layout) [MemberIDSize]byte {
	if m.Layout == LayoutUnknown || m.Layout == LayoutEither {
		return m.Stored
	}
	return InLayout(m.ID, Layout480, l)
}

// WithVoteLayout returns s with its vote stored in layout to, and whether
// the bytes changed. Only a vote whose layout is known is rewritten; the
// checksum field is left as it was (call WithChecksum when it is in use).
func (s State) WithVoteLayout(to Layout) (State, bool) {
	m, ok := s.VoteMember()
	if !ok {
		return s, false
	}
	id := EncodeID(m, to)
	if id == s.Vote {
		return s, false
	}
	s.Vote = id
	return s, true
}
