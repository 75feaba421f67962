package cmd

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every finding code in the source is documented in FINDINGS.md, and every
// command is in the README: docs that drift are a defect.
func TestDocsListEveryCode(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "FINDINGS.md"))
	if err != nil {
		t.Fatal(err)
	}
	patterns := []*regexp.Regexp{
		regexp.MustCompile(`Code\w* *= *"([a-z0-9]+(?:-[a-z0-9]+)+)"`), // codec constants
		regexp.MustCompile(`Code: +"([a-z0-9]+(?:-[a-z0-9]+)+)"`),      // literals in findings
		regexp.MustCompile(`finding\(raftlog\.\w+, "([a-z0-9-]+)"`),    // logdir's helper
	}
	codes := map[string]string{}
	for _, dir := range []string{"../format", "../logdir", "../raftlog", "../diff", "../repair", "../upgrade", "."} {
		filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			b, _ := os.ReadFile(p)
			for _, re := range patterns {
				for _, m := range re.FindAllSubmatch(b, -1) {
					codes[string(m[1])] = p
				}
			}
			return nil
		})
	}
	if len(codes) < 50 {
		t.Fatalf("found only %d codes: the patterns no longer match the source", len(codes))
	}
	for code, file := range codes {
		if !strings.Contains(string(doc), "`"+code+"`") {
			t.Errorf("code %s (%s) is not documented in FINDINGS.md", code, file)
		}
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
