package cmd

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/txn"
)

// walFixtures are the single-node WriteAheadLog fixtures.
func walFixtures(t *testing.T) []fixtures.Fixture {
	fs := fixtures.All(t, "fixturegen-wal")
	if len(fs) < 25 {
		t.Fatalf("only %d WAL fixtures", len(fs))
	}
	return fs
}

// written maps every index to the last entry the library appended there.
func written(f fixtures.Fixture) map[int64]struct {
	term int64
	sha  string
} {
	m := map[int64]struct {
		term int64
		sha  string
	}{}
	for _, a := range f.Manifest.Appended {
		m[a.Index] = struct {
			term int64
			sha  string
		}{a.Term, a.SHA256}
	}
	return m
}

// assertIntact checks that every committedIntact index of expect.json is
// still in the repaired log with the term and payload the library wrote.
func assertIntact(t *testing.T, f fixtures.Fixture, dir string) {
	t.Helper()
	out, errs, code := run(t, "inspect", "--json", "--entries", "--payload", "none", dir)
	var doc inspectOut
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("inspect after repair: exit %d, %v\n%s", code, err, errs)
	}
	got := map[int64]int{}
	for i, e := range doc.Entries {
		got[e.Index] = i
	}
	w := written(f)
	for _, idx := range f.Expect.CommittedIntact {
		i, ok := got[idx]
		if !ok {
			t.Errorf("committed index %d is gone after the repair", idx)
			continue
		}
		e, want := doc.Entries[i], w[idx]
		if e.Term != want.term || e.SHA256 != want.sha || e.State != "ok" {
			t.Errorf(
				"index %d: term %d sha %s state %s; the library wrote term %d sha %s",
				idx,
				e.Term,
				e.SHA256,
				e.State,
				want.term,
				want.sha,
			)
		}
	}
}

// Every WAL fixture expect.json calls repairable is repaired on a copy:
// exit 0, verify clean, committedIntact kept. Every other damaged one
// exits 1 with a reason and is left byte for byte as it was; healthy ones
// need nothing.
func TestRepairWALFixtures(t *testing.T) {
	for _, f := range walFixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			dir := fixtures.Copy(t, f.WAL)
			before := treeHash(t, dir)
			backup := filepath.Join(t.TempDir(), "backup")
			out, errs, code := run(t, "repair", "--apply", "--backup", backup, dir)
			switch {
			case f.Expect.Verdict == "ok":
				if code != 0 || !strings.Contains(out, "nothing to apply") || treeHash(t, dir) != before {
					t.Fatalf("healthy log: exit %d, or files changed\n%s%s", code, out, errs)
				}
			case f.Expect.Repairable:
				if code != 0 || !strings.Contains(out, "verify after repair: ok") {
					t.Fatalf("exit %d, want 0 and a clean verify\n%s%s", code, out, errs)
				}
				if logtest.TreeHash(t, backup) != logtest.TreeHash(t, f.WAL) {
					t.Error("the backup differs from the original directory")
				}
				if vout, _, vcode := run(t, "verify", dir); vcode != 0 {
					t.Errorf("verify after repair: exit %d\n%s", vcode, vout)
				}
				assertIntact(t, f, dir)
			default:
				if code != 1 || !strings.Contains(out, "refused") || !strings.Contains(out, f.Expect.Damage) {
					t.Fatalf("exit %d, want 1 with a refusal naming %s\n%s%s", code, f.Expect.Damage, out, errs)
				}
				if treeHash(t, dir) != before {
					t.Error("an unrepairable log was changed")
				}
			}
		})
	}
}

// Without --apply the plan changes nothing and exits as --apply would.
func TestRepairWALPlanOnly(t *testing.T) {
	for _, f := range walFixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			out, errs, code := runReadOnly(t, f.WAL, "repair", f.WAL)
			if code != repairExit(f) || !strings.Contains(out, "nothing") {
				t.Fatalf("exit %d, want %d\n%s%s", code, repairExit(f), out, errs)
			}
		})
	}
}

// The flags that make a refused repair possible, and the checkpoint form
// chosen by --target-version.
func TestRepairWALFlags(t *testing.T) {
	root := fixtures.Root()
	cases := []struct {
		name, fixture string
		flags         []string
		code          int
		file          string // a file whose new content is checked
		want          string // its hex, or a text in stdout+stderr
	}{
		{
			"set-term on a cut state",
			"6.12.0/wal-basic+state-cut",
			[]string{"--set-term", "7"},
			0,
			"state",
			"00" + strings.Repeat("00", 28) + "0700000000000000",
		},
		{"set-term below the log", "6.12.0/wal-basic+state-cut", []string{"--set-term", "2"}, 2, "", "below term 6"},
		{
			"drop committed",
			"6.12.0/wal-hash-crc32+hash-payload-flip",
			[]string{"--allow-drop-committed"},
			0,
			"checkpoint",
			"0100000006000000000000000600000000000000",
		},
		{
			"downgrade to 6.0–6.7",
			"6.12.0/wal-basic",
			[]string{"--target-version", "6.7.0"},
			0,
			"checkpoint",
			"000000001100000000000000",
		},
		{
			"5.x checkpoint for a 6.x layout",
			"6.12.0/wal-basic",
			[]string{"--target-version", "5.26.2"},
			2,
			"",
			"40-byte records",
		},
		{"torn 5.x checkpoint", "5.26.2/wal-basic+checkpoint-torn", nil, 0, "checkpoint", "1100000000000000"},
		{
			"torn 6.x checkpoint",
			"6.12.0/wal-basic+checkpoint-torn",
			nil,
			0,
			"checkpoint",
			"0100000011000000000000001400000000000000",
		},
		{
			"uncommitted hash mismatch",
			"6.12.0/wal-hash-xxhash32+hash-uncommitted-flip",
			nil,
			0,
			"checkpoint",
			"0100000011000000000000001200000000000000",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := fixtures.Copy(t, filepath.Join(root, c.fixture, "wal"))
			args := append(
				append([]string{"repair", "--apply", "--backup", filepath.Join(t.TempDir(), "b")}, c.flags...),
				dir,
			)
			out, errs, code := run(t, args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, c.code, out, errs)
			}
			if c.file == "" {
				if !strings.Contains(out+errs, c.want) {
					t.Errorf("output does not say %q:\n%s%s", c.want, out, errs)
				}
				return
			}
			b, err := os.ReadFile(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(b); got != c.want {
				t.Errorf("%s is %s, want %s", c.file, got, c.want)
			}
		})
	}
}

// After a crash in the middle of --apply, running it again finishes the
// WAL repair from the backup.
func TestRepairWALFinishesAnInterruptedRun(t *testing.T) {
	dir := fixtures.Copy(t, filepath.Join(fixtures.Root(), "6.12.0", "wal-basic+checkpoint-torn", "wal"))
	crashRepair(t, dir)
	if out, errs, code := run(t, "repair", dir); code != 2 || out != "" ||
		!strings.Contains(errs, "an interrupted walctl repair is pending") {
		t.Fatalf("plan on an interrupted run: exit %d\n%s%s", code, out, errs)
	}
	out, errs, code := run(t, "repair", "--apply", dir)
	if code != 0 || !strings.Contains(out, "finished the interrupted repair") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, txn.WorkName)); err == nil {
		t.Error("journal or stage left behind")
	}
	b, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if sum := sha256.Sum256(b); len(b) != 20 {
		t.Errorf("checkpoint %x (%x) after the resumed run, want the 20-byte form", b, sum[:4])
	}
}
