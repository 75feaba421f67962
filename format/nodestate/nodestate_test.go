package nodestate

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
)

func TestChecksumVector(t *testing.T) {
	// spec §6.1: 120 zero bytes hash to 0x2EB09CE4C4320587.
	if got := Checksum(make([]byte, 120)); got != 0x2EB09CE4C4320587 {
		t.Fatalf("checksum of zeros = %#x", got)
	}
}

// Every fixture's node.state: checksum status follows the IntegrityCheck
// setting, term and vote equal what the library wrote, and re-encoding is
// byte-exact.
func TestFixtures(t *testing.T) {
	for _, f := range fixtures.All(t, "fixturegen-ps") {
		t.Run(f.Name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(f.WAL, FileName))
			if err != nil {
				t.Fatal(err)
			}
			s := Decode(b)
			if len(b) == Size && !bytes.Equal(s.Encode(), b) {
				t.Errorf("encode(decode(x)) != x")
			}
			damaged := f.Manifest.Damage != nil && f.Manifest.Damage.File == FileName
			if damaged || !f.Manifest.Readback.Opened() {
				return
			}
			want := ChecksumAbsent
			if f.Manifest.Settings.IntegrityCheck {
				want = ChecksumOK
			}
			if got := Status(b); got != want {
				t.Errorf("checksum status %v, want %v", got, want)
			}
			if s.Term != f.Manifest.Readback.State.Term {
				t.Errorf("term %d, library read %d", s.Term, f.Manifest.Readback.State.Term)
			}
			if f.Manifest.Readback.State.Vote == "expected" {
				m, ok := s.VoteMember()
				if !ok || m.Endpoint != f.Manifest.Readback.State.ExpectedMember {
					t.Errorf(
						"vote %q (flag %d, layout %v), want %s",
						m.Endpoint,
						s.VoteFlag,
						m.Layout,
						f.Manifest.Readback.State.ExpectedMember,
					)
				}
			}
		})
	}
}

func TestDamagedNodeState(t *testing.T) {
	cases := []struct {
		fixture string
		status  ChecksumStatus
		size    int
	}{
		{"5.26.2/legacy-basic+node-state-flip", ChecksumMismatch, Size},
		{"5.26.2/table-basic+node-state-flip", ChecksumMismatch, Size},
		{"5.26.2/table-nocheck+node-state-cut", ChecksumAbsent, 64},
	}
	for _, c := range cases {
		b, err := os.ReadFile(filepath.Join(fixtures.Root(), c.fixture, "wal", FileName))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != c.size || Status(b) != c.status {
			t.Errorf("%s: size %d status %v, want %d %v", c.fixture, len(b), Status(b), c.size, c.status)
		}
	}
	// A cut node.state reads its missing tail as zero: term 0, no vote.
	b, _ := os.ReadFile(filepath.Join(fixtures.Root(), "5.26.2/table-nocheck+node-state-cut/wal", FileName))
	if s := Decode(b); s.Term != 0 || s.HasVote() {
		t.Errorf("cut node.state: term %d vote %v", s.Term, s.HasVote())
	}
}

func TestIPMemberIDRoundTrip(t *testing.T) {
	for _, ep := range []string{"127.0.0.1:3262", "[::1]:80", "10.1.2.3:65535"} {
		id, err := IPMemberID(ep)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := Endpoint(id); !ok || got != ep {
			t.Errorf("%s -> %q %v", ep, got, ok)
		}
	}
	if FormatID(mustID(t, "127.0.0.1:3262")) != "7F00000100000000000000000000000004000000BE0C000002000000" {
		t.Errorf("member id bytes differ from the library's")
	}
}

func mustID(t *testing.T, ep string) [MemberIDSize]byte {
	id, err := IPMemberID(ep)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func FuzzDecode(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(fixtures.Root(), "*", "*", "wal", FileName))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := Decode(b)
		if s != Decode(b) {
			t.Fatal("not deterministic")
		}
		if len(b) == Size && !bytes.Equal(s.Encode(), b) {
			t.Fatal("encode(decode(x)) != x")
		}
		_ = Status(b)
		_, _ = Endpoint(s.Vote)
		m := DecodeMember(s.Vote)
		if m.Layout != LayoutUnknown && EncodeID(m, m.Layout) != s.Vote {
			t.Fatalf("layout %v: re-encoding gives other bytes", m.Layout)
		}
		if r, match := m.ReadBy(m.Layout); m.Layout != LayoutUnknown && (match != MatchSame || r.ID != m.ID) {
			t.Fatalf("a release of the stored layout %v reads another member", m.Layout)
		}
	})
}
