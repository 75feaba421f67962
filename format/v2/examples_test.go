package v2

import (
	"bytes"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// The worked examples of spec Appendix E, built byte by byte from the text
// (not with the Writer, which they test). Every payload is 8 bytes.

const exTicks = 638712864000000000 // 2025-01-01

func exRec(term, length, offset int64) record.Record {
	return record.Record{Term: term, Timestamp: exTicks + term, Length: length, Offset: offset}
}

func exPayload(index int64) []byte {
	return []byte{'p', 'a', 'y', 'l', 'o', 'a', 'd', byte('0' + index)}
}

// put writes rec at at and payload at rec.Offset.
func put(b []byte, at int64, rec record.Record, payload []byte) {
	rec.Encode(b[at:])
	copy(b[rec.Offset:], payload)
}

// exampleE1: Table, R = 4, partition 1 (indexes 4–7), sealed, length 864.
func exampleE1() []byte {
	b := make([]byte, 864)
	b[0] = 1
	recs := []record.Record{exRec(2, 8, 552), exRec(2, 8, 600), exRec(3, 8, 648), exRec(3, 8, 696)}
	for i, at := range []int64{512, 560, 608, 656} {
		put(b, at, recs[i], exPayload(int64(4+i)))
		recs[i].Encode(b[704+40*i:])
	}
	return b
}

// exampleE2: Table, R = 4, partition 0 (indexes 1–3), sealed, length 856.
func exampleE2() []byte {
	b := make([]byte, 856)
	b[0] = 1
	recs := []record.Record{exRec(1, 8, 592), exRec(1, 8, 640), exRec(1, 8, 688)}
	for i, at := range []int64{552, 600, 648} {
		put(b, at, recs[i], exPayload(int64(1+i)))
	}
	record.Stub(552).Encode(b[696:])
	for i, r := range recs {
		r.Encode(b[736+40*i:])
	}
	return b
}

// exampleE3: partition 2 after a snapshot at 9: first entry 10 = slot 2, unsealed.
func exampleE3() []byte {
	b := make([]byte, 640)
	put(b, 592, exRec(4, 8, 632), exPayload(10))
	return b
}

// exampleE6: T1, partition 1, payloads of 4 and 5 without their records.
func exampleE6() []byte {
	b := make([]byte, 608)
	copy(b[552:], exPayload(4))
	copy(b[600:], exPayload(5))
	return b
}

// exampleE7: T2, partition 1, entries 6 and 7 chained from offset 0, Term 3.
func exampleE7() []byte {
	b := make([]byte, 96)
	put(b, 0, exRec(3, 8, 40), exPayload(6))
	put(b, 48, exRec(3, 8, 88), exPayload(7))
	return b
}

type wantSlot struct {
	kind   partition.Kind
	term   int64
	offset int64
}

func TestWorkedExamples(t *testing.T) {
	tests := []struct {
		name      string
		bytes     []byte
		number    int64
		lastIndex int64
		// Probe
		conf   partition.Confidence
		probeR int64
		used   int64
		t1Slot int64
		damage string
		// Decode
		sealed bool
		slots  []wantSlot
		codes  []string
		// LibraryReads of 5.7.3+ (terms per slot) and whether it extends the file
		libTerms   []int64
		libExtends bool
		// Writer: re-encode and expect the same bytes
		roundTrip bool
	}{
		{name: "E1 sealed partition 1", bytes: exampleE1(), number: 1, lastIndex: 9,
			conf: partition.VeryHigh, probeR: 4, used: 4, t1Slot: -1, sealed: true,
			slots: []wantSlot{
				{partition.Written, 2, 552},
				{partition.Written, 2, 600},
				{partition.Written, 3, 648},
				{partition.Written, 3, 696},
			},
			libTerms: []int64{2, 2, 3, 3}, roundTrip: true},
		{name: "E2 sealed partition 0", bytes: exampleE2(), number: 0, lastIndex: 9,
			conf: partition.VeryHigh, probeR: 4, used: 4, t1Slot: -1, sealed: true,
			slots: []wantSlot{
				{partition.Stub, 0, 552},
				{partition.Written, 1, 592},
				{partition.Written, 1, 640},
				{partition.Written, 1, 688},
			},
			libTerms: []int64{0, 1, 1, 1}, roundTrip: true},
		{name: "E3 leading stubs", bytes: exampleE3(), number: 2, lastIndex: 10,
			conf: partition.High, used: 3, t1Slot: -1,
			slots: []wantSlot{
				{partition.Stub, 0, 552},
				{partition.Stub, 0, 592},
				{partition.Written, 4, 632},
				{partition.Unwritten, 0, 0},
			},
			codes: []string{string(finding.ZeroLeadingSlots)}, libTerms: []int64{0, 0, 4, 0}, roundTrip: true},
		{name: "E6 T1", bytes: exampleE6(), number: 1, lastIndex: 5,
			conf: partition.Medium, used: 1, t1Slot: 0, damage: "T1",
			slots: []wantSlot{
				{partition.Missing, 0, 0},
				{partition.Unwritten, 0, 0},
				{partition.Unwritten, 0, 0},
				{partition.Unwritten, 0, 0},
			},
			codes: []string{string(finding.T1MissingInlineRecords)}, libTerms: []int64{0, 0, 0, 0}},
		{name: "E7 T2", bytes: exampleE7(), number: 1, lastIndex: 8,
			conf: partition.High, used: -1, t1Slot: -1, damage: "T2",
			slots: []wantSlot{
				{partition.Unwritten, 0, 0},
				{partition.Unwritten, 0, 0},
				{partition.Written, 3, 40},
				{partition.Written, 3, 88},
			},
			codes: []string{
				string(finding.ShortHeader),
				string(finding.T2HeaderOverwritten),
			}, libTerms: []int64{0, 0, 0, 0}, libExtends: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := memFile("x", tc.number, tc.bytes)
			g := partition.Geometry{R: 4}

			p := Probe(f)
			if p.Format != Format || p.Confidence != tc.conf || p.R != tc.probeR || p.UsedSlots != tc.used ||
				p.T1Slot != tc.t1Slot {
				t.Errorf("probe %+v; want confidence %v R %d used %d T1 %d", p, tc.conf, tc.probeR, tc.used, tc.t1Slot)
			}
			if tc.damage != "" && !strings.Contains(strings.Join(p.Damage, "|"), tc.damage) {
				t.Errorf("probe damage %q lacks %q", p.Damage, tc.damage)
			}

			d := Decode(f, g, tc.lastIndex)
			if d.Sealed != tc.sealed {
				t.Errorf("Sealed = %v", d.Sealed)
			}
			for s, w := range tc.slots {
				got := d.SlotAt(int64(s))
				if got.Kind != w.kind || got.Rec.Term != w.term || got.Rec.Offset != w.offset {
					t.Errorf(
						"slot %d = %v %v, want %v term %d offset %d",
						s,
						got.Kind,
						got.Rec,
						w.kind,
						w.term,
						w.offset,
					)
				}
			}
			var codes []string
			for _, is := range d.Issues {
				codes = append(codes, string(is.Code))
			}
			if strings.Join(codes, ",") != strings.Join(tc.codes, ",") {
				t.Errorf("issues %v, want codes %v", d.Issues, tc.codes)
			}

			view := LibraryReads(f, g, tc.lastIndex, ReaderTip)
			for s, term := range tc.libTerms {
				if view.Records[s].Term != term {
					t.Errorf("5.7.3+ reads slot %d as %v, want term %d", s, view.Records[s], term)
				}
			}
			if view.Extends != tc.libExtends {
				t.Errorf("Extends = %v", view.Extends)
			}

			if tc.roundTrip {
				if got := reencode(t, f, d); !bytes.Equal(got, tc.bytes) {
					t.Errorf("re-encoded bytes differ:\n got %x\nwant %x", got, tc.bytes)
				}
			}
		})
	}
}

// TestExampleE3ScanPositions checks the scan of E3 the spec spells out:
// stub{552} at 512, stub{592} at 552, rec(10) at 592, then EOF.
func TestExampleE3ScanPositions(t *testing.T) {
	view := LibraryReads(memFile("2", 2, exampleE3()), partition.Geometry{R: 4}, 10, ReaderTip)
	want := []record.Record{record.Stub(552), record.Stub(592), exRec(4, 8, 632), record.Stub(672)}
	for s := range want {
		if view.Records[s] != want[s] {
			t.Errorf("slot %d = %v, want %v", s, view.Records[s], want[s])
		}
	}
	if view.ScanEnd != 640 {
		t.Errorf("writer position %d, want 640", view.ScanEnd)
	}
	// 5.4–5.7.2 stop at the first zero record: nothing is loaded.
	old := LibraryReads(memFile("2", 2, exampleE3()), partition.Geometry{R: 4}, 10, Reader570)
	for s, r := range old.Records {
		if !r.IsZero() {
			t.Errorf("5.7.1 slot %d = %v, want a zero record", s, r)
		}
	}
}

// TestExampleE7NextOpen: once 5.7.3+ has extended the T2 file to 512 bytes,
// byte 0 (= Term 3) reads as "sealed" and the next open throws.
func TestExampleE7NextOpen(t *testing.T) {
	b := make([]byte, 512)
	copy(b, exampleE7())
	view := LibraryReads(memFile("1", 1, b), partition.Geometry{R: 4}, 8, ReaderTip)
	if view.Err == "" || !strings.HasPrefix(view.Err, "IntegrityException") {
		t.Fatalf("next open: %+v, want IntegrityException", view)
	}
	d := Decode(memFile("1", 1, b), partition.Geometry{R: 4}, 8)
	if !hasIssue(d, finding.T2HeaderOverwritten) || d.SlotAt(int64(2)).Rec.Term != 3 ||
		d.SlotAt(int64(3)).Kind != partition.Written {
		t.Fatalf("extended T2 file: %+v", d)
	}
}
