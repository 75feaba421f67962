package v2

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/fixtures/codectest"
)

// reencode writes the decoded entries of a partition again with the Writer,
// laying out never-written leading slots the way the file does: zeros in a
// library file, stub records in a walctl output.
func reencode(t testing.TB, f partition.File, d partition.Decoded) []byte {
	t.Helper()
	var out codectest.MemFile
	w := NewWriter(&out, f.Number, partition.Geometry{R: d.R})
	if err := w.SetLeading(leadingOf(f)); err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Slots {
		if s.Kind != partition.Written {
			continue
		}
		if err := w.Append(s.Slot, s.Rec, io.NewSectionReader(f.R, s.Rec.Offset, s.Rec.Length)); err != nil {
			t.Fatalf("append slot %d: %v", s.Slot, err)
		}
	}
	if err := w.Close(d.Sealed); err != nil {
		t.Fatalf("close: %v", err)
	}
	if w.Size() != int64(len(out.B)) {
		t.Fatalf("Size() = %d, wrote %d", w.Size(), len(out.B))
	}
	return out.B
}

// TestWriterReproducesLibraryFiles re-encodes the decoded entries of every
// partition file the library wrote (no injected damage) and requires the
// library's bytes exactly: sealed files with seal=true, unsealed with false.
// Files that hold bytes the writer must not produce (damage the library left
// behind) are skipped, and the skip list itself is checked.
func TestWriterReproducesLibraryFiles(t *testing.T) {
	wantSkipped := map[string]string{
		"5.7.1/table-cached-tail/2":      "0-byte file",
		"5.7.1/crash-midwrite-table/2":   "0-byte file",
		"5.7.1/table-single-appends/0":   string(finding.T1MissingInlineRecords),
		"5.7.1/table-single-appends/1":   string(finding.T1MissingInlineRecords),
		"5.7.1/table-snapshot-install/1": string(finding.T2HeaderOverwritten),
		"5.7.2/table-snapshot-install/1": string(finding.T2HeaderOverwritten),
	}
	skipped := map[string]string{}
	var same, bytesSame int64
	for _, fx := range tableFixtures(t) {
		if fx.injected() {
			continue
		}
		for _, path := range partitionFiles(t, filepath.Join(fx.dir, "wal")) {
			f, want := openFile(t, path)
			key := fx.name + "/" + filepath.Base(path)
			d := Decode(f, fx.geometry(), -1)
			switch {
			case f.Size == 0:
				skipped[key] = "0-byte file"
				continue
			case len(d.Issues) > 0:
				skipped[key] = mainIssue(d)
				continue
			}
			got := reencode(t, f, d)
			if !bytes.Equal(got, want) {
				t.Errorf("%s: re-encoded %d bytes differ from the library's %d (first difference at %d)",
					key, len(got), len(want), firstDiff(got, want))
				continue
			}
			same++
			bytesSame += int64(len(want))
		}
	}
	for k, why := range skipped {
		if wantSkipped[k] != why {
			t.Errorf("%s skipped (%s), not expected", k, why)
		}
	}
	for k, why := range wantSkipped {
		if skipped[k] != why {
			t.Errorf("%s expected to be skipped for %s", k, why)
		}
	}
	t.Logf(
		"%d library-written partition files (%d bytes) reproduced byte for byte; %d skipped",
		same,
		bytesSame,
		len(skipped),
	)
	if same < 30 {
		t.Fatalf("only %d files reproduced", same)
	}
}

// leadingOf tells the layout of a file's never-written leading slots from
// its first slot: a stub record there is LeadingStubs, anything else zeros.
func leadingOf(f partition.File) Leading {
	at, _ := LeadingSlot(1)
	if f.Number != 0 {
		at, _ = LeadingSlot(0)
	}
	if rec, ok := f.RecordAt(at); ok && rec.IsStub() && !rec.IsZero() && rec.Offset == at+recSize {
		return LeadingStubs
	}
	return LeadingZeros
}

// mainIssue is the code of the first error (else the first issue).
func mainIssue(d partition.Decoded) string {
	for _, is := range d.Issues {
		if is.Severity == partition.Error {
			return string(is.Code)
		}
	}
	return string(d.Issues[0].Code)
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestWriterSealOnClose: a plain io.Writer gets the same sealed bytes when
// the seal is declared up front.
func TestWriterSealOnClose(t *testing.T) {
	f := memFile("1", 1, exampleE1())
	d := Decode(f, partition.Geometry{R: 4}, -1)
	var out bytes.Buffer
	w := NewWriter(&out, 1, partition.Geometry{R: 4})
	if err := w.SealOnClose(); err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Slots {
		if err := w.Append(s.Slot, s.Rec, io.NewSectionReader(f.R, s.Rec.Offset, s.Rec.Length)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(true); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), exampleE1()) {
		t.Fatalf("sealed bytes differ at %d", firstDiff(out.Bytes(), exampleE1()))
	}
}

// TestWriterShapes checks layouts no fixture has: an empty partition, a
// seal with unused tail slots (stubs chained on, still provable by Probe).
func TestWriterShapes(t *testing.T) {
	type entry struct {
		slot    int64
		payload string
	}
	tests := []struct {
		name    string
		number  int64
		entries []entry
		seal    bool
		size    int64
		probeR  int64
		used    int64
	}{
		{name: "empty unsealed", number: 3, size: 512},
		{name: "empty sealed", number: 3, seal: true, size: 512 + 160, probeR: 4, used: 0},
		{name: "empty sealed partition 0", number: 0, seal: true, size: 512 + 160, probeR: 4, used: 0},
		{name: "tail stubs", number: 2, entries: []entry{{1, "ab"}, {2, ""}}, seal: true,
			size: 512 + 40 + 42 + 40 + 160, probeR: 4, used: 3},
		{name: "partition 0 slot 1 only", number: 0, entries: []entry{{1, "xyz"}}, seal: true,
			size: 552 + 43 + 160, probeR: 4, used: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out codectest.MemFile
			w := NewWriter(&out, tc.number, partition.Geometry{R: 4})
			for i, e := range tc.entries {
				rec := record.Record{Term: int64(i + 1), Timestamp: exTicks, Length: int64(len(e.payload))}
				if err := w.Append(e.slot, rec, strings.NewReader(e.payload)); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(tc.seal); err != nil {
				t.Fatal(err)
			}
			if int64(len(out.B)) != tc.size {
				t.Fatalf("size %d, want %d", len(out.B), tc.size)
			}
			f := memFile("x", tc.number, out.B)
			if p := Probe(f); p.R != tc.probeR ||
				(tc.seal && (p.Confidence != partition.VeryHigh || p.UsedSlots != tc.used)) {
				t.Errorf("probe %+v, want R %d used %d", p, tc.probeR, tc.used)
			}
			d := Decode(f, partition.Geometry{R: 4}, -1)
			if len(d.Issues) > 0 || d.Sealed != tc.seal {
				t.Fatalf("decode: sealed %v issues %v", d.Sealed, d.Issues)
			}
			for i, e := range tc.entries {
				s := d.SlotAt(int64(e.slot))
				if s.Kind != partition.Written || s.Rec.Term != int64(i+1) ||
					string(out.B[s.Rec.Offset:s.Rec.Offset+s.Avail]) != e.payload {
					t.Errorf("slot %d = %+v", e.slot, s)
				}
			}
			if !bytes.Equal(reencode(t, f, d), out.B) {
				t.Error("decode → encode is not the identity")
			}
		})
	}
}

func TestWriterErrors(t *testing.T) {
	rec := record.Record{Term: 1, Timestamp: exTicks, Length: 3}
	tests := []struct {
		name string
		run  func(w *Writer) error
		want error
		// plain: the destination is not an io.WriterAt
		plain bool
		r     int64
	}{
		{name: "slot 0 of partition 0", want: ErrSlotZero, run: func(w *Writer) error {
			return w.Append(0, rec, strings.NewReader("abc"))
		}},
		{name: "slot beyond R", want: ErrSlotRange, run: func(w *Writer) error {
			return w.Append(4, rec, strings.NewReader("abc"))
		}},
		{name: "gap between slots", want: ErrSlotOrder, run: func(w *Writer) error {
			if err := w.Append(1, rec, strings.NewReader("abc")); err != nil {
				return err
			}
			return w.Append(3, rec, strings.NewReader("abc"))
		}},
		{name: "payload too short", want: ErrPayloadSize, run: func(w *Writer) error {
			return w.Append(1, rec, strings.NewReader("ab"))
		}},
		{name: "payload too long", want: ErrPayloadSize, run: func(w *Writer) error {
			return w.Append(1, rec, strings.NewReader("abcd"))
		}},
		{name: "negative term", want: record.ErrNegativeTerm, run: func(w *Writer) error {
			return w.Append(1, record.Record{Term: -1}, nil)
		}},
		{name: "seal without WriterAt", plain: true, want: ErrCannotSeal, run: func(w *Writer) error {
			return w.Close(true)
		}},
		{name: "SealOnClose after Append", want: ErrTooLate, run: func(w *Writer) error {
			if err := w.Append(1, rec, strings.NewReader("abc")); err != nil {
				return err
			}
			return w.SealOnClose()
		}},
		{name: "unsealed close after SealOnClose", want: ErrSealDeclared, run: func(w *Writer) error {
			if err := w.SealOnClose(); err != nil {
				return err
			}
			return w.Close(false)
		}},
		{name: "append after close", want: ErrClosed, run: func(w *Writer) error {
			if err := w.Close(false); err != nil {
				return err
			}
			return w.Append(1, rec, strings.NewReader("abc"))
		}},
		{name: "sticky failure", want: ErrPayloadSize, run: func(w *Writer) error {
			_ = w.Append(1, rec, strings.NewReader("a"))
			return w.Close(false)
		}},
		{name: "bad R", r: 1, want: errBadR, run: func(w *Writer) error { return w.Close(false) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			if r == 0 {
				r = 4
			}
			var dst io.Writer = &codectest.MemFile{}
			if tc.plain {
				dst = &bytes.Buffer{}
			}
			err := tc.run(NewWriter(dst, 0, partition.Geometry{R: r}))
			if tc.want == errBadR {
				if err == nil || !strings.Contains(err.Error(), "records per partition") {
					t.Fatalf("err %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

var errBadR = errors.New("bad R")

// TestSealFromChain seals partitions the library left unsealed and checks
// the result against the library's own sealed bytes and read-back.
func TestSealFromChain(t *testing.T) {
	fixtures := map[string]*fixture{}
	for _, fx := range tableFixtures(t) {
		fixtures[fx.name] = fx
	}
	file := func(name, part string) (partition.File, []byte) {
		return openFile(t, filepath.Join(fixtures[name].dir, "wal", part))
	}
	g := partition.Geometry{R: 4}

	// 5.26.2/table-basic+unsealed-full is table-basic with partition 1's
	// byte 0 cleared and footer cut: sealing must give table-basic's bytes.
	f, b := file("5.26.2/table-basic+unsealed-full", "1")
	_, want := file("5.26.2/table-basic", "1")
	if got := applySeal(t, f, b, g, 3); !bytes.Equal(got, want) {
		t.Errorf("resealed partition 1 differs from the library's at %d", firstDiff(got, want))
	}

	// 5.7.1/table-basic partition 1 (full, never sealed by 5.7.1): after
	// sealing, 5.7.3+ reads what 5.7.1 appended.
	f, b = file("5.7.1/table-basic", "1")
	sealed := applySeal(t, f, b, g, 3)
	checkReadsAppended(t, fixtures["5.7.1/table-basic"], memFile("1", 1, sealed), []int64{4, 5, 6, 7})

	// 5.26.2/table-cached-tail partition 1 lost its last append (slot 3):
	// seal up to slot 2, slot 3 becomes a stub.
	f, b = file("5.26.2/table-cached-tail", "1")
	sealed = applySeal(t, f, b, g, 2)
	checkReadsAppended(t, fixtures["5.26.2/table-cached-tail"], memFile("1", 1, sealed), []int64{4, 5, 6})
	if v := LibraryReads(memFile("1", 1, sealed), g, 9, ReaderTip); v.Records[3].Length != 0 || v.Records[3].Term != 0 {
		t.Errorf("slot 3 after sealing = %v, want a stub", v.Records[3])
	}

	// Refusals: a T1 chain, a T2 file, an incomplete chain.
	for _, c := range []struct{ name, part string }{
		{"5.7.1/table-single-appends", "1"}, {"5.7.1/table-snapshot-install", "1"}, {"5.26.2/table-cached-tail", "1"},
	} {
		f, _ := file(c.name, c.part)
		if _, err := SealFromChain(f, g); !errors.Is(err, ErrChainIncomplete) {
			t.Errorf("%s/%s: err %v, want ErrChainIncomplete", c.name, c.part, err)
		}
	}
}

// applySeal applies a SealPlan to a copy of the file bytes the way a repairer
// would: footer at FooterAt, length, byte 0.
func applySeal(t *testing.T, f partition.File, b []byte, g partition.Geometry, lastSlot int64) []byte {
	t.Helper()
	plan, err := SealUpTo(f, g, lastSlot)
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	out := &codectest.MemFile{B: append([]byte{}, b[:plan.FooterAt]...)}
	if err := plan.WriteFooter(out); err != nil {
		t.Fatal(err)
	}
	if int64(len(out.B)) != plan.Length || !bytes.Equal(out.B[plan.FooterAt:], plan.Footer()) {
		t.Fatalf("plan length %d, file %d", plan.Length, len(out.B))
	}
	out.B[0] = 1
	return out.B
}

// checkReadsAppended: 5.7.3+ reads each index as the manifest appended it.
func checkReadsAppended(t *testing.T, fx *fixture, f partition.File, indexes []int64) {
	t.Helper()
	d := Decode(f, fx.geometry(), 100)
	if !d.Sealed || len(d.Issues) > 0 {
		t.Fatalf("sealed file decodes as sealed=%v issues %v", d.Sealed, d.Issues)
	}
	view := LibraryReads(f, fx.geometry(), 100, ReaderTip)
	appended := map[int64]entryJSON{}
	for _, e := range fx.manifest.Appended {
		appended[e.Index] = e
	}
	for _, i := range indexes {
		rec, e := view.Records[i%fx.geometry().R], appended[i]
		off, n := LibraryPayload(f.Size, rec)
		if rec.Term != e.Term || rec.Length != e.Length || payloadSHA(t, f, off, n) != e.SHA256 {
			t.Errorf("index %d: 5.7.3+ reads %v, appended term %d length %d", i, rec, e.Term, e.Length)
		}
	}
}

// TestWriterRefusesBadSettings: a geometry out of range or a negative
// partition number is refused at the first call, and nothing is written.
func TestWriterRefusesBadSettings(t *testing.T) {
	for _, tc := range []struct {
		name   string
		number int64
		r      int64
	}{{"R below the range", 1, MinR - 1}, {"R above the range", 1, MaxR + 1}, {"negative number", -1, 4}} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			w := NewWriter(&out, tc.number, partition.Geometry{R: tc.r})
			if err := w.Append(0, record.Record{Term: 1, Offset: HeaderSize + recSize}, nil); err == nil {
				t.Error("Append accepted")
			}
			if out.Len() != 0 {
				t.Errorf("%d bytes written", out.Len())
			}
		})
	}
}
