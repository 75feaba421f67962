package diff

import (
	"reflect"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/raftlog"
)

// damage marks entries of a fake replica as its own read finds them:
// "d" damaged (a record the codec rejects), "e" an empty slot the library
// reads as Term 0, Length 0, "h" a payload that fails its hash; file names
// the partition file each lies in.
func damage(r Replica, state map[int64]string, file string, findings ...raftlog.Finding) Replica {
	f := r.Log.(*fakeLog)
	for k := range f.entries {
		e := &f.entries[k]
		e.Record.File = file
		switch state[e.Index] {
		case "d":
			e.State, e.Reason = raftlog.EntryDamaged, "zero record followed by payload bytes"
			e.Term, e.Length = 0, 0
			f.payloads[e.Index] = nil
		case "e":
			*e = raftlog.Entry{Index: e.Index, State: raftlog.EntryEmpty, Record: e.Record}
			f.payloads[e.Index] = nil
		case "h":
			e.State, e.Reason = raftlog.EntryDamaged, "hash mismatch"
			f.payloads[e.Index] = append([]byte("x"), f.payloads[e.Index]...)
		}
	}
	r.Findings = findings
	r.State.LastIndex = r.Last
	return r
}

// The classes: a node's own damage where the others hold the entries
// intact is local damage (with the defect its files show, and the command
// that heals it); a log that ends early is behind; intact entries of other
// terms are a divergence. The facts stay what the library reads.
func TestClasses(t *testing.T) {
	t1 := raftlog.Finding{Severity: raftlog.Error, Code: "t1-missing-inline-records", File: "1", Index: 3}
	cases := []struct {
		name    string
		reps    []Replica
		classes []string // class node indexes bug, in order
		bug244  map[string][]int64
		codes   []string
	}{
		{"a T1 leader", []Replica{
			damage(fake("n1", 5, "1 1 1 1 1", 0, 0), map[int64]string{3: "d", 4: "e", 5: "e"}, "1", t1),
			fake("n2", 5, "1 1 1 1 1", 0, 0), fake("n3", 5, "1 1 1 1 1", 0, 0)},
			[]string{"local-damage n1 3–5 DotNext #244 T1"}, map[string][]int64{"n1": {3, 4, 5}},
			[]string{"error replica-local-damage"}},
		{"damage without a known signature, and a node behind", []Replica{
			damage(fake("n1", 4, "1 1 1 1", 0, 0), map[int64]string{2: "d"}, "0"),
			fake("n2", 4, "1 1 1 1", 0, 0), fake("n3", 2, "1 1", 0, 0)},
			[]string{"local-damage n1 2 ", "behind n3 3–4 "}, nil,
			[]string{"info replica-behind", "error replica-local-damage"}},
		// Two leaders, each damaged where it led: each heals from the other,
		// which holds those indexes intact.
		{"two damaged nodes, no clean one", []Replica{
			damage(fake("n1", 4, "1 1 1 1", 0, 0), map[int64]string{2: "d"}, "0"),
			damage(fake("n2", 4, "1 1 1 1", 0, 0), map[int64]string{4: "e"}, "1")},
			[]string{"local-damage n1 2 ", "local-damage n2 4 "}, nil,
			[]string{"error replica-local-damage", "error replica-local-damage"}},
		{"uncommitted damage is a warning", []Replica{
			damage(fake("n1", 2, "1 1 1", 0, 0), map[int64]string{3: "e"}, "0"),
			fake("n2", 3, "1 1 1", 0, 0)},
			[]string{"local-damage n1 3 "}, nil, []string{"warning replica-local-damage"}},
		{"a divergence stays one", []Replica{
			fake("n1", 3, "1 1 1", 0, 0), fake("n2", 3, "1 1 2", 0, 0), fake("n3", 2, "1 1 2", 0, 0)},
			[]string{"divergence n1 3 "}, nil, []string{"error replica-divergent-committed"}},
		// No node holds entry 3 intact: nothing tells whose copy is right, so
		// it is not called local damage (the differing copies are compared as
		// read, and each node's damage is reported).
		{"damaged everywhere: nothing intact to call it local", []Replica{
			damage(fake("n1", 3, "1 1 1", 0, 0), map[int64]string{3: "d"}, "0"),
			damage(fake("n2", 3, "1 1 1", 0, 0), map[int64]string{3: "h"}, "0")},
			[]string{"divergence n1 3 "}, nil,
			[]string{
				"error replica-divergent-committed",
				"warning replica-entry-damaged",
				"warning replica-entry-damaged",
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := mustCompare(t, c.reps, Options{})
			var logs []oLog
			for _, rep := range c.reps {
				logs = append(logs, oracleOfFake(rep))
			}
			if got, want := factsOf(r), oracle(logs...); !reflect.DeepEqual(got, want) {
				t.Errorf("facts (as the library reads the logs)\n got %+v\nwant %+v", got, want)
			}
			var got []string
			for _, d := range r.Differences {
				var rs []string
				for _, rg := range d.Indexes {
					rs = append(rs, rg.String())
				}
				got = append(got, d.Class+" "+d.Node+" "+strings.Join(rs, ",")+" "+d.Bug)
				if d.Class == ClassLocalDamage &&
					(d.Source == "" || !strings.HasPrefix(d.Heal, "walctl repair --from /logs/"+d.Source+" --apply /logs/"+d.Node)) {
					t.Errorf("heal %q from %q", d.Heal, d.Source)
				}
			}
			if !reflect.DeepEqual(got, c.classes) {
				t.Errorf("classes %q, want %q", got, c.classes)
			}
			if !reflect.DeepEqual(r.Damaged244, c.bug244) {
				t.Errorf("damaged244 %v, want %v", r.Damaged244, c.bug244)
			}
			var codes []string
			for _, f := range r.Findings {
				if f.Severity != raftlog.Info || f.Code == finding.ReplicaBehind {
					codes = append(codes, string(f.Severity)+" "+string(f.Code))
				}
			}
			if !reflect.DeepEqual(codes, c.codes) {
				t.Errorf("findings %v, want %v", codes, c.codes)
			}
			if len(c.classes) > 0 && strings.HasPrefix(c.classes[0], "local-damage") && r.OK() {
				t.Error("OK with local damage")
			}
		})
	}
}
