package finding

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite FINDINGS.md from the registry")

// FINDINGS.md is the registry rendered: a code added, reworded or removed
// here changes it (go test ./finding -update), so the document cannot drift.
func TestFindingsMarkdown(t *testing.T) {
	path := filepath.Join("..", "FINDINGS.md")
	got := Markdown()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != got {
		t.Errorf("FINDINGS.md is not the registry's: run go test ./finding -update after checking the change")
	}
	for _, d := range All() {
		if !strings.Contains(string(want), "| `"+string(d.Code)+"` |") {
			t.Errorf("code %s has no row in FINDINGS.md", d.Code)
		}
	}
}

var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)+$`)

// Every definition is complete: a stable kebab-case code, a meaning, and
// forms with a severity, a message and a fix of a known kind; a Run fix is a
// walctl command on DIR whose only placeholders are those of Placeholders;
// no fix sends the operator to documentation that does not exist.
func TestRegistryComplete(t *testing.T) {
	if len(All()) < 100 {
		t.Fatalf("only %d codes registered", len(All()))
	}
	word := regexp.MustCompile(`^(--?[a-z][a-z-]*|walctl|repair|convert|verify|upgrade|[A-Z]+|[0-9]+)$`)
	for _, d := range All() {
		if !kebab.MatchString(string(d.Code)) || d.Meaning == "" {
			t.Errorf("%s: bad code or no meaning", d.Code)
		}
		names := map[string]bool{}
		for i, f := range d.Forms {
			if names[f.Name] || (i > 0 && f.Name == "") {
				t.Errorf("%s: form %q repeated or unnamed", d.Code, f.Name)
			}
			names[f.Name] = true
			if f.Severity != Error && f.Severity != Warning && f.Severity != Info {
				t.Errorf("%s/%s: severity %q", d.Code, f.Name, f.Severity)
			}
			if f.Text == "" {
				t.Errorf("%s/%s: no message", d.Code, f.Name)
			}
			fixes := []Fix{f.Fix}
			if f.Committed != nil {
				fixes = append(fixes, *f.Committed)
			}
			for _, fx := range fixes {
				checkFix(t, d.Code, f, fx, word)
			}
		}
	}
}

func checkFix(t *testing.T, code Code, f Form, fx Fix, word *regexp.Regexp) {
	t.Helper()
	where := string(code) + "/" + f.Name
	text := strings.ToLower(fx.Text)
	if strings.Contains(text, "readme") || strings.Contains(text, "see walctl") {
		t.Errorf("%s: fix points to documentation: %q", where, fx.Text)
	}
	switch fx.Kind {
	case Run:
		args := strings.Fields(fx.Command)
		if len(args) < 3 || args[0] != "walctl" || args[len(args)-1] != "DIR" {
			t.Errorf("%s: command %q is not walctl … DIR", where, fx.Command)
		}
		for _, a := range args {
			if _, ok := Placeholders[a]; !ok && !word.MatchString(a) {
				t.Errorf("%s: command %q holds %q", where, fx.Command, a)
			}
			if strings.ToUpper(a) == a && !strings.HasPrefix(a, "-") {
				if _, ok := Placeholders[a]; !ok && a != "0" {
					t.Errorf("%s: placeholder %s is not documented", where, a)
				}
			}
		}
	case NoLocalRepair, Operator:
		if fx.Command != "" || fx.Text == "" {
			t.Errorf("%s: %s fix with a command or without words", where, fx.Kind)
		}
	case NoneNeeded:
		if fx.Command != "" {
			t.Errorf("%s: none-needed fix with a command", where)
		}
		if f.Severity == Error {
			t.Errorf("%s: an error with nothing to do", where)
		}
	default:
		t.Errorf("%s: fix kind %q", where, fx.Kind)
	}
}

func TestRenderAndGroup(t *testing.T) {
	if got := Render("entry {index} of {file}, {missing}", F{"index": int64(7), "file": "1"}); got != "entry 7 of 1, {missing}" {
		t.Errorf("Render: %q", got)
	}
	if u := Unresolved("a {b} c"); u != "{b}" {
		t.Errorf("Unresolved: %q", u)
	}
	if u := Unresolved("record {Term 3, Length 0}"); u != "" {
		t.Errorf("Unresolved takes a record's braces for a placeholder: %q", u)
	}
	ms := []Member{
		{
			Index: 6,
			Facts: F{
				"index":     int64(6),
				"term":      int64(3),
				"current":   int64(1),
				"stateFile": "state",
				"maxTerm":   int64(5),
			},
		},
		{
			Index: 7,
			Facts: F{
				"index":     int64(7),
				"term":      int64(5),
				"current":   int64(1),
				"stateFile": "state",
				"maxTerm":   int64(5),
			},
		},
	}
	if GroupKey(TermAboveCurrent, "", ms[0].Facts) != GroupKey(TermAboveCurrent, "", ms[1].Facts) {
		t.Error("findings that differ only in index and term do not group")
	}
	msg := GroupMessage(TermAboveCurrent, "", ms)
	if !strings.Contains(msg, "entries 6–7 (2)") || !strings.Contains(msg, "terms 3–5") {
		t.Errorf("group message %q", msg)
	}
	other := F{"index": int64(8), "term": int64(5), "current": int64(2), "stateFile": "state", "maxTerm": int64(5)}
	if GroupKey(TermAboveCurrent, "", ms[0].Facts) == GroupKey(TermAboveCurrent, "", other) {
		t.Error("findings of another cause (another current term) group")
	}
}
