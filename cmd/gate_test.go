package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/raftlog"
)

// gateDoc is the part of verify --json the gate tests read.
type gateDoc struct {
	Verdict  string           `json:"verdict"`
	Findings raftlog.Findings `json:"findings"`
	Target   *struct {
		Opens  bool `json:"opens"`
		Intact bool `json:"intact"`
	} `json:"target"`
}

// targetErrors are the gate's error findings: "release V reads the log
// otherwise than its writer".
func (d gateDoc) targetErrors() []string {
	var out []string
	for _, f := range d.Findings {
		if strings.HasPrefix(string(f.Code), "target-") && f.Severity == raftlog.Error {
			out = append(out, string(f.Code)+": "+f.Message)
		}
	}
	return out
}

// verifyTarget runs verify --json --target-version v on a fixture.
func verifyTarget(t *testing.T, f fixtures.Fixture, v string, more ...string) (gateDoc, int) {
	t.Helper()
	args := append(append([]string{"verify", "--json", "--target-version", v}, more...), f.WAL)
	out, errs, code := runReadOnly(t, f.WAL, withSettings(t, f, args...)...)
	if code == exitError {
		t.Fatalf("verify --target-version %s: exit 2: %s", v, errs)
	}
	var doc gateDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Target == nil {
		t.Fatalf("verify --json: %v\n%s", err, out)
	}
	return doc, code
}

// The acceptance of issue 15 and 19: for every cross read the library made
// (readback-by-<V>.json beside a manifest), verify --target-version V
// reports a gate error exactly when V's read-back differs from the
// writer's own on the term, the vote, a committed entry (term, length,
// command id, payload SHA-256, or an exception reading it), or V failed to
// open or initialize the log. A log its own writer reads as damaged
// counts as read right when V sees the same damage; verify exits 1 for
// that damage anyway, so for those logs the gate findings are compared,
// and for the healthy ones the exit code too: 1 exactly when V reads the
// log differently.
func TestGateMatchesEveryCrossRead(t *testing.T) {
	pairs, differ := 0, 0
	for _, tool := range []string{"fixturegen-ps", "fixturegen-wal"} {
		for _, f := range fixtures.All(t, tool) {
			for _, c := range fixtures.CrossReads(t, f) {
				pairs++
				truth := fixtures.ReadsDiffer(f.Manifest.Readback, c.Readback)
				if len(truth) > 0 {
					differ++
				}
				t.Run(f.Name+"/by-"+c.Version, func(t *testing.T) {
					doc, code := verifyTarget(t, f, c.Version)
					gate := doc.targetErrors()
					if (len(gate) > 0) != (len(truth) > 0) {
						t.Fatalf("gate errors %q; the read-backs differ by %v", gate, truth)
					}
					if f.Expect.Verdict == "ok" && (code == exitDamaged) != (len(truth) > 0) {
						t.Errorf("healthy log: exit %d; the read-backs differ by %v; findings "+
							"%+v", code, truth, doc.Findings)
					}
					if doc.Target.Intact == (len(truth) > 0) {
						t.Errorf("target.intact %v; the read-backs differ by %v", doc.Target.Intact, truth)
					}
				})
			}
		}
	}
	t.Logf("%d cross reads, %d of them read differently", pairs, differ)
	if pairs != 358 || differ == 0 {
		t.Fatalf("%d cross reads (the fixtures hold 358), %d differ", pairs, differ)
	}
}

// The writer's own release reads its log as itself: no gate error for any
// fixture, the damaged copies included (their damage is the writer's too).
// A damaged copy can carry another release's shape (a seal removed looks
// like 5.4.0–5.7.2), so for those the operator names the writer with
// --from-version.
func TestGateWriterReadsItself(t *testing.T) {
	for _, tool := range []string{"fixturegen-ps", "fixturegen-wal"} {
		for _, f := range fixtures.All(t, tool) {
			v := strings.SplitN(f.Name, "/", 2)[0]
			t.Run(f.Name, func(t *testing.T) {
				doc, code := verifyTarget(t, f, v)
				if f.Manifest.Damage != nil {
					doc, code = verifyTarget(t, f, v, "--from-version", v)
				}
				if gate := doc.targetErrors(); len(gate) > 0 {
					t.Errorf("%s reading its own log: %q", v, gate)
				}
				if f.Expect.Verdict == "ok" && code != exitOK {
					t.Errorf("healthy log: exit %d: %+v", code, doc.Findings)
				}
			})
		}
	}
}

// The upgrade commands verify --target-version advises carry the writer the
// operator named with --from-version, so that upgrade judges the log as
// verify did; without it they name no writer. The advised plan command
// runs (upgrade without --apply) and reports the writer as given.
func TestGateFixCarriesFromVersion(t *testing.T) {
	var f *fixtures.Fixture
	for _, g := range fixtures.All(t, "fixturegen-ps") {
		if g.Name == "5.7.1/table-basic" {
			f = &g
		}
	}
	if f == nil {
		t.Fatal("no fixture 5.7.1/table-basic")
	}
	for _, from := range []string{"", "5.7.1"} {
		var more []string
		if from != "" {
			more = []string{"--from-version", from}
		}
		doc, _ := verifyTarget(t, *f, "5.3.0", more...)
		upgrades := 0
		for _, fd := range doc.Findings {
			if !strings.Contains(fd.FixCommand, "walctl upgrade") {
				continue
			}
			upgrades++
			for _, s := range []string{fd.FixCommand, fd.Fix} {
				if n := strings.Count(s, "walctl upgrade"); strings.Count(s, "--from-version "+from) != n && from != "" {
					t.Errorf("--from-version %s: %q names the writer in %d of %d upgrade commands", from, s,
						strings.Count(s, "--from-version"), n)
				}
				if from == "" && strings.Contains(s, "--from-version") {
					t.Errorf("no --from-version given, but the fix says %q", s)
				}
			}
			if from == "" {
				continue
			}
			args := strings.Fields(strings.Replace(strings.TrimSuffix(fd.FixCommand, " DIR"), " --apply", "", 1))
			out, errs, code := runReadOnly(t, f.WAL, append(args[1:], f.WAL)...)
			if code == exitError || !strings.Contains(out, "from the --from-version") {
				t.Errorf("%v: exit %d, %s%s", args, code, out, errs)
			}
		}
		if upgrades == 0 {
			t.Fatalf("--from-version %q: no upgrade fix to check", from)
		}
	}
}
