package nodestate

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/release"
)

// idHex builds an id from its three parts as hex: 16 address bytes, the
// field at 16, the field at 20, and the family.
func id(t *testing.T, addr string, f16, f20, family int32) [MemberIDSize]byte {
	t.Helper()
	var b [MemberIDSize]byte
	a, err := hex.DecodeString(addr)
	if err != nil || len(a) > 16 {
		t.Fatalf("address %q", addr)
	}
	copy(b[:], a)
	le := binary.LittleEndian
	le.PutUint32(b[16:], uint32(f16))
	le.PutUint32(b[20:], uint32(f20))
	le.PutUint32(b[24:], uint32(family))
	return b
}

func TestMemberLayout(t *testing.T) {
	const lo, v6 = "7f000001", "20010db8000000000000000000000001"
	const hash = "0123456789abcdef" // a DNS id: 8 hash bytes, 8 zero bytes
	cases := []struct {
		name     string
		id       [MemberIDSize]byte
		layout   Layout
		endpoint string
	}{
		{"IPv4, 4.8.0+ (what 4.15.3 and 5.x write)", id(t, lo, 4, 3262, 2), Layout480, "127.0.0.1:3262"},
		{"IPv4, before 4.8.0 (what 4.2.0 writes)", id(t, lo, 3262, 4, 2), LayoutBefore480, "127.0.0.1:3262"},
		{"IPv6, 4.8.0+", id(t, v6, 16, 443, 23), Layout480, "[2001:db8::1]:443"},
		{"IPv6, before 4.8.0", id(t, v6, 443, 16, 23), LayoutBefore480, "[2001:db8::1]:443"},
		{"IPv4 port 16, 4.8.0+", id(t, lo, 4, 16, 2), Layout480, "127.0.0.1:16"},
		{"IPv4 port 16, before 4.8.0", id(t, lo, 16, 4, 2), LayoutBefore480, "127.0.0.1:16"},
		{"IPv6 port 4, before 4.8.0", id(t, v6, 4, 16, 23), LayoutBefore480, "[2001:db8::1]:4"},
		{"IPv4 port 4: the same bytes in both", id(t, lo, 4, 4, 2), LayoutEither, "127.0.0.1:4"},
		{"IPv6 port 16: the same bytes in both", id(t, v6, 16, 16, 23), LayoutEither, "[2001:db8::1]:16"},
		{"default(ClusterMemberId)", [MemberIDSize]byte{}, LayoutEither, ""},
		{"IPv4 port 0, 4.8.0+", id(t, lo, 4, 0, 2), Layout480, "127.0.0.1:0"},
		{"IPv4 port 0, before 4.8.0", id(t, lo, 0, 4, 2), LayoutBefore480, "127.0.0.1:0"},
		// Neither field is the address size, or the other is no port.
		{"IPv4, length 5", id(t, lo, 5, 3262, 2), LayoutUnknown, ""},
		{"IPv4, port out of range", id(t, lo, 4, 70000, 2), LayoutUnknown, ""},
		{"IPv4 family with bytes 4–15 set", id(t, v6, 4, 3262, 2), LayoutUnknown, ""},
		// DNS/HTTP/URI ids: a hash and two small integers fit both orders.
		{"DNS host of 13 characters, port 3262", id(t, hash, 13, 3262, 0), LayoutUnknown, ""},
		{"DNS, port 80 and 13 characters (either order plausible)", id(t, hash, 80, 13, 2), LayoutUnknown, ""},
		{"URI endpoint without a port (-1)", id(t, hash+"1122334455667788", 30, -1, 2), LayoutUnknown, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := DecodeMember(c.id)
			if m.Layout != c.layout || m.Endpoint != c.endpoint {
				t.Fatalf("layout %v endpoint %q, want %v %q", m.Layout, m.Endpoint, c.layout, c.endpoint)
			}
			// ID is the member in the 4.8.0+ layout, so re-encoding it in
			// the stored layout gives back the stored bytes.
			if got := EncodeID(m, m.Layout); m.Layout != LayoutUnknown && got != c.id {
				t.Errorf("EncodeID in its own layout: %X", got)
			}
			if DecodeMember(EncodeID(m, Layout480)).ID != m.ID {
				t.Errorf("the 4.8.0+ encoding names another member")
			}
			r48, match48 := m.ReadBy(Layout480)
			rPre, matchPre := m.ReadBy(LayoutBefore480)
			switch m.Layout {
			case LayoutBefore480:
				if match48 != MatchOther || matchPre != MatchSame || rPre.Endpoint != c.endpoint || r48.Endpoint != "" {
					t.Errorf(
						"a pre-4.8.0 id: 4.8.0+ reads %q (%v), before reads %q (%v)",
						r48.Endpoint,
						match48,
						rPre.Endpoint,
						matchPre,
					)
				}
			case Layout480:
				if match48 != MatchSame || matchPre != MatchOther || r48.Endpoint != c.endpoint || rPre.Endpoint != "" {
					t.Errorf(
						"a 4.8.0+ id: 4.8.0+ reads %q (%v), before reads %q (%v)",
						r48.Endpoint,
						match48,
						rPre.Endpoint,
						matchPre,
					)
				}
			case LayoutEither:
				if match48 != MatchSame || matchPre != MatchSame {
					t.Errorf("either: every release must read the same member (%v, %v)", match48, matchPre)
				}
			default:
				if match48 != MatchUnknown || matchPre != MatchUnknown {
					t.Errorf("unknown layout: %v, %v", match48, matchPre)
				}
			}
		})
	}
}

func TestSwapIsAnInvolution(t *testing.T) {
	x := id(t, "7f000001", 3262, 4, 2)
	if Swap(Swap(x)) != x || Swap(x) != id(t, "7f000001", 4, 3262, 2) {
		t.Errorf("swap: %X", Swap(x))
	}
}

func TestReaderLayout(t *testing.T) {
	for v, want := range map[string]Layout{"4.0.0": LayoutBefore480, "4.2.0": LayoutBefore480, "4.7.1": LayoutBefore480,
		"4.8.0": Layout480, "4.15.3": Layout480, "5.3.0": Layout480, "5.26.2": Layout480, "6.12.0": Layout480} {
		if got := ReaderLayout(release.MustParse(v)); got != want {
			t.Errorf("%s reads %v, want %v", v, got, want)
		}
		if !want.Releases().Contains(release.MustParse(v)) {
			t.Errorf("%v.Releases() does not contain %s", want, v)
		}
	}
}

// WithVoteLayout rewrites a known layout only, and keeps everything but
// the vote bytes; without a vote nothing changes.
func TestWithVoteLayout(t *testing.T) {
	pre := State{Term: 4, CommitIndex: 8, VoteFlag: 1, Vote: id(t, "7f000001", 3262, 4, 2)}
	got, changed := pre.WithVoteLayout(Layout480)
	if !changed || got.Vote != id(t, "7f000001", 4, 3262, 2) || got.Term != 4 || got.CommitIndex != 8 {
		t.Fatalf("rewrite: %+v %v", got, changed)
	}
	if again, changed := got.WithVoteLayout(Layout480); changed || again != got {
		t.Errorf("a 4.8.0+ vote rewritten again")
	}
	if back, changed := got.WithVoteLayout(LayoutBefore480); !changed || back != pre {
		t.Errorf("back to the layout before 4.8.0: %+v", back)
	}
	noVote := pre
	noVote.VoteFlag = 0
	if s, changed := noVote.WithVoteLayout(Layout480); changed || s != noVote {
		t.Errorf("stale id bytes without a vote were rewritten")
	}
	dns := State{VoteFlag: 1, Vote: id(t, "0123456789abcdef", 13, 80, 0)}
	if _, changed := dns.WithVoteLayout(Layout480); changed {
		t.Errorf("an id of unknown layout was rewritten")
	}
}

// The cross reads of every PersistentState fixture: release V reads the
// vote for the member the writer voted for exactly when the stored layout
// is one V reads (readback-by-<V>.json state.vote "expected" or "other").
func TestCrossReadsOfTheVote(t *testing.T) {
	checked := map[string]int{}
	for _, f := range fixtures.All(t, "fixturegen-ps") {
		b, err := os.ReadFile(filepath.Join(f.WAL, FileName))
		if err != nil || len(b) != Size {
			continue
		}
		m, ok := Decode(b).VoteMember()
		if !ok {
			continue
		}
		reads, _ := filepath.Glob(filepath.Join(f.Dir, "readback-by-*.json"))
		for _, p := range reads {
			var rb struct {
				State *struct {
					Vote           string `json:"vote"`
					ExpectedMember string `json:"expectedMember"`
					VotedExpected  bool   `json:"isVotedForExpected"`
					VotedOther     bool   `json:"isVotedForOther"`
				} `json:"state"`
			}
			raw, err := os.ReadFile(p)
			if err != nil || json.Unmarshal(raw, &rb) != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if rb.State == nil || (rb.State.Vote != "expected" && rb.State.Vote != "other") {
				continue // the reader threw, or read no vote
			}
			v := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "readback-by-"), ".json")
			r, match := m.ReadBy(ReaderLayout(release.MustParse(v)))
			same := match == MatchSame
			if match == MatchUnknown || same != (rb.State.Vote == "expected") {
				t.Errorf(
					"%s read by %s: walctl predicts same member %v (layout %v), the library read %q",
					f.Name,
					v,
					same,
					m.Layout,
					rb.State.Vote,
				)
			}
			if same && r.Endpoint != rb.State.ExpectedMember {
				t.Errorf("%s read by %s: %q, want %s", f.Name, v, r.Endpoint, rb.State.ExpectedMember)
			}
			// A misread vote is an id no member has: IsVotedFor is false for
			// the member voted for and for any other (no double vote; the
			// node refuses every candidate in that term).
			if !same && (rb.State.VotedExpected || rb.State.VotedOther) {
				t.Errorf("%s read by %s: a misread vote still grants a vote (%+v)", f.Name, v, *rb.State)
			}
			checked[rb.State.Vote]++
		}
	}
	if checked["expected"] == 0 || checked["other"] == 0 {
		t.Fatalf("cross reads checked: %v; both outcomes must occur", checked)
	}
}
