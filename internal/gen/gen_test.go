package gen

import (
	"os"
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/verify"
)

// shape is one log the tests generate. (A sparse log whose payloads all
// have exactly M bytes is laid out like a #244 T2 Table chain; detection
// cannot tell them apart, so no shape has one.)
type shape struct{ spec Spec }

// shapes cover every format, a last partition that is full (sealed in v2)
// and one that is not, both stop conditions, empty and tiny payloads.
func shapes() map[string]shape {
	const r4 = 4
	return map[string]shape{
		"legacy R4 full last": {
			spec: Spec{
				Config:    ps.Config{Format: format.Legacy, R: r4},
				Entries:   11,
				SizeMin:   0,
				SizeMax:   70,
				Seed:      1,
				TermEvery: 3,
			},
		},
		"legacy R4 partial": {
			spec: Spec{Config: ps.Config{Format: format.Legacy, R: r4}, Entries: 13, SizeMin: 1, SizeMax: 300, Seed: 2},
		},
		"legacy default R": {
			spec: Spec{
				Config:  ps.Config{Format: format.Legacy, R: DefaultR},
				Entries: 500,
				SizeMin: 100,
				SizeMax: 700,
				Seed:    3,
			},
		},
		"legacy entries+bytes": {
			spec: Spec{
				Config:      ps.Config{Format: format.Legacy, R: 10},
				Entries:     1000,
				TargetBytes: 5_000,
				SizeMin:     100,
				SizeMax:     100,
				Seed:        6,
			},
		},
		"v2 R4 full last": {
			spec: Spec{
				Config:    ps.Config{Format: format.V2, R: r4},
				Entries:   11,
				SizeMin:   0,
				SizeMax:   70,
				Seed:      1,
				TermEvery: 3,
			},
		},
		"v2 R4 partial": {
			spec: Spec{Config: ps.Config{Format: format.V2, R: r4}, Entries: 13, SizeMin: 1, SizeMax: 300, Seed: 2},
		},
		"v2 by bytes": {
			spec: Spec{
				Config:      ps.Config{Format: format.V2, R: 100},
				TargetBytes: 200_000,
				SizeMin:     100,
				SizeMax:     700,
				Seed:        4,
			},
		},
		"v2 zero-length only": {spec: Spec{Config: ps.Config{Format: format.V2, R: 3}, Entries: 7, Seed: 7}},
		"sparse R4 M=max": {
			spec: Spec{
				Config:  ps.Config{Format: format.Sparse, R: r4, M: 70},
				Entries: 11,
				SizeMin: 0,
				SizeMax: 70,
				Seed:    1,
			},
		},
		"sparse by bytes": {
			spec: Spec{
				Config:      ps.Config{Format: format.Sparse, R: 50, M: 1024},
				TargetBytes: 300_000,
				SizeMin:     100,
				SizeMax:     700,
				Seed:        5,
			},
		},
		"sparse tiny": {
			spec: Spec{
				Config:  ps.Config{Format: format.Sparse, R: 2, M: 8},
				Entries: 5,
				SizeMin: 0,
				SizeMax: 8,
				Seed:    8,
			},
		},
		"legacy R7 terms": {
			spec: Spec{
				Config:    ps.Config{Format: format.Legacy, R: 7},
				Entries:   30,
				SizeMin:   0,
				SizeMax:   300,
				Seed:      11,
				TermEvery: 5,
			},
		},
		"v2 R7 terms": {
			spec: Spec{
				Config:    ps.Config{Format: format.V2, R: 7},
				Entries:   27,
				SizeMin:   0,
				SizeMax:   300,
				Seed:      12,
				TermEvery: 5,
			},
		},
		"sparse R7 terms": {
			spec: Spec{
				Config:    ps.Config{Format: format.Sparse, R: 7, M: 512},
				Entries:   30,
				SizeMin:   0,
				SizeMax:   300,
				Seed:      13,
				TermEvery: 5,
			},
		},
	}
}

// TestGeneratedLogsVerifyClean: whatever the shape, walctl verify (the
// library the command prints) finds nothing at all in a generated log, and logdir reads back exactly
// the entries the generator drew (metadata and payload digest).
func TestGeneratedLogsVerifyClean(t *testing.T) {
	for name, sh := range shapes() {
		t.Run(name, func(t *testing.T) {
			s := sh.spec
			dir := t.TempDir()
			res, err := Generate(dir, s)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, dir, s, res)
			doc, err := verify.Dir(dir, verify.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if doc.Verdict != "ok" || len(doc.Findings) > 0 || doc.Format != s.Format {
				t.Fatalf("verify: %s %s, findings %+v", doc.Format, doc.Verdict, doc.Findings)
			}
			if sum := doc.Summary; sum.Entries != res.Entries || sum.Last != res.Entries || sum.Commit != res.Entries ||
				sum.LastTerm != res.Term {
				t.Fatalf("verify summary %+v, generated %+v", sum, res)
			}
			compareEntries(t, dir, s, res.Entries)
		})
	}
}

// checkResult compares Result with the files really written.
func checkResult(t *testing.T, dir string, s Spec, res Result) {
	t.Helper()
	if s.Entries > 0 && res.Entries > s.Entries {
		t.Errorf("%d entries, asked for %d", res.Entries, s.Entries)
	}
	if s.TargetBytes > 0 && res.Entries < s.Entries || s.Entries == 0 {
		if res.FileBytes < s.TargetBytes {
			t.Errorf("%d file bytes, asked for %d", res.FileBytes, s.TargetBytes)
		}
	}
	var onDisk int64
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		info, err := n.Info()
		if err != nil {
			t.Fatal(err)
		}
		if n.Name() != nodestate.FileName && n.Name() != "snapshot" {
			onDisk += info.Size()
		}
	}
	if onDisk != res.FileBytes {
		t.Errorf("partition files hold %d bytes, Result says %d", onDisk, res.FileBytes)
	}
	wantParts := res.Entries/s.R + 1
	if int64(len(names)) != wantParts+2 {
		t.Errorf("%d files, want %d partitions + node.state + snapshot", len(names), wantParts)
	}
}

// compareEntries draws the entries of s again and requires logdir to read
// every one of them back.
func compareEntries(t *testing.T, dir string, s Spec, n int64) {
	t.Helper()
	l, err := logdir.Open(dir, logdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	g := newSynth(s)
	var seen int64
	err = l.Entries(l.First, l.Last, func(got raftlog.Entry) bool {
		seen++
		want := g.entry(seen)
		wantSum := fixtures.Digest(t, &payload{src: g.bytes, left: want.Length})
		r, err := l.Payload(got)
		if err != nil {
			t.Fatal(err)
		}
		if got.Index != want.Index || got.Term != want.Term || got.Ticks != want.Ticks || got.Length != want.Length ||
			!fixtures.SameID(
				got.CommandID,
				want.CommandID,
			) || got.State != raftlog.EntryOK || !got.Committed || fixtures.Digest(t, r) != wantSum {
			t.Errorf("index %d: read %+v, generated %+v", seen, got, want)
			return false
		}
		return true
	})
	if err != nil || seen != n {
		t.Fatalf("read %d entries (err %v), generated %d", seen, err, n)
	}
}
