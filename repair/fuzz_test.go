package repair_test

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/repair"
)

// fuzzBases are the healthy logs the fuzzer damages (one per layout).
var fuzzBases = []string{
	"5.26.2/table-basic",
	"5.26.2/legacy-basic",
	"5.26.2/sparse-basic",
	"5.26.2/table-snapshot-install",
	"5.7.1/table-basic",
}

// targets lists the files of a log the fuzzer may replace, sorted.
func targets(t testing.TB, dir string) []string {
	var names []string
	for n := range fixtures.Files(t, dir) {
		if n != "snapshot" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// FuzzRepair replaces one file of a healthy log with arbitrary bytes and
// repairs it. Properties: no panic; the plan is deterministic; applying it
// converges (planning again finds nothing to do); and when the plan claims
// to fix everything, verify agrees.
func FuzzRepair(f *testing.F) {
	for i, base := range fuzzBases {
		dir := filepath.Join(fixtures.Root(), base, "wal")
		for j, name := range targets(f, dir) {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(uint8(i), uint8(j), b)
			if len(b) > 8 {
				f.Add(uint8(i), uint8(j), b[:len(b)/2])
				flipped := append([]byte{}, b...)
				flipped[len(b)/3] ^= 0x40
				f.Add(uint8(i), uint8(j), flipped)
			}
		}
	}
	f.Fuzz(func(t *testing.T, base, target uint8, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		src := filepath.Join(fixtures.Root(), fuzzBases[int(base)%len(fuzzBases)], "wal")
		dir := fixtures.Copy(t, src)
		names := targets(t, dir)
		if err := os.WriteFile(filepath.Join(dir, names[int(target)%len(names)]), data, 0o644); err != nil {
			t.Fatal(err)
		}
		fuzzOne(t, dir)
	})
}

func fuzzOne(t *testing.T, dir string) {
	l, err := logdir.Open(dir, logdir.Options{})
	if err != nil {
		return // detection refused: nothing to repair with confidence
	}
	o := repair.Options{Log: rebuild.LogOptions{Format: l.Format, R: l.R, M: l.M, Force: true}}
	p1, err1 := repair.MakePlan(l, o)
	p2, err2 := repair.MakePlan(l, o)
	l.Close()
	if (err1 == nil) != (err2 == nil) {
		t.Fatalf("planning is not deterministic: %v / %v", err1, err2)
	}
	if err1 != nil {
		return
	}
	if !sameStepList(p1, p2) {
		t.Fatalf("planning is not deterministic:\n%+v\n%+v", p1.Steps, p2.Steps)
	}
	if _, err := repair.Apply(p1, dir, o, logtest.Audited(t)); err != nil {
		t.Fatalf("apply: %v", err)
	}
	again := openPlan(t, dir, o)
	if !again.Nothing() {
		t.Fatalf("the repair does not converge: after applying\n%+v\nthe plan is\n%+v", p1.Steps, again.Steps)
	}
	if !p1.DamageRemains() {
		if verdict, errs := logtest.VerifyAs(t, dir, o.Log.Open()); verdict != "ok" {
			t.Fatalf("the plan claimed to fix everything, verify says %s: %+v\nplan %+v", verdict, errs, p1.Items)
		}
	}
}

func sameStepList(a, b *repair.Plan) bool {
	if len(a.Steps) != len(b.Steps) {
		return false
	}
	for i := range a.Steps {
		if a.Steps[i].Kind != b.Steps[i].Kind || a.Steps[i].File != b.Steps[i].File ||
			a.Steps[i].What != b.Steps[i].What {
			return false
		}
	}
	return true
}
