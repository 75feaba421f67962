package cmd

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
)

// mutation changes a copy of a healthy fixture in one place.
type mutation func(t *testing.T, dir string)

func patch(file string, off int64, b []byte) mutation {
	return func(t *testing.T, dir string) {
		f, err := os.OpenFile(filepath.Join(dir, file), os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteAt(b, off); err != nil {
			t.Fatal(err)
		}
	}
}

func putInt64(file string, off, v int64) mutation {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, uint64(v))
	return patch(file, off, b)
}

func truncate(file string, size int64) mutation {
	return func(t *testing.T, dir string) {
		if err := os.Truncate(filepath.Join(dir, file), size); err != nil {
			t.Fatal(err)
		}
	}
}

func remove(file string) mutation {
	return func(t *testing.T, dir string) {
		if err := os.Remove(filepath.Join(dir, file)); err != nil {
			t.Fatal(err)
		}
	}
}

func both(ms ...mutation) mutation {
	return func(t *testing.T, dir string) {
		for _, m := range ms {
			m(t, dir)
		}
	}
}

// One row per damage kind: a healthy log damaged in one place by the test
// itself (not a shared fixture), and the error finding verify must give —
// code, file, index and, where the damage has one, the byte offset.
func TestVerifyFindsEachDamageKind(t *testing.T) {
	const (
		table  = "5.26.2/table-nocheck" // R = 8, no checksum, commit 18, last 20
		legacy = "5.7.1/legacy-basic"   // R = 4, checksum on
		sparse = "5.7.1/sparse-basic"   // R = 4, M = 1024
	)
	cases := []struct {
		name    string
		fixture string
		damage  mutation
		code    string
		file    string
		index   int64 // -1: none asserted
		offset  int64 // -1: none asserted
	}{
		{"footer record zeroed", table, patch("1", 2000, make([]byte, 40)), "footer-mismatch", "1", 9, 2000},
		{"torn seal", table, patch("2", 0, []byte{1}), "torn-seal", "2", -1, 0},
		{
			"full partition unsealed",
			table,
			both(patch("1", 0, []byte{0}), truncate("1", 2280-320)),
			"unsealed-partition",
			"1",
			8,
			-1,
		},
		{"torn tail", table, truncate("2", 1811+40+50), "torn-tail", "2", 20, -1},
		{
			"inline record missing (T1)",
			table,
			patch("2", 783, make([]byte, 40)),
			"t1-missing-inline-records",
			"2",
			17,
			783,
		},
		{"garbage record", table, patch("2", 862+32, []byte{7}), "invalid-record", "2", 18, 862},
		{"LastIndex beyond the files", table, putInt64("node.state", 16, 40), "unsealed-partition", "2", 16, -1},
		{
			"commit beyond last index",
			table,
			putInt64("node.state", 0, 25),
			"commit-beyond-last-index",
			"node.state",
			25,
			-1,
		},
		{"term decreases", table, putInt64("1", 2120, 1), "term-decreased", "1", 12, 2120},
		{"prologue record zeroed", legacy, patch("0", 80, make([]byte, 40)), "record-zeroed", "0", 2, 80},
		{
			"legacy partition shorter than its prologue",
			legacy,
			truncate("2", 100),
			"partition-shorter-than-prologue",
			"2",
			-1,
			-1,
		},
		{"partition deleted", legacy, remove("1"), "partition-missing", "1", 4, -1},
		{
			"node.state bit flipped",
			legacy,
			patch("node.state", 3, []byte{0x80}),
			"node-state-checksum",
			"node.state",
			-1,
			120,
		},
		{"node.state cut", legacy, truncate("node.state", 100), "node-state-size", "node.state", -1, 100},
		{"sparse length over M", sparse, putInt64("0", 1064+16, 2000), "length-over-slot", "0", 1, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := fixtures.Copy(t, filepath.Join(fixtures.Root(), c.fixture, "wal"))
			c.damage(t, dir)
			out, errs, code := runReadOnly(t, dir, "verify", "--json", dir)
			var v verifyOut
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("exit %d: %v %s", code, err, errs)
			}
			if code != 1 || v.Verdict != "damaged" {
				t.Fatalf("exit %d verdict %s, want 1 damaged: %+v", code, v.Verdict, v.Findings)
			}
			for _, f := range v.Findings {
				if f.Severity == "error" && f.Code == c.code && f.File == c.file &&
					(c.index < 0 || f.Index == c.index) && (c.offset < 0 || f.Offset == c.offset) {
					return
				}
			}
			t.Errorf(
				"no error %s at file %s index %d offset %d; findings: %+v",
				c.code,
				c.file,
				c.index,
				c.offset,
				v.Findings,
			)
		})
	}
}
