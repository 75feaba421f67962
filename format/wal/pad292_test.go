package wal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/internal/fixtures"
)

// Every library-written log: the entries with #292 padding are exactly the
// committed ones the library read back otherwise than they were appended,
// their evidence holds, and the payload after the padding is the appended
// one. No other log (6.12.0, 5.x, PersistentState-free 6.4.0 ones) has a
// padded entry, proven or not.
func TestPadding292Fixtures(t *testing.T) {
	padded := 0
	for _, fx := range walFixtures(t) {
		if fx.Manifest.Damage != nil {
			continue // byte-level damage of a healthy copy: not the library's doing
		}
		t.Run(fx.Name, func(t *testing.T) {
			l := openT(t, fx.WAL, Options{})
			appended := map[int64][2]any{}
			for _, a := range fx.Manifest.Appended {
				appended[a.Index] = [2]any{a.Length, a.SHA256}
			}
			var got []int64
			for _, e := range collect(l) {
				p := e.Padding292
				if p == nil {
					continue
				}
				got = append(got, e.Index)
				if !p.Proven || p.Missing != "" {
					t.Errorf("entry %d: evidence does not hold: %s", e.Index, p.Missing)
				}
				h := sha256.New()
				if err := l.dr.copySpans(p.TruePayload, h); err != nil {
					t.Fatal(err)
				}
				if w := appended[e.Index]; w != [2]any{p.TrueLength, hex.EncodeToString(h.Sum(nil))} {
					t.Errorf("entry %d: true payload %d bytes, appended %v", e.Index, p.TrueLength, w)
				}
				if p.Boundary%l.Params.ChunkSize != 0 || p.Bytes+p.TrueLength != e.Length ||
					p.TrueOffset != p.Boundary {
					t.Errorf("entry %d: padding %+v of a %d-byte entry", e.Index, *p, e.Length)
				}
			}
			padded += len(got)
			if want := padded292(fx.Manifest); !reflect.DeepEqual(got, want) {
				t.Errorf("padded entries %v, the library read back other payloads at %v", got, want)
			}
			for _, f := range l.Check() {
				if strings.HasPrefix(string(f.Code), string(finding.Padding292)) && len(got) == 0 {
					t.Errorf("%s finding on a log without padding: %s", f.Code, f.Message)
				}
			}
		})
	}
	if padded < 4 {
		t.Errorf("only %d padded entries in the fixtures", padded)
	}
}

// paddedLog writes a log whose entry 3 lies as #292 leaves it: entries 1–2
// end `skip` bytes before the chunk boundary 4096, entry 3's record covers
// those zero bytes and then its `n` appended bytes; entry 4 follows.
func paddedLog(t *testing.T, p Params, skip, n int) (dir string, appended []byte) {
	t.Helper()
	rng := rand.New(rand.NewSource(int64(skip*7919 + n)))
	fill := func(k int) []byte {
		b := make([]byte, k)
		rng.Read(b)
		b[0] = '#' // never zero: a payload head is not padding
		return b
	}
	appended = fill(n)
	es := []NewEntry{
		BytesEntry(1, fill(4096-skip-100)),
		BytesEntry(1, fill(100)),
		BytesEntry(2, append(make([]byte, skip), appended...)),
		BytesEntry(2, fill(50)),
	}
	for k := range es {
		es[k].Ticks = 638712864010000000 + int64(k)*10_000_000
	}
	dir = filepath.Join(t.TempDir(), "wal")
	if err := Create(dir, p, votedState(t, 2), 4, seq(es)); err != nil {
		t.Fatal(err)
	}
	return dir, appended
}

// The writer evidence: a 12-byte checkpoint or 5.x slots prove a padding
// writer; a 20-byte checkpoint (6.8.0+) or none leaves the entry a warning
// that names what is missing, and offers no correction.
func TestPadding292Evidence(t *testing.T) {
	cases := []struct {
		name    string
		p       Params
		proven  bool
		missing string
	}{
		{"6.0-6.7 checkpoint", Params{CheckpointForm: CheckpointV0}, true, ""},
		{"6.0-6.7 checkpoint, crc64", Params{CheckpointForm: CheckpointV0, Hash: HashCrc64}, true, ""},
		{"6.0-6.7 checkpoint, legacy layout, xxhash32",
			Params{CheckpointForm: CheckpointV0, Layout: Layout5, Hash: HashXxHash32}, true, ""},
		{"5.x", Params{Layout: Layout5, Timestamps: TicksUTC, CheckpointForm: Checkpoint5x}, true, ""},
		{"6.8+ checkpoint", Params{CheckpointForm: CheckpointV1}, false, "20-byte"},
		{"6.8+ checkpoint, crc32", Params{CheckpointForm: CheckpointV1, Hash: HashCrc32}, false, "20-byte"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, appended := paddedLog(t, c.p, 700, 1500)
			l := openT(t, dir, Options{})
			e := l.Entry(3)
			p := e.Padding292
			if p == nil || p.Bytes != 700 || p.Boundary != 4096 || p.TrueLength != 1500 || p.Proven != c.proven ||
				!strings.Contains(p.Missing, c.missing) {
				t.Fatalf("padding %+v", p)
			}
			var codes []string
			for _, f := range l.Check() {
				if strings.HasPrefix(string(f.Code), string(finding.Padding292)) {
					codes = append(codes, string(f.Severity)+" "+string(f.Code))
					if f.Index != 3 || f.Fix == "" {
						t.Errorf("finding %+v", f)
					}
					if !c.proven && !strings.Contains(f.Message, c.missing) {
						t.Errorf("the warning does not say what is missing: %s", f.Message)
					}
				}
			}
			want := []string{"warning " + string(finding.Padding292Unproven)}
			if c.proven {
				want = []string{"error " + string(finding.Padding292)}
			}
			if !reflect.DeepEqual(codes, want) {
				t.Errorf("findings %v, want %v", codes, want)
			}
			n := 0
			if err := l.Corrections292(0, -1, func(Correction292) bool { n++; return true }); err != nil {
				t.Fatal(err)
			}
			if n != map[bool]int{true: 1, false: 0}[c.proven] {
				t.Errorf("%d corrections", n)
			}
			if c.proven {
				checkCorrected(t, dir, c.p, appended)
			}
		})
	}
}

// checkCorrected applies the corrections to dir's files and reopens it:
// entry 3 reads as appended (hash verified), the log verifies clean, and
// no byte changed outside the corrected slot.
func checkCorrected(t *testing.T, dir string, p Params, appended []byte) {
	t.Helper()
	before := fixtures.Files(t, dir)
	l := openT(t, dir, Options{})
	var cs []Correction292
	if err := l.Corrections292(0, -1, func(c Correction292) bool { cs = append(cs, c); return true }); err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Index != 3 || cs[0].NewOffset != 4096 || cs[0].NewLength != int64(len(appended)) ||
		cs[0].OldOffset+cs[0].OldLength != cs[0].NewOffset+cs[0].NewLength || len(cs[0].Old) != len(cs[0].New) {
		t.Fatalf("corrections %+v", cs)
	}
	c := cs[0]
	page := append([]byte(nil), before[c.File]...)
	if !bytes.Equal(page[c.SlotOffset:c.SlotOffset+int64(len(c.Old))], c.Old) {
		t.Fatalf("Old is not what %s holds at %d", c.File, c.SlotOffset)
	}
	copy(page[c.SlotOffset:], c.New)
	if err := os.WriteFile(filepath.Join(dir, c.File), page, 0o644); err != nil {
		t.Fatal(err)
	}
	l2 := openT(t, dir, Options{})
	e := l2.Entry(3)
	var buf bytes.Buffer
	if err := l2.ReadPayload(e, &buf); err != nil || !bytes.Equal(buf.Bytes(), appended) || e.Padding292 != nil {
		t.Errorf("entry 3 after the correction: %d bytes, padding %+v (%v)", buf.Len(), e.Padding292, err)
	}
	if (p.Hash != HashNone) != (e.HashOK != nil && *e.HashOK) {
		t.Errorf("hash after the correction: %v", e.HashOK)
	}
	if fs := l2.Check(); fs.HasErrors() {
		t.Errorf("errors after the correction: %v", errorsOf(fs))
	}
	after := fixtures.Files(t, dir)
	for name, b := range before {
		a := after[name]
		if name == c.File {
			a = append([]byte(nil), a...)
			copy(a[c.SlotOffset:], c.Old)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s changed outside the corrected slot", name)
		}
	}
}

// Each part of the evidence is needed: the skip happens only when the
// entry does not fit in the rest of the chunk and fits in one chunk, and
// the skipped bytes are zero.
func TestPadding292Geometry(t *testing.T) {
	l := &Log{Params: Params{ChunkSize: 4096}}
	cases := []struct {
		offset, length int64
		ok             bool
	}{
		{3396, 2200, true},  // 700 skipped, 1500 appended
		{4095, 4097, true},  // 1 skipped, a whole chunk appended
		{4095, 4098, false}, // more than a chunk: written without a skip
		{3396, 1400, false}, // 700 + 700: it would have fitted
		{3396, 1399, false}, // 700 + 699
		{3396, 700, false},  // does not cross the boundary
		{4096, 2000, false}, // starts at a boundary
		{0, 5000, false},    // address 0
		{3396, 0, false},    // empty
		{-4, 100, false},    // hostile
		{8192 + 10, 4086 + 4090, true},
	}
	for _, c := range cases {
		if _, _, ok := l.padGeometry(c.offset, c.length); ok != c.ok {
			t.Errorf("padGeometry(%d, %d) = %v", c.offset, c.length, ok)
		}
	}
	for _, c := range []struct {
		name      string
		skip, n   int
		corrupt   bool
		wantFound bool
	}{
		{"padded", 700, 1500, false, true},
		{"fits in the rest", 700, 700, false, false},
		{"longer than a chunk", 700, 4097, false, false},
		{"a skipped byte not zero", 700, 1500, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, _ := paddedLog(t, Params{CheckpointForm: CheckpointV0}, c.skip, c.n)
			if c.corrupt {
				path := filepath.Join(dir, "data", "0")
				b, _ := os.ReadFile(path)
				b[4096-c.skip+300] = 1
				os.WriteFile(path, b, 0o644)
			}
			l := openT(t, dir, Options{})
			if found := l.Entry(3).Padding292 != nil; found != c.wantFound {
				t.Errorf("padding found %v", found)
			}
			for _, f := range l.Check() {
				if strings.HasPrefix(string(f.Code), string(finding.Padding292)) != c.wantFound &&
					strings.HasPrefix(string(f.Code), string("padding")) {
					t.Errorf("finding %s %s", f.Code, f.Message)
				}
			}
		})
	}
}

// The corrections of the library-written fixtures, applied to copies: every
// committed entry then reads as appended.
func TestCorrections292Fixtures(t *testing.T) {
	for _, fx := range walFixtures(t) {
		if len(padded292(fx.Manifest)) == 0 || fx.Manifest.Damage != nil {
			continue
		}
		t.Run(fx.Name, func(t *testing.T) {
			dir := fixtures.Copy(t, fx.WAL)
			l := openT(t, dir, Options{})
			var cs []Correction292
			if err := l.Corrections292(0, -1, func(c Correction292) bool { cs = append(cs, c); return true }); err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				path := filepath.Join(dir, c.File)
				b, _ := os.ReadFile(path)
				copy(b[c.SlotOffset:], c.New)
				os.WriteFile(path, b, 0o644)
			}
			l2 := openT(t, dir, Options{})
			want := map[int64]string{}
			for _, a := range fx.Manifest.Appended {
				want[a.Index] = a.SHA256
			}
			for _, e := range collect(l2) {
				if sum, _ := payloadSHA(t, l2, e); e.Committed && sum != want[e.Index] {
					t.Errorf("entry %d: sha %.12s, appended %.12s", e.Index, sum, want[e.Index])
				}
			}
			if fs := l2.Check(); fs.HasErrors() {
				t.Errorf("errors after the corrections: %v", errorsOf(fs))
			}
			if len(cs) != len(padded292(fx.Manifest)) {
				t.Errorf("%d corrections for %v", len(cs), padded292(fx.Manifest))
			}
		})
	}
}
