package cmd

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/internal/fixtures"
)

// adviceCase is one log whose advice is run: a fixture as written, or a
// damaged copy of one (damage names it; nil: the fixture itself).
type adviceCase struct {
	name   string
	base   fixtures.Fixture
	damage func(t *testing.T, dir string)
	// replica is the log an operator heals this one from (repair --from
	// REPLICA): see replicaFor; "" when no fixture holds its entries.
	replica string
	// want names a code verify must report (as an error unless warn).
	want string
	warn bool
}

// adviceVariants are the damaged copies of issue 13: node.state of zero
// bytes, 0xFF bytes, cut, oversized, its term reset or behind; a WriteAheadLog
// state cut or zeroed, its checkpoint missing or empty; a partition that is a
// named pipe or a directory; a cut snapshot.
func adviceVariants(t *testing.T) []adviceCase {
	byName := map[string]fixtures.Fixture{}
	for _, tool := range []string{"fixturegen-ps", "fixturegen-wal"} {
		for _, f := range fixtures.All(t, tool) {
			byName[f.Name] = f
		}
	}
	write := func(file string, b []byte) func(*testing.T, string) {
		return func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	patch := func(file string, off int64, b []byte) func(*testing.T, string) {
		return func(t *testing.T, dir string) {
			raw, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			copy(raw[off:], b)
			write(file, raw)(t, dir)
		}
	}
	cut := func(file string, n int64) func(*testing.T, string) {
		return func(t *testing.T, dir string) {
			if err := os.Truncate(filepath.Join(dir, file), n); err != nil {
				t.Fatal(err)
			}
		}
	}
	grow := func(file string, n int) func(*testing.T, string) {
		return func(t *testing.T, dir string) {
			raw, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			write(file, append(raw, make([]byte, n)...))(t, dir)
		}
	}
	term := func(v int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }
	replace := func(file string, mk func(string) error) func(*testing.T, string) {
		return func(t *testing.T, dir string) {
			p := filepath.Join(dir, file)
			os.Remove(p)
			if err := mk(p); err != nil {
				t.Skip("cannot make it here:", err)
			}
		}
	}
	mkdir := func(p string) error { return os.Mkdir(p, 0o755) }
	remove := func(file string) func(*testing.T, string) {
		return func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, file)) }
	}
	v := func(name, base string, damage func(*testing.T, string), want string, warn bool) adviceCase {
		f, ok := byName[base]
		if !ok {
			t.Fatalf("no fixture %s", base)
		}
		return adviceCase{name: base + "+" + name, base: f, damage: damage, want: want, warn: warn}
	}
	return []adviceCase{
		v(
			"node-state-zeroed",
			"5.26.2/table-basic",
			write("node.state", make([]byte, 128)),
			"node-state-zeroed",
			false,
		),
		v(
			"node-state-zeroed",
			"5.26.2/legacy-basic",
			write("node.state", make([]byte, 128)),
			"node-state-zeroed",
			false,
		),
		// 366 zero bytes: DotNext reads the first 128, all zero (found by FuzzRepair)
		v("node-state-zeroed-oversized", "5.26.2/table-basic", write("node.state", make([]byte, 366)),
			"node-state-zeroed", false),
		v("node-state-empty", "5.26.2/table-basic", write("node.state", nil), "node-state-size", false),
		v("node-state-ff", "5.26.2/table-basic", write("node.state", bytes.Repeat([]byte{0xff}, 128)),
			"negative-index", false),
		v("node-state-cut-64", "5.26.2/table-basic", cut("node.state", 64), "node-state-size", false),
		v("node-state-cut-snapshot", "5.26.2/table-snapshot", cut("node.state", 40), "node-state-size", false),
		v("node-state-oversized", "5.26.2/table-basic", grow("node.state", 100), "node-state-size", true),
		v("node-state-term-0", "5.26.2/table-nocheck", patch("node.state", 72, term(0)), "term-reset", false),
		v(
			"node-state-term-behind",
			"5.26.2/table-nocheck",
			patch("node.state", 72, term(2)),
			"term-above-current",
			true,
		),
		// LastIndex 12 lags behind CommitIndex 18 and the records 13–18 are on
		// disk: repair raises LastIndex; when those records carry terms up to
		// 6, above node.state's term 4, only with --set-term (found in review)
		v("commit-beyond-last-raise", "5.26.2/table-nocheck", patch("node.state", 16, term(12)),
			"commit-beyond-last-index", false),
		v("commit-beyond-last-term-behind", "5.26.2/table-nocheck", func(t *testing.T, dir string) {
			patch("node.state", 72, term(4))(t, dir)
			patch("node.state", 16, term(12))(t, dir)
		}, "commit-beyond-last-index", false),
		// The same with partition file 2 (16–20) gone: repair raises LastIndex
		// to 15 and lowers CommitIndex to it, so --allow-drop-committed, and
		// --set-term as well when 13–15 carry a term above node.state's
		// (found by review: the advice said "lowers CommitIndex to 12", and
		// without --set-term repair refused it)
		v("commit-beyond-last-partial", "5.26.2/table-nocheck", func(t *testing.T, dir string) {
			patch("node.state", 16, term(12))(t, dir)
			remove("2")(t, dir)
		}, "commit-beyond-last-index", false),
		v("commit-beyond-last-partial-term-behind", "5.26.2/table-nocheck", func(t *testing.T, dir string) {
			patch("node.state", 72, term(4))(t, dir)
			patch("node.state", 16, term(12))(t, dir)
			remove("2")(t, dir)
		}, "commit-beyond-last-index", false),
		v("snapshot-cut", "5.26.2/table-snapshot", cut("snapshot", 10), "snapshot-short", false),
		v("partition-fifo", "5.26.2/table-basic", replace("1", mkfifo), "partition-not-regular", false),
		v("partition-dir", "5.26.2/legacy-basic", replace("1", mkdir), "partition-not-regular", false),
		v("state-zeroed", "6.12.0/wal-basic", write("state", make([]byte, 37)), "term-reset", false),
		v("state-missing", "6.12.0/wal-basic", remove("state"), "state-missing", false),
		v("checkpoint-missing", "6.12.0/wal-basic", remove("checkpoint"), "checkpoint-missing", false),
		v("checkpoint-empty", "6.12.0/wal-basic", write("checkpoint", nil), "checkpoint-empty", true),
		v("state-zeroed", "5.26.2/wal-basic", write("state", make([]byte, 37)), "term-reset", false),
	}
}

// TestExecutableAdvice runs the advice verify gives, as an operator would:
// for every fixture and every damaged variant above, each finding's fix that
// is a walctl command runs on a copy (with the placeholders filled from the
// fixture's manifest: T the cluster's term + 1, N its commit index; REPLICA
// a copy of a fixture that holds the same entries, see replicaFor) and
// must be accepted (exit 0) and leave a log whose verify no longer reports
// that finding; a fix that says no local repair exists must match a repair
// that refuses it or leaves it. No message or fix holds an unfilled
// placeholder.
func TestExecutableAdvice(t *testing.T) {
	var cases []adviceCase
	var all []fixtures.Fixture
	for _, tool := range []string{"fixturegen-ps", "fixturegen-wal"} {
		all = append(all, fixtures.All(t, tool)...)
	}
	for _, f := range all {
		cases = append(cases, adviceCase{name: f.Name, base: f})
	}
	cases = append(cases, adviceVariants(t)...)
	for i := range cases {
		cases[i].replica = replicaFor(cases[i], all)
	}
	pairs, commands, combined, healed, noReplica := 0, 0, 0, 0, 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := fixtures.Copy(t, c.base.WAL)
			if c.damage != nil {
				c.damage(t, dir)
			}
			doc, code := verifySettled(t, dir, c.base)
			if c.want != "" {
				checkWanted(t, doc, code, c)
			}
			seen := map[string]bool{}
			for _, f := range doc.Findings {
				checkWords(t, f)
				key := string(f.Code) + "\x00" + f.Fix
				if seen[key] {
					continue
				}
				seen[key] = true
				pairs++
				switch finding.FixKind(f.FixKind) {
				case finding.Run:
					if strings.Contains(f.FixCommand, "REPLICA") {
						if c.replica == "" {
							noReplica++
							t.Logf("%s: no fixture holds these entries to run %q with", f.Code, f.FixCommand)
							continue
						}
						healed++
					}
					commands++
					if runFix(t, c, f, doc.FixAll) {
						combined++
					}
				case finding.NoLocalRepair:
					checkRefused(t, c, dir, f)
				}
			}
		})
	}
	t.Logf("advice: %d (log, finding) pairs checked, %d fix commands run (%d of them repair --from a replica; %d "+
		"refused alone and run as verify's fix-all command, which carries the flags of every fix of the log); %d "+
		"repair --from fixes not run: no fixture holds the entries", pairs, commands, healed, combined, noReplica)
	if pairs < 100 || commands < 40 || healed < 4 {
		t.Errorf("only %d pairs, %d commands, %d of them repair --from: the test no longer reaches the fixtures",
			pairs, commands, healed)
	}
}

// replicaFor names the replica an operator would heal the case's log from:
// a fixture the library wrote without damage (verdict ok) whose appended
// entries begin with every entry of the case's fixture — the same indexes,
// terms and payloads, so the same history — and that committed as many. The undamaged original of a
// damaged copy comes first, then the same scenario from another release,
// then any of the same release, then any; logs that start after a
// snapshot last (they may not hold the entries).
func replicaFor(c adviceCase, all []fixtures.Fixture) string {
	name := func(f fixtures.Fixture) string { return strings.SplitN(f.Name, "+", 2)[0] }
	version := func(f fixtures.Fixture) string { return strings.SplitN(f.Name, "/", 2)[0] }
	scenario := func(f fixtures.Fixture) string { return strings.SplitN(name(f), "/", 2)[1] }
	rank := func(g fixtures.Fixture) int {
		r := 4
		switch {
		case name(g) == name(c.base):
			r = 0
		case scenario(g) == scenario(c.base):
			r = 1
		case version(g) == version(c.base):
			r = 2
		}
		if strings.Contains(g.Name, "snapshot") {
			r += 5
		}
		return r
	}
	best, bestRank := "", 100
	for _, g := range all {
		if g.Manifest.Damage != nil || g.Expect.Verdict != "ok" || (g.Name == c.base.Name && c.damage == nil) ||
			!holds(g.Manifest, c.base.Manifest) {
			continue
		}
		if r := rank(g); r < bestRank {
			best, bestRank = g.WAL, r
		}
	}
	return best
}

// holds: the entries appended to g begin with every entry appended to f,
// and g committed at least as many.
func holds(g, f fixtures.Manifest) bool {
	if len(g.Appended) < len(f.Appended) || len(f.Appended) == 0 ||
		g.Final.LastCommittedEntryIdx < f.Final.LastCommittedEntryIdx {
		return false
	}
	for i, a := range f.Appended {
		b := g.Appended[i]
		if a.Index != b.Index || a.Term != b.Term || a.Length != b.Length || a.SHA256 != b.SHA256 {
			return false
		}
	}
	return true
}

type adviceFinding struct {
	Severity   string   `json:"severity"`
	Code       string   `json:"code"`
	File       string   `json:"file"`
	Index      int64    `json:"index"`
	Indexes    []int64  `json:"indexes"`
	Message    string   `json:"message"`
	Fix        string   `json:"fix"`
	FixKind    string   `json:"fixKind"`
	FixCommand string   `json:"fixCommand"`
	Candidates []string `json:"-"`
}

type adviceDoc struct {
	Verdict  string          `json:"verdict"`
	Findings []adviceFinding `json:"findings"`
	FixAll   string          `json:"fixAll"`
}

// verifySettled verifies dir as an operator does: with detection, and when
// it is unsure with the node's settings (format, R, M from read-args.txt),
// which verify then carries into every fix command.
func verifySettled(t *testing.T, dir string, f fixtures.Fixture) (adviceDoc, int) {
	t.Helper()
	doc, code := verifyJSON(t, dir)
	if code != exitError {
		return doc, code
	}
	var settings []string
	args := fixtures.ReadArgs(t, f)
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--format", "--records-per-partition", "--max-entry-size":
			settings = append(settings, args[i], args[i+1])
		}
	}
	doc, code = verifyJSON(t, dir, settings...)
	if code == exitError {
		t.Fatalf("verify %s exit 2 with the node's settings %v", dir, settings)
	}
	return doc, code
}

func verifyJSON(t *testing.T, dir string, settings ...string) (adviceDoc, int) {
	t.Helper()
	args := append(append([]string{"verify", "--json"}, settings...), dir)
	out, errs, code := runReadOnly(t, dir, args...)
	var doc adviceDoc
	if code == exitError && out == "" {
		return doc, code
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("verify exit %d, no JSON (%v): %s %s", code, err, out, errs)
	}
	return doc, code
}

func checkWanted(t *testing.T, doc adviceDoc, code int, c adviceCase) {
	t.Helper()
	for _, f := range doc.Findings {
		if f.Code == c.want && (c.warn || f.Severity == "error") {
			if !c.warn && (code != exitDamaged || doc.Verdict != "damaged") {
				t.Errorf("verdict %s exit %d with an error finding", doc.Verdict, code)
			}
			return
		}
	}
	t.Errorf("no %s finding (error: %v): %+v", c.want, !c.warn, doc.Findings)
}

func checkWords(t *testing.T, f adviceFinding) {
	t.Helper()
	for _, s := range []string{f.Message, f.Fix} {
		if p := finding.Unresolved(s); p != "" {
			t.Errorf("%s: unfilled %s in %q", f.Code, p, s)
		}
		if strings.Contains(s, "README") {
			t.Errorf("%s: points to the README: %q", f.Code, s)
		}
	}
	if f.Message == "" || f.Fix == "" || f.FixKind == "" {
		t.Errorf("%s: no message, fix or fix kind: %+v", f.Code, f)
	}
	if strings.Contains(f.Message, "node.state") && !strings.Contains(f.File, "node.state") &&
		(f.File == "state" || strings.HasPrefix(f.File, "metadata") || strings.HasPrefix(f.File, "data")) {
		t.Errorf("%s: a WriteAheadLog finding names node.state: %q", f.Code, f.Message)
	}
}

// placeholders are the values an operator substitutes, from the manifest:
// T one more than the highest term anyone holds, N the commit index, R the
// node's records per partition.
func placeholders(f fixtures.Fixture, dir string) map[string]string {
	t := f.Manifest.Final.Term
	for _, a := range f.Manifest.Appended {
		t = max(t, a.Term)
	}
	return map[string]string{"DIR": dir, "T": strconv.FormatInt(t+1, 10),
		"N": strconv.FormatInt(f.Manifest.Final.LastCommittedEntryIdx, 10),
		"R": strconv.FormatInt(f.Manifest.Settings.RecordsPerPartition, 10)}
}

func fill(command string, values map[string]string) []string {
	args := strings.Fields(command)[1:] // drop "walctl"
	for i, a := range args {
		if v, ok := values[a]; ok {
			args[i] = v
		}
	}
	return args
}

// runFix runs f's command on a fresh copy of the case's log and checks that
// it is accepted and that the finding is gone. Repair carries out a plan
// only whole: when the log's other findings need flags f's command lacks,
// the command alone is refused (exit 1, "refused:") and verify's fix-all
// command, which carries every fix's flags, is run instead (combined).
func runFix(t *testing.T, c adviceCase, f adviceFinding, all string) (combined bool) {
	t.Helper()
	dir := fixtures.Copy(t, c.base.WAL)
	if c.damage != nil {
		c.damage(t, dir)
	}
	values := placeholders(c.base, dir)
	if c.replica != "" {
		values["REPLICA"] = fixtures.Copy(t, c.replica)
	}
	args := fill(f.FixCommand, values)
	out, errs, code := run(t, args...)
	if code == exitDamaged && strings.Contains(out, "refused:") && all != "" && all != f.FixCommand {
		args, combined = fill(all, values), true
		out, errs, code = run(t, args...)
	}
	if code != exitOK {
		t.Errorf("%s: fix %q exit %d (advice not accepted):\n%s%s", f.Code, strings.Join(args, " "), code, out, errs)
		return combined
	}
	after, _ := verifySettled(t, dir, c.base)
	for _, g := range after.Findings {
		if g.Code == f.Code && sameSpot(f, g) {
			t.Errorf("%s: still reported after %q: %s", f.Code, strings.Join(args, " "), g.Message)
		}
	}
	return combined
}

// sameSpot: g is the finding f stood for (the same file, an index f covered).
func sameSpot(f, g adviceFinding) bool {
	if len(f.Indexes) == 0 && f.Index < 0 {
		return g.File == f.File
	}
	idx := append([]int64{f.Index}, f.Indexes...)
	for _, i := range idx {
		if g.Index == i {
			return true
		}
		for _, j := range g.Indexes {
			if i == j {
				return true
			}
		}
	}
	return false
}

// checkRefused: a finding verify says no local repair exists for is not one
// repair claims to fix.
func checkRefused(t *testing.T, c adviceCase, dir string, f adviceFinding) {
	t.Helper()
	out, errs, code := runReadOnly(t, dir, "repair", "--json", dir)
	if code == exitError {
		return // repair refuses the log as a whole (unreadable, unsure)
	}
	var doc struct {
		Plan struct {
			Items []struct {
				Finding adviceFinding `json:"finding"`
				Status  string        `json:"status"`
			} `json:"items"`
		} `json:"plan"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("repair exit %d, no JSON (%v): %s %s", code, err, out, errs)
	}
	for _, it := range doc.Plan.Items {
		if it.Finding.Code == f.Code && sameSpot(f, it.Finding) && (it.Status == "fixed" || it.Status == "dropped") {
			t.Errorf("%s: verify says no local repair exists, but repair's plan says %s: %+v", f.Code, it.Status, it)
		}
	}
}

// TestExecutableDiffAdvice runs the advice diff gives for every replica set
// of the fixtures, as an operator would: diff knows each node's directory
// and the replica to heal it from, so a fix that is a walctl command is
// whole (nothing to fill in); it runs on a fresh copy of the set, must be
// accepted (exit 0), and diff on that copy no longer reports the finding
// on that node. A fix that says no local repair exists must not be one
// repair claims to fix.
func TestExecutableDiffAdvice(t *testing.T) {
	type setCase struct {
		name, set string
		// damage removes files of the copies (nil: the set as written).
		damage []string
	}
	var cases []setCase
	sets, _ := filepath.Glob(filepath.Join(fixtures.Root(), "replicas", "*", "*"))
	for _, set := range sets {
		name, _ := filepath.Rel(fixtures.Root(), set)
		cases = append(cases, setCase{name: name, set: set})
	}
	// Local damage on one node (a lost partition file, a lost data chunk)
	// and on two nodes at once (each healed from the other's intact copy).
	rep := func(s string) string { return filepath.Join(fixtures.Root(), "replicas", filepath.FromSlash(s)) }
	cases = append(cases,
		setCase{"5.26.2+node3-partition-2", rep("5.26.2/cluster-agree"), []string{"node3/2"}},
		setCase{"5.26.2+node1-partition-3+node2-partition-5", rep("5.26.2/cluster-agree"),
			[]string{"node1/3", "node2/5"}},
		setCase{"6.12.0+node1-chunk-2", rep("6.12.0/cluster-agree"), []string{"node1/data/2"}})
	pairs, commands, healed := 0, 0, 0
	for _, sc := range cases {
		set, name := sc.set, sc.name
		nodes, _ := filepath.Glob(filepath.Join(set, "node*[0-9]"))
		if len(nodes) < 2 {
			continue
		}
		copySet := func(t *testing.T) string {
			root := fixtures.CopyTo(t, set, t.TempDir())
			for _, f := range sc.damage {
				if err := os.Remove(filepath.Join(root, filepath.FromSlash(f))); err != nil {
					t.Fatal(err)
				}
			}
			return root
		}
		t.Run(name, func(t *testing.T) {
			root := copySet(t)
			doc := diffAdvice(t, root, nodes)
			seen := map[string]bool{}
			for _, f := range doc.Findings {
				checkWords(t, f)
				key := f.Code + "\x00" + f.File + "\x00" + f.Fix
				if seen[key] {
					continue
				}
				seen[key] = true
				pairs++
				switch finding.FixKind(f.FixKind) {
				case finding.Run:
					commands++
					if p := finding.Unresolved(f.FixCommand); p != "" || strings.ContainsAny(f.FixCommand, "'\"") {
						t.Errorf("%s: command %q is not whole", f.Code, f.FixCommand)
						continue
					}
					if strings.Contains(f.FixCommand, " --from ") {
						healed++
					}
					fresh := copySet(t)
					args := strings.Fields(strings.ReplaceAll(f.FixCommand, root, fresh))[1:]
					if out, errs, code := run(t, args...); code != exitOK {
						t.Errorf("%s: fix %q exit %d (advice not accepted):\n%s%s", f.Code, strings.Join(args, " "),
							code, out, errs)
						continue
					}
					node := strings.Replace(f.File, root, fresh, 1)
					for _, g := range diffAdvice(t, fresh, nodes).Findings {
						if g.Code == f.Code && g.File == node {
							t.Errorf("%s: still reported on %s after %q: %s", f.Code, node, strings.Join(args, " "),
								g.Message)
						}
					}
				case finding.NoLocalRepair:
					c := adviceCase{name: name}
					checkRefused(t, c, f.File, f)
				}
			}
		})
	}
	t.Logf("diff advice: %d (replica set, finding) pairs checked, %d fix commands run (%d of them repair --from "+
		"a replica)", pairs, commands, healed)
	if pairs < 10 || commands < 6 || healed < 3 {
		t.Errorf("only %d pairs, %d commands, %d of them repair --from: the test no longer reaches the replica sets",
			pairs, commands, healed)
	}
}

// diffAdvice runs diff --json on the nodes of a set copied to root.
func diffAdvice(t *testing.T, root string, nodes []string) adviceDoc {
	t.Helper()
	args := []string{"diff", "--json"}
	for _, n := range nodes {
		args = append(args, filepath.Join(root, filepath.Base(n)))
	}
	out, errs, code := runReadOnly(t, root, args...)
	var doc adviceDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code == exitError {
		t.Fatalf("diff exit %d (%v): %s %s", code, err, out, errs)
	}
	return doc
}

// TestExecutableUpgradeAdvice runs the advice of the upgrade gate as an
// operator would: for every cross read of the fixtures where release V
// reads a healthy log otherwise than its writer, each target-* finding of
// verify --target-version V whose fix is a walctl command runs on a copy
// (DIR the copy, NEWDIR a new directory, R the fixture's records per
// partition) and must be accepted (exit 0); verify --target-version V then
// no longer reports that code on the log the command left (NEWDIR when the
// command writes one).
func TestExecutableUpgradeAdvice(t *testing.T) {
	pairs, commands := 0, 0
	kinds := map[string]int{}
	for _, tool := range []string{"fixturegen-ps", "fixturegen-wal"} {
		for _, f := range fixtures.All(t, tool) {
			if f.Expect.Verdict != "ok" {
				continue // a damaged log needs its repair first; TestUpgrade… covers those
			}
			for _, c := range fixtures.CrossReads(t, f) {
				if len(fixtures.ReadsDiffer(f.Manifest.Readback, c.Readback)) == 0 {
					continue
				}
				t.Run(f.Name+"/to-"+c.Version, func(t *testing.T) {
					dir := fixtures.Copy(t, f.WAL)
					doc := verifyTargetJSON(t, dir, c.Version, settingsArgs(t, f)...)
					seen := map[string]bool{}
					for _, g := range doc.Findings {
						if !strings.HasPrefix(g.Code, "target-") || seen[g.Code+"\x00"+g.Fix] {
							continue
						}
						seen[g.Code+"\x00"+g.Fix] = true
						checkWords(t, g)
						pairs++
						if finding.FixKind(g.FixKind) != finding.Run {
							continue
						}
						commands++
						switch {
						case strings.Contains(g.FixCommand, "--out-records-per-partition"):
							kinds["as a PersistentState log"]++
						case strings.Contains(g.FixCommand, " --out "):
							kinds["into NEWDIR"]++
						default:
							kinds["in place"]++
						}
						runUpgradeFix(t, f, c.Version, g)
					}
				})
			}
		}
	}
	t.Logf("upgrade advice: %d (log, target, finding) pairs checked, %d fix commands run %v", pairs, commands, kinds)
	if pairs < 20 || commands < 10 {
		t.Errorf("only %d pairs and %d commands: the test no longer reaches the cross reads", pairs, commands)
	}
}

func runUpgradeFix(t *testing.T, f fixtures.Fixture, v string, g adviceFinding) {
	t.Helper()
	dir := fixtures.Copy(t, f.WAL)
	values := placeholders(f, dir)
	values["NEWDIR"] = filepath.Join(t.TempDir(), "new")
	if f.Manifest.Settings.RecordsPerPartition == 0 {
		values["R"] = "8" // a WriteAheadLog written as a PersistentState log: the operator chooses R
	}
	args := fill(g.FixCommand, values)
	out, errs, code := run(t, args...)
	if code != exitOK {
		t.Errorf("%s: fix %q exit %d (advice not accepted):\n%s%s", g.Code, strings.Join(args, " "), code, out, errs)
		return
	}
	result := dir
	if strings.Contains(g.FixCommand, " --out ") {
		result = values["NEWDIR"]
		if _, err := os.Stat(result); err != nil {
			t.Errorf("%s: %q wrote no NEWDIR (the advice names a conversion the plan does not make): %s", g.Code,
				strings.Join(args, " "), out)
			return
		}
	}
	var settings []string
	if strings.Contains(g.FixCommand, "--out-records-per-partition") {
		settings = []string{"--records-per-partition", values["R"]}
	}
	after := verifyTargetJSON(t, result, v, settings...)
	for _, h := range after.Findings {
		if h.Code == g.Code && h.Severity == "error" {
			t.Errorf("%s: still reported after %q: %s", g.Code, strings.Join(args, " "), h.Message)
		}
	}
}

func verifyTargetJSON(t *testing.T, dir, v string, settings ...string) adviceDoc {
	t.Helper()
	args := append(append([]string{"verify", "--json", "--target-version", v}, settings...), dir)
	out, errs, code := runReadOnly(t, dir, args...)
	var doc adviceDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code == exitError {
		t.Fatalf("verify --target-version %s: exit %d (%v): %s %s", v, code, err, out, errs)
	}
	return doc
}
