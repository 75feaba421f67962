package v2

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/fixtures/codectest"
)

// seedPartitions adds every partition file of the fixtures (Table, legacy,
// sparse) and the worked examples to a fuzz corpus through add.
func seedPartitions(f *testing.F, add func(b []byte, number int64)) {
	files, _ := filepath.Glob(filepath.Join(fixtureRoot, "5.*", "*", "wal", "[0-9]*"))
	if len(files) == 0 {
		f.Fatal("no fixture partition files")
	}
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		add(b, numberOf(path))
	}
	for _, ex := range []struct {
		b []byte
		n int64
	}{{exampleE1(), 1}, {exampleE2(), 0}, {exampleE3(), 2}, {exampleE6(), 1}, {exampleE7(), 1}} {
		add(ex.b, ex.n)
	}
}

func FuzzProbe(f *testing.F) {
	seedPartitions(f, func(b []byte, n int64) { f.Add(b, uint8(n)) })
	f.Fuzz(func(t *testing.T, data []byte, number uint8) {
		codectest.CheckProbe(t, codec, memFile("x", int64(number%4), data))
	})
}

func FuzzDecode(f *testing.F) {
	seedPartitions(f, func(b []byte, n int64) {
		f.Add(b, uint8(4-MinR), uint8(n), int16(n*4+2)) // the fixtures' R, LastIndex inside
		f.Add(b, uint8(8-MinR), uint8(n), int16(-1))    // table-nocheck's R, LastIndex unknown
	})
	f.Fuzz(func(t *testing.T, data []byte, rSeed, number uint8, lastIndex int16) {
		g := partition.Geometry{R: MinR + int64(rSeed%15)}
		file := memFile("x", int64(number%4), data)
		d := codectest.CheckDecode(t, codec, file, g, int64(lastIndex))
		if slow := decode(file, g, int64(lastIndex), false); !reflect.DeepEqual(slow, d) {
			t.Fatalf("the sealed shortcut decodes differently:\n%+v\nwithout it:\n%+v", d, slow)
		}
		checkMemo(t, file, g, int64(lastIndex), d)
		if len(d.Issues) == 0 {
			// accepted without remark: encode(decode(x)) must be x
			if got := reencode(t, file, d); !bytes.Equal(got, data) {
				t.Fatalf("re-encoding differs at %d (sealed %v)", firstDiff(got, data), d.Sealed)
			}
		}
		for _, v := range []Reader{ReaderTip, Reader570, Reader540} {
			view := LibraryReads(file, g, int64(lastIndex), v)
			if again := LibraryReads(file, g, int64(lastIndex), v); !reflect.DeepEqual(view, again) {
				t.Fatal("LibraryReads not deterministic")
			}
			if (view.Err == "") != (int64(len(view.Records)) == g.R) {
				t.Fatalf("%v: err %q with %d records", v, view.Err, len(view.Records))
			}
			for _, rec := range view.Records {
				if off, n := LibraryPayload(file.Size, rec); n < 0 || (n > 0 && off+n > file.Size) {
					t.Fatalf("delivered range [%d,+%d) outside the file", off, n)
				}
			}
			for _, m := range Compare(d, view) {
				if m.Slot < 0 || m.Slot >= g.R || m.Library != view.Records[m.Slot] {
					t.Fatalf("mismatch %+v", m)
				}
			}
		}
	})
}

// FuzzWriter writes entries derived from the input, with either layout of
// the never-written leading slots, and requires Decode to give them back
// exactly, and Probe to recognise the file. An entry whose record is
// stub-shaped (term 0, no timestamp, no payload, no id) and comes before every
// other entry is read back as the never-written slot it is indistinguishable
// from; zero leading slots of an unsealed partition are reported.
func FuzzWriter(f *testing.F) {
	f.Add([]byte{2, 1, 1, 1, 3, 7, 30, 1, 0, 9, 12, 4})
	f.Add([]byte{0, 0, 0, 0, 2, 1, 0, 0})
	f.Add([]byte{5, 2, 3, 4, 6, 255, 19, 3, 8, 8, 8, 8, 8})
	f.Add([]byte{1, 0, 1, 0, 0})
	f.Add([]byte{4, 1, 4, 3, 2, 5, 6, 7, 8})
	f.Add([]byte{4, 1, 5, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 5, 6})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 5 {
			return
		}
		r := int64(MinR + data[0]%7)
		number := int64(data[1] % 3)
		seal, declared := data[2]&1 == 1, data[2]&2 == 2
		leading := LeadingStubs
		if data[2]&4 == 4 {
			leading = LeadingZeros
		}
		start := int64(0)
		if number == 0 {
			start = 1
		}
		first := max(int64(data[3])%r, start)
		count := int64(data[4]) % (r - first + 1)
		body := data[5:]

		var out codectest.MemFile
		var dst = &out
		w := NewWriter(dst, number, partition.Geometry{R: r})
		if err := w.SetLeading(leading); err != nil {
			t.Fatal(err)
		}
		if seal && declared {
			if err := w.SealOnClose(); err != nil {
				t.Fatal(err)
			}
		}
		type written struct {
			rec     record.Record
			payload []byte
		}
		var entries []written
		lead := int64(0) // stub-shaped entries before every other one
		for i := int64(0); i < count; i++ {
			rec, payload := fuzzEntry(body, i)
			// Every other payload is streamed (the writer cannot see its
			// bytes); the rest are written from memory in one piece.
			var pr io.Reader = bytes.NewReader(payload)
			if i%2 == 1 {
				pr = struct{ io.Reader }{pr}
			}
			if err := w.Append(first+i, rec, pr); err != nil {
				t.Fatalf("append %d: %v", first+i, err)
			}
			if rec.IsStub() && lead == i {
				lead++
			}
			entries = append(entries, written{rec, payload})
		}
		if err := w.Close(seal); err != nil {
			t.Fatal(err)
		}
		file := memFile("x", number, out.B)
		d := Decode(file, partition.Geometry{R: r}, -1)
		zeroLead := leading == LeadingZeros && first > start
		wantIssue := zeroLead && ((!seal && lead < count) || (seal && lead > 0))
		gotIssue := len(d.Issues) == 1 && d.Issues[0].Code == finding.ZeroLeadingSlots
		if d.Sealed != seal || (wantIssue != gotIssue) || (!wantIssue && len(d.Issues) > 0) {
			t.Fatalf(
				"decode: sealed %v, issues %v (want a zero-leading-slots issue: %v)",
				d.Sealed,
				d.Issues,
				wantIssue,
			)
		}
		for i, e := range entries {
			s := d.SlotAt(int64(first + int64(i)))
			if int64(i) < lead {
				if s.Kind != partition.Stub || !s.Rec.IsStub() {
					t.Fatalf("stub-shaped leading slot %d = %+v", first+int64(i), s)
				}
				continue
			}
			got := s.Rec
			got.Offset = 0
			if s.Kind != partition.Written || got != e.rec ||
				!bytes.Equal(out.B[s.Rec.Offset:s.Rec.Offset+s.Avail], e.payload) {
				t.Fatalf("slot %d = %+v, wrote %v %x", first+int64(i), s, e.rec, e.payload)
			}
		}
		p := Probe(file)
		if seal && (p.R != r || p.Confidence != partition.VeryHigh) {
			t.Fatalf("sealed file probes as %+v", p)
		}
		if !seal && count > 0 && p.UsedSlots != first+count {
			t.Fatalf("unsealed file probes as %+v, want %d used slots", p, first+count)
		}
		// Only stub-shaped records: nothing tells them from never-written
		// slots, so the re-encoding has no entry to write.
		allStubs := count > 0 && lead == count
		if !wantIssue && !allStubs && !bytes.Equal(reencode(t, file, d), out.B) {
			t.Fatal("decode → encode is not the identity")
		}
		for s := start; s < first && leading == LeadingStubs && count > 0; s++ {
			at, rec := LeadingSlot(s)
			if got, _ := file.RecordAt(at); got != rec {
				t.Fatalf("leading slot %d at %d holds %v, want the stub %v", s, at, got, rec)
			}
		}
	})
}

// fuzzEntry derives entry i's record (Offset left to the writer) and payload.
func fuzzEntry(body []byte, i int64) (record.Record, []byte) {
	at := func(k int64) byte {
		if len(body) == 0 {
			return byte(k)
		}
		return body[(k+i*4)%int64(len(body))]
	}
	rec := record.Record{
		Term:      int64(at(0)),
		Timestamp: int64(at(1)) * 1_000_000_007,
		Length:    int64(at(2) % 24),
	}
	if at(3)&1 == 1 {
		rec.Flags, rec.ID = record.FlagHasID, int32(at(3))-100
	}
	payload := make([]byte, rec.Length)
	for k := range payload {
		payload[k] = at(int64(k) + 5)
	}
	return rec, payload
}

// checkMemo: a probe and a decode over one open that share a memo (logdir's
// one-pass scan) answer what each answers alone, in either order.
func checkMemo(t *testing.T, file partition.File, g partition.Geometry, lastIndex int64, d partition.Decoded) {
	t.Helper()
	p := Probe(file)
	for _, decodeFirst := range []bool{true, false} {
		m := file
		m.Memo = &partition.Memo{}
		var dm partition.Decoded
		var pm partition.Probe
		if decodeFirst {
			dm, pm = Decode(m, g, lastIndex), Probe(m)
		} else {
			pm, dm = Probe(m), Decode(m, g, lastIndex)
		}
		if !reflect.DeepEqual(dm, d) {
			t.Fatalf("decode with a memo (after the probe: %v) differs:\n%+v\nwithout:\n%+v", !decodeFirst, dm, d)
		}
		if !reflect.DeepEqual(pm, p) {
			t.Fatalf("probe with a memo (after the decode: %v) differs:\n%+v\nwithout:\n%+v", decodeFirst, pm, p)
		}
	}
}

// TestProbeTakesTheDecodesWalks: after the decode of a sealed partition, a
// probe of the same open takes the inline walk and the footer check from
// the memo (memo entries made wrong on purpose show in its answer).
func TestProbeTakesTheDecodesWalks(t *testing.T) {
	b := exampleE1() // R = 4, partition 1, sealed: footer at 704, 4 slots used
	m := memFile("x", 1, b)
	m.Memo = &partition.Memo{}
	if d := Decode(m, partition.Geometry{R: 4}, -1); !d.Sealed {
		t.Fatal("E1 is not decoded as sealed")
	}
	start, slot := startOf(1)
	wk, fk := walkKey{end: 704, limit: 4, start: start, slot: slot}, footerKey{start: 704, r: 4}
	v, okW := m.Memo.Get(wk)
	_, okF := m.Memo.Get(fk)
	if !okW || !okF {
		t.Fatalf("the decode left no walk (%v) or footer check (%v) in the memo", okW, okF)
	}
	res := v.(walkResult)
	res.records = 999_999
	m.Memo.Put(wk, res)
	m.Memo.Put(fk, footerChain{used: 3, ok: true})
	if plain := Probe(memFile("x", 1, b)); plain.UsedSlots != 4 {
		t.Fatalf("E1's probe uses %d slots, not 4", plain.UsedSlots)
	}
	p := Probe(m)
	if !strings.Contains(strings.Join(p.Evidence, "; "), "999999 records") || p.UsedSlots != 3 {
		t.Fatalf("the probe did not take the memo: used %d, evidence %v", p.UsedSlots, p.Evidence)
	}
}
