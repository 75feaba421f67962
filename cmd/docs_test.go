package cmd

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
)

// Every finding code is defined in the registry (package finding), and the
// registry is FINDINGS.md (finding's TestFindingsMarkdown keeps the file
// generated from it). Here: no code is emitted around the registry — a
// string literal turned into a code, or a code field set from a literal —
// and every registered code has its row in FINDINGS.md.
func TestDocsListEveryCode(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "FINDINGS.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range finding.All() {
		if !strings.Contains(string(doc), "| `"+string(d.Code)+"` |") {
			t.Errorf("code %s is not documented in FINDINGS.md (go test ./finding -update)", d.Code)
		}
	}
	patterns := []*regexp.Regexp{
		regexp.MustCompile(`finding\.Code\("([^"]*)"\)`),                // a conversion
		regexp.MustCompile(`\bCode: +"([a-z0-9]+(?:-[a-z0-9]+)+)"`),     // a literal in a struct
		regexp.MustCompile(`Code\w* *= *"([a-z0-9]+(?:-[a-z0-9]+)+)"`),  // a constant of its own
		regexp.MustCompile(`Code *[!=]= *"([a-z0-9]+(?:-[a-z0-9]+)+)"`), // a comparison
	}
	// A registered code spelled as a string in a set of codes.
	setKey := regexp.MustCompile(`"([a-z0-9]+(?:-[a-z0-9]+)+)": true`)
	n := 0
	for _, dir := range []string{"../format", "../logdir", "../raftlog", "../diff", "../repair", "../audit",
		"../detect", "."} {
		filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			n++
			b, _ := os.ReadFile(p)
			for _, m := range setKey.FindAllSubmatch(b, -1) {
				if _, ok := finding.Lookup(finding.Code(m[1])); ok {
					t.Errorf("%s spells code %q as a string: use the registry's variable", p, m[1])
				}
			}
			for _, re := range patterns {
				for _, m := range re.FindAllSubmatch(b, -1) {
					if _, ok := finding.Lookup(finding.Code(m[1])); !ok {
						t.Errorf("%s emits code %q, which the registry lacks", p, m[1])
					} else {
						t.Errorf("%s spells code %q as a string: use the registry's variable", p, m[1])
					}
				}
			}
			return nil
		})
	}
	if n < 50 {
		t.Fatalf("walked only %d source files", n)
	}
}

func TestREADMEListsCommands(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out, errs strings.Builder
	if code := Main([]string{"walctl", "--help"}, &out, &errs); code != 0 {
		t.Fatalf("help exit %d", code)
	}
	for _, c := range appCommands() {
		if !strings.Contains(string(readme), "### "+c) {
			t.Errorf("command %s has no README section", c)
		}
		if !strings.Contains(out.String(), c) {
			t.Errorf("command %s missing from --help", c)
		}
	}
	if !strings.Contains(out.String(), "EXIT CODES") {
		t.Error("--help does not list the exit codes")
	}
}
