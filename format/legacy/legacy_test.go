package legacy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/fixtures/codectest"
)

var r4 = partition.Geometry{R: 4}

const ts2025 = 638712864010000000

// e4 builds spec Appendix E4 by hand: R = 4, 8-byte payloads, terms = index.
func e4(number int64) (image []byte, recs map[int64]record.Record, payloads map[int64][]byte) {
	recs, payloads = map[int64]record.Record{}, map[int64][]byte{}
	first := int64(0)
	if number == 0 {
		first = 1
	}
	off := int64(160)
	var payloadArea []byte
	for s := first; s < 4; s++ {
		idx := number*4 + s
		recs[s] = record.Record{Term: idx, Timestamp: ts2025 + idx, Length: 8, Offset: off}
		payloads[s] = bytes.Repeat([]byte{byte(0xA0 + idx)}, 8)
		payloadArea = append(payloadArea, payloads[s]...)
		off += 8
	}
	image = make([]byte, 160)
	for s, r := range recs {
		r.Encode(image[s*40:])
	}
	return append(image, payloadArea...), recs, payloads
}

func TestE4(t *testing.T) {
	for _, tc := range []struct {
		number int64
		size   int
	}{{0, 184}, {1, 192}} {
		want, recs, payloads := e4(tc.number)
		if len(want) != tc.size {
			t.Fatalf("E4 partition %d: %d bytes, spec says %d", tc.number, len(want), tc.size)
		}
		got, d := codectest.Written(t, codec, tc.number, r4, codectest.EntriesOf(recs, payloads))
		if !bytes.Equal(got, want) {
			t.Fatalf("E4 partition %d: writer output differs\n got %x\nwant %x", tc.number, got, want)
		}
		for s, slot := range d.Slots {
			if slot.Kind == partition.Written && (slot.Avail != 8 || slot.At != int64(s)*40) {
				t.Errorf("slot %d: %+v, want 8 bytes, record at %d", s, slot, s*40)
			}
		}
		p := Probe(codectest.FileOf(want, tc.number))
		if p.R != 4 || p.Confidence != partition.VeryHigh || p.UsedSlots != 4 || len(p.Damage) != 0 {
			t.Errorf("E4 partition %d probe: %+v", tc.number, p)
		}
	}
}

// mutate returns a copy of b with fn applied.
func mutate(b []byte, fn func([]byte) []byte) []byte {
	return fn(append([]byte(nil), b...))
}

func putRecord(b []byte, slot int, r record.Record) []byte {
	r.Encode(b[slot*40:])
	return b
}

// TestDecodeDamage: one table row per issue code, each on a damaged copy of E4.
func TestDecodeDamage(t *testing.T) {
	p1, _, _ := e4(1)
	p0, _, _ := e4(0)
	zeroPrologue := append(make([]byte, 160), bytes.Repeat([]byte{7}, 50)...)
	for _, tc := range []struct {
		name      string
		image     []byte
		number    int64
		lastIndex int64
		code      finding.Code
		severity  partition.Severity
		slot      int64
		kind      partition.Kind // of slot, when slot ≥ 0
	}{
		{"short prologue", p1[:100], 1, -1, finding.PartitionShorterThanPrologue, partition.Error, 1, partition.Torn},
		{"empty file", nil, 2, 9, finding.PartitionShorterThanPrologue, partition.Error, 0, partition.Unwritten},
		{"record cut by EOF", p1[:100], 1, -1, finding.TornTail, partition.Error, 2, partition.Invalid},
		{"torn tail", p1[:187], 1, -1, finding.TornTail, partition.Error, 3, partition.Torn},
		{"torn tail above LastIndex is info", p1[:187], 1, 6, finding.TornTail, partition.Info, 3, partition.Torn},
		{"negative length", mutate(p1, func(b []byte) []byte {
			return putRecord(b, 1, record.Record{Term: 5, Length: -1, Offset: 168})
		}), 1, -1, finding.InvalidRecord, partition.Error, 1, partition.Invalid},
		{"offset inside the prologue", mutate(p1, func(b []byte) []byte {
			return putRecord(b, 1, record.Record{Term: 5, Length: 8, Offset: 40})
		}), 1, -1, finding.InvalidRecord, partition.Error, 1, partition.Invalid},
		{"stale invalid record still warns", mutate(p1, func(b []byte) []byte {
			return putRecord(b, 3, record.Record{Term: 5, Flags: 6, Offset: 184})
		}), 1, 6, finding.InvalidRecord, partition.Warning, 3, partition.Invalid},
		{"payload overlap", mutate(p1, func(b []byte) []byte {
			return putRecord(b, 2, record.Record{Term: 6, Length: 8, Offset: 164})
		}), 1, -1, finding.PayloadOverlap, partition.Error, 2, partition.Written},
		{"slot 0 of partition 0", mutate(p0, func(b []byte) []byte {
			return putRecord(b, 0, record.Record{Term: 1, Offset: 160})
		}), 0, -1, finding.SlotZeroWritten, partition.Warning, 0, partition.Invalid},
		{"payload behind zero prologue above LastIndex", zeroPrologue, 2, 7, finding.ProloguePayloadBehindZeroRecords, partition.Info, -1, 0},
		{"payload behind zero prologue of live slots", zeroPrologue, 2, 9, finding.ProloguePayloadBehindZeroRecords, partition.Error, -1, 0},
		{"payload behind zero prologue, LastIndex unknown", zeroPrologue, 2, -1, finding.ProloguePayloadBehindZeroRecords, partition.Warning, -1, 0},
		{"unreferenced tail", append(append([]byte(nil), p1...), 1, 2, 3), 1, -1, finding.UnreferencedTail, partition.Warning, -1, 0},
		{"unreferenced tail above LastIndex", mutate(p1, func(b []byte) []byte {
			return putRecord(b, 3, record.Record{})
		}), 1, 6, finding.UnreferencedTail, partition.Info, -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decode(codectest.FileOf(tc.image, tc.number), r4, tc.lastIndex)
			if len(d.Slots) > 4 {
				t.Fatalf("%d slots", len(d.Slots))
			}
			if !codectest.HasIssue(d, tc.code, tc.severity) {
				t.Errorf("want %s %s, got %v", tc.severity, tc.code, d.Issues)
			}
			if tc.slot >= 0 && d.SlotAt(tc.slot).Kind != tc.kind {
				t.Errorf("slot %d: %v, want %v", tc.slot, d.SlotAt(tc.slot).Kind, tc.kind)
			}
		})
	}
}

func TestDecodeGeometry(t *testing.T) {
	p1, _, _ := e4(1)
	for _, r := range []int64{-1, 0, 1, MaxRecords + 1} {
		d := Decode(codectest.FileOf(p1, 1), partition.Geometry{R: r}, -1)
		if d.Slots != nil || !codectest.HasIssue(d, finding.InvalidGeometry, partition.Error) {
			t.Errorf("R=%d: %v", r, d.Issues)
		}
		if _, err := LibraryReads(codectest.FileOf(p1, 1), partition.Geometry{R: r}); !errors.Is(err, ErrGeometry) {
			t.Errorf("LibraryReads R=%d: %v", r, err)
		}
		if _, err := NewWriter(&codectest.MemFile{}, 1, partition.Geometry{R: r}); err == nil {
			t.Errorf("NewWriter accepted R=%d", r)
		}
	}
	if _, err := LibraryReads(codectest.FileOf(p1[:159], 1), r4); !errors.Is(err, ErrShortPrologue) {
		t.Errorf("LibraryReads of a short prologue: %v", err)
	}
}

func TestProbeShapes(t *testing.T) {
	p1, _, _ := e4(1)
	p0, _, _ := e4(0)
	table := make([]byte, 600) // Table p ≥ 1: zero header, record at 512 → 552
	record.Record{Term: 1, Timestamp: ts2025, Length: 8, Offset: 552}.Encode(table[512:])
	sparse := make([]byte, 48) // sparse / T2: record at 0 with Offset 40
	record.Record{Term: 3, Timestamp: ts2025, Length: 8, Offset: 40}.Encode(sparse)
	sparseP0 := make([]byte, 1064+48) // sparse p0: slot 1 at M+40 = 1064
	record.Record{Term: 1, Timestamp: ts2025, Length: 8, Offset: 1104}.Encode(sparseP0[1064:])
	single := make([]byte, 168) // one record: R = 4 from its Offset
	record.Record{Term: 3, Timestamp: ts2025, Length: 8, Offset: 160}.Encode(single[80:])
	for _, tc := range []struct {
		name   string
		image  []byte
		number int64
		conf   partition.Confidence
		r      int64
		damage bool
	}{
		{"E4 partition 1", p1, 1, partition.VeryHigh, 4, false},
		{"empty", nil, 1, partition.None, 0, false},
		{"all zero R*40", make([]byte, 200), 3, partition.Medium, 5, false},
		{"all zero, not R*40", make([]byte, 210), 3, partition.None, 0, false},
		{"all zero, 40 bytes", make([]byte, 40), 3, partition.None, 0, false},
		{"Table chain", table, 1, partition.None, 0, false},
		{"record at 0 with Offset 40", sparse, 1, partition.None, 0, false},
		{"partition 0 with slot 0 written", mutate(p0, func(b []byte) []byte {
			return putRecord(b, 0, record.Record{Term: 1, Offset: 160})
		}), 0, partition.None, 0, false},
		{"single record", single, 2, partition.Medium, 4, false},
		{"not chained", mutate(p1, func(b []byte) []byte {
			b[2*40+24] = 184 // slot 2 shares slot 3's payload
			return b
		}), 1, partition.High, 4, false},
		{"torn", p1[:170], 1, partition.VeryHigh, 4, true},
		{"cut inside the prologue", p1[:130], 1, partition.Low, 4, true},
		{"unreferenced tail", append(append([]byte(nil), p1...), 9), 1, partition.High, 4, true},
		{"one garbage record", mutate(p1, func(b []byte) []byte {
			b[3*40+32] = 0xFF // unknown flag bits
			return b
		}), 1, partition.Low, 4, true}, // its payload is unreferenced too
		{"sparse partition 0, M = 1024", sparseP0, 0, partition.None, 0, false},
		{"payload behind zero prologue", append(make([]byte, 160), strings.Repeat("#payload", 20)...), 2, partition.Low, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Probe(codectest.FileOf(tc.image, tc.number))
			if p.Confidence != tc.conf || p.R != tc.r || (len(p.Damage) > 0) != tc.damage || len(p.Evidence) == 0 {
				t.Errorf("got %v R=%d damage %q evidence %q; want %v R=%d damage %v",
					p.Confidence, p.R, p.Damage, p.Evidence, tc.conf, tc.r, tc.damage)
			}
			if p.Format != Format || p.T1Slot != -1 {
				t.Errorf("format %q T1Slot %d", p.Format, p.T1Slot)
			}
		})
	}
}

// TestProbeDotNext30: the 3.0.x layout (32-byte records, spec §3.6) is not
// legacy, but the evidence names it.
func TestProbeDotNext30(t *testing.T) {
	image := make([]byte, 4*32+16)
	for s, off := range []int64{128, 136} {
		var rec [32]byte
		binary.LittleEndian.PutUint64(rec[0:], 1)
		binary.LittleEndian.PutUint64(rec[8:], ts2025)
		binary.LittleEndian.PutUint64(rec[16:], 8)
		binary.LittleEndian.PutUint64(rec[24:], uint64(off))
		copy(image[(s+1)*32:], rec[:])
	}
	p := Probe(codectest.FileOf(image, 0))
	if p.Explains() || !strings.Contains(strings.Join(p.Evidence, " "), "3.0.x layout (R = 4)") {
		t.Errorf("probe %v %q", p.Confidence, p.Evidence)
	}
	if p := Probe(codectest.FileOf(image, 1)); !strings.Contains(strings.Join(p.Evidence, " "), "3.0.x") {
		t.Errorf("partition 1: %q", p.Evidence)
	}
}

func TestWriterRejects(t *testing.T) {
	rec := record.Record{Term: 1, Timestamp: ts2025, Length: 4}
	newW := func(number int64) *Writer {
		w, err := NewWriter(&codectest.MemFile{}, number, r4)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"slot 0 of partition 0", func() error { return newW(0).Append(0, rec, strings.NewReader("abcd")) }},
		{"slot beyond R", func() error { return newW(1).Append(4, rec, strings.NewReader("abcd")) }},
		{"negative slot", func() error { return newW(1).Append(-1, rec, strings.NewReader("abcd")) }},
		{"short payload", func() error { return newW(1).Append(0, rec, strings.NewReader("abc")) }},
		{"long payload", func() error { return newW(1).Append(0, rec, strings.NewReader("abcde")) }},
		{"nil payload", func() error { return newW(1).Append(0, rec, nil) }},
		{"invalid record", func() error {
			bad := rec
			bad.Flags = 2
			return newW(1).Append(0, bad, strings.NewReader("abcd"))
		}},
		{"slots out of order", func() error {
			w := newW(1)
			if err := w.Append(2, rec, strings.NewReader("abcd")); err != nil {
				return nil
			}
			return w.Append(1, rec, strings.NewReader("abcd"))
		}},
		{"append after close", func() error {
			w := newW(1)
			_ = w.Close(false)
			return w.Append(1, rec, strings.NewReader("abcd"))
		}},
		{"failing reader", func() error { return newW(1).Append(0, rec, io.MultiReader(strings.NewReader("ab"), errReader{})) }},
	} {
		if err := tc.run(); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if _, err := NewWriter(&codectest.MemFile{}, -1, r4); err == nil {
		t.Error("negative partition number accepted")
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("boom") }

// TestWriterEmptyPartition: a partition with nothing appended is still a
// full zero prologue, never shorter than R*40 (spec §12.5).
func TestWriterEmptyPartition(t *testing.T) {
	var m codectest.MemFile
	w, _ := NewWriter(&m, 3, partition.Geometry{R: 2000})
	if err := w.Close(false); err != nil {
		t.Fatal(err)
	}
	if len(m.B) != 80000 || !isZero(m.B) || w.Size() != 80000 {
		t.Fatalf("%d bytes, zero %v", len(m.B), isZero(m.B))
	}
	if p := Probe(codectest.FileOf(m.B, 3)); p.R != 2000 || p.Confidence != partition.Medium {
		t.Errorf("probe %+v", p)
	}
}

// TestPayloadOverlapOrder: overlaps are found the same whether the payloads
// lie in slot order (one walk over the slots) or not (sorted first).
func TestPayloadOverlapOrder(t *testing.T) {
	type span struct{ off, length int64 }
	for _, tc := range []struct {
		name  string
		spans [2]span // slots 0 and 1 of partition 1, R = 4
		want  finding.F
	}{
		{"in order, apart", [2]span{{160, 8}, {168, 8}}, nil},
		{"in order, overlapping", [2]span{{160, 8}, {164, 12}},
			finding.F{"slot": int64(1), "start": int64(164), "end": int64(176), "prevSlot": int64(0), "reach": int64(168)}},
		{"out of order, apart", [2]span{{168, 8}, {160, 8}}, nil},
		{"out of order, overlapping", [2]span{{166, 10}, {160, 8}},
			finding.F{"slot": int64(0), "start": int64(166), "end": int64(176), "prevSlot": int64(1), "reach": int64(168)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := make([]byte, 176)
			for s, sp := range tc.spans {
				putRecord(b, s, record.Record{Term: 1, Length: sp.length, Offset: sp.off})
			}
			d := Decode(codectest.FileOf(b, 1), r4, -1)
			var got []finding.F
			for _, is := range d.Issues {
				if is.Code == finding.PayloadOverlap {
					got = append(got, is.Facts)
				}
			}
			switch {
			case tc.want == nil && len(got) != 0:
				t.Errorf("overlaps %v, want none", got)
			case tc.want != nil && (len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(tc.want)):
				t.Errorf("overlaps %v, want [%v]", got, tc.want)
			}
		})
	}
}
