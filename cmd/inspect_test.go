package cmd

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
)

type inspectOut struct {
	Format              string `json:"format"`
	RecordsPerPartition int64  `json:"recordsPerPartition"`
	Entries             []struct {
		Index     int64  `json:"index"`
		Term      int64  `json:"term"`
		Ticks     int64  `json:"ticks"`
		Timestamp string `json:"timestamp"`
		CommandID *int32 `json:"commandId"`
		Length    int64  `json:"length"`
		SHA256    string `json:"sha256"`
		Snapshot  bool   `json:"snapshot"`
		State     string `json:"state"`
	} `json:"entries"`
}

func formatName(manifest string) string {
	if manifest == "table" {
		return "v2"
	}
	return manifest
}

// For every healthy fixture the library read without an error, inspect
// reports every entry the library read back, with the same index, term,
// command id, length and payload digest.
func TestInspectEqualsLibraryReadback(t *testing.T) {
	for _, tool := range []string{"fixturegen-ps", "fixturegen-wal"} {
		for _, f := range fixtures.All(t, tool) {
			if f.Expect.Verdict != "ok" || f.Manifest.Readback.HasError() || f.Manifest.Damage != nil {
				continue
			}
			t.Run(f.Name, func(t *testing.T) {
				out, errs, code := runReadOnly(t, f.WAL, "inspect", "--json", "--entries", "--payload", "none", f.WAL)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errs)
				}
				var doc inspectOut
				if err := json.Unmarshal([]byte(out), &doc); err != nil {
					t.Fatalf("bad JSON: %v\n%s", err, out)
				}
				if tool == "fixturegen-ps" && doc.Format != formatName(f.Manifest.Settings.Format) {
					t.Errorf("format %s, want %s", doc.Format, f.Manifest.Settings.Format)
				}
				got := map[int64]int{}
				for i, e := range doc.Entries {
					got[e.Index] = i
				}
				for _, want := range f.Manifest.Readback.Entries {
					i, ok := got[want.Index]
					if !ok {
						t.Errorf("index %d: missing", want.Index)
						continue
					}
					e := doc.Entries[i]
					if e.Term != want.Term || e.Length != want.Length || e.SHA256 != want.SHA256 ||
						fmt.Sprint(
							deref(e.CommandID),
						) != fmt.Sprint(
							deref(want.CommandID),
						) || e.Snapshot != want.IsSnapshot {
						t.Errorf(
							"index %d: got term %d len %d id %v sha %s snap %v; library read term %d len %d id %v sha %s snap %v",
							want.Index,
							e.Term,
							e.Length,
							deref(e.CommandID),
							e.SHA256[:8],
							e.Snapshot,
							want.Term,
							want.Length,
							deref(want.CommandID),
							want.SHA256[:8],
							want.IsSnapshot,
						)
					}
					// A WAL snapshot's timestamp is the snapshot file's creation
					// time, which a copy of the files does not keep.
					if want.TimestampTick != nil && e.Ticks != *want.TimestampTick &&
						!(tool == "fixturegen-wal" && e.Snapshot) {
						t.Errorf("index %d: ticks %d, library read %d", want.Index, e.Ticks, *want.TimestampTick)
					}
				}
				if len(doc.Entries) != len(f.Manifest.Readback.Entries) {
					t.Errorf("%d entries, the library read %d", len(doc.Entries), len(f.Manifest.Readback.Entries))
				}
			})
		}
	}
}

func deref(p *int32) any {
	if p == nil {
		return nil
	}
	return *p
}

// On damaged fixtures inspect still shows what is on disk: no panic, and
// either a clean exit or a one-line error with exit 2.
func TestInspectDamagedDoesNotFail(t *testing.T) {
	for _, tool := range []string{"fixturegen-ps", "fixturegen-wal"} {
		for _, f := range fixtures.All(t, tool) {
			if f.Expect.Verdict == "ok" && !f.Manifest.Readback.HasError() {
				continue
			}
			t.Run(f.Name, func(t *testing.T) {
				out, errs, code := runReadOnly(
					t,
					f.WAL,
					withSettings(t, f, "inspect", "--entries", "--payload", "hex", f.WAL)...)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errs)
				}
				if !strings.Contains(out, "Node state:") {
					t.Errorf("no node state in output:\n%s", out)
				}
			})
		}
	}
}

// #292-padded entries: length and sha256 stay what the library reads back,
// padding292 names the padding and the appended bytes, and the payload
// view shows the appended payload (and says so); the text table puts the
// padding beside the entry.
func TestInspectPadding292(t *testing.T) {
	for _, name := range []string{"6.4.0/wal-basic", "6.4.0/wal-hash-crc32"} {
		t.Run(name, func(t *testing.T) {
			f := fixtures.Load(t, filepath.Join(fixtures.Root(), filepath.FromSlash(name)))
			out, errs, code := runReadOnly(t, f.WAL, "inspect", "--json", "--entries", "--payload", "hex", f.WAL)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var doc struct {
				Entries []struct {
					Index      int64   `json:"index"`
					Length     int64   `json:"length"`
					SHA256     string  `json:"sha256"`
					Payload    *string `json:"payload"`
					Padding292 *struct {
						Bytes, Boundary, TrueOffset, TrueLength int64
						TrueSHA256                              string `json:"trueSha256"`
						Proven                                  bool
						PayloadShown                            string `json:"payloadShown"`
					} `json:"padding292"`
				} `json:"entries"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			read := map[int64]fixtures.ReadEntry{}
			for _, r := range f.Manifest.Readback.Entries {
				read[r.Index] = r
			}
			appended := map[int64][2]any{}
			for _, a := range f.Manifest.Appended {
				appended[a.Index] = [2]any{a.Length, a.SHA256}
			}
			var padded []int64
			for _, e := range doc.Entries {
				if r := read[e.Index]; e.Length != r.Length || e.SHA256 != r.SHA256 {
					t.Errorf(
						"entry %d: %d bytes %.12s, the library reads %d bytes %.12s",
						e.Index,
						e.Length,
						e.SHA256,
						r.Length,
						r.SHA256,
					)
				}
				p := e.Padding292
				if p == nil {
					continue
				}
				padded = append(padded, e.Index)
				raw, err := hex.DecodeString(*e.Payload)
				sum := sha256.Sum256(raw)
				if !p.Proven || p.PayloadShown != "appended" || p.Bytes+p.TrueLength != e.Length || p.TrueOffset != p.Boundary ||
					appended[e.Index] != [2]any{p.TrueLength, p.TrueSHA256} ||
					err != nil ||
					hex.EncodeToString(sum[:]) != p.TrueSHA256 {
					t.Errorf(
						"entry %d: padding %+v, payload %d bytes (%v); appended %v",
						e.Index,
						*p,
						len(raw),
						err,
						appended[e.Index],
					)
				}
			}
			if fmt.Sprint(padded) != "[15 17]" {
				t.Errorf("padding292 on %v, want [15 17]", padded)
			}
			text, _, _ := runReadOnly(t, f.WAL, "inspect", "--entries", f.WAL)
			for _, want := range []string{"#292 padding: 764 zero bytes before 12288",
				"#292 padding: 1096 zero bytes before 16384", "(appended payload; the library delivers 2264 bytes"} {
				if !strings.Contains(text, want) {
					t.Errorf("text output lacks %q", want)
				}
			}
		})
	}
}

// inspect names the member every fixture's node voted for, in the layout
// its node.state stores the vote in: the member the writing library itself
// read back (4.2.0 stores it in the layout before 4.8.0).
func TestInspectNamesTheVotedMember(t *testing.T) {
	pre := 0
	for _, f := range fixtures.All(t, "fixturegen-ps") {
		rb := f.Manifest.Readback.State
		if rb.Vote != "expected" || f.Manifest.Damage != nil {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			out, errs, code := runReadOnly(t, f.WAL, withSettings(t, f, "inspect", "--json", f.WAL)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var doc struct {
				NodeState struct {
					Vote       *string `json:"vote"`
					VoteLayout string  `json:"voteLayout"`
					VoteReadBy []struct {
						Releases string `json:"releases"`
						Voted    bool   `json:"votedMember"`
					} `json:"voteReadBy"`
				} `json:"nodeState"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			ns := doc.NodeState
			if ns.Vote == nil || *ns.Vote != rb.ExpectedMember {
				t.Fatalf("vote %v, the library read %s", ns.Vote, rb.ExpectedMember)
			}
			if ns.VoteLayout == "before 4.8.0" {
				pre++
				if len(ns.VoteReadBy) != 2 || !ns.VoteReadBy[0].Voted || ns.VoteReadBy[1].Voted ||
					ns.VoteReadBy[1].Releases != "4.8.0 or later" {
					t.Errorf("readers: %+v", ns.VoteReadBy)
				}
				text, _, _ := runReadOnly(t, f.WAL, withSettings(t, f, "inspect", f.WAL)...)
				for _, want := range []string{"vote " + rb.ExpectedMember, "layout before 4.8.0",
					"DotNext 4.8.0 or later reads another member"} {
					if !strings.Contains(text, want) {
						t.Errorf("text output lacks %q:\n%s", want, text)
					}
				}
			} else if ns.VoteLayout != "4.8.0+" {
				t.Errorf("layout %q", ns.VoteLayout)
			}
		})
	}
	if pre == 0 {
		t.Fatal("no fixture stores its vote in the layout before 4.8.0")
	}
}
