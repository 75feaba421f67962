package gen

import (
	"bytes"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/ps"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// fuzzLog turns fuzz bytes into a log: byte 0 picks the format, byte 1 R,
// then each 2 bytes are one entry (a term step and command-id bit, a
// length); payload bytes are cut from the input itself.
type fuzzLog struct {
	cfg     ps.Config
	entries []ps.Entry
	bodies  [][]byte
}

func decodeFuzz(in []byte) (fuzzLog, bool) {
	if len(in) < 2 {
		return fuzzLog{}, false
	}
	var fl fuzzLog
	fl.cfg = ps.Config{Format: []format.Format{format.Legacy, format.V2, format.Sparse}[int(in[0])%3], R: 2 + int64(in[1]%9)}
	if fl.cfg.Format == format.Sparse {
		fl.cfg.M = 64
	}
	term := int64(1)
	for i := 2; i+1 < len(in) && len(fl.entries) < 64; i += 2 {
		term += int64(in[i] >> 6 & 1)
		e := ps.Entry{Index: int64(len(fl.entries) + 1), Term: term, Ticks: BaseTicks + int64(in[i]), Length: int64(in[i+1] % 65)}
		if in[i]&1 == 1 {
			id := int32(in[i] >> 1)
			e.CommandID = &id
		}
		body := bytes.Repeat(in[i:i+2], int(e.Length))[:e.Length]
		fl.entries = append(fl.entries, e)
		fl.bodies = append(fl.bodies, body)
	}
	return fl, len(fl.entries) > 0
}

// FuzzLogWriter: any sequence of entries LogWriter accepts gives a log that
// walctl verifies without an error and reads back entry for entry, and
// writing what logdir decoded again gives the same bytes
// (encode(decode(x)) == x).
func FuzzLogWriter(f *testing.F) {
	for _, name := range []string{"5.26.2/legacy-basic", "5.26.2/table-basic", "5.26.2/sparse-basic"} {
		fx := fixtures.Load(f, fixtures.Root()+"/"+name)
		seed := []byte{byte(len(name)), byte(fx.Manifest.Settings.RecordsPerPartition - 2)}
		for _, e := range fx.Manifest.Appended {
			seed = append(seed, byte(e.Term<<6|e.Index&1), byte(e.Length))
		}
		f.Add(seed)
	}
	f.Add([]byte{1, 2, 0, 0, 64, 64, 1, 3})
	f.Fuzz(func(t *testing.T, in []byte) {
		fl, ok := decodeFuzz(in)
		if !ok {
			return
		}
		dir := t.TempDir()
		w, err := ps.Create(dir, fl.cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range fl.entries {
			if err := w.Append(e, bytes.NewReader(fl.bodies[i])); err != nil {
				t.Fatalf("append %+v: %v", e, err)
			}
		}
		last := fl.entries[len(fl.entries)-1]
		if err := w.Close(mustState(t, last.Index, last.Term)); err != nil {
			t.Fatal(err)
		}
		o := logdir.Options{Format: fl.cfg.Format, R: fl.cfg.R, M: fl.cfg.M}
		doc, err := verifyDir(dir, o)
		if err != nil {
			t.Fatal(err)
		}
		if doc.Findings.HasErrors() || doc.Summary.Entries != int64(len(fl.entries)) {
			t.Fatalf("verify %s: %d entries, findings %+v", doc.Verdict, doc.Summary.Entries, doc.Findings)
		}
		readBack(t, dir, o, fl)
		again := t.TempDir()
		rewrite(t, dir, fl.cfg, again)
		if diff := diffDirs(t, dir, again); diff != "" {
			t.Fatalf("rewriting the decoded log changed it: %s", diff)
		}
	})
}

func readBack(t *testing.T, dir string, o logdir.Options, fl fuzzLog) {
	l, err := logdir.Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	i := 0
	err = l.Entries(l.First, l.Last, func(got raftlog.Entry) bool {
		want := fl.entries[i]
		r, err := l.Payload(got)
		if err != nil {
			t.Fatal(err)
		}
		if got.Index != want.Index || got.Term != want.Term || got.Ticks != want.Ticks || got.Length != want.Length ||
			!sameID(got.CommandID, want.CommandID) || digest(t, r) != digest(t, bytes.NewReader(fl.bodies[i])) {
			t.Fatalf("index %d: read %+v, wrote %+v", want.Index, got, want)
		}
		i++
		return true
	})
	if err != nil || i != len(fl.entries) {
		t.Fatalf("read %d of %d entries: %v", i, len(fl.entries), err)
	}
}
