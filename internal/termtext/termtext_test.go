package termtext

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain ascii / path-1", "plain ascii / path-1"},
		{"\x1b]0;title\x07", `\x1b]0;title\x07`},
		{"a\r\nb\tc", `a\r\nb\tc`},
		{"del\x7f", `del\x7f`},
		{"bad \xff\xfe utf8 \xc3(", `bad \xff\xfe utf8 \xc3(`},
		{"c1 \u0085 \u009b2J", `c1 \u0085 \u009b2J`},
		{"bidi \u202eevil\u2066", `bidi \u202eevil\u2066`},
		{"kept: – … ✗ ≠ é 日本", "kept: – … ✗ ≠ é 日本"},
		{`back\slash`, `back\slash`},
	}
	for _, c := range cases {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
		for _, r := range Escape(c.in) {
			if r < 0x20 || r == 0x7f || Unsafe(r) {
				t.Errorf("Escape(%q) keeps %U", c.in, r)
			}
		}
	}
}

func TestWidthIgnoresSGR(t *testing.T) {
	if w := Width("\x1b[31;1merror\x1b[0m – ok"); w != 10 {
		t.Errorf("width %d, want 10", w)
	}
	if w := Width("日本"); w != 4 {
		t.Errorf("width %d, want 4", w)
	}
}

func TestWrap(t *testing.T) {
	cases := []struct {
		in          string
		width, hang int
		want        []string
	}{
		{"one two three four", 9, 0, []string{"one two", "three", "four"}},
		{"one two three four", 9, 2, []string{"one two", "  three", "  four"}},
		{"t1-missing-inline-records", 12, 0, []string{"t1-missing-", "inline-", "records"}},
		{"/very/long/path/to/the/log/dir", 12, 0, []string{"/very/long/", "path/to/the/", "log/dir"}},
		{"dc5822aa5487f963eb864f8a13ee1c32", 10, 0, []string{"dc5822aa54", "87f963eb86", "4f8a13ee1c", "32"}},
		{"fits", 10, 0, []string{"fits"}},
		{"trailing   ", 20, 0, []string{"trailing"}},
		{"no limit at all here", 0, 0, []string{"no limit at all here"}},
		{"a\nb c", 3, 2, []string{"a", "b c"}},
	}
	for _, c := range cases {
		got := Wrap(c.in, c.width, c.hang)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("Wrap(%q, %d, %d) = %q, want %q", c.in, c.width, c.hang, got, c.want)
		}
	}
}

// A style open across a break is closed at the end of the line and opened
// again on the next, so that no line leaks colour into the next one.
func TestWrapKeepsStylePerLine(t *testing.T) {
	got := Wrap("\x1b[31mred words here\x1b[0m plain", 9, 0)
	want := []string{"\x1b[31mred words\x1b[0m", "\x1b[31mhere\x1b[0m", "plain"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestTableFitsAndWraps(t *testing.T) {
	header := []string{"SEVERITY", "CODE", "FILE", "INDEX", "MESSAGE"}
	rows := [][]string{
		{"\x1b[31;1merror\x1b[0m", "unsealed-partition", "1", "4", strings.Repeat("partition 1 is not sealed ", 8)},
		{"warning", "log-in-use", "/a/very/long/path/that/goes/on/and/on/node.state", "-", "short"},
		{"info", "x", "", "", ""},
	}
	for _, width := range []int{40, 60, 80, 120} {
		lines := Table(header, rows, width, nil)
		for _, l := range lines {
			if w := Width(l); w > width {
				t.Errorf("width %d: line of %d cells: %q", width, w, l)
			}
			if strings.HasSuffix(l, " ") {
				t.Errorf("width %d: trailing space: %q", width, l)
			}
		}
		if width >= 60 && !strings.HasPrefix(lines[0], "SEVERITY  CODE") {
			t.Errorf("width %d: header %q", width, lines[0])
		}
	}
	// Wide enough: one line per row, the natural widths.
	lines := Table([]string{"A", "LONGER"}, [][]string{{"xyz", "1"}, {"x", ""}}, 80, nil)
	want := []string{"A    LONGER", "xyz  1", "x"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", lines, want)
	}
}

func TestTSV(t *testing.T) {
	got := TSV([]string{"A", "B", "C"}, [][]string{{"\x1b[31mred\x1b[0m", "x\ty", "a\nb"}, {"only"}})
	want := []string{"A\tB\tC", `red` + "\t" + `x\ty` + "\t" + `a\nb`, "only\t\t"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestOneLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"one line", "one line"},
		{"open 0:\n\tpermission denied\r\n", "open 0: permission denied"},
		{"  a  \v b\f", "a b"},
	} {
		if got := OneLine(c.in); got != c.want {
			t.Errorf("OneLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	cases := []struct {
		in    string
		width int
		want  string
	}{
		{"short", 10, "short"},
		{"233030303030313afcdea5", 8, "2330303…"},
		{"ab cd ef", 4, "ab…"}, // no space before the ellipsis
		{"\x1b[2mfaint text\x1b[0m", 6, "\x1b[2mfaint…\x1b[0m"},
	}
	for _, c := range cases {
		if got := Truncate(c.in, c.width); got != c.want || Width(got) > c.width {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
}

// Keep columns give way last; Truncate columns before the others; of two
// equally wide columns the right one.
func TestLayoutFloors(t *testing.T) {
	header := []string{"TIMESTAMP", "STATE", "PAYLOAD"}
	rows := [][]string{{"2026-11-26T04:22:04.0315384Z", "ok (uncommitted)", strings.Repeat("ab", 40)}}
	lines := Table(header, rows, 60, []Column{{Keep: true}, {}, {Truncate: true}})
	if !strings.Contains(lines[1], "2026-11-26T04:22:04.0315384Z  ok (uncommitted)  abab") || len(lines) != 2 {
		t.Errorf("the timestamp or the state was wrapped before the payload was cut:\n%s", strings.Join(lines, "\n"))
	}
	lines = Table(header, rows, 40, []Column{{Keep: true}, {}, {Truncate: true}})
	if !strings.Contains(strings.Join(lines, "\n"), "\n2026-11-26T04:22:04.0315384Z  ") {
		t.Errorf("the timestamp was wrapped:\n%s", strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		if Width(l) > 40 {
			t.Errorf("line wider than 40: %q", l)
		}
	}
}
