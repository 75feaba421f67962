package convert

import (
	"errors"
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/release"
)

// stateWith is a node.state voting for 127.0.0.1:3262 in layout l, with the
// checksum in use or not.
func stateWith(t *testing.T, l nodestate.Layout, checksum bool) []byte {
	t.Helper()
	id, err := nodestate.IPMemberID("127.0.0.1:3262")
	if err != nil {
		t.Fatal(err)
	}
	s := nodestate.State{CommitIndex: 8, LastApplied: 8, LastIndex: 10, Term: 4, VoteFlag: 1,
		Vote: nodestate.InLayout(id, nodestate.Layout480, l)}
	if checksum {
		s = s.WithChecksum()
	}
	return s.Encode()
}

// The layout the output stores the vote in (outputVoteLayout): the one the
// releases that open the output read.
func TestPlanVotePolicy(t *testing.T) {
	pre, l48 := nodestate.LayoutBefore480, nodestate.Layout480
	v := release.MustParse
	cases := []struct {
		name     string
		stored   nodestate.Layout
		from, to format.Format
		target   release.Version
		want     nodestate.Layout
	}{
		{"4.2.0 legacy log to v2", pre, "legacy", "v2", release.Version{}, l48},
		{"4.2.0 legacy log to sparse", pre, "legacy", "sparse", release.Version{}, l48},
		{"4.2.0 legacy log to legacy, no target: the node's release", pre, "legacy", "legacy", release.Version{}, pre},
		{"4.2.0 legacy log to legacy for 4.15.3", pre, "legacy", "legacy", v("4.15.3"), l48},
		{"4.2.0 legacy log to legacy for 4.7.1", pre, "legacy", "legacy", v("4.7.1"), pre},
		{"5.x legacy log to legacy, no target", l48, "legacy", "legacy", release.Version{}, l48},
		{"5.x legacy log to legacy for 4.2.0 (a downgrade)", l48, "legacy", "legacy", v("4.2.0"), pre},
		{"v2 log to legacy, no target: 5.4.0+ runs it", l48, "v2", "legacy", release.Version{}, l48},
		{"v2 log with a vote a 4.x node cast, to legacy", pre, "v2", "legacy", release.Version{}, l48},
		{"sparse log to v2", l48, "sparse", "v2", release.Version{}, l48},
	}
	for _, c := range cases {
		for _, sum := range []bool{true, false} {
			raw := stateWith(t, c.stored, sum)
			vl, out := planVote(raw, c.from, c.to, c.target)
			if vl == nil || vl.Member != "127.0.0.1:3262" {
				t.Fatalf("%s: %+v", c.name, vl)
			}
			if c.want == c.stored {
				if out != nil || vl.Rewritten || vl.To != c.stored.String() {
					t.Errorf("%s: rewritten without need: %+v", c.name, vl)
				}
				continue
			}
			if out == nil || !vl.Rewritten || vl.To != c.want.String() || vl.Checksum != sum {
				t.Fatalf("%s: %+v, %d bytes", c.name, vl, len(out))
			}
			got := nodestate.Decode(out)
			m, _ := got.VoteMember()
			if m.Layout != c.want || m.Endpoint != "127.0.0.1:3262" {
				t.Errorf("%s: stored %v %q", c.name, m.Layout, m.Endpoint)
			}
			want := nodestate.ChecksumAbsent
			if sum {
				want = nodestate.ChecksumOK
			}
			if nodestate.Status(out) != want {
				t.Errorf("%s: checksum %v", c.name, nodestate.Status(out))
			}
			in := nodestate.Decode(raw)
			got.Vote, got.Checksum, in.Checksum = in.Vote, 0, 0
			if got != in {
				t.Errorf("%s: more than the vote changed", c.name)
			}
		}
	}
}

// No vote, or a vote whose layout the bytes do not tell: node.state is
// copied as it is.
func TestPlanVoteLeavesAlone(t *testing.T) {
	noVote := nodestate.Decode(stateWith(t, nodestate.LayoutBefore480, true))
	noVote.VoteFlag = 0
	if vl, out := planVote(noVote.WithChecksum().Encode(), "legacy", "v2", release.Version{}); vl != nil || out != nil {
		t.Errorf("no vote: %+v", vl)
	}
	dns := nodestate.Decode(stateWith(t, nodestate.Layout480, true))
	dns.Vote = [nodestate.MemberIDSize]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 16: 13, 20: 80}
	vl, out := planVote(dns.WithChecksum().Encode(), "legacy", "v2", release.Version{})
	if vl == nil || out != nil || vl.Rewritten || vl.From != "unknown" {
		t.Errorf("DNS id: %+v", vl)
	}
	if s := vl.Sentence("node.state"); s == "" {
		t.Error("no sentence for an unknown layout")
	}
}

func TestCheckTarget(t *testing.T) {
	for _, c := range []struct {
		to format.Format
		v  string
		ok bool
	}{
		{"v2", "5.4.0", true}, {"v2", "5.26.2", true}, {"sparse", "5.7.1", true}, {"legacy", "4.0.0", true},
		{"legacy", "4.2.0", true}, {"legacy", "5.26.2", true},
		{"v2", "5.3.0", false}, {"sparse", "4.15.3", false}, {"v2", "6.12.0", false}, {"legacy", "6.0.0", false},
		{"legacy", "3.3.0", false},
	} {
		err := checkTarget(c.to, release.MustParse(c.v))
		var fe *rebuild.FlagError
		if (err == nil) != c.ok || (err != nil && !errors.As(err, &fe)) {
			t.Errorf("--to %s --target-version %s: %v", c.to, c.v, err)
		}
	}
}
