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
	b = jsonInt(b, `{"index":`, d.Index)
	b = jsonInt(b, `,"term":`, d.Term)
	b = jsonString(b, `,"timestamp":`, d.Timestamp)
	b = jsonInt(b, `,"ticks":`, d.Ticks)
	if d.CommandID == nil {
		b = append(b, `,"commandId":null`...)
	} else {
		b = jsonInt(b, `,"commandId":`, int64(*d.CommandID))
	}
	b = jsonInt(b, `,"length":`, d.Length)
	b = jsonString(b, `,"sha256":`, d.SHA256)
	b = jsonInt(b, `,"payloadAvailable":`, d.PayloadAvailable)
	if d.Snapshot {
		b = append(b, `,"snapshot":true`...)
	}
	b = strconv.AppendBool(append(b, `,"committed":`...), d.Committed)
	b = jsonString(b, `,"state":`, d.State)
	if d.Reason != "" {
		b = jsonString(b, `,"reason":`, d.Reason)
	}
	if d.HashOK != nil {
		b = strconv.AppendBool(append(b, `,"hashOk":`...), *d.HashOK)
	}
	if d.Payload != nil {
		b = jsonString(b, `,"payload":`, *d.Payload)
	}
	if r := d.Record; r != nil {
		b = jsonString(b, `,"record":{"file":`, r.File)
		b = jsonInt(b, `,"offset":`, r.Offset)
		b = append(jsonInt(b, `,"length":`, r.Length), '}')
	}
	if d.Padding292 != nil {
		// Rare (#292-padded entries only): marshalled the ordinary way.
		q, _ := json.Marshal(d.Padding292)
		b = append(b, `,"padding292":`...)
		b = append(b, q...)
	}
	return append(b, '}')
}

// jsonInt appends key (with its punctuation) and v.
func jsonInt(b []byte, key string, v int64) []byte {
	return strconv.AppendInt(append(b, key...), v, 10)
}

// jsonString appends key (with its punctuation) and s quoted.
func jsonString(b []byte, key, s string) []byte {
	return appendJSONString(append(b, key...), s)
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
