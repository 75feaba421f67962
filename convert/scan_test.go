package convert_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/walctl/walctl/convert"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// Plan with the scan gathered while the input was opened (Options.Scanned,
// logdir.OpenChecked's each) plans what Plan scanning the input on its own
// plans — the same conversion, or the same refusal — for every
// PersistentState fixture, damaged ones included, and every other format;
// the scan is taken for the healthy ones and left for some damaged one.
func TestPlanWithScanIsPlan(t *testing.T) {
	taken, left := 0, 0
	for _, f := range logtest.PSFixtures(t) {
		for _, to := range []format.Format{format.Legacy, format.V2, format.Sparse} {
			t.Run(f.Name+"/"+string(to), func(t *testing.T) {
				o := convert.Options{To: to, Out: "out"}
				if to == format.Sparse {
					o.M = maxLength(f)
				}
				l, err := logdir.Open(f.WAL, o.Log.Open())
				if err != nil {
					t.Skip(err)
				}
				want, wantErr := convert.Plan(l, o)
				l.Close()
				scan := convert.NewInputScan()
				l, _, _, err = logdir.OpenChecked(f.WAL, o.Log.Open(), nil, scan.Each)
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				o.Scanned = scan
				got, gotErr := convert.Plan(l, o)
				if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
					t.Fatalf("with the scan: %v; without: %v", gotErr, wantErr)
				}
				st := l.State
				if st != nil && convert.ScanCovers(scan, snapshotOf(l)+1, st.LastIndex) {
					taken++
				} else {
					left++
				}
				if wantErr != nil {
					return
				}
				if a, b := planJSON(t, got), planJSON(t, want); a != b || got.Entries != want.Entries {
					t.Fatalf("with the scan:\n%s\nwithout:\n%s", a, b)
				}
			})
		}
	}
	if taken == 0 || left == 0 {
		t.Fatalf("the scan was taken %d times and left %d times: both must happen", taken, left)
	}
}

func planJSON(t *testing.T, c *convert.Conversion) string {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// An InputScan covers a range only when it saw each of its indexes once,
// in order, intact, and nothing else.
func TestInputScanCovers(t *testing.T) {
	ok := func(i int64) raftlog.Entry { return raftlog.Entry{Index: i, State: raftlog.EntryOK, Length: i} }
	for _, c := range []struct {
		name     string
		entries  []raftlog.Entry
		from, to int64
		want     bool
	}{
		{"all", []raftlog.Entry{ok(3), ok(4), ok(5)}, 3, 5, true},
		{"snapshot skipped", []raftlog.Entry{{Index: 2, IsSnapshot: true}, ok(3), ok(4)}, 3, 4, true},
		{"none, nothing live", nil, 5, 4, true},
		{"entries, nothing live", []raftlog.Entry{ok(5)}, 5, 4, false},
		{"gap", []raftlog.Entry{ok(3), ok(5)}, 3, 5, false},
		{"damaged", []raftlog.Entry{ok(3), {Index: 4, State: raftlog.EntryDamaged}, ok(5)}, 3, 5, false},
		{"empty slot", []raftlog.Entry{ok(3), {Index: 4, State: raftlog.EntryEmpty}}, 3, 4, false},
		{"starts late", []raftlog.Entry{ok(4), ok(5)}, 3, 5, false},
		{"ends early", []raftlog.Entry{ok(3), ok(4)}, 3, 5, false},
		{"goes on", []raftlog.Entry{ok(3), ok(4), ok(5)}, 3, 4, false},
		{"goes on damaged", []raftlog.Entry{ok(3), ok(4), {Index: 5, State: raftlog.EntryDamaged}}, 3, 4, false},
		{"repeated", []raftlog.Entry{ok(3), ok(3), ok(4)}, 3, 4, false},
	} {
		s := convert.NewInputScan()
		for _, e := range c.entries {
			s.Each(e)
		}
		if got := convert.ScanCovers(s, c.from, c.to); got != c.want {
			t.Errorf("%s: covers %v, want %v", c.name, got, c.want)
		}
	}
	if convert.ScanCovers(nil, 1, 2) {
		t.Error("a nil scan covers")
	}
}

func snapshotOf(l *logdir.Log) int64 {
	if l.Snapshot != nil {
		return l.Snapshot.Index
	}
	return 0
}
