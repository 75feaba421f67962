package sparse

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/fixtures/codectest"
)

const ts2025 = 638712864010000000

var e5Geometry = partition.Geometry{R: 4, M: 64}

// e5 builds spec Appendix E5 by hand: M = 64, R = 4, stride 104, 8-byte
// payloads, terms = index; partition 0 leaves slot 0 unwritten.
func e5(number int64) (image []byte, recs map[int64]record.Record, payloads map[int64][]byte) {
	recs, payloads = map[int64]record.Record{}, map[int64][]byte{}
	first := int64(0)
	if number == 0 {
		first = 1
	}
	image = make([]byte, 3*104+48)
	for s := first; s < 4; s++ {
		idx := number*4 + s
		recs[s] = record.Record{Term: idx, Timestamp: ts2025 + idx, Length: 8, Offset: s*104 + 40}
		payloads[s] = bytes.Repeat([]byte{byte(0xB0 + idx)}, 8)
		recs[s].Encode(image[s*104:])
		copy(image[s*104+40:], payloads[s])
	}
	return image, recs, payloads
}

func TestE5(t *testing.T) {
	for _, number := range []int64{0, 1} {
		want, recs, payloads := e5(number)
		if len(want) != 360 {
			t.Fatalf("E5: %d bytes, spec says 360", len(want))
		}
		got, d := codectest.Written(t, codec, number, e5Geometry, codectest.EntriesOf(recs, payloads))
		if !bytes.Equal(got, want) {
			t.Fatalf("E5 partition %d: writer output differs\n got %x\nwant %x", number, got, want)
		}
		for s, slot := range d.Slots {
			if slot.Kind == partition.Written && (slot.Avail != 8 || slot.At != int64(s)*104) {
				t.Errorf("slot %d: %+v, want 8 bytes, record at %d", s, slot, s*104)
			}
		}
		p := Probe(codectest.FileOf(want, number))
		if p.M != 64 || p.Confidence != partition.VeryHigh || p.UsedSlots != 4 || p.R != 0 || len(p.Damage) != 0 {
			t.Errorf("E5 partition %d probe: %+v", number, p)
		}
	}
}

func mutate(b []byte, fn func([]byte) []byte) []byte { return fn(append([]byte(nil), b...)) }

func putRecord(b []byte, at int, r record.Record) []byte {
	r.Encode(b[at:])
	return b
}

// TestDecodeDamage: one table row per issue code, each on a damaged copy of E5.
func TestDecodeDamage(t *testing.T) {
	p1, _, _ := e5(1)
	p0, _, _ := e5(0)
	for _, tc := range []struct {
		name      string
		image     []byte
		number    int64
		lastIndex int64
		code      finding.Code
		severity  partition.Severity
		slot      int64
		kind      partition.Kind
		avail     int64
	}{
		{"overlong, as sparse-basic+overlong", mutate(p1, func(b []byte) []byte { b[104+16] = 100; return b }),
			1, -1, finding.LengthOverSlot, partition.Error, 1, partition.Invalid, 100},
		{"overlong at EOF delivers up to EOF", mutate(p1, func(b []byte) []byte { b[312+16] = 100; return b }),
			1, -1, finding.LengthOverSlot, partition.Error, 3, partition.Invalid, 8},
		{"torn tail", p1[:356], 1, -1, finding.TornTail, partition.Error, 3, partition.Torn, 4},
		{"torn tail above LastIndex", p1[:356], 1, 6, finding.TornTail, partition.Info, 3, partition.Torn, 4},
		{"record cut by EOF", p1[:330], 1, -1, finding.TornTail, partition.Error, 3, partition.Invalid, 0},
		{"misplaced record", mutate(p1, func(b []byte) []byte { b[208+24] = 40; return b }),
			1, -1, finding.MisplacedRecord, partition.Error, 2, partition.Invalid, 8},
		{"invalid record", mutate(p1, func(b []byte) []byte { b[208+32] = 4; return b }),
			1, -1, finding.InvalidRecord, partition.Error, 2, partition.Invalid, 8},
		{"zero record before payload", mutate(p1, func(b []byte) []byte { clear(b[104:144]); return b }),
			1, -1, finding.MissingRecord, partition.Error, 1, partition.Missing, 0},
		{"slot 0 of partition 0", mutate(p0, func(b []byte) []byte {
			return putRecord(b, 0, record.Record{Term: 1, Length: 0, Offset: 40})
		}), 0, -1, finding.SlotZeroWritten, partition.Warning, 0, partition.Invalid, 0},
		{"stale bytes after a payload", mutate(p1, func(b []byte) []byte { b[104+60] = 1; return b }),
			1, -1, finding.StaleSlotBytes, partition.Info, 1, partition.Written, 8},
		{"bytes past the last slot", append(mutate(p1, func(b []byte) []byte { return b }), make([]byte, 60)...),
			1, -1, finding.BytesPastLastSlot, partition.Warning, 3, partition.Written, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decode(codectest.FileOf(tc.image, tc.number), e5Geometry, tc.lastIndex)
			if len(d.Slots) != 4 {
				t.Fatalf("%d slots", len(d.Slots))
			}
			if !codectest.HasIssue(d, tc.code, tc.severity) {
				t.Errorf("want %s %s, got %v", tc.severity, tc.code, d.Issues)
			}
			if s := d.SlotAt(tc.slot); s.Kind != tc.kind || s.Avail != tc.avail {
				t.Errorf("slot %d: %v with %d bytes, want %v with %d", tc.slot, s.Kind, s.Avail, tc.kind, tc.avail)
			}
		})
	}
}

func TestGeometry(t *testing.T) {
	p1, _, _ := e5(1)
	for _, g := range []partition.Geometry{{R: 4}, {R: 1, M: 64}, {R: 4, M: -1}, {R: MaxRecords + 1, M: 8},
		{R: 4, M: 1 << 62}, {R: 4, M: 1<<63 - 1}} {
		d := Decode(codectest.FileOf(p1, 1), g, -1)
		if d.Slots != nil || !codectest.HasIssue(d, finding.InvalidGeometry, partition.Error) {
			t.Errorf("%+v: %v", g, d.Issues)
		}
		if _, err := LibraryReads(codectest.FileOf(p1, 1), g); !errors.Is(err, ErrGeometry) {
			t.Errorf("LibraryReads %+v: %v", g, err)
		}
		if _, err := NewWriter(&codectest.MemFile{}, 1, g); err == nil {
			t.Errorf("NewWriter accepted %+v", g)
		}
	}
}

// TestLibraryReadsPartialRecord: a record cut by EOF is read into a zeroed
// buffer (spec §5.2), so the library sees the bytes that exist plus zeros.
func TestLibraryReadsPartialRecord(t *testing.T) {
	p1, recs, _ := e5(1)
	got, err := LibraryReads(codectest.FileOf(p1[:312+20], 1), e5Geometry)
	if err != nil {
		t.Fatal(err)
	}
	want := recs[3]
	want.Offset, want.Flags, want.ID = 0, 0, 0 // Term, Timestamp and the low half of Length exist
	if got[3] != want || got[2] != recs[2] {
		t.Errorf("got %v / %v, want %v / %v", got[2], got[3], recs[2], want)
	}
}

func TestProbeShapes(t *testing.T) {
	p1, _, _ := e5(1)
	p0, _, _ := e5(0)
	// E7: Table T2 damage, also sparse with M = 8 (slots 0–1 exactly full).
	e7 := make([]byte, 96)
	record.Record{Term: 3, Timestamp: ts2025, Length: 8, Offset: 40}.Encode(e7)
	record.Record{Term: 3, Timestamp: ts2025 + 1, Length: 8, Offset: 88}.Encode(e7[48:])
	// A T2 chain with unequal payloads: no stride fits.
	t2 := make([]byte, 40+8+40+16+40+8)
	record.Record{Term: 3, Timestamp: ts2025, Length: 8, Offset: 40}.Encode(t2)
	record.Record{Term: 3, Timestamp: ts2025, Length: 16, Offset: 88}.Encode(t2[48:])
	record.Record{Term: 3, Timestamp: ts2025, Length: 8, Offset: 144}.Encode(t2[104:])
	lone := p1[:48]
	table := make([]byte, 600)
	record.Record{Term: 1, Timestamp: ts2025, Length: 8, Offset: 592}.Encode(table[552:])
	legacy := make([]byte, 176)
	record.Record{Term: 1, Timestamp: ts2025, Length: 8, Offset: 160}.Encode(legacy[40:])
	record.Record{Term: 1, Timestamp: ts2025, Length: 8, Offset: 168}.Encode(legacy[80:])
	twoOverlong := mutate(p1, func(b []byte) []byte { b[16] = 70; b[104+16] = 70; return b })
	for _, tc := range []struct {
		name   string
		image  []byte
		number int64
		conf   partition.Confidence
		m      int64
		used   int64
		damage bool
	}{
		{"E5 partition 1", p1, 1, partition.VeryHigh, 64, 4, false},
		{"E5 partition 0", p0, 0, partition.VeryHigh, 64, 4, false},
		{"two records", p1[:104+48], 1, partition.High, 64, 2, false},
		{"empty", nil, 1, partition.None, 0, -1, false},
		{"all zero", make([]byte, 500), 1, partition.None, 0, -1, false},
		{"lone record at 0 (sparse or T2)", lone, 1, partition.Low, 0, 1, false},
		{"lone record of partition 0", p0[:104+48], 0, partition.Medium, 64, 2, false},
		{"lone record behind zeros", mutate(p1, func(b []byte) []byte { clear(b[:104]); return b[:208] }), 1, partition.Low, 0, -1, false},
		{"E7: T2 or full sparse slots", e7, 1, partition.Medium, 8, 2, false},
		{"T2 chain of unequal payloads", t2, 1, partition.None, 0, -1, false},
		{"Table partition 0 with one entry = sparse M 512", table, 0, partition.Low, 512, 2, false},
		{"legacy partition 0", legacy, 0, partition.None, 0, -1, false},
		{"partition 0 with slot 0 written", p1, 0, partition.None, 0, -1, false},
		{"one overlong among four", mutate(p1, func(b []byte) []byte { b[104+16] = 70; return b }), 1, partition.High, 64, 4, true},
		{"two overlong", twoOverlong, 1, partition.None, 0, -1, false},
		{"torn tail", p1[:356], 1, partition.VeryHigh, 64, 4, true},
		{"torn record", p1[:330], 1, partition.VeryHigh, 64, 4, true},
		{"zero record before payload", mutate(p1, func(b []byte) []byte { clear(b[104:144]); return b }), 1, partition.VeryHigh, 64, 4, true},
		{"lone record, then a partial record", p1[:104+20], 1, partition.Low, 0, 1, true},
		{"lone record, then garbage", append(append([]byte(nil), p1[:48]...), bytes.Repeat([]byte{9}, 60)...), 1, partition.None, 0, -1, false},
		{"slot 0 payload without its record", mutate(p1, func(b []byte) []byte { clear(b[:40]); return b }), 1, partition.VeryHigh, 64, 4, true},
		{"partition 0 slot 0 payload", mutate(p0, func(b []byte) []byte { b[50] = 1; return b }), 0, partition.None, 0, -1, false},
		{"garbage in a slot", mutate(p1, func(b []byte) []byte { b[208+24] = 41; return b }), 1, partition.None, 0, -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Probe(codectest.FileOf(tc.image, tc.number))
			if p.Confidence != tc.conf || p.M != tc.m || p.UsedSlots != tc.used || (len(p.Damage) > 0) != tc.damage ||
				len(p.Evidence) == 0 {
				t.Errorf("got %v M=%d used=%d damage %q evidence %q; want %v M=%d used=%d damage %v",
					p.Confidence, p.M, p.UsedSlots, p.Damage, p.Evidence, tc.conf, tc.m, tc.used, tc.damage)
			}
			if p.Format != Format || p.R != 0 || p.T1Slot != -1 {
				t.Errorf("format %q R %d T1Slot %d", p.Format, p.R, p.T1Slot)
			}
		})
	}
}

func TestWriterRejects(t *testing.T) {
	rec := record.Record{Term: 1, Timestamp: ts2025, Length: 4}
	newW := func(number int64) *Writer {
		w, err := NewWriter(&codectest.MemFile{}, number, e5Geometry)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	long := rec
	long.Length = 65
	bad := rec
	bad.Timestamp = -1
	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"slot 0 of partition 0", func() error { return newW(0).Append(0, rec, strings.NewReader("abcd")) }},
		{"slot beyond R", func() error { return newW(1).Append(4, rec, strings.NewReader("abcd")) }},
		{"Length > M", func() error { return newW(1).Append(0, long, strings.NewReader(strings.Repeat("x", 65))) }},
		{"short payload", func() error { return newW(1).Append(0, rec, strings.NewReader("abc")) }},
		{"long payload", func() error { return newW(1).Append(0, rec, strings.NewReader("abcde")) }},
		{"nil payload", func() error { return newW(1).Append(0, rec, nil) }},
		{"invalid record", func() error { return newW(1).Append(0, bad, strings.NewReader("abcd")) }},
		{"slots out of order", func() error {
			w := newW(1)
			if err := w.Append(2, rec, strings.NewReader("abcd")); err != nil {
				return nil
			}
			return w.Append(2, rec, strings.NewReader("abcd"))
		}},
		{"append after close", func() error {
			w := newW(1)
			_ = w.Close(false)
			return w.Append(1, rec, strings.NewReader("abcd"))
		}},
	} {
		if err := tc.run(); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if _, err := NewWriter(&codectest.MemFile{}, -1, e5Geometry); err == nil {
		t.Error("negative partition number accepted")
	}
}

// TestWriterEndsAtLastWrite: an empty last entry ends the file right after
// its record, and a partition with nothing appended is a 0-byte file.
func TestWriterEndsAtLastWrite(t *testing.T) {
	var m codectest.MemFile
	w, _ := NewWriter(&m, 1, e5Geometry)
	if err := w.Append(2, record.Record{Term: 2, Timestamp: ts2025}, nil); err != nil {
		t.Fatal(err)
	}
	_ = w.Close(false)
	if len(m.B) != 2*104+40 || w.Size() != int64(len(m.B)) || !bytes.Equal(m.B[:208], make([]byte, 208)) {
		t.Fatalf("%d bytes", len(m.B))
	}
	var empty codectest.MemFile
	w, _ = NewWriter(&empty, 1, e5Geometry)
	_ = w.Close(false)
	if len(empty.B) != 0 || w.Size() != 0 {
		t.Fatalf("empty partition: %d bytes", len(empty.B))
	}
}
