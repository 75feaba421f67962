package sparse

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/fixtures/codectest"
)

// seedFiles adds every sparse fixture partition and E5 to a fuzz corpus.
func seedFiles(f *testing.F, add func(b []byte, number int64)) {
	codectest.SeedFixtures(f, "*/*sparse*", add)
	for _, n := range []int64{0, 1} {
		b, _, _ := e5(n)
		add(b, n)
	}
}

func FuzzProbe(f *testing.F) {
	seedFiles(f, func(b []byte, n int64) { f.Add(b, uint8(n)) })
	f.Fuzz(func(t *testing.T, data []byte, number uint8) {
		codectest.CheckProbe(t, codec, codectest.FileOf(data, int64(number%4)))
	})
}

func FuzzDecode(f *testing.F) {
	seedFiles(f, func(b []byte, n int64) { f.Add(b, uint8(2), uint16(1024), uint8(n), int8(-1)) })
	f.Fuzz(func(t *testing.T, data []byte, r uint8, m uint16, number uint8, lastIndex int8) {
		g := partition.Geometry{R: 2 + int64(r%14), M: 1 + int64(m%2048)}
		file := codectest.FileOf(data, int64(number%4))
		d := codectest.CheckDecode(t, codec, file, g, int64(lastIndex))
		codectest.LibraryAgrees(t, codec, d, file, g)
		if len(d.Issues) == 0 {
			if out, same := codectest.Reencode(t, codec, d, data, g); same && !bytes.Equal(out, data) {
				t.Fatalf("accepted file not reproduced:\n got %x\nwant %x", out, data)
			}
		}
	})
}

// entriesFrom turns fuzz bytes into a valid append sequence with Length ≤ M.
func entriesFrom(data []byte, number int64, g partition.Geometry) []codectest.Entry {
	var out []codectest.Entry
	for s := int64(0); s < g.R && len(data) >= 5; s++ {
		ctl, n := data[0], int64(data[1])%(g.M+1)
		term := int64(binary.LittleEndian.Uint16(data[2:]))
		data = data[4:]
		if ctl%3 == 0 || (number == 0 && s == 0) {
			continue
		}
		n = min(n, int64(len(data)))
		rec := record.Record{Term: term, Timestamp: ts2025 + term, Length: n}
		if ctl%2 == 0 {
			rec.Flags, rec.ID = record.FlagHasID, int32(ctl)
		}
		out = append(out, codectest.Entry{Slot: s, Rec: rec, Payload: data[:n]})
		data = data[n:]
	}
	return out
}

func FuzzWriter(f *testing.F) {
	f.Add(
		[]byte("\x01\x08\x01\x00payload1\x02\x00\x02\x00\x04\x10\x03\x00sixteen bytes!!!"),
		uint8(2),
		uint8(16),
		uint8(1),
	)
	f.Add(bytes.Repeat([]byte{1, 3, 9, 0, 'a', 'b', 'c'}, 10), uint8(6), uint8(3), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, r, m, number uint8) {
		g := partition.Geometry{R: 2 + int64(r%14), M: 1 + int64(m%64)}
		num := int64(number % 3)
		entries := entriesFrom(data, num, g)
		for i := range entries { // each record at its slot, the payload right behind it
			entries[i].Rec.Offset = entries[i].Slot*(g.M+record.Size) + record.Size
		}
		b, _ := codectest.Written(t, codec, num, g, entries)
		file := codectest.FileOf(b, num)
		if p := Probe(file); len(entries) >= 3 && p.Confidence < partition.Medium {
			t.Fatalf("probe of a written partition with %d entries: %+v", len(entries), p)
		}
	})
}
