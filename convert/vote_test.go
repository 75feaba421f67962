package convert_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/convert"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/release"
)

// For every healthy PersistentState fixture with a vote, convert --to v2,
// sparse and wal store the vote so that 5.x and 6.x read the member the
// node voted for: for a log written before 4.8.0 (4.2.0) the layout is
// rewritten and the checksum recomputed, for the others the bytes stay.
func TestConvertStoresTheVoteFor5xAnd6x(t *testing.T) {
	rewritten := 0
	for _, f := range healthy(t) {
		in, ok := logtest.InputMember(t, f)
		if !ok {
			continue
		}
		if f.Manifest.Readback.State.Vote == "expected" && in.Endpoint != f.Manifest.Readback.State.ExpectedMember {
			t.Fatalf(
				"%s: input member %q, the library read %s",
				f.Name,
				in.Endpoint,
				f.Manifest.Readback.State.ExpectedMember,
			)
		}
		for _, to := range []format.Format{format.V2, format.Sparse} {
			t.Run(f.Name+"/"+string(to), func(t *testing.T) {
				o := convert.Options{To: to, Log: logtest.SettingsFor(t, f)}
				if to == "sparse" {
					o.M = maxLength(f)
				}
				out, c := convertTo(t, f.WAL, o) // verify clean, entries and node.state compare equal
				raw, err := os.ReadFile(filepath.Join(out, nodestate.FileName))
				if err != nil {
					t.Fatal(err)
				}
				st := nodestate.Decode(raw)
				logtest.ReadsBy480(t, string(to), st.Vote, in)
				inRaw, _ := os.ReadFile(filepath.Join(f.WAL, nodestate.FileName))
				if nodestate.Status(raw) != nodestate.Status(inRaw) {
					t.Errorf("checksum %v, the input's %v", nodestate.Status(raw), nodestate.Status(inRaw))
				}
				if in.Layout == nodestate.LayoutBefore480 {
					rewritten++
					if c.Vote == nil || !c.Vote.Rewritten || c.Vote.To != "4.8.0+" ||
						c.Vote.Checksum != (st.Checksum != 0) {
						t.Errorf("conversion says %+v", c.Vote)
					}
					for _, name := range c.Copied {
						if name == nodestate.FileName {
							t.Error("node.state listed as copied unchanged")
						}
					}
				} else if c.Vote == nil || c.Vote.Rewritten {
					t.Errorf("a 4.8.0+ vote: %+v", c.Vote)
				}
			})
		}
		t.Run(f.Name+"/wal", func(t *testing.T) {
			l := openLogWith(t, f.WAL, logtest.SettingsFor(t, f).Open())
			out := filepath.Join(t.TempDir(), "wal")
			c, err := convert.PlanToWAL(l, convert.WALOptions{Out: out})
			if err == nil {
				err = c.Write(logtest.Audited(t))
			}
			l.Close()
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(out, "state"))
			if err != nil {
				t.Fatal(err)
			}
			ns := wal.DecodeState(b, int64(len(b)))
			if !ns.HasVote {
				t.Fatal("the vote is lost")
			}
			logtest.ReadsBy480(t, "state", ns.Vote.Raw, in)
			if (in.Layout == nodestate.LayoutBefore480) != (c.Vote != nil && c.Vote.Rewritten) {
				t.Errorf("conversion says %+v for an input in layout %v", c.Vote, in.Layout)
			}
			view, cleanup, err := c.VerifyView(c.Out)
			if err != nil {
				t.Fatal(err)
			}
			defer cleanup()
			in := logtest.SettingsFor(t, f).Open()
			in.Force = true
			cmp, err := convert.CompareCommitted(f.WAL, view, in, c.OutOptions(), c.CommitIndex)
			if err != nil || !cmp.OK() || cmp.NodeState == "" {
				t.Errorf("comparison: %+v %v", cmp, err)
			}
		})
	}
	if rewritten == 0 {
		t.Fatal("no fixture stores its vote in the layout before 4.8.0")
	}
}

func openLogWith(t *testing.T, dir string, o logdir.Options) *logdir.Log {
	t.Helper()
	l, err := logdir.Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// In place too: the 4.2.0 log converted to v2 in its own directory holds
// the vote in the 4.8.0+ layout, and the backup keeps the original bytes.
func TestConvertInPlaceRewritesTheVote(t *testing.T) {
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), "4.2.0", "legacy-basic"))
	in, _ := logtest.InputMember(t, f)
	dir := fixtures.Copy(t, f.WAL)
	o := convert.Options{To: format.V2, InPlace: true, Backup: filepath.Join(t.TempDir(), "backup")}
	l := openLogWith(t, dir, logdir.Options{})
	c, err := convert.Plan(l, o)
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	res, err := convert.Apply(c, dir, o, logtest.Audited(t))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, nodestate.FileName))
	logtest.ReadsBy480(t, "in place", nodestate.Decode(raw).Vote, in)
	if nodestate.Status(raw) != nodestate.ChecksumOK {
		t.Errorf("checksum %v", nodestate.Status(raw))
	}
	orig, _ := os.ReadFile(filepath.Join(f.WAL, nodestate.FileName))
	if b, _ := os.ReadFile(filepath.Join(res.Backup, nodestate.FileName)); string(b) != string(orig) {
		t.Error("the backup's node.state is not the input's")
	}
	cmp, err := convert.CompareLogs(res.Backup, dir, logdir.Options{Force: true, Format: format.Legacy, R: 4},
		logdir.Options{Force: true, Format: format.V2, R: 4})
	if err != nil || !cmp.OK() {
		t.Fatalf("%+v %v", cmp, err)
	}
}

// The comparison accepts a vote stored in the other layout only when it
// names the same member and the checksum is right.
func TestCompareNodeStateVote(t *testing.T) {
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), "4.2.0", "legacy-basic"))
	out, _ := convertTo(t, f.WAL, convert.Options{To: format.Legacy, Target: release.MustParse("5.26.2")})
	opts := logdir.Options{Force: true, Format: format.Legacy, R: 4}
	path := filepath.Join(out, nodestate.FileName)
	good, _ := os.ReadFile(path)
	cmp, err := convert.CompareLogs(f.WAL, out, opts, opts)
	if err != nil || !cmp.OK() || cmp.NodeState == "identical" {
		t.Fatalf("rewritten vote: %+v %v", cmp, err)
	}
	other, _ := nodestate.IPMemberID("127.0.0.1:3263")
	stale := nodestate.Decode(good)
	stale.Checksum = nodestate.Decode(orig(t, f)).Checksum // the input's, over the old vote bytes
	for name, mutate := range map[string]func(s nodestate.State) nodestate.State{
		"another member":          func(s nodestate.State) nodestate.State { s.Vote = other; return s.WithChecksum() },
		"checksum not recomputed": func(s nodestate.State) nodestate.State { return stale },
		"another term":            func(s nodestate.State) nodestate.State { s.Term++; return s.WithChecksum() },
	} {
		if err := os.WriteFile(path, mutate(nodestate.Decode(good)).Encode(), 0o644); err != nil {
			t.Fatal(err)
		}
		cmp, err := convert.CompareLogs(f.WAL, out, opts, opts)
		if err != nil || cmp.OK() {
			t.Errorf("%s: comparison passes: %+v %v", name, cmp, err)
		}
	}
}

func orig(t *testing.T, f fixtures.Fixture) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.WAL, nodestate.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A WriteAheadLog written as a legacy log for a release before 4.8.0
// (--target-version) gets the vote in that release's layout; without a
// target, in the 4.8.0+ layout of its own state file.
func TestConvertFromWALVoteLayout(t *testing.T) {
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), "6.12.0", "wal-basic"))
	for _, c := range []struct {
		target string
		want   nodestate.Layout
	}{{"", nodestate.Layout480}, {"4.2.0", nodestate.LayoutBefore480}, {"4.15.3", nodestate.Layout480}} {
		t.Run("target "+c.target, func(t *testing.T) {
			l := openLogWith(t, f.WAL, logdir.Options{})
			o := convert.FromWALOptions{To: format.Legacy, R: 4, Out: filepath.Join(t.TempDir(), "out")}
			if c.target != "" {
				o.Target = release.MustParse(c.target)
			}
			conv, err := convert.PlanFromWAL(l, o)
			if err == nil {
				err = conv.Write(logtest.Audited(t))
			}
			l.Close()
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(filepath.Join(conv.Out, nodestate.FileName))
			m, ok := nodestate.Decode(raw).VoteMember()
			if !ok || m.Layout != c.want || m.Endpoint != "127.0.0.1:3262" ||
				nodestate.Status(raw) != nodestate.ChecksumOK {
				t.Errorf("vote %+v (has %v), checksum %v", m, ok, nodestate.Status(raw))
			}
			cmp, err := convert.CompareCommitted(
				f.WAL,
				conv.Out,
				logdir.Options{Force: true},
				conv.OutOptions(),
				conv.LastIndex,
			)
			if err != nil || !cmp.OK() {
				t.Errorf("comparison: %+v %v", cmp, err)
			}
		})
	}
}
