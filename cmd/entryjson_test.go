package cmd

import (
	"encoding/json"
	"testing"

	"github.com/walctl/walctl/raftlog"
)

// appendEntryJSON must give json.Marshal's bytes for every shape of entry:
// optional fields on and off, strings that need escaping, extreme numbers.
func TestEntryJSONMatchesMarshal(t *testing.T) {
	id, neg := int32(7), int32(-2147483648)
	yes, no := true, false
	payload, odd := "aGVsbG8=", "<tag> & \"q\" \\ \x01 é \u2028"
	rec := raftlog.Location{File: "wal/0", Offset: 552, Length: 40}
	for i, d := range []entryDoc{
		{},
		{Index: 1, Term: 2, Timestamp: "2025-01-01T00:00:00.0000000Z", Ticks: 638712864000000000, CommandID: &id, Length: 5,
			SHA256: "2cf24dba", PayloadAvailable: 5, Committed: true, State: "ok", Payload: &payload, Record: &rec},
		{Index: -1 << 63, Term: 1<<63 - 1, CommandID: &neg, Snapshot: true, HashOK: &yes, State: "torn", Reason: odd},
		{Index: 3, HashOK: &no, Reason: "cut at byte 9", Payload: &odd, Record: &raftlog.Location{File: odd, Offset: -1}},
		{Index: 15, Length: 2264, Record: &rec, Padding292: &paddingDoc{Bytes: 764, Boundary: 12288, TrueOffset: 12288,
			TrueLength: 1500, TrueSHA256: "4a1d8015", Proven: true, PayloadShown: "appended"}},
		{Index: 16, Padding292: &paddingDoc{Bytes: 1, Missing: odd, PayloadShown: "delivered"}},
	} {
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendEntryJSON(nil, &d); string(got) != string(want) {
			t.Errorf("case %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func FuzzEntryJSON(f *testing.F) {
	f.Add(int64(1), int64(1), "ok", "", "aGk=", "0", int64(0), true)
	f.Add(int64(-5), int64(1<<40), "torn", "<\u2028>", "\xff\xfe", "wal/1", int64(-1), false)
	f.Fuzz(func(t *testing.T, index, term int64, state, reason, payload, file string, off int64, flag bool) {
		id := int32(index)
		d := entryDoc{
			Index:            index,
			Term:             term,
			Timestamp:        reason,
			Ticks:            off,
			Length:           term,
			SHA256:           state,
			PayloadAvailable: index,
			Snapshot:         flag,
			Committed:        !flag,
			State:            state,
			Reason:           reason,
		}
		if flag {
			d.CommandID, d.HashOK, d.Payload, d.Record = &id, &flag, &payload, &raftlog.Location{
				File:   file,
				Offset: off,
				Length: index,
			}
		}
		want, _ := json.Marshal(d)
		if got := appendEntryJSON(nil, &d); string(got) != string(want) {
			t.Fatalf("got %s\nwant %s", got, want)
		}
	})
}
