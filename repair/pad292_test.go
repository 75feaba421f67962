package repair_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/repair"
)

// padded292Logs are the logs the real 6.4.0 writer padded, with the
// indexes it padded (from the manifests and expect.json).
var padded292Logs = []struct {
	dir     string
	indexes []int64
}{
	{"6.4.0/wal-basic/wal", []int64{15, 17}},
	{"6.4.0/wal-hash-crc32/wal", []int64{15, 17}},
	{"replicas/6.4.0/cluster-agree/node1", []int64{20}},
	{"replicas/6.4.0/cluster-agree/node3", []int64{20}},
}

// The plan corrects exactly the padded records, one metadata-page step
// with the old and new values of each, answers every padding-292 finding
// with that step, and says what the correction means for the application.
func TestRepairPadding292Plan(t *testing.T) {
	for _, c := range padded292Logs {
		t.Run(c.dir, func(t *testing.T) {
			dir := filepath.Join(fixtures.Root(), filepath.FromSlash(c.dir))
			p := walPlan(t, dir, repair.WALRepairOptions{})
			if len(p.Steps) != 1 || p.Steps[0].Kind != repair.StepMetadataPage || p.Steps[0].File != "metadata/0" {
				t.Fatalf("steps %+v", p.Steps)
			}
			var got []int64
			for _, r := range p.Steps[0].Records {
				got = append(got, r.Index)
				if r.NewOffset%4096 != 0 || r.NewOffset-r.OldOffset != r.Padding || r.OldLength-r.NewLength != r.Padding ||
					r.Padding <= 0 || !r.Committed ||
					(r.OldHash == "") != (r.NewHash == "") ||
					(r.NewHash != "" && r.NewHash == r.OldHash) {
					t.Errorf("record fix %+v", r)
				}
			}
			if !equal(got, c.indexes) {
				t.Errorf("corrects %v, want %v", got, c.indexes)
			}
			fixed := 0
			for _, it := range p.Items {
				if it.Finding.Code == finding.Padding292 {
					if it.Status != repair.Fixed || it.Step != 1 || !strings.Contains(it.Action, "→") {
						t.Errorf("item %+v", it)
					}
					fixed++
				}
			}
			if fixed != len(c.indexes) || p.DamageRemains() || p.Drop != nil || p.NewCommitIndex != p.CommitIndex {
				t.Errorf("%d items fixed, damage remains %v, drop %+v", fixed, p.DamageRemains(), p.Drop)
			}
			note := strings.Join(p.Notes, " ")
			for _, w := range []string{"#292", "applied the padded payloads", "snapshot", "rebuild the node from a leader"} {
				if !strings.Contains(note, w) {
					t.Errorf("notes do not say %q: %s", w, note)
				}
			}
		})
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// repair --apply changes only the bytes of the padded records' slots
// (record + hash), keeps every page at its size, and a second run finds
// nothing to do; the library then reads each committed entry as appended.
func TestRepairPadding292OnlySlotBytes(t *testing.T) {
	for _, c := range padded292Logs {
		t.Run(c.dir, func(t *testing.T) {
			src := filepath.Join(fixtures.Root(), filepath.FromSlash(c.dir))
			plan := walPlan(t, src, repair.WALRepairOptions{})
			dir := fixtures.Copy(t, src)
			before := fixtures.Files(t, dir)
			if out, errs, code := run("repair", "--apply", "--backup", filepath.Join(t.TempDir(), "b"), dir); code != 0 {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			after := fixtures.Files(t, dir)
			l, err := logdir.Open(dir, logdir.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			slot := l.WAL().Params.RecordSize + l.WAL().Params.Hash.Size()
			allowed := map[int64]bool{}
			for _, r := range plan.Steps[0].Records {
				for o := r.SlotOffset; o < r.SlotOffset+slot; o++ {
					allowed[o] = true
				}
			}
			if len(after) != len(before) {
				t.Errorf("%d files after, %d before", len(after), len(before))
			}
			for name, b := range before {
				a := after[name]
				if len(a) != len(b) {
					t.Errorf("%s: %d bytes, was %d", name, len(a), len(b))
					continue
				}
				for o := range b {
					if a[o] != b[o] && (name != "metadata/0" || !allowed[int64(o)]) {
						t.Errorf("%s: byte %d changed outside the corrected slots", name, o)
						break
					}
				}
			}
			if bytes.Equal(after["metadata/0"], before["metadata/0"]) {
				t.Error("metadata/0 unchanged")
			}
			if out, _, code := run("repair", dir); code != 0 || !strings.Contains(out, "nothing to repair") {
				t.Errorf("second plan: exit %d\n%s", code, out)
			}
			err = l.Entries(l.First, l.Last, func(e raftlog.Entry) bool {
				if e.Padding292 != nil || e.State != raftlog.EntryOK {
					t.Errorf("entry %d after the repair: %+v", e.Index, e)
				}
				return true
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The repair crashed after every step (crashTest reads the whole tree: the
// page lives in metadata/): every file is old or new, and the re-run ends
// as an uninterrupted run.
func TestRepairPadding292CrashAtEveryStep(t *testing.T) {
	crashTest(t, filepath.Join(fixtures.Root(), "6.4.0", "wal-hash-crc32", "wal"), []string{"repair", "--apply"}, 0)
}

// Files that changed between the plan and the apply so that the plan
// differs are not written: the plan is computed again on the backup.
func TestRepairPadding292RefusesChangedLog(t *testing.T) {
	src := filepath.Join(fixtures.Root(), "6.4.0", "wal-basic", "wal")
	dir := fixtures.Copy(t, src)
	plan := walPlan(t, dir, repair.WALRepairOptions{})
	chunk := filepath.Join(dir, "data", "3")
	b, _ := os.ReadFile(chunk)
	b[4096-100] = 1 // a skipped byte before entry 17's boundary 16384: no longer padding
	if err := os.WriteFile(chunk, b, 0o644); err != nil {
		t.Fatal(err)
	}
	before := fixtures.Files(t, dir)
	_, err := repair.ApplyWAL(
		plan,
		dir,
		repair.WALRepairOptions{Backup: filepath.Join(t.TempDir(), "b")},
		logtest.Audited(t),
	)
	if err == nil || !strings.Contains(err.Error(), "changed while walctl was planning") {
		t.Fatalf("err %v", err)
	}
	for name, b := range fixtures.Files(t, dir) {
		if !bytes.Equal(b, before[name]) {
			t.Errorf("%s was written", name)
		}
	}
}

// A log with 150 padded entries across five metadata pages (64-byte slots:
// 64 a page, 301 slots): verify lists
// 50 and summarises the rest, the plan has one step per page and fixes
// every finding (the summary too), and after --apply every entry reads as
// appended and verify is clean.
func TestRepairPadding292ManyEntries(t *testing.T) {
	const n = 150
	var es []wal.NewEntry
	var appended [][]byte
	add := func(b []byte) {
		es = append(es, wal.BytesEntry(1, b))
		appended = append(appended, b)
	}
	payload := func(k int) []byte {
		b := bytes.Repeat([]byte{byte(k%250 + 1)}, k)
		b[0] = '#'
		return b
	}
	add(payload(4096 - 700)) // ends 700 bytes before the first boundary
	for i := 0; i < n; i++ {
		p := payload(1500)
		es = append(es, wal.BytesEntry(1, append(make([]byte, 700), p...))) // laid out as #292 leaves it
		appended = append(appended, p)
		add(payload(4096 - 1500 - 700))
	}
	dir := filepath.Join(t.TempDir(), "wal")
	last := int64(len(es))
	seq := func(yield func(wal.NewEntry) bool) {
		for _, e := range es {
			if !yield(e) {
				return
			}
		}
	}
	if err := wal.Create(dir, wal.Params{CheckpointForm: wal.CheckpointV0, Hash: wal.HashXxHash64},
		raftlog.NodeState{Term: 1}, last, seq); err != nil {
		t.Fatal(err)
	}
	out, _, code := run("verify", "--json", dir)
	if code != 1 || strings.Count(out, `"code": "padding-292"`) != 51 || !strings.Contains(out, "100 more findings") {
		t.Fatalf(
			"verify: exit %d, %d padding findings\n%.2000s",
			code,
			strings.Count(out, `"code": "padding-292"`),
			out,
		)
	}
	p := walPlan(t, dir, repair.WALRepairOptions{})
	records := 0
	for _, st := range p.Steps {
		if st.Kind != repair.StepMetadataPage {
			t.Errorf("step %+v", st)
		}
		records += len(st.Records)
	}
	if len(p.Steps) != 5 || records != n || p.DamageRemains() {
		t.Fatalf("%d steps, %d records, damage remains %v", len(p.Steps), records, p.DamageRemains())
	}
	if out, errs, code := run("repair", "--apply", "--backup", filepath.Join(t.TempDir(), "b"), dir); code != 0 {
		t.Fatalf("repair: exit %d\n%s%s", code, out, errs)
	}
	l, err := logdir.Open(dir, logdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	err = l.Entries(l.First, l.Last, func(e raftlog.Entry) bool {
		r, err := l.Payload(e)
		var b bytes.Buffer
		if err == nil {
			_, err = b.ReadFrom(r)
		}
		if err != nil || !bytes.Equal(b.Bytes(), appended[e.Index-1]) || e.Padding292 != nil {
			t.Errorf("entry %d: %d bytes, padding %+v (%v)", e.Index, b.Len(), e.Padding292, err)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if out, _, code := run("verify", dir); code != 0 {
		t.Errorf("verify after repair: exit %d\n%s", code, out)
	}
}
