package logdir

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/walctl/walctl/detect"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/gen"
	"github.com/walctl/walctl/raftlog"
)

// openTwoPass is open without onePass: detection probes every file, then
// the scan decodes every file again.
func openTwoPass(dir string, o Options, fr *fusedReplay) (*Log, error) {
	det, err := detect.Directory(dir, o.overrides())
	if err != nil {
		return nil, err
	}
	if err := notALog(dir, det.Listing); err != nil {
		return nil, err
	}
	return admit(dir, det, o, fr)
}

// maxCompared bounds the entries checkOnePass compares one by one.
const maxCompared = 1 << 14

// checkOnePass opens dir with open (one pass where it can) and with
// openTwoPass, plain and with the fused replay, and requires the same log:
// detection, partitions, findings, bounds, and what Check and the fused
// replay say and yield. It returns how open read the files.
func checkOnePass(t *testing.T, name, dir string, o Options) onePassOutcome {
	t.Helper()
	one, err1 := open(dir, o, nil)
	two, err2 := openTwoPass(dir, o, nil)
	if err1 != nil || err2 != nil {
		if err1 == nil || err2 == nil || err1.Error() != err2.Error() {
			t.Errorf("%s %+v: one pass: %v, two passes: %v", name, o, err1, err2)
		}
		if one != nil {
			one.Close()
		}
		if two != nil {
			two.Close()
		}
		return -1
	}
	defer one.Close()
	defer two.Close()
	same := func(what string, a, b any) {
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s %+v (pass %d): %s differ:\none pass:   %+v\ntwo passes: %+v", name, o, one.pass, what, a, b)
		}
	}
	same("detection", one.Detection, two.Detection)
	same("format, R, M", []any{one.Format, one.R, one.M}, []any{two.Format, two.R, two.M})
	same("node state", one.State, two.State)
	same("partitions", one.Partitions, two.Partitions)
	same("findings", one.Findings, two.Findings)
	same("bounds", []int64{one.First, one.Last}, []int64{two.First, two.Last})
	if one.Last-one.First > maxCompared {
		return one.pass // a node.state far ahead of the files: millions of missing entries
	}
	check := func(l *Log) ([]raftlog.Entry, raftlog.Summary, raftlog.Findings) {
		var es []raftlog.Entry
		sum, fs, err := l.Check(func(e raftlog.Entry) { es = append(es, e) })
		if err != nil {
			t.Fatalf("%s: Check: %v", name, err)
		}
		return es, sum, fs
	}
	e1, s1, f1 := check(one)
	e2, s2, f2 := check(two)
	same("entries", e1, e2)
	same("summary", s1, s2)
	same("check findings", f1, f2)
	// The fused replay (OpenChecked's): a dropped guess restarts it.
	fr1, fr2 := &fusedReplay{}, &fusedReplay{}
	if l, err := open(dir, o, fr1); err == nil {
		l.Close()
	}
	if l, err := openTwoPass(dir, o, fr2); err == nil {
		l.Close()
	}
	if fr1.ok != fr2.ok || fr1.seen != fr2.seen {
		t.Errorf("%s %+v: fused replay kept %v after %d entries, two passes %v after %d", name, o, fr1.ok, fr1.seen,
			fr2.ok, fr2.seen)
	} else if fr1.ok {
		a, fa := fr1.rp.Finish()
		b, fb := fr2.rp.Finish()
		same("fused summary", a, b)
		same("fused findings", fa, fb)
	}
	return one.pass
}

// TestOnePassIsTwoPass: on every PersistentState fixture, on copies whose
// node.state is zeroed or gone, with the user's settings right and wrong,
// and on logs whose first partition misleads the guess, opening with one
// read of each partition file gives exactly what detection followed by a
// scan gives; each of the three outcomes is exercised.
func TestOnePassIsTwoPass(t *testing.T) {
	seen := map[onePassOutcome]int{}
	run := func(name, dir string, o Options) { seen[checkOnePass(t, name, dir, o)]++ }
	for _, f := range fixtures.All(t, "fixturegen-ps") {
		run(f.Name, f.WAL, Options{})
		run(f.Name, f.WAL, Options{Force: true})
		run(f.Name, f.WAL, Options{R: 3})
		run(f.Name, f.WAL, Options{Format: format.Legacy, R: 4})
		run(f.Name, f.WAL, Options{Format: format.V2})
		for _, v := range stateVariants(t, f.WAL) {
			run(f.Name+v.name, v.dir, Options{})
		}
	}
	// A Table log whose partition 0 is a legacy one: the guess (legacy) is
	// outvoted by the other files, and the scan is dropped.
	table, legacy := t.TempDir(), t.TempDir()
	for _, g := range []struct {
		dir string
		fm  format.Format
	}{{table, format.V2}, {legacy, format.Legacy}} {
		s := gen.Spec{Config: ps.Config{Format: g.fm, R: 4}, Entries: 22, SizeMin: 1, SizeMax: 30, Seed: 7}
		if _, err := gen.Generate(g.dir, s); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(legacy, "0"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(table, "0"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	run("table log with a legacy partition 0", table, Options{})
	run("table log with a legacy partition 0", table, Options{R: 4})
	checkRestart(t, table)
	checkVanished(t, fixtures.Copy(t, table))
	if seen[pass1] == 0 || seen[passNoGuess] == 0 || seen[passDropped] == 0 {
		t.Fatalf("outcomes %v: one pass, no guess and a dropped guess must all be tested", seen)
	}
	t.Logf("outcomes (-1 an error, 0 one pass, 1 no guess, 2 dropped): %v", seen)
}

// checkRestart: OpenChecked on a log whose one-pass guess is dropped tells
// begin again, and each then sees every entry Check yields, from the first.
func checkRestart(t *testing.T, dir string) {
	t.Helper()
	var got []raftlog.Entry
	begun := 0
	l, sum, fs, err := OpenChecked(dir, Options{}, func(_, _ int64) { begun++; got = got[:0] },
		func(e raftlog.Entry) { got = append(got, e) })
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.pass != passDropped || begun != 2 {
		t.Fatalf("pass %d, begin told %d times: want the dropped guess's restart", l.pass, begun)
	}
	two, err := openTwoPass(dir, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer two.Close()
	var want []raftlog.Entry
	wantSum, wantFs, err := two.Check(func(e raftlog.Entry) { want = append(want, e) })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(sum, wantSum) || !reflect.DeepEqual(fs, wantFs) {
		t.Fatalf("after the restart: %d entries, %+v, %v; Check: %d entries, %+v, %v", len(got), sum, fs,
			len(want), wantSum, wantFs)
	}
}

// checkVanished: a file that cannot be read during the one-pass scan (here
// one removed after the listing) makes onePass detect the directory again
// from scratch, so that open then gives what a plain open of the directory
// as it now is gives.
func checkVanished(t *testing.T, dir string) {
	t.Helper()
	det, err := detect.Begin(dir, detect.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "2")); err != nil {
		t.Fatal(err)
	}
	l, pass, err := onePass(dir, det, Options{}, nil)
	if l != nil || err != nil || pass != passDropped {
		t.Fatalf("onePass with a vanished file: %v, pass %d, %v", l, pass, err)
	}
	fresh, err := detect.Directory(dir, detect.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(det, fresh) {
		t.Fatalf("onePass left the detection\n%+v\nnot the directory's\n%+v", det, fresh)
	}
	checkOnePass(t, "a partition file vanished", dir, Options{})
}
