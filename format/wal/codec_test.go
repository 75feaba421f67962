package wal

import (
	"bytes"
	"testing"

	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/record"
)

// TestDecodeCheckpoint follows the read table of spec §4.1.
func TestDecodeCheckpoint(t *testing.T) {
	cases := []struct {
		name    string
		hex     string
		form    int
		valid6x bool
		c, l    int64
		hasL    bool
		c5x     int64
		rec     int64 // Recovered (5.x reading for 5.x-sized files), -1 none
		rec5x   bool
	}{
		{"empty: fresh log", "", 0, true, 0, 0, true, 0, -1, false},
		{"5.x C=17", "11 00 00 00 00 00 00 00", 8, true, 17, 0, false, 17, -1, false},
		{"v0 C=2", "00 00 00 00 02 00 00 00 00 00 00 00", 12, true, 2, 0, false, 0x2_00000000, -1, false},
		{
			"v1 C=17 L=20",
			"01 00 00 00 11 00 00 00 00 00 00 00 14 00 00 00 00 00 00 00",
			20,
			true,
			17,
			20,
			true,
			0x11_00000001,
			-1,
			false,
		},
		{"v1 torn at 6", "01 00 00 00 11 00", -1, true, 17, 0, true, 0, 17, false},
		{"5.x torn at 6 (6.x sees version 17)", "11 00 00 00 00 00", -1, false, 0, 0, false, 0, 17, true},
		{
			"v1 torn at 12 over a v0 file",
			"01 00 00 00 11 00 00 00 00 00 00 00",
			12,
			true,
			17,
			0,
			true,
			0x11_00000001,
			-1,
			false,
		},
		{
			"v0 in 20 bytes: L ignored",
			"00 00 00 00 11 00 00 00 00 00 00 00 14 00 00 00 00 00 00 00",
			20,
			true,
			17,
			0,
			false,
			0x11_00000000,
			-1,
			false,
		},
		{
			"unsupported version 2",
			"02 00 00 00 11 00 00 00 00 00 00 00",
			12,
			false,
			0,
			0,
			false,
			0x11_00000002,
			-1,
			false,
		},
		{"1 byte", "01", -1, true, 0, 0, true, 0, -1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := unhex(t, c.hex)
			cp := DecodeCheckpoint(b, int64(len(b)))
			if cp.Form != c.form || cp.Valid6x != c.valid6x || cp.C != c.c || cp.L != c.l || cp.HasL != c.hasL ||
				cp.C5x != c.c5x {
				t.Errorf(
					"got form %d valid %v C %d L %d hasL %v C5x %d",
					cp.Form,
					cp.Valid6x,
					cp.C,
					cp.L,
					cp.HasL,
					cp.C5x,
				)
			}
			rec, ok := cp.Recovered(c.rec5x)
			if (c.rec >= 0) != ok || (ok && rec != c.rec) {
				t.Errorf("Recovered = %d, %v; want %d", rec, ok, c.rec)
			}
		})
	}
}

func TestEncodeCheckpoint(t *testing.T) {
	for _, c := range []struct {
		form int
		c, l int64
		hex  string
	}{
		{8, 17, 0, "11 00 00 00 00 00 00 00"},
		{12, 2, 0, "00 00 00 00 02 00 00 00 00 00 00 00"},
		{20, 17, 20, "01 00 00 00 11 00 00 00 00 00 00 00 14 00 00 00 00 00 00 00"},
	} {
		got, err := EncodeCheckpoint(c.form, c.c, c.l)
		if err != nil || !bytes.Equal(got, unhex(t, c.hex)) {
			t.Errorf("EncodeCheckpoint(%d, %d, %d) = % X, %v", c.form, c.c, c.l, got, err)
		}
	}
	if _, err := EncodeCheckpoint(6, 1, 1); err == nil {
		t.Error("form 6 accepted")
	}
}

// TestDecodeState uses the example of spec §5.4 and the short-file rule.
func TestDecodeState(t *testing.T) {
	b := unhex(
		t,
		"01 | 7F 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 | 04 00 00 00 BE 0C 00 00 | 02 00 00 00 | 05 00 00 00 00 00 00 00",
	)
	ns := DecodeState(b, int64(len(b)))
	if ns.Term != 5 || !ns.HasVote || ns.Vote.Endpoint != "127.0.0.1:3262" ||
		nodestate.FormatID(ns.Vote.Raw) != "7F00000100000000000000000000000004000000BE0C000002000000" {
		t.Errorf("decoded %+v", ns)
	}
	if got := EncodeState(ns); !bytes.Equal(got, b) {
		t.Errorf("EncodeState = % X", got)
	}
	id, err := MemberIDFromEndpoint("127.0.0.1:3262")
	if err != nil || id != ns.Vote {
		t.Errorf("MemberIDFromEndpoint = %+v, %v", id, err)
	}
	v6, err := MemberIDFromEndpoint("[::1]:8080")
	if err != nil || v6.Endpoint != "[::1]:8080" {
		t.Errorf("IPv6 id = %+v, %v", v6, err)
	}
	short := DecodeState(b[:12], 12)
	if short.Term != 0 || short.HasVote || short.Size != 12 || short.ExpectedSize != StateSize {
		t.Errorf("a 12-byte state must read as the library resets it: %+v", short)
	}
	// A DnsEndPoint id (hashed host) is not reversible.
	var raw [28]byte
	copy(raw[:], unhex(t, "11 22 33 44 55 66 77 88 00 00 00 00 00 00 00 00 09 00 00 00 BE 0C 00 00 00 00 00 00"))
	if id := DecodeMemberID(raw); id.Endpoint != "" {
		t.Errorf("hashed id decoded as %q", id.Endpoint)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	recs := []record.Record{
		{Term: 1, Length: 5, Offset: 0},
		{Term: 4, Length: 39, Offset: 0x2a55, Flags: FlagHasID, ID: 11},
		{Term: 7, Length: 10, Offset: -1, Flags: FlagConfiguration},
	}
	for _, r := range recs {
		for _, size := range []int64{RecordSize6, RecordSize5} {
			b, err := EncodeRecord(r, size)
			if err != nil {
				t.Fatal(err)
			}
			back, err := DecodeRecord(b, size)
			if err != nil || back != r || int64(len(b)) != size {
				t.Errorf("size %d: %v → % X → %v (%v)", size, r, b, back, err)
			}
		}
	}
	if _, err := EncodeRecord(record.Record{Timestamp: 1}, RecordSize6); err == nil {
		t.Error("a timestamp was accepted by the 32-byte record")
	}
	if _, err := DecodeRecord(make([]byte, 31), RecordSize6); err == nil {
		t.Error("31 bytes decoded")
	}
	// Spec §3.10: index 2 of the worked example.
	b := unhex(t, "01 00 00 00 00 00 00 00 05 00 00 00 00 00 00 00 05 00 00 00 00 00 00 00 01 00 00 00 07 00 00 00")
	r, _ := DecodeRecord(b, RecordSize6)
	if r.Term != 1 || r.Length != 5 || r.Offset != 5 || r.CommandID() == nil || *r.CommandID() != 7 {
		t.Errorf("worked example decoded as %v", r)
	}
}

func TestRecordProblem(t *testing.T) {
	cases := []struct {
		r    record.Record
		want error
	}{
		{record.Record{Term: 1, Length: 5}, nil},
		{record.Record{Length: -1}, errNegativeLength},
		{record.Record{Offset: -5}, errOffsetHigh},
		{record.Record{Offset: 1 << 62, Length: 1 << 62}, errEndOverflow},
		{record.Record{Flags: 4}, errUnknownFlags},
		{record.Record{Timestamp: -1}, errTicksRange},
		{record.Record{Flags: FlagConfiguration | FlagHasID, ID: 3}, nil},
	}
	for _, c := range cases {
		if got := recordProblem(c.r); got != c.want {
			t.Errorf("%v: %v, want %v", c.r, got, c.want)
		}
	}
}

func TestParsePageName(t *testing.T) {
	cases := []struct {
		name      string
		n         uint32
		canonical bool
		ok        bool
	}{
		{"0", 0, true, true},
		{"17", 17, true, true},
		{"007", 7, false, true},
		{"+7", 7, false, true},
		{" 7 ", 7, false, true},
		{"-0", 0, false, true},
		{"-1", 0, false, false},
		{"4294967295", 4294967295, true, true},
		{"4294967296", 0, false, false},
		{"42949672950", 0, false, false},
		{"7.tmp", 0, false, false},
		{"", 0, false, false},
	}
	for _, c := range cases {
		n, canonical, ok := parsePageName(c.name)
		if n != c.n || canonical != c.canonical || ok != c.ok {
			t.Errorf("parsePageName(%q) = %d %v %v", c.name, n, canonical, ok)
		}
	}
}

func TestParseSnapshotName(t *testing.T) {
	cases := []struct {
		name        string
		index, term int64
		ok          bool
	}{
		{"300-6", 300, 6, true},
		{"200-4", 200, 4, true},
		{"1-2-3", 0, 0, false},
		{"x-1", 0, 0, false},
		{"-5", 0, 0, false},
		{"9223372036854775807-1", 9223372036854775807, 1, true},
		{"9223372036854775808-1", 0, 0, false},
		// 20 digits whose product by 10 wraps uint64 around: still too large.
		{"20000000000000000000-1", 0, 0, false},
	}
	for _, c := range cases {
		i, term, ok := parseSnapshotName(c.name)
		if i != c.index || term != c.term || ok != c.ok {
			t.Errorf("parseSnapshotName(%q) = %d %d %v", c.name, i, term, ok)
		}
	}
}
