package termtext

import (
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
)

// cells measures runes in terminal cells. East Asian ambiguous characters
// (…, –, ✗) count as one cell whatever the locale says, so that output does
// not depend on LANG.
var cells = &runewidth.Condition{EastAsianWidth: false, StrictEmojiNeutral: true}

// atom is one visible rune with the SGR codes active where it stands.
type atom struct {
	r     rune
	w     int
	style string
}

// parse splits s into visible runes, reading SGR sequences (ESC [ … m) as
// the style of the runes that follow. ESC [0m (or ESC [m) ends every style.
func parse(s string) []atom {
	atoms := make([]atom, 0, len(s))
	style := ""
	for i := 0; i < len(s); {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] == ';' || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			if j < len(s) && s[j] == 'm' {
				seq := s[i : j+1]
				if seq == "\x1b[0m" || seq == "\x1b[m" {
					style = ""
				} else {
					style += seq
				}
				i = j + 1
				continue
			}
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		atoms = append(atoms, atom{r: r, w: cells.RuneWidth(r), style: style})
		i += n
	}
	return atoms
}

// Width is the number of terminal cells s takes, SGR codes excluded.
func Width(s string) int {
	if plain(s) {
		return len(s)
	}
	w := 0
	for _, a := range parse(s) {
		w += a.w
	}
	return w
}

// Strip removes the SGR codes from s.
func Strip(s string) string {
	if !strings.Contains(s, "\x1b[") {
		return s
	}
	var b strings.Builder
	for _, a := range parse(s) {
		b.WriteRune(a.r)
	}
	return b.String()
}

// Wrap breaks s into lines of at most width cells; continuation lines start
// with hang spaces (and have width-hang cells for text). Lines break at
// spaces; a word longer than a line breaks after a '/', '-', '_', '.', ',',
// ';', ':', '=' or '|' in its second half when it has one (paths, codes,
// URLs and value lists break where a reader expects), else at the width. The spaces at a break are
// dropped, and no line ends in a space. Each line carries its own SGR codes:
// a style open at the end of a line is closed there and opened again on the
// next, so that every line stands alone. A newline in s starts a new
// paragraph (without the hang). width < 1 means no limit.
func Wrap(s string, width, hang int) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, wrapLine(parse(para), width, 0, hang)...)
	}
	return out
}

func wrapLine(atoms []atom, width, firstHang, hang int) []string {
	if width < 1 {
		return []string{render(trimRight(atoms), firstHang)}
	}
	var lines []string
	ind := firstHang
	for {
		avail := max(width-ind, 1)
		j, w := 0, 0
		for j < len(atoms) && w+atoms[j].w <= avail {
			w += atoms[j].w
			j++
		}
		if j == len(atoms) {
			lines = append(lines, render(trimRight(atoms), ind))
			return lines
		}
		if j == 0 {
			j = 1 // a rune wider than the line: it still has to go somewhere
		}
		end, next := breakAt(atoms, j, avail)
		lines = append(lines, render(trimRight(atoms[:end]), ind))
		atoms = atoms[next:]
		for len(atoms) > 0 && atoms[0].r == ' ' {
			atoms = atoms[1:]
		}
		if len(atoms) == 0 {
			return lines
		}
		ind = hang
	}
}

// breakAt picks where a line that cannot hold atoms[:j+1] ends: at the last
// space before or at j, else after a punctuation mark in the second half of
// the line, else at j. It returns the end of the line and the start of the
// next one.
func breakAt(atoms []atom, j, avail int) (end, next int) {
	for k := j; k > 0; k-- {
		if atoms[k].r == ' ' {
			return k, k + 1
		}
	}
	for k := j - 1; k > 0 && k >= j/2; k-- {
		if strings.ContainsRune("/-_.,;:=|", atoms[k].r) {
			return k + 1, k + 1
		}
	}
	return j, j
}

func trimRight(atoms []atom) []atom {
	for len(atoms) > 0 && atoms[len(atoms)-1].r == ' ' {
		atoms = atoms[:len(atoms)-1]
	}
	return atoms
}

// render writes atoms after indent spaces, with the SGR codes between runes
// whose style differs, and a reset at the end when a style is open.
func render(atoms []atom, indent int) string {
	if len(atoms) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", indent))
	cur := ""
	for _, a := range atoms {
		if a.style != cur {
			if cur != "" {
				b.WriteString("\x1b[0m")
			}
			b.WriteString(a.style)
			cur = a.style
		}
		b.WriteRune(a.r)
	}
	if cur != "" {
		b.WriteString("\x1b[0m")
	}
	return b.String()
}

// OneLine folds every run of white space in s, line breaks included, to one
// space: an error message reads on one line of output or in one table cell.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Truncate cuts s to at most width cells, ending it with "…" when it was cut
// (styles kept, no trailing space).
func Truncate(s string, width int) string {
	if width < 1 || Width(s) <= width {
		return render(trimRight(parse(s)), 0)
	}
	atoms := parse(s)
	j, w := 0, 0
	for j < len(atoms) && w+atoms[j].w <= width-1 {
		w += atoms[j].w
		j++
	}
	cut := append(trimRight(atoms[:j:j]), atom{r: '…', w: 1})
	if j > 0 {
		cut[len(cut)-1].style = atoms[j-1].style
	}
	return render(cut, 0)
}
