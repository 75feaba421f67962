package logdir

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/raftlog"
)

// checkBoth opens dir both ways: Open then Check, and OpenChecked, which
// replays during the scan; it reports whether OpenChecked kept its fused
// replay. Both must give the same summary, findings and entries.
func checkBoth(t *testing.T, name, dir string, o Options) (fused, opened bool) {
	t.Helper()
	l, err := Open(dir, o)
	var unsure *ErrUnsure
	if errors.As(err, &unsure) && !o.Force {
		o.Force = true
		if l, err = Open(dir, o); err != nil {
			return false, false
		}
	}
	if err != nil {
		if _, _, _, err2 := OpenChecked(dir, o, nil, nil); err2 == nil || err2.Error() != err.Error() {
			t.Errorf("%s: Open fails (%v), OpenChecked gives %v", name, err, err2)
		}
		return false, false
	}
	var want []raftlog.Entry
	sum, fs, err := l.Check(func(e raftlog.Entry) { want = append(want, e) })
	l.Close()
	if err != nil {
		t.Fatalf("%s: Check: %v", name, err)
	}
	var got []raftlog.Entry
	begun := 0
	var first, last int64
	lc, sumC, fsC, err := OpenChecked(dir, o, func(f, l int64) { begun++; first, last = f, l },
		func(e raftlog.Entry) { got = append(got, e) })
	if err != nil {
		t.Fatalf("%s: OpenChecked: %v", name, err)
	}
	defer lc.Close()
	fr := &fusedReplay{}
	if lf, err := open(dir, o, fr); err == nil {
		fused = fr.ok
		lf.Close()
	}
	switch {
	case !reflect.DeepEqual(sum, sumC):
		t.Errorf("%s (fused %v): summary %+v, Open then Check %+v", name, fused, sumC, sum)
	case !reflect.DeepEqual(fs, fsC):
		t.Errorf("%s (fused %v): findings %v, Open then Check %v", name, fused, fsC, fs)
	case fused && !reflect.DeepEqual(got, want), len(got) != len(want):
		t.Errorf("%s (fused %v): %d entries seen, Check saw %d", name, fused, len(got), len(want))
	case begun != 1 || first != lc.First || last != lc.Last:
		t.Errorf("%s (fused %v): begin called %d times with %d–%d, the log holds %d–%d", name, fused, begun,
			first, last, lc.First, lc.Last)
	}
	return fused, true
}

// TestOpenCheckedIsOpenThenCheck: on every fixture, and on copies whose
// node.state is zeroed or gone (the scan then changes the replay's bounds,
// and OpenChecked must replay again), OpenChecked gives exactly what Open
// followed by Check gives.
func TestOpenCheckedIsOpenThenCheck(t *testing.T) {
	var fusedN, againN int
	count := func(fused, opened bool) {
		switch {
		case fused:
			fusedN++
		case opened:
			againN++
		}
	}
	for _, tool := range []string{"fixturegen-ps", "fixturegen-wal"} {
		for _, f := range fixtures.All(t, tool) {
			count(checkBoth(t, f.Name, f.WAL, Options{}))
			if tool != "fixturegen-ps" {
				continue
			}
			for _, v := range stateVariants(t, f.WAL) {
				count(checkBoth(t, f.Name+v.name, v.dir, Options{}))
			}
		}
	}
	if fusedN == 0 || againN == 0 {
		t.Fatalf("%d logs replayed in the scan, %d replayed again: both paths must be tested", fusedN, againN)
	}
	t.Logf("%d logs replayed in the scan, %d replayed again", fusedN, againN)
}

// stateVariant is a copy of a log whose node.state was changed.
type stateVariant struct{ name, dir string }

// stateVariants are two copies of dir, one with node.state zeroed and one
// without it (none when dir has no node.state): the scan then changes the
// replay's bounds.
func stateVariants(t *testing.T, dir string) []stateVariant {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, nodestate.FileName)); err != nil {
		return nil
	}
	zeroed := fixtures.Copy(t, dir)
	if err := os.WriteFile(filepath.Join(zeroed, nodestate.FileName), make([]byte, nodestate.Size), 0o600); err != nil {
		t.Fatal(err)
	}
	gone := fixtures.Copy(t, dir)
	if err := os.Remove(filepath.Join(gone, nodestate.FileName)); err != nil {
		t.Fatal(err)
	}
	return []stateVariant{{" (node.state zeroed)", zeroed}, {" (no node.state)", gone}}
}
