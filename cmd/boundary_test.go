package cmd

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/hostile"
)

// boundaryCase is one crafted directory: a fixture copy changed by mutate,
// then given to verify and inspect with args.
type boundaryCase struct {
	name    string
	fixture string
	mutate  func(t *testing.T, dir string)
	args    []string
	// verify are the acceptable exit codes of verify; nil means any answer
	// (0 ok, 1 damaged, 2 refused with a one-line error). inspect may
	// always answer 0, 1 or 2.
	verify []int
	// absent must not appear in verify's output (overflowed numbers).
	absent []string
}

var (
	damaged         = []int{1}
	damagedOrUnsure = []int{1, 2} // sparse R comes from LastIndex: a wild one leaves it unknown
	refused         = []int{2}
	// overflowed are the marks of an index computed with a wrapped int64
	// (where the value itself is not -2^63).
	overflowed = []string{"index-out-of-order", "-2305843009213693952", "partition file -"}
)

// overflowedFor adds -2^63 to the marks of an overflow unless v is that value.
func overflowedFor(v int64) []string {
	if v == math.MinInt64 {
		return overflowed
	}
	return append([]string{"-9223372036854775808"}, overflowed...)
}

// Boundary values (negative, 2^31−1, 2^31, 2^32, 2^62, 2^63−1) through every
// address a command computes from a directory: node.state indexes and
// term, partition numbers (number×R), record Offset and Length, R and M
// overrides (R×40, s×(M+40)), WAL checkpoint indexes, chunk sizes. walctl
// must answer with a verdict or a one-line error, never a panic, and a
// value no log can hold must be reported.
func TestCommandsAtBoundaries(t *testing.T) {
	var cases []boundaryCase
	for _, v := range hostile.Values {
		cases = append(cases, nodeStateCases(v)...)
		cases = append(cases, recordCases(v)...)
		cases = append(cases, overrideCases(v)...)
		cases = append(cases, walCases(v)...)
	}
	cases = append(cases, partitionNameCases()...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := fixtures.Copy(t, filepath.Join(fixtures.Root(), c.fixture, "wal"))
			if c.mutate != nil {
				c.mutate(t, dir)
			}
			for _, cmd := range []string{"verify", "inspect"} {
				out, errs, code := run(t, append(append([]string{cmd}, c.args...), dir)...)
				codes := []int{0, 1, 2}
				if cmd == "verify" && c.verify != nil {
					codes = c.verify
				}
				checkAnswer(t, cmd, codes, out, errs, code)
				for _, a := range c.absent {
					if strings.Contains(out+errs, a) {
						t.Errorf("%s prints %q, the mark of an overflow:\n%s%s", cmd, a, out, errs)
					}
				}
			}
		})
	}
}

func checkAnswer(t *testing.T, cmd string, codes []int, out, errs string, code int) {
	t.Helper()
	if strings.Contains(out+errs, "panic") || strings.Contains(out+errs, "goroutine ") {
		t.Fatalf("%s: stack trace:\n%s%s", cmd, out, errs)
	}
	ok := false
	for _, want := range codes {
		ok = ok || code == want
	}
	if !ok {
		t.Errorf("%s: exit %d, want one of %v\nstdout: %s\nstderr: %s", cmd, code, codes, out, errs)
	}
	if code == 2 {
		lines := strings.Split(strings.TrimSpace(errs), "\n")
		if !strings.HasPrefix(lines[0], "walctl: error: ") || len(lines) > 2 {
			t.Errorf("%s: want one error line (and a hint), got:\n%s", cmd, errs)
		}
	}
}

// setNodeState rewrites one int64 field of node.state, keeping the checksum
// valid when the file has one.
func setNodeState(off int, v int64) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		path := filepath.Join(dir, nodestate.FileName)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		hadChecksum := nodestate.Status(b) == nodestate.ChecksumOK
		binary.LittleEndian.PutUint64(b[off:], uint64(v))
		s := nodestate.Decode(b)
		if hadChecksum {
			s = s.WithChecksum()
		}
		if err := os.WriteFile(path, s.Encode(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func nodeStateCases(v int64) []boundaryCase {
	var out []boundaryCase
	const lastIndex = 10 // of the three fixtures
	fields := []struct {
		name string
		off  int
		// bad: the value contradicts the fixture's log, so verify must
		// report damage.
		bad bool
	}{{"CommitIndex", nodestate.OffCommitIndex, v < 0 || v > lastIndex},
		{"LastApplied", nodestate.OffLastApplied, v < 0},
		{"LastIndex", nodestate.OffLastIndex, v < 0 || v < 8},
		{"snapshot index", nodestate.OffSnapshot, v < 0 || v > 8},
		{"snapshot length", nodestate.OffSnapshot + 8 + 16, false},
		{"snapshot offset", nodestate.OffSnapshot + 8 + 24, false},
		{"Term", nodestate.OffTerm, v < 0}}
	for _, fx := range []string{"5.26.2/table-basic", "5.26.2/legacy-basic", "5.26.2/sparse-basic"} {
		for _, f := range fields {
			c := boundaryCase{name: fmt.Sprintf("%s node.state %s=%d", fx, f.name, v), fixture: fx,
				mutate: setNodeState(f.off, v), absent: overflowedFor(v)}
			switch {
			case f.bad && strings.Contains(fx, "sparse"):
				c.verify = damagedOrUnsure
			case f.bad:
				c.verify = damaged
			}
			out = append(out, c)
		}
	}
	return out
}

// setRecord rewrites Offset and Length of the 40-byte record at off in a
// partition file.
func setRecord(name string, off int64, length, offset int64) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		r := record.Decode(b[off:])
		r.Length, r.Offset = length, offset
		r.Encode(b[off:])
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func recordCases(v int64) []boundaryCase {
	// A claim is bad when it points outside the file or overflows: the
	// fixtures' partition 1 files are about 10 KB, their first payloads
	// 16 bytes or more.
	badLength := v < 0 || v > 4096
	badOffset := func(good int64) bool { return v != good }
	pick := func(bad bool) []int {
		if bad {
			return damaged
		}
		return nil
	}
	return []boundaryCase{
		// legacy: slot 1 of partition 1, its prologue record at 40
		{
			name:    fmt.Sprintf("legacy record length %d", v),
			fixture: "5.26.2/legacy-basic",
			mutate:  setRecord("1", 40, v, 160),
			verify:  pick(badLength),
			absent:  overflowedFor(v),
		},
		{
			name:    fmt.Sprintf("legacy record offset %d", v),
			fixture: "5.26.2/legacy-basic",
			mutate:  setRecord("1", 40, 16, v),
			verify:  pick(v < 160 || v > 10500-16),
			absent:  overflowedFor(v),
		},
		// Table: the first inline record of sealed partition 1 (at 512);
		// the library reads the footer, so inline damage may be a warning.
		{
			name:    fmt.Sprintf("table record length %d", v),
			fixture: "5.26.2/table-basic",
			mutate:  setRecord("1", 512, v, 552),
			absent:  overflowedFor(v),
		},
		{
			name:    fmt.Sprintf("table record offset %d", v),
			fixture: "5.26.2/table-basic",
			mutate:  setRecord("1", 512, 16, v),
			absent:  overflowedFor(v),
		},
		// sparse: slot 0 of partition 1, M = 1024
		{
			name:    fmt.Sprintf("sparse record length %d", v),
			fixture: "5.26.2/sparse-basic",
			mutate:  setRecord("1", 0, v, 40),
			verify:  pick(v < 0 || v > 1024),
			absent:  overflowedFor(v),
		},
		{
			name:    fmt.Sprintf("sparse record offset %d", v),
			fixture: "5.26.2/sparse-basic",
			mutate:  setRecord("1", 0, 16, v),
			verify:  pick(badOffset(40)),
			absent:  overflowedFor(v),
		},
	}
}

func overrideCases(v int64) []boundaryCase {
	r := fmt.Sprint(v)
	rCodes := damaged // a valid R that is not the log's: geometry conflict
	switch {
	case v < 2 || v > math.MaxInt32/40:
		rCodes = refused // outside what the library accepts
	case v == 4:
		rCodes = nil // the fixtures' own R
	}
	mCodes := damaged
	switch {
	case v < 1:
		mCodes = refused
	case v == 1024:
		mCodes = nil
	}
	return []boundaryCase{
		{
			name:    "R " + r + " legacy",
			fixture: "5.26.2/legacy-basic",
			args:    []string{"--records-per-partition", r},
			verify:  rCodes,
		},
		{
			name:    "R " + r + " table",
			fixture: "5.26.2/table-basic",
			args:    []string{"--records-per-partition", r},
			verify:  rCodes,
		},
		{
			name:    "M " + r + " sparse",
			fixture: "5.26.2/sparse-basic",
			args:    []string{"--max-entry-size", r},
			verify:  mCodes,
		},
		{
			name:    "R " + r + " M " + r + " sparse",
			fixture: "5.26.2/sparse-basic",
			args:    []string{"--format", "sparse", "--records-per-partition", r, "--max-entry-size", r},
			verify:  damagedOrUnsure,
		},
	}
}

func walCases(v int64) []boundaryCase {
	s := fmt.Sprint(v)
	setCheckpoint := func(off int) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			path := filepath.Join(dir, "checkpoint")
			b, err := os.ReadFile(path)
			if err != nil || len(b) != 20 {
				t.Fatalf("checkpoint: %d bytes, %v", len(b), err)
			}
			binary.LittleEndian.PutUint64(b[off:], uint64(v))
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var chunk []int // 4096 is a chunk size; other boundary values are refused
	if v != 4096 {
		chunk = refused
	}
	var bad []int
	if v < 0 {
		bad = damaged
	}
	return []boundaryCase{
		{
			name:    "wal checkpoint C " + s,
			fixture: "6.12.0/wal-basic",
			mutate:  setCheckpoint(4),
			verify:  bad,
			absent:  overflowedFor(v),
		},
		{
			name:    "wal checkpoint L " + s,
			fixture: "6.12.0/wal-basic",
			mutate:  setCheckpoint(12),
			verify:  bad,
			absent:  overflowedFor(v),
		},
		{name: "wal chunk size " + s, fixture: "6.12.0/wal-basic", args: []string{"--chunk-size", s}, verify: chunk},
	}
}

// Partition files whose names are the largest numbers the library can
// create: number×R overflows or lands far above every other index.
func partitionNameCases() []boundaryCase {
	var out []boundaryCase
	for _, name := range []string{"2147483647", "2147483648", "4294967296", "2305843009213693951", "9223372036854775807", "9223372036854775808"} {
		for _, fx := range []string{"5.26.2/table-basic", "5.26.2/legacy-basic", "5.26.2/sparse-basic"} {
			c := boundaryCase{name: fx + " partition " + name, fixture: fx, absent: overflowedFor(0),
				mutate: func(t *testing.T, dir string) {
					b, err := os.ReadFile(filepath.Join(dir, "1"))
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}}
			if name == "9223372036854775807" {
				c.verify = damaged // number × R overflows a log index
			}
			out = append(out, c)
		}
	}
	return out
}
