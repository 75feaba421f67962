package legacy

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/hostile"
)

// seedFiles adds every legacy fixture partition and E4 to a fuzz corpus.
func seedFiles(f *testing.F, add func(b []byte, number int64)) {
	paths, _ := filepath.Glob(filepath.Join(fixtures.Root(), "*", "*", "wal", "[0-9]*"))
	for _, p := range paths {
		if !bytes.Contains([]byte(p), []byte("legacy")) {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		n := int64(0)
		if base := filepath.Base(p); base != "0" {
			n = int64(base[0] - '0')
		}
		add(b, n)
	}
	for _, n := range []int64{0, 1} {
		b, _, _ := e4(n)
		add(b, n)
	}
}

func FuzzProbe(f *testing.F) {
	seedFiles(f, func(b []byte, n int64) { f.Add(b, uint8(n)) })
	f.Fuzz(func(t *testing.T, data []byte, number uint8) {
		file := fileOf(data, int64(number%4))
		var p partition.Probe
		if got := hostile.AllocBytes(func() { p = Probe(file) }); got > hostile.Budget(file.Size) {
			t.Fatalf("Probe allocates %d bytes for a %d-byte file", got, file.Size)
		}
		if !reflect.DeepEqual(p, Probe(file)) {
			t.Fatal("Probe is not deterministic")
		}
		if p.Format != Format || len(p.Evidence) == 0 || p.T1Slot != -1 {
			t.Fatalf("probe %+v", p)
		}
		if p.R != 0 && (p.R < MinRecords || p.R > MaxRecords || !p.Explains()) {
			t.Fatalf("R %d with confidence %v", p.R, p.Confidence)
		}
		if p.R > 0 && (p.UsedSlots < 0 || p.UsedSlots > p.R) {
			t.Fatalf("UsedSlots %d with R %d", p.UsedSlots, p.R)
		}
		if p.R > 0 && p.R <= 4096 { // the proven R decodes the file
			d := Decode(file, partition.Geometry{R: p.R}, -1)
			// Slots end at the last used slot (partition.Decoded).
			if int64(len(d.Slots)) != highestUsed(d)+1 || highestUsed(d)+1 != p.UsedSlots {
				t.Fatalf("decode with the probed R=%d: %d slots, highest used %d, probe said %d",
					p.R, len(d.Slots), highestUsed(d), p.UsedSlots)
			}
		}
	})
}

func FuzzDecode(f *testing.F) {
	seedFiles(f, func(b []byte, n int64) { f.Add(b, uint8(2), uint8(n), int8(-1)) })
	f.Fuzz(func(t *testing.T, data []byte, r, number uint8, lastIndex int8) {
		g := partition.Geometry{R: 2 + int64(r%14)}
		file := fileOf(data, int64(number%4))
		var d partition.Decoded
		// Memory follows the input, never a claimed length or R.
		if got := hostile.AllocBytes(func() { d = Decode(file, g, int64(lastIndex)) }); got > hostile.Budget(file.Size) {
			t.Fatalf("Decode allocates %d bytes for a %d-byte file", got, file.Size)
		}
		if !reflect.DeepEqual(d, Decode(file, g, int64(lastIndex))) {
			t.Fatal("Decode is not deterministic")
		}
		// Slots stop at the last used slot: memory follows what the file
		// holds, never R alone.
		if int64(len(d.Slots)) > g.R || int64(len(d.Slots)) != highestUsed(d)+1 {
			t.Fatalf("%d slots for R %d, highest used %d", len(d.Slots), g.R, highestUsed(d))
		}
		checkSlots(t, d, file)
		checkIssues(t, d)
		recs, err := LibraryReads(file, g)
		if (err != nil) != (file.Size < g.R*record.Size) {
			t.Fatalf("LibraryReads: %v for a %d-byte file", err, file.Size)
		}
		for s, rec := range recs {
			if sl := d.SlotAt(int64(s)); sl.Kind != partition.Unwritten && sl.Rec != rec {
				t.Fatalf("slot %d: decoded %v, library reads %v", s, sl.Rec, rec)
			}
		}
		if len(d.Issues) == 0 {
			if out, same := reencode(t, d, data, g); same && !bytes.Equal(out, data) {
				t.Fatalf("accepted file not reproduced:\n got %x\nwant %x", out, data)
			}
		}
	})
}

// checkSlots: payload ranges lie inside the file and agree with Kind.
func checkSlots(t *testing.T, d partition.Decoded, file partition.File) {
	t.Helper()
	for i, s := range d.Slots {
		if s.Slot != int64(i) {
			t.Fatalf("slot %d numbered %d", i, s.Slot)
		}
		switch s.Kind {
		case partition.Unwritten:
			if !s.Rec.IsZero() || s.Avail != 0 {
				t.Fatalf("unwritten slot %d: %+v", i, s)
			}
			continue
		case partition.Written:
			if s.Avail != s.Rec.Length {
				t.Fatalf("written slot %d: avail %d of %d", i, s.Avail, s.Rec.Length)
			}
		case partition.Torn:
			if s.Avail >= s.Rec.Length {
				t.Fatalf("torn slot %d: avail %d of %d", i, s.Avail, s.Rec.Length)
			}
		case partition.Invalid:
		default:
			t.Fatalf("slot %d: kind %v", i, s.Kind)
		}
		if s.Avail < 0 || (s.Avail > 0 && (s.Rec.Offset < 0 || s.Rec.Offset > file.Size-s.Avail)) {
			t.Fatalf("slot %d: payload [%d,+%d) outside a %d-byte file", i, s.Rec.Offset, s.Avail, file.Size)
		}
		if s.At < 0 || s.At%record.Size != 0 || s.At >= file.Size {
			t.Fatalf("slot %d: record at %d", i, s.At)
		}
	}
}

var knownCodes = map[finding.Code]bool{finding.InvalidGeometry: true, finding.PartitionShorterThanPrologue: true, finding.TornTail: true,
	finding.InvalidRecord: true, finding.PayloadOverlap: true, finding.ProloguePayloadBehindZeroRecords: true, finding.UnreferencedTail: true,
	finding.SlotZeroWritten: true}

func checkIssues(t *testing.T, d partition.Decoded) {
	t.Helper()
	for _, i := range d.Issues {
		if !knownCodes[i.Code] || i.Message == "" || i.Slot < -1 || i.Slot >= int64(len(d.Slots)) {
			t.Fatalf("issue %v", i)
		}
		switch i.Severity {
		case partition.Error, partition.Warning, partition.Info:
		default:
			t.Fatalf("issue severity %q", i.Severity)
		}
	}
}

// entriesFrom turns fuzz bytes into a valid append sequence.
type entry struct {
	slot    int64
	rec     record.Record
	payload []byte
}

func entriesFrom(data []byte, number, r int64) []entry {
	var out []entry
	for s := int64(0); s < r && len(data) >= 6; s++ {
		ctl, n := data[0], int64(data[1]%48)
		term := int64(binary.LittleEndian.Uint16(data[2:]))
		id := int32(int8(data[4]))
		data = data[5:]
		if ctl%3 == 0 || (number == 0 && s == 0) {
			continue // an unused slot
		}
		n = min(n, int64(len(data)))
		rec := record.Record{Term: term, Timestamp: ts2025 + term, Length: n}
		if ctl%2 == 0 {
			rec.Flags, rec.ID = record.FlagHasID, id
		}
		out = append(out, entry{s, rec, data[:n]})
		data = data[n:]
	}
	return out
}

func FuzzWriter(f *testing.F) {
	f.Add([]byte("\x01\x08\x01\x00\x00payload1\x02\x00\x02\x00\x07\x04\x10\x03\x00\x00sixteen bytes!!!"), uint8(2), uint8(1))
	f.Add(bytes.Repeat([]byte{1, 3, 9, 0, 5, 'a', 'b', 'c'}, 10), uint8(6), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, r, number uint8) {
		g := partition.Geometry{R: 2 + int64(r%14)}
		num := int64(number % 3)
		entries := entriesFrom(data, num, g.R)
		var m memFile
		w, err := NewWriter(&m, num, g)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if err := w.Append(e.slot, e.rec, bytes.NewReader(e.payload)); err != nil {
				t.Fatalf("append slot %d: %v", e.slot, err)
			}
		}
		if err := w.Close(false); err != nil {
			t.Fatal(err)
		}
		file := fileOf(m.b, num)
		d := Decode(file, g, -1)
		if len(d.Issues) != 0 {
			t.Fatalf("issues on a written file: %v", d.Issues)
		}
		want := map[int64]entry{}
		offset := g.R * record.Size
		for _, e := range entries {
			e.rec.Offset = offset
			offset += e.rec.Length
			want[e.slot] = e
		}
		for _, s := range d.Slots {
			e, ok := want[s.Slot]
			switch {
			case !ok && s.Kind != partition.Unwritten:
				t.Fatalf("slot %d: %v, nothing appended", s.Slot, s.Kind)
			case ok && (s.Kind != partition.Written || s.Rec != e.rec):
				t.Fatalf("slot %d: %v %v, appended %v", s.Slot, s.Kind, s.Rec, e.rec)
			case ok && !bytes.Equal(m.b[s.Rec.Offset:s.Rec.Offset+s.Avail], e.payload):
				t.Fatalf("slot %d: payload differs", s.Slot)
			}
		}
		if out, same := reencode(t, d, m.b, g); !same || !bytes.Equal(out, m.b) {
			t.Fatal("decode(encode(x)) re-encodes differently")
		}
		if p := Probe(file); len(entries) > 0 && (p.R != g.R || p.Confidence < partition.Medium) {
			t.Fatalf("probe of a written partition: %+v", p)
		}
	})
}
