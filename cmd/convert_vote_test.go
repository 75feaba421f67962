package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/internal/fixtures"
)

// Every log that stores its vote in the layout before 4.8.0, converted
// through walctl convert --to v2, sparse and wal: the output says that the
// vote was rewritten, verifies clean, compares equal (node.state: the same
// member), and 5.x/6.x read the member the node voted for; inspect of the
// output names it with no note about an old layout.
func TestConvertRewritesAnOldVote(t *testing.T) {
	n := 0
	for _, f := range fixtures.All(t, "fixturegen-ps") {
		raw, err := os.ReadFile(filepath.Join(f.WAL, nodestate.FileName))
		if err != nil || f.Expect.Verdict != "ok" {
			continue
		}
		in, ok := nodestate.Decode(raw).VoteMember()
		if !ok || in.Layout != nodestate.LayoutBefore480 {
			continue
		}
		n++
		for _, to := range []string{"v2", "sparse", "wal"} {
			t.Run(f.Name+"/"+to, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "out")
				args := []string{"convert", "--to", to, "--out", out}
				if to == "sparse" {
					args = append(args, "--out-max-entry-size", "10240")
				}
				stdout, errs, code := runReadOnly(t, f.WAL, withSettings(t, f, append(args, f.WAL)...)...)
				if code != 0 {
					t.Fatalf("exit %d\n%s%s", code, stdout, errs)
				}
				file := map[string]string{"wal": "state"}[to]
				if file == "" {
					file = nodestate.FileName
				}
				want := file + ": the vote for " + in.Endpoint + " rewritten from the layout before 4.8.0"
				if !strings.Contains(stdout, want) {
					t.Errorf("output does not say %q:\n%s", want, stdout)
				}
				b, err := os.ReadFile(filepath.Join(out, file))
				if err != nil {
					t.Fatal(err)
				}
				var id [nodestate.MemberIDSize]byte
				if to == "wal" {
					id = wal.DecodeState(b, int64(len(b))).Vote.Raw
				} else {
					id = nodestate.Decode(b).Vote
					if nodestate.Status(b) != nodestate.Status(raw) {
						t.Errorf("checksum %v, the input's %v", nodestate.Status(b), nodestate.Status(raw))
					}
				}
				if m := nodestate.DecodeMember(id); m.Layout != nodestate.Layout480 || m.Endpoint != in.Endpoint {
					t.Errorf("output vote: layout %v, %q", m.Layout, m.Endpoint)
				}
				iout, _, _ := run(t, "inspect", "--json", out)
				var doc struct {
					NodeState struct {
						Vote       *string `json:"vote"`
						VoteLayout string  `json:"voteLayout"`
					} `json:"nodeState"`
				}
				if err := json.Unmarshal([]byte(iout), &doc); err != nil || doc.NodeState.Vote == nil ||
					*doc.NodeState.Vote != in.Endpoint {
					t.Errorf("inspect of the output: %+v %v", doc.NodeState, err)
				}
				if to != "wal" && doc.NodeState.VoteLayout != "4.8.0+" {
					t.Errorf("inspect says layout %q", doc.NodeState.VoteLayout)
				}
			})
		}
	}
	if n == 0 {
		t.Fatal("no fixture stores its vote in the layout before 4.8.0")
	}
}

// --target-version for a PersistentState output: a release that cannot open
// the format is a usage error (exit 2, nothing written); for legacy it picks
// the vote's layout.
func TestConvertTargetVersion(t *testing.T) {
	src := filepath.Join(fixtures.Root(), "4.2.0", "legacy-basic", "wal")
	for _, c := range []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"--to", "v2", "--target-version", "5.3.0"}, 2, "use --to legacy"},
		{[]string{"--to", "legacy", "--target-version", "6.12.0"}, 2, "use --to wal"},
		{[]string{"--to", "legacy", "--target-version", "five"}, 2, "not a release"},
		{[]string{"--to", "legacy", "--target-version", "4.15.3"}, 0, "the layout DotNext 4.15.3 reads"},
		{[]string{"--to", "legacy", "--target-version", "4.7.1"}, 0, "kept in the layout before 4.8.0"},
		{[]string{"--to", "legacy"}, 0, "kept in the layout before 4.8.0"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			stdout, errs, code := runReadOnly(
				t,
				src,
				append(append([]string{"convert"}, c.args...), "--out", out, src)...)
			if code != c.code || !strings.Contains(stdout+errs, c.contains) {
				t.Fatalf("exit %d, want %d with %q:\n%s%s", code, c.code, c.contains, stdout, errs)
			}
			if _, err := os.Stat(out); (err == nil) != (code == 0) {
				t.Errorf("output exists: %v, exit %d", err == nil, code)
			}
		})
	}
}
