package convert_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/walctl/walctl/convert"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/legacy"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/format/sparse"
	v2 "github.com/walctl/walctl/format/v2"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/release"
	"github.com/walctl/walctl/txn"
)

// planOf opens dir and plans its conversion, failing the test on an error.
func planOf(t *testing.T, dir string, o convert.Options) *convert.Conversion {
	t.Helper()
	l, err := logdir.Open(dir, o.Log.Open())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := convert.Plan(l, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// convertTo runs a conversion of dir into a new folder and checks what walctl
// convert checks: the output verifies clean and holds the same entries.
func convertTo(t *testing.T, dir string, o convert.Options) (string, *convert.Conversion) {
	t.Helper()
	c := planOf(t, dir, o)
	out := o.Out
	if out == "" {
		out = filepath.Join(t.TempDir(), "out")
		o.Out = out
	}
	if _, err := convert.Apply(c, dir, o, logtest.Audited(t)); err != nil {
		t.Fatal(err)
	}
	outOpts := logdir.Options{Format: c.To, R: c.NewR, M: c.NewM, Force: true}
	if verdict, errs := logtest.VerifyAs(t, out, outOpts); verdict != "ok" {
		t.Fatalf("converted log does not verify: %+v", errs)
	}
	cmp, err := convert.CompareLogs(dir, out, logdir.Options{Format: c.From, R: c.R, M: c.M, Force: true}, outOpts)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.OK() || cmp.Entries == 0 && c.Entries > 0 {
		t.Fatalf("converted entries differ (%d compared): %v", cmp.Entries, cmp.Mismatches)
	}
	return out, c
}

// healthy are the fixtures verify passes.
func healthy(t *testing.T) []fixtures.Fixture {
	var out []fixtures.Fixture
	for _, f := range logtest.PSFixtures(t) {
		if f.Expect.Verdict == "ok" {
			out = append(out, f)
		}
	}
	return out
}

// eachConversion runs fn in a subtest for every healthy fixture and every
// other PersistentState format, with the options that convert it there.
func eachConversion(t *testing.T, prefix string, fn func(t *testing.T, f fixtures.Fixture, o convert.Options)) {
	for _, f := range healthy(t) {
		for _, to := range []format.Format{format.Legacy, format.V2, format.Sparse} {
			if to == f.Manifest.Settings.LogFormat() {
				continue
			}
			o := convert.Options{To: to}
			if to == format.Sparse {
				o.M = maxLength(f)
			}
			t.Run(f.Name+"/"+prefix+string(to), func(t *testing.T) { fn(t, f, o) })
		}
	}
}

func maxLength(f fixtures.Fixture) int64 {
	var m int64 = 1
	for _, a := range f.Manifest.Appended {
		m = max(m, a.Length)
	}
	return m
}

// Round trips legacy→v2→legacy, v2→legacy→v2 (and through sparse) of every
// healthy fixture give back the library's files byte for byte, except what
// the library wrote that is not part of the log: partition files wholly after
// LastIndex (crash leftovers) are not carried over, and a full Table partition
// holding LastIndex that 5.4–5.7.2 left unsealed comes back sealed the way
// 5.7.3+ seals it (its bytes plus the footer, byte 0 = 1).
func TestConvertRoundTrips(t *testing.T) {
	trips := 0
	eachConversion(t, "via-", func(t *testing.T, f fixtures.Fixture, o convert.Options) {
		mid, c := convertTo(t, f.WAL, o)
		// A vote stored in the layout before 4.8.0 goes to the 4.8.0+
		// layout in v2 and sparse (only 5.4.0+ reads them); the way
		// back gives the library's bytes for the writer's release.
		backTo := convert.Options{
			To:  f.Manifest.Settings.LogFormat(),
			M:   c.M,
			Log: rebuild.LogOptions{Format: c.To, R: c.NewR, M: c.NewM},
		}
		if c.Vote != nil && c.Vote.Rewritten {
			backTo.Target = writerOf(f)
		}
		back, _ := convertTo(t, mid, backTo)
		checkRoundTrip(t, f, c, back, "")
		trips++
	})
	t.Logf("%d round trips", trips)
}

// checkRoundTrip compares back with the library's files; skip names a file
// that is known to differ (and why, checked by the caller).
func checkRoundTrip(t *testing.T, f fixtures.Fixture, c *convert.Conversion, back, skip string) {
	want, got := fixtures.Files(t, f.WAL), fixtures.Files(t, back)
	for name, b := range want {
		if name == skip {
			continue
		}
		n, err := strconv.ParseInt(name, 10, 64)
		switch {
		case err == nil && n*c.R > c.LastIndex:
			if _, ok := got[name]; ok {
				t.Errorf("partition %s lies wholly after LastIndex %d but was carried over", name, c.LastIndex)
			}
			continue
		case err == nil && c.From == "v2" && n == c.LastIndex/c.R && isFullUnsealed(t, b, n, c.R, c.LastIndex):
			b = sealedBy573(t, b, n, c.R)
		}
		if err == nil && c.From == "v2" {
			b = logtest.LeadingStubs(t, b, n, c.R)
		}
		if !bytes.Equal(got[name], b) {
			t.Errorf("%s differs after the round trip (%d vs %d bytes)", name, len(got[name]), len(b))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("the round trip made a file %s the library never wrote", name)
		}
	}
}

// writerOf is the release that wrote a fixture (its folder's name).
func writerOf(f fixtures.Fixture) release.Version {
	return release.MustParse(strings.SplitN(f.Name, "/", 2)[0])
}

func isFullUnsealed(t *testing.T, b []byte, n, r, last int64) bool {
	d := v2.Decode(logtest.TableFile(b, n), partition.Geometry{R: r}, last)
	return !d.Sealed && v2.Full(d)
}

// sealedBy573 seals a Table partition in place the way 5.7.3+ does.
func sealedBy573(t *testing.T, b []byte, n, r int64) []byte {
	plan, err := v2.SealFromChain(logtest.TableFile(b, n), partition.Geometry{R: r})
	if err != nil {
		t.Fatal(err)
	}
	out := append(append([]byte{}, b[:plan.FooterAt]...), plan.Footer()...)
	out[0] = 1
	return out
}

// The library wrote the same entries in several formats (same version, same
// R, same appends: the manifests' read-backs agree entry by entry). Converting
// one into the other's format gives the other's files, except the timestamp of
// entries whose wall-clock timestamps differ between the two runs (and, in
// node.state, the snapshot's timestamp and the checksum over it).
func TestConvertMatchesTheLibrarysOtherFormat(t *testing.T) {
	pairs := 0
	hs := healthy(t)
	for _, a := range hs {
		for _, b := range hs {
			if !samePlan(a, b) {
				continue
			}
			pairs++
			t.Run(a.Name+"->"+b.Name, func(t *testing.T) {
				out, c := convertTo(t, a.WAL, convert.Options{To: formatOf(b), M: b.Manifest.Settings.MaxLogEntrySize})
				checkAgainst(t, a, b, c, out)
			})
		}
	}
	if pairs == 0 {
		t.Fatal("no fixtures hold the same entries in different formats")
	}
	t.Logf("%d corresponding pairs", pairs)
}

func formatOf(f fixtures.Fixture) format.Format { return f.Manifest.Settings.LogFormat() }

// samePlan: same library version and R, other format, and the same entries
// (index, term, command id, length, payload) in the read-backs.
func samePlan(a, b fixtures.Fixture) bool {
	sa, sb := a.Manifest.Settings, b.Manifest.Settings
	if a.Name == b.Name || formatOf(a) == formatOf(b) || sa.RecordsPerPartition != sb.RecordsPerPartition ||
		filepath.Dir(a.Name) != filepath.Dir(b.Name) || a.Manifest.Damage != nil || b.Manifest.Damage != nil {
		return false
	}
	ea, eb := a.Manifest.Readback.Entries, b.Manifest.Readback.Entries
	if len(ea) != len(eb) || len(ea) == 0 || a.Manifest.Readback.State != b.Manifest.Readback.State {
		return false
	}
	for i := range ea {
		x, y := ea[i], eb[i]
		if x.Index != y.Index || x.Term != y.Term || !raftlog.SameCommand(x.CommandID, y.CommandID) ||
			x.Length != y.Length ||
			x.SHA256 != y.SHA256 ||
			x.IsSnapshot != y.IsSnapshot {
			return false
		}
	}
	return true
}

// span is a byte range the two runs may legitimately differ in.
type span struct{ from, to int64 }

func checkAgainst(t *testing.T, a, b fixtures.Fixture, c *convert.Conversion, out string) {
	stamps := map[int64]bool{}
	snapStamp := false
	for i, x := range a.Manifest.Readback.Entries {
		y := b.Manifest.Readback.Entries[i]
		if !sameTicks(x.TimestampTick, y.TimestampTick) {
			stamps[x.Index] = true
			snapStamp = snapStamp || x.IsSnapshot
		}
	}
	got, want := fixtures.Files(t, out), fixtures.Files(t, b.WAL)
	for name, wb := range want {
		var allowed []span
		n, err := strconv.ParseInt(name, 10, 64)
		switch {
		case name == "node.state" && snapStamp:
			allowed = []span{{40, 48}, {120, 128}}
		case err == nil && n*c.NewR > c.LastIndex:
			continue // wholly after LastIndex: not carried (see TestConvertRoundTrips)
		case err == nil:
			allowed = timestampSpans(t, wb, n, b, c, stamps)
		}
		gb, ok := got[name]
		if !ok || len(gb) != len(wb) {
			t.Errorf("%s: %d bytes, the library's has %d", name, len(gb), len(wb))
			continue
		}
		for i := range wb {
			if gb[i] != wb[i] && !inside(allowed, int64(i)) {
				t.Errorf("%s differs at byte %d, outside every timestamp that differs between the two runs", name, i)
				break
			}
		}
	}
}

func sameTicks(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func inside(spans []span, i int64) bool {
	for _, s := range spans {
		if s.from <= i && i < s.to {
			return true
		}
	}
	return false
}

// timestampSpans are the Timestamp fields (bytes 8–15 of a record) of the
// entries in stamps, wherever the library keeps that record.
func timestampSpans(
	t *testing.T,
	b []byte,
	n int64,
	f fixtures.Fixture,
	c *convert.Conversion,
	stamps map[int64]bool,
) []span {
	g := partition.Geometry{R: c.NewR, M: f.Manifest.Settings.MaxLogEntrySize}
	pf := logtest.TableFile(b, n)
	var d partition.Decoded
	switch c.To {
	case "legacy":
		d = legacy.Decode(pf, g, c.LastIndex)
	case "sparse":
		d = sparse.Decode(pf, g, c.LastIndex)
	default:
		d = v2.Decode(pf, g, c.LastIndex)
	}
	var out []span
	for _, s := range d.Slots {
		if !stamps[n*c.NewR+s.Slot] || s.Kind != partition.Written {
			continue
		}
		out = append(out, span{s.At + 8, s.At + 16})
		if c.To == "v2" {
			inline := s.Rec.Offset - record.Size
			out = append(out, span{inline + 8, inline + 16})
		}
	}
	return out
}

// A new R renumbers the partitions; going back to the old R gives the
// library's files again.
func TestConvertRenumbers(t *testing.T) {
	for _, f := range healthy(t) {
		if f.Manifest.Damage != nil {
			continue
		}
		rs := []int64{2, 3, 7}
		if testing.Short() {
			rs = rs[1:2]
		}
		for _, r := range rs {
			t.Run(fmt.Sprintf("%s/R=%d", f.Name, r), func(t *testing.T) {
				format := formatOf(f)
				mid, c := convertTo(t, f.WAL, convert.Options{To: format, R: r})
				if c.NewR != r {
					t.Fatalf("output R %d", c.NewR)
				}
				for _, p := range c.Partitions {
					if p.Number != p.Keeps.From/r || p.Keeps.To/r != p.Number {
						t.Errorf("partition %d holds %s with R = %d", p.Number, p.Keeps, r)
					}
				}
				back, cb := convertTo(
					t,
					mid,
					convert.Options{To: format, R: c.R, Log: rebuild.LogOptions{Format: c.To, R: r, M: c.NewM}},
				)
				// Slots at or below the snapshot index that the library left in
				// its first partition (≤ 5.7.2 compaction) are carried only
				// while the layout still has a place for them: a detour through
				// an R whose first partition starts after them loses them.
				skip := ""
				if cb.Stale < staleOf(t, f) {
					skip = cb.Partitions[0].File
					t.Logf(
						"partition %s lost %d stale slot(s) at or below snapshot %d through R = %d",
						skip,
						staleOf(t, f)-cb.Stale,
						cb.Snapshot,
						r,
					)
				}
				checkRoundTrip(t, f, c, back, skip)
			})
		}
	}
}

// staleOf is the number of stale slots a same-R conversion keeps.
func staleOf(t *testing.T, f fixtures.Fixture) int64 {
	l := logtest.Open(t, f.WAL)
	defer l.Close()
	c, err := convert.Plan(l, convert.Options{To: formatOf(f)})
	if err != nil {
		t.Fatal(err)
	}
	return c.Stale
}

// A damaged input converts when every live entry is intact (layout damage
// such as an unsealed partition, a torn seal or #244 T2 is left behind);
// otherwise the conversion is refused before anything is written.
func TestConvertDamagedInputs(t *testing.T) {
	for _, f := range logtest.PSFixtures(t) {
		if f.Expect.Verdict != "damaged" {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			l, err := logdir.Open(f.WAL, logtest.SettingsFor(t, f).Open())
			if err != nil {
				t.Fatal(err)
			}
			c, err := convert.Plan(l, convert.Options{To: format.Legacy, InPlace: false})
			l.Close()
			intact := allLiveIntact(t, f)
			var ie *convert.InputError
			switch {
			case intact && err != nil:
				t.Fatalf("every live entry is intact, but: %v", err)
			case !intact && !errors.As(err, &ie):
				t.Fatalf("damaged entries or node.state, but the conversion was not refused (err %v)", err)
			case !intact:
				return
			}
			out := filepath.Join(t.TempDir(), "out")
			if _, err := convert.Apply(c, f.WAL, convert.Options{To: format.Legacy, Out: out, Log: logtest.SettingsFor(t, f)}, logtest.Audited(t)); err != nil {
				t.Fatal(err)
			}
			opts := logdir.Options{Format: format.Legacy, R: c.NewR, Force: true}
			if verdict, errs := logtest.VerifyAs(t, out, opts); verdict != "ok" {
				t.Fatalf("output: %+v", errs)
			}
			logtest.CheckIntact(t, f, out, opts, liveIndexes(c))
		})
	}
}

func liveIndexes(c *convert.Conversion) []int64 {
	var out []int64
	for i := c.Snapshot + 1; i <= c.LastIndex; i++ {
		out = append(out, i)
	}
	return out
}

// allLiveIntact: node.state is sound and every entry between the snapshot
// and LastIndex is an intact record with its whole payload.
func allLiveIntact(t *testing.T, f fixtures.Fixture) bool {
	l, err := logdir.Open(f.WAL, logtest.SettingsFor(t, f).Open())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, fd := range l.Findings {
		switch fd.Code {
		case "node-state-size", "node-state-checksum", "node-state-missing", "snapshot-short", "geometry-conflict":
			return false
		}
	}
	ok, n := true, int64(0)
	err = l.Entries(l.First, l.Last, func(e raftlog.Entry) bool {
		ok = ok && (e.IsSnapshot || e.State == raftlog.EntryOK)
		if !e.IsSnapshot {
			n++
		}
		return ok
	})
	var snap int64
	if l.Snapshot != nil {
		snap = l.Snapshot.Index
	}
	return err == nil && ok && n == l.State.LastIndex-snap && l.State.CommitIndex <= l.State.LastIndex
}

// In place: the directory itself is converted (after a backup equal to the
// input), and converting it back gives the library's files again.
func TestConvertInPlace(t *testing.T) {
	for _, name := range []string{"5.26.2/table-basic", "5.26.2/legacy-snapshot", "5.26.2/sparse-basic"} {
		t.Run(name, func(t *testing.T) {
			f := fixtures.Load(t, filepath.Join(fixtures.Root(), name))
			dir := fixtures.Copy(t, f.WAL)
			orig := logtest.TreeHash(t, dir)
			to := format.Legacy
			if formatOf(f) == format.Legacy {
				to = format.V2
			}
			res := convertInPlace(t, dir, convert.Options{To: to, Backup: filepath.Join(t.TempDir(), "b1")})
			if logtest.TreeHash(t, res.Backup) != orig {
				t.Errorf("backup differs from the input")
			}
			convertInPlace(t, dir, convert.Options{To: formatOf(f), M: f.Manifest.Settings.MaxLogEntrySize,
				Log: rebuild.LogOptions{
					Format: to,
					R:      f.Manifest.Settings.RecordsPerPartition,
				}, Backup: filepath.Join(t.TempDir(), "b2")})
			if d := logtest.DiffNames(fixtures.Files(t, f.WAL), fixtures.Files(t, dir)); len(d) > 0 {
				t.Errorf("in-place round trip differs in %v", d)
			}
		})
	}
}

func convertInPlace(t *testing.T, dir string, o convert.Options) *convert.Result {
	t.Helper()
	o.InPlace = true
	l, err := logdir.Open(dir, o.Log.Open())
	if err != nil {
		t.Fatal(err)
	}
	c, err := convert.Plan(l, o)
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	res, err := convert.Apply(c, dir, o, logtest.Audited(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, txn.WorkName)); err == nil {
		t.Errorf("journal or stage left behind")
	}
	return res
}
