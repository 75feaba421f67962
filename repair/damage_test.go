package repair_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	v2 "github.com/walctl/walctl/format/v2"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/repair"
	"github.com/walctl/walctl/verify"
)

// logInfo is what a damager needs to know about a healthy log.
type logInfo struct {
	dir     string
	l       *logdir.Log
	lastIdx int64
	commit  int64
}

func (li logInfo) partFile(n int64) string { return filepath.Join(li.dir, strconv.FormatInt(n, 10)) }

// decodeV2 decodes partition n of a Table log.
func (li logInfo) decodeV2(t *testing.T, n int64) partition.Decoded {
	b, err := os.ReadFile(li.partFile(n))
	if err != nil {
		t.Fatal(err)
	}
	f := partition.File{R: bytes.NewReader(b), Size: int64(len(b)), Name: fmt.Sprint(n), Number: n}
	return v2.Decode(f, partition.Geometry{R: li.l.R}, li.lastIdx)
}

// sealedBefore returns a sealed Table partition that does not hold LastIndex.
func (li logInfo) sealedBefore(t *testing.T) (int64, bool) {
	for _, p := range li.l.Partitions {
		if p.Sealed && p.Number != li.lastIdx/li.l.R && p.LastIndex >= 0 {
			return p.Number, true
		}
	}
	return 0, false
}

// outcome says what a repair of a damaged copy must achieve.
type outcome int

const (
	restoresBytes outcome = iota // the repaired directory equals the healthy one byte for byte
	verifiesClean                // the repair verifies clean and keeps the entries below the damage
)

// damager damages a copy of a healthy log in one way; ok is false when the
// log has nothing this damage applies to.
type damager struct {
	name   string
	format format.Format
	want   outcome
	apply  func(t *testing.T, li logInfo) (ok bool)
}

var damagers = []damager{
	{"torn-seal", "v2", restoresBytes, func(t *testing.T, li logInfo) bool {
		p := li.lastIdx / li.l.R
		d := li.decodeV2(t, p)
		if d.Sealed || v2.Full(d) {
			return false
		}
		return patch(t, li.partFile(p), 0, []byte{1})
	}},
	// A full partition whose seal was torn is sealed: byte 0 says the
	// library was sealing it, and its chain backs the footer.
	{"torn-seal-of-a-full-partition", "v2", verifiesClean, func(t *testing.T, li logInfo) bool {
		p := li.lastIdx / li.l.R
		d := li.decodeV2(t, p)
		if d.Sealed || !v2.Full(d) {
			return false
		}
		return patch(t, li.partFile(p), 0, []byte{1})
	}},
	{"unsealed-full", "v2", restoresBytes, func(t *testing.T, li logInfo) bool {
		p, ok := li.sealedBefore(t)
		if !ok {
			return false
		}
		path := li.partFile(p)
		info, _ := os.Stat(path)
		patch(t, path, 0, []byte{0})
		return os.Truncate(path, info.Size()-li.l.R*record.Size) == nil
	}},
	{"footer-zeroed", "v2", restoresBytes, func(t *testing.T, li logInfo) bool {
		p, ok := li.sealedBefore(t)
		if !ok {
			return false
		}
		// Not the first footer record: without it (Offset 552) the footer
		// is no footer any more, detection sees one slot too many and the
		// plan refuses to trust R (a separate, conservative case).
		d := li.decodeV2(t, p)
		for s := len(d.Slots) - 1; s > 0; s-- {
			if sl := d.Slots[s]; sl.Kind == partition.Written && sl.Rec.Length > 0 {
				return patch(t, li.partFile(p), sl.At, make([]byte, record.Size))
			}
		}
		return false
	}},
	{"t1-inline-records-zeroed-in-sealed", "v2", restoresBytes, func(t *testing.T, li logInfo) bool {
		p, ok := li.sealedBefore(t)
		if !ok {
			return false
		}
		for _, s := range li.decodeV2(t, p).Slots {
			if s.Kind == partition.Written {
				patch(t, li.partFile(p), s.Rec.Offset-record.Size, make([]byte, record.Size))
			}
		}
		return true
	}},
	{"t2-chained-from-zero", "v2", restoresBytes, func(t *testing.T, li logInfo) bool {
		return makeT2(t, li)
	}},
	{"legacy-partition-shorter-than-prologue", "legacy", verifiesClean, func(t *testing.T, li logInfo) bool {
		next := li.lastIdx/li.l.R + 1
		if _, err := os.Stat(li.partFile(next)); err == nil {
			return false
		}
		return os.WriteFile(li.partFile(next), nil, 0o644) == nil
	}},
	{"tail-torn", "", verifiesClean, func(t *testing.T, li logInfo) bool {
		return tearTail(t, li)
	}},
}

// patch overwrites bytes of a file at off.
func patch(t *testing.T, path string, off int64, b []byte) bool {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
	return true
}

// tearTail cuts the partition holding LastIndex in the middle of the last
// entry's payload (when that entry has at least 2 payload bytes and is not committed).
func tearTail(t *testing.T, li logInfo) bool {
	if li.lastIdx <= li.commit {
		return false
	}
	var cut int64 = -1
	err := li.l.Entries(li.lastIdx, li.lastIdx, func(e raftlog.Entry) bool {
		if len(e.Payload) == 1 && e.Payload[0].Length >= 2 {
			cut = e.Payload[0].Offset + e.Payload[0].Length/2
		}
		return false
	})
	if err != nil || cut < 0 {
		return false
	}
	return os.Truncate(li.partFile(li.lastIdx/li.l.R), cut) == nil
}

// makeT2 rewrites a sealed Table partition whose first slots are stubs
// (written after a snapshot install) the way 5.4–5.7.2 left it: its entries
// chained from offset 0 over the header, no footer.
func makeT2(t *testing.T, li logInfo) bool {
	p, ok := li.sealedBefore(t)
	if !ok || p == 0 {
		return false
	}
	d := li.decodeV2(t, p)
	if d.Slots[0].Kind == partition.Written {
		return false
	}
	src, err := os.ReadFile(li.partFile(p))
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, s := range d.Slots {
		if s.Kind != partition.Written {
			continue
		}
		rec := s.Rec
		rec.Offset = int64(len(out)) + record.Size
		out = append(out, rec.Bytes()...)
		out = append(out, src[s.Rec.Offset:s.Rec.Offset+s.Rec.Length]...)
	}
	return os.WriteFile(li.partFile(p), out, 0o644) == nil
}

// Every damage kind on every healthy fixture it applies to (not only the
// damaged copies in shared/): the repair either gives back the library's
// bytes or verifies clean with every entry below the damage intact.
func TestRepairDamageKindsOnEveryLog(t *testing.T) {
	applied := map[string]int{}
	for _, f := range logtest.PSFixtures(t) {
		if f.Expect.Verdict != "ok" || f.Manifest.Damage != nil {
			continue
		}
		for _, dm := range damagers {
			t.Run(f.Name+"/"+dm.name, func(t *testing.T) {
				if runDamage(t, f, dm) {
					applied[dm.name]++
				}
			})
		}
	}
	for _, dm := range damagers {
		if applied[dm.name] == 0 {
			t.Errorf("damage %s applied to no fixture", dm.name)
		}
	}
	t.Logf("damaged copies repaired: %v", applied)
}

func runDamage(t *testing.T, f fixtures.Fixture, dm damager) bool {
	dir := fixtures.Copy(t, f.WAL)
	l, err := logdir.Open(dir, logdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	li := logInfo{dir: dir, l: l, lastIdx: l.State.LastIndex, commit: l.State.CommitIndex}
	settings := logdir.Options{Format: l.Format, R: l.R, M: l.M, Force: true}
	if dm.format != "" && dm.format != l.Format {
		l.Close()
		return false
	}
	ok := dm.apply(t, li)
	l.Close()
	if !ok {
		return false
	}
	if !noticed(t, dir, settings) {
		t.Fatalf("the damage went unnoticed by verify")
	}
	o := repair.Options{Log: rebuild.LogOptions{Format: settings.Format, R: settings.R, M: settings.M, Force: true}}
	plan := openPlan(t, dir, o)
	if plan.DamageRemains() {
		t.Fatalf("not repairable: %+v", plan.Items)
	}
	if _, err := repair.Apply(plan, dir, o, logtest.Audited(t)); err != nil {
		t.Fatal(err)
	}
	if verdict, errs := logtest.VerifyAs(t, dir, settings); verdict != "ok" {
		t.Fatalf("verify after repair: %s %+v", verdict, errs)
	}
	switch dm.want {
	case restoresBytes:
		want := fixtures.Files(t, f.WAL)
		for _, st := range plan.Steps {
			if n, err := strconv.ParseInt(st.File, 10, 64); err == nil && l.Format == "v2" {
				want[st.File] = logtest.LeadingStubs(t, want[st.File], n, l.R) // walctl's layout of the leading slots
			}
		}
		if d := logtest.DiffNames(want, fixtures.Files(t, dir)); len(d) > 0 {
			t.Errorf("repair did not restore the library's bytes: %v differ", d)
		}
	case verifiesClean:
		var keep []int64
		for i := plan.Snapshot + 1; i <= min(plan.LastIndex, plan.NewLastIndex); i++ {
			keep = append(keep, i)
		}
		logtest.CheckIntact(t, f, dir, settings, keep)
	}
	return true
}

// noticed: verify reports a warning or an error.
func noticed(t *testing.T, dir string, o logdir.Options) bool {
	v, err := verify.Dir(dir, verify.Options{Options: o})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range v.Findings {
		if f.Severity != raftlog.Info {
			return true
		}
	}
	return false
}
