package cmd

import (
	"encoding/json"
	"strconv"
)

// appendEntryJSON appends d as encoding/json would marshal it, byte for
// byte, without reflection: inspect --entries --json writes one object per
// entry, and json.Marshal took a quarter of its time on large logs.
// TestEntryJSONMatchesMarshal holds it to json.Marshal's output.
func appendEntryJSON(b []byte, d *entryDoc) []byte {
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, d.Index, 10)
	b = append(b, `,"term":`...)
	b = strconv.AppendInt(b, d.Term, 10)
	b = append(b, `,"timestamp":`...)
	b = appendJSONString(b, d.Timestamp)
	b = append(b, `,"ticks":`...)
	b = strconv.AppendInt(b, d.Ticks, 10)
	b = append(b, `,"commandId":`...)
	if d.CommandID == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(*d.CommandID), 10)
	}
	b = append(b, `,"length":`...)
	b = strconv.AppendInt(b, d.Length, 10)
	b = append(b, `,"sha256":`...)
	b = appendJSONString(b, d.SHA256)
	b = append(b, `,"payloadAvailable":`...)
	b = strconv.AppendInt(b, d.PayloadAvailable, 10)
	if d.Snapshot {
		b = append(b, `,"snapshot":true`...)
	}
	b = append(b, `,"committed":`...)
	b = strconv.AppendBool(b, d.Committed)
	b = append(b, `,"state":`...)
	b = appendJSONString(b, d.State)
	if d.Reason != "" {
		b = append(b, `,"reason":`...)
		b = appendJSONString(b, d.Reason)
	}
	if d.HashOK != nil {
		b = append(b, `,"hashOk":`...)
		b = strconv.AppendBool(b, *d.HashOK)
	}
	if d.Payload != nil {
		b = append(b, `,"payload":`...)
		b = appendJSONString(b, *d.Payload)
	}
	if r := d.Record; r != nil {
		b = append(b, `,"record":{"file":`...)
		b = appendJSONString(b, r.File)
		b = append(b, `,"offset":`...)
		b = strconv.AppendInt(b, r.Offset, 10)
		b = append(b, `,"length":`...)
		b = strconv.AppendInt(b, r.Length, 10)
		b = append(b, '}')
	}
	if d.Padding292 != nil {
		// Rare (#292-padded entries only): marshalled the ordinary way.
		q, _ := json.Marshal(d.Padding292)
		b = append(b, `,"padding292":`...)
		b = append(b, q...)
	}
	return append(b, '}')
}

// appendJSONString appends s quoted as encoding/json quotes it: plain
// printable ASCII directly, anything else (escapes, <, >, &, non-ASCII)
// through json.Marshal itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
