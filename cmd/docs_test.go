package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/txn"
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
	for _, dir := range []string{"../format", "../logdir", "../raftlog", "../diff", "../repair", "../convert", "../rebuild",
		"../verify", "../gate", "../audit",
		"../detect", "../upgrade", "../txn", "../release", "."} {
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

// readmeWidth is the terminal the README's examples are shown on.
var readmeWidth = termMode{tty: true, width: 100}

// Every example in the README ("$ walctl …" in a fenced block, followed by
// its output) is what walctl prints on a terminal 100 columns wide without
// colour (through "| cat": in a pipe). "$ cd DIR" changes the directory; a
// line "..." stands for any lines. The commands run in a temporary
// directory holding testdata (a link to the repository's), so that an
// example may write (convert --out NEWDIR). go test ./cmd -update rewrites
// the outputs.
func TestREADMEExamples(t *testing.T) {
	path := filepath.Join("..", "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	testdata, err := filepath.Abs(filepath.Join("..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	examples := 0
	for i := 0; i < len(lines); i++ {
		if lines[i] != "```" || i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "$ ") {
			continue
		}
		end := i + 1
		for end < len(lines) && lines[end] != "```" {
			end++
		}
		block := lines[i+1 : end]
		examples++
		var got []string
		t.Run(block[0], func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Symlink(testdata, filepath.Join(dir, "testdata")); err != nil {
				t.Skipf("no symlinks here: %v", err)
			}
			t.Chdir(dir)
			got = runExample(t, block)
			if !*update && !matchElided(block, got) {
				t.Errorf(
					"README example differs from walctl's output (go test ./cmd -update rewrites it):\n--- README\n%s\n--- walctl\n%s",
					strings.Join(block, "\n"),
					strings.Join(got, "\n"),
				)
			}
		})
		if *update && got != nil {
			got = elide(block, got)
			lines = append(lines[:i+1], append(got, lines[end:]...)...)
			end = i + 1 + len(got)
		}
		i = end
	}
	if examples < 8 {
		t.Errorf("only %d README examples found", examples)
	}
	if *update {
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// runExample runs the "$ " lines of a README block and returns the block as
// walctl would print it.
func runExample(t *testing.T, block []string) []string {
	t.Helper()
	var got []string
	for _, line := range block {
		if !strings.HasPrefix(line, "$ ") {
			continue
		}
		got = append(got, line)
		words := readmeWords(strings.TrimPrefix(line, "$ "))
		mode := readmeWidth
		if n := len(words); n >= 2 && words[n-2] == "|" && words[n-1] == "cat" {
			words, mode = words[:n-2], termMode{}
		}
		switch {
		case words[0] == "cd" && len(words) == 2:
			t.Chdir(words[1])
			continue
		case words[0] != "walctl":
			t.Fatalf("README example runs %q, not walctl", words[0])
		}
		var out, errb bytes.Buffer
		mainWith(append([]string{"walctl", "--no-color"}, words[1:]...), &out, &errb, mode, txn.OS)
		if s := strings.TrimSuffix(out.String(), "\n"); s != "" {
			got = append(got, strings.Split(s, "\n")...)
		}
		if s := strings.TrimSuffix(errb.String(), "\n"); s != "" {
			got = append(got, strings.Split(s, "\n")...)
		}
	}
	return got
}

// shellWords splits a command line at spaces, keeping quoted words whole.
func readmeWords(s string) []string {
	var words []string
	var cur strings.Builder
	quote, in := rune(0), false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// matchElided reports whether got matches want, where a line "..." in want
// stands for any number of lines.
func matchElided(want, got []string) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	if want[0] == "..." {
		for k := 0; k <= len(got); k++ {
			if matchElided(want[1:], got[k:]) {
				return true
			}
		}
		return false
	}
	return len(got) > 0 && got[0] == want[0] && matchElided(want[1:], got[1:])
}

// elide keeps the elision of an updated README block: the lines up to
// "...", then the output from the line that followed "..." in the block.
func elide(block, got []string) []string {
	k := slices.Index(block, "...")
	if k < 0 || k+1 >= len(block) {
		return got
	}
	j := slices.Index(got[min(k, len(got)):], block[k+1])
	if j < 0 {
		return got
	}
	return append(append(append([]string{}, got[:k]...), "..."), got[k+j:]...)
}
