package repair_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/partition"
	v2 "github.com/walctl/walctl/format/v2"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/release"
	"github.com/walctl/walctl/repair"
	"github.com/walctl/walctl/verify"
)

// The shared fixture of issue 18: 5.7.2 wrote entries 8–10 of partition 1
// over its header (#244 T2, R = 6, snapshot 7, commit 9). The repair re-lays
// the partition with its never-written slots 0–1 (indexes 6–7) as stub
// records, and every release family reads 8–10 right; before, 5.4.0–5.7.2
// stopped at the zero slots and lost committed 8 and 9.
func TestRepairT2WritesStubRecords(t *testing.T) {
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), "5.7.2", "table-snapshot-install"))
	dir := fixtures.Copy(t, f.WAL)
	o := repair.Options{Log: rebuild.LogOptions{Format: format.V2, R: 6}, Backup: filepath.Join(t.TempDir(), "b")}
	if _, err := repair.Apply(openPlan(t, dir, o), dir, o, logtest.Audited(t)); err != nil {
		t.Fatal(err)
	}
	b := logtest.MustRead(t, filepath.Join(dir, "1"))
	for j := int64(0); j < 2; j++ {
		at, stub := v2.LeadingSlot(j)
		if !bytes.Equal(b[at:at+40], stub.Bytes()) {
			t.Errorf("slot %d at %d is %x, want the stub record", j, at, b[at:at+40])
		}
	}
	logtest.CheckReadersSee(t, f, dir, 6, logtest.Indexes(8, 10))
	if verdict, errs := logtest.VerifyAs(t, dir, logdir.Options{Format: format.V2, R: 6,
		Target: release.MustParse("5.7.2")}); verdict != "ok" {
		t.Fatalf("verify --target-version 5.7.2 after repair: %s %+v", verdict, errs)
	}
}

// A log an earlier walctl build repaired (the same file with zero slots
// 0–1) is reported for a 5.7.2 writer, and repair rewrites those 80 bytes
// only: the result is the new build's file, which every release reads.
func TestRepairPatchesZeroLeadingSlots(t *testing.T) {
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), "5.7.2", "table-snapshot-install"))
	fresh := fixtures.Copy(t, f.WAL)
	o := repair.Options{Log: rebuild.LogOptions{Format: format.V2, R: 6}, Backup: filepath.Join(t.TempDir(), "b1")}
	if _, err := repair.Apply(openPlan(t, fresh, o), fresh, o, logtest.Audited(t)); err != nil {
		t.Fatal(err)
	}
	want := logtest.MustRead(t, filepath.Join(fresh, "1"))

	dir := fixtures.Copy(t, fresh)
	old := append([]byte{}, want...)
	copy(old[512:592], make([]byte, 80)) // what earlier builds wrote
	if err := os.WriteFile(filepath.Join(dir, "1"), old, 0o644); err != nil {
		t.Fatal(err)
	}
	settings := logdir.Options{Format: format.V2, R: 6}
	verdict, errs := logtest.VerifyAs(t, dir, settings)
	if verdict != "damaged" || len(errs) != 1 || errs[0].Code != finding.ZeroLeadingSlots || errs[0].Index != 8 {
		t.Fatalf("verify of the old layout: %s %+v", verdict, errs)
	}
	plan := openPlan(t, dir, o)
	if len(plan.Steps) != 1 || plan.Steps[0].Kind != repair.StepPatch || plan.DamageRemains() {
		t.Fatalf("plan %+v, items %+v", plan.Steps, plan.Items)
	}
	o.Backup = filepath.Join(t.TempDir(), "b2")
	if _, err := repair.Apply(plan, dir, o, logtest.Audited(t)); err != nil {
		t.Fatal(err)
	}
	if got := logtest.MustRead(t, filepath.Join(dir, "1")); !bytes.Equal(got, want) {
		t.Fatalf("patched file differs from the new build's repair at %d", firstDiffAt(got, want))
	}
	logtest.CheckReadersSee(t, f, dir, 6, logtest.Indexes(8, 10))
	if again := openPlan(t, dir, o); !again.Nothing() {
		t.Errorf("a second plan still has steps: %+v", again.Steps)
	}
}

func firstDiffAt(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// downgraded is 5.26.2/table-snapshot-install (R = 4, snapshot 5) as 5.26.2
// left it after appending entry 6: partition 1 unsealed with its
// never-written slots 0–1 (indexes 4–5) zero, LastIndex = CommitIndex = 6.
func downgraded(t *testing.T) string {
	t.Helper()
	dir := fixtures.Copy(t, filepath.Join(fixtures.Root(), "5.26.2", "table-snapshot-install", "wal"))
	b := logtest.MustRead(t, filepath.Join(dir, "1"))
	d := v2.Decode(
		partition.File{R: bytes.NewReader(b), Size: int64(len(b)), Name: "1", Number: 1},
		partition.Geometry{R: 4},
		7,
	)
	six := d.SlotAt(2)
	if six.Kind != partition.Written || six.Rec.Offset != 632 {
		t.Fatalf("fixture changed: slot 2 of partition 1 = %+v", six)
	}
	end, _ := six.Rec.End()
	b = append([]byte{}, b[:end]...)
	b[0] = 0
	st := nodestate.Decode(logtest.MustRead(t, filepath.Join(dir, nodestate.FileName)))
	st.LastIndex, st.CommitIndex, st.LastApplied = 6, 6, 6
	for name, data := range map[string][]byte{"1": b, nodestate.FileName: st.Encode()} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(filepath.Join(dir, "2")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A 5.26.2 log with zero leading slots in the partition holding LastIndex:
// verify for a 5.7.2 target exits 1 naming committed entry 6, for 5.26.2 it
// warns (exit 0); repair rewrites the 80 bytes and verify for 5.7.2 exits 0.
func TestZeroLeadingSlotsFor572Target(t *testing.T) {
	dir := downgraded(t)
	before := logtest.MustRead(t, filepath.Join(dir, "1"))
	stdout, _, code := run("verify", "--target-version", "5.7.2", dir)
	if code != 1 || !bytes.Contains([]byte(stdout), []byte("zero-leading-slots")) ||
		!bytes.Contains([]byte(stdout), []byte("committed 6")) {
		t.Fatalf("verify --target-version 5.7.2: exit %d\n%s", code, stdout)
	}
	if _, _, code := run("verify", "--target-version", "5.26.2", dir); code != 0 {
		t.Errorf("verify --target-version 5.26.2: exit %d, want 0 (a warning)", code)
	}
	checkJSONSeverity(t, dir, "5.26.2", raftlog.Warning)
	checkJSONSeverity(t, dir, "5.4.0", raftlog.Error)
	if _, errb, code := run("repair", "--apply", "--backup", filepath.Join(t.TempDir(), "b"), dir); code != 0 {
		t.Fatalf("repair: exit %d: %s", code, errb)
	}
	after := logtest.MustRead(t, filepath.Join(dir, "1"))
	if len(after) != len(before) || !bytes.Equal(after[:512], before[:512]) || !bytes.Equal(after[592:], before[592:]) {
		t.Fatal("repair changed bytes outside the leading slots 512–591")
	}
	if stdout, _, code := run("verify", "--target-version", "5.7.2", dir); code != 0 {
		t.Fatalf("verify --target-version 5.7.2 after repair: exit %d\n%s", code, stdout)
	}
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), "5.26.2", "table-snapshot-install"))
	logtest.CheckReadersSee(t, f, dir, 4, []int64{6})
}

func checkJSONSeverity(t *testing.T, dir, target string, want raftlog.Severity) {
	t.Helper()
	v, err := cmdVerify(dir, logdir.Options{Target: targetOf(target)})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range v {
		if f.Code == finding.ZeroLeadingSlots {
			if f.Severity != want || f.Index != 6 {
				t.Errorf("target %s: %s at index %d, want %s at 6", target, f.Severity, f.Index, want)
			}
			return
		}
	}
	t.Errorf("target %s: no zero-leading-slots finding", target)
}

// cmdVerify is verify's findings for dir.
func cmdVerify(dir string, o logdir.Options) (raftlog.Findings, error) {
	v, err := verify.Dir(dir, verify.Options{Options: o})
	if err != nil {
		return nil, err
	}
	return v.Findings, nil
}

func targetOf(s string) release.Version {
	if s == "" {
		return release.Version{}
	}
	return release.MustParse(s)
}
