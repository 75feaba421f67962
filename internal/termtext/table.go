package termtext

import (
	"strings"
)

// Gap is the space between two table columns.
const Gap = 2

// Column says how a table column behaves when the table is too wide.
type Column struct {
	// Keep: the column is wrapped only when every other column is at its
	// last floor (a timestamp that reads badly in two pieces).
	Keep bool
	// Truncate: a cell too long for the column is cut with "…" instead of
	// wrapped (a preview, which is cut anyway).
	Truncate bool
}

// Table lays out header and rows for a terminal width cells wide (see
// Layout) and returns the lines.
func Table(header []string, rows [][]string, width int, cols []Column) []string {
	l := NewLayout(header, rows, width, cols)
	out := l.Header()
	for _, row := range rows {
		out = append(out, l.Row(row)...)
	}
	return out
}

// Layout is the column widths of a table on a terminal: columns
// left-aligned, Gap spaces apart, long cells wrapped inside their column
// (or cut, for Truncate columns), no line ending in a space.
type Layout struct {
	header []string
	widths []int
	cols   []Column
}

// wordFloorCap is the longest word a column keeps whole when it shrinks:
// longer ones (hashes, long codes) break anyway.
const wordFloorCap = 16

// NewLayout sizes the columns from the header and sample rows for a terminal
// width cells wide (width < 1: no limit). Each column starts at its widest
// cell. While the sum is too wide, the widest column gives up one cell at a
// time, but not below its floor; the floors are, in turn: for Truncate
// columns (a preview is cut before anything wraps), then for all but Keep
// columns, the longest word of the header or of the cells (at most
// wordFloorCap) and at least 10 cells; then 4 cells for Truncate columns;
// then 4 for the others; then 4 for Keep columns (which do not shrink
// before). A table that still does not fit at its last floors is wider than
// the terminal.
func NewLayout(header []string, rows [][]string, width int, cols []Column) *Layout {
	n := len(header)
	col := make([]Column, n)
	copy(col, cols)
	natural := make([]int, n)
	word := make([]int, n)
	for i, h := range header {
		natural[i] = maxLineWidth(h)
		word[i] = longestWord(h)
	}
	for _, row := range rows {
		for i := 0; i < n && i < len(row); i++ {
			natural[i] = max(natural[i], maxLineWidth(row[i]))
			if !col[i].Truncate {
				word[i] = max(word[i], min(longestWord(row[i]), wordFloorCap))
			}
		}
	}
	widths := append([]int(nil), natural...)
	if width > 0 {
		avail := width - Gap*(n-1)
		// The floors, in turn (see above): Truncate columns to their word
		// floor first, then every column but Keep ones; then Truncate
		// columns to 4, the others to 4, Keep columns to 4.
		floors := make([][]int, 5)
		for p := range floors {
			floors[p] = make([]int, n)
		}
		for i := range header {
			small := min(4, natural[i])
			words := min(max(10, word[i]), natural[i])
			switch {
			case col[i].Keep:
				floors[0][i], floors[1][i], floors[2][i], floors[3][i], floors[4][i] = natural[i], natural[i], natural[i], natural[i], small
			case col[i].Truncate:
				floors[0][i], floors[1][i], floors[2][i], floors[3][i], floors[4][i] = words, words, small, small, small
			default:
				floors[0][i], floors[1][i], floors[2][i], floors[3][i], floors[4][i] = natural[i], words, words, small, small
			}
		}
		for _, f := range floors {
			shrink(widths, f, avail)
		}
	}
	return &Layout{header: header, widths: widths, cols: col}
}

// Header returns the lines of the header row.
func (l *Layout) Header() []string { return appendRow(nil, l.header, l.widths, nil) }

// Row returns the lines of one row.
func (l *Layout) Row(row []string) []string { return appendRow(nil, row, l.widths, l.cols) }

func longestWord(s string) int {
	w := 0
	for _, f := range strings.Fields(Strip(s)) {
		w = max(w, Width(f))
	}
	return w
}

// shrink takes one cell at a time from the widest column above its floor
// until the widths sum to at most avail or every column is at its floor.
func shrink(widths, floor []int, avail int) {
	total := 0
	for _, w := range widths {
		total += w
	}
	for total > avail {
		k := -1
		for i, w := range widths {
			// >=: of equally wide columns the rightmost gives (the prose
			// and previews stand on the right)
			if w > floor[i] && (k < 0 || w >= widths[k]) {
				k = i
			}
		}
		if k < 0 {
			return
		}
		widths[k]--
		total--
	}
}

func maxLineWidth(s string) int {
	w := 0
	for _, l := range strings.Split(s, "\n") {
		w = max(w, Width(l))
	}
	return w
}

// appendRow wraps (or cuts) each cell to its column and appends the row's
// lines.
func appendRow(out []string, row []string, widths []int, cols []Column) []string {
	cellLines := make([][]string, len(widths))
	height := 1
	for i := range widths {
		c := ""
		if i < len(row) {
			c = row[i]
		}
		if cols != nil && cols[i].Truncate {
			cellLines[i] = []string{Truncate(c, widths[i])}
		} else {
			cellLines[i] = Wrap(c, widths[i], 0)
		}
		height = max(height, len(cellLines[i]))
	}
	var b strings.Builder
	for l := 0; l < height; l++ {
		b.Reset()
		for i, lines := range cellLines {
			if i > 0 {
				b.WriteString(strings.Repeat(" ", Gap))
			}
			s := ""
			if l < len(lines) {
				s = lines[l]
			}
			b.WriteString(s)
			if i < len(widths)-1 {
				b.WriteString(strings.Repeat(" ", max(0, widths[i]-Width(s))))
			}
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	return out
}

// TSV lays header and rows out for a pipe: one line per row, cells
// separated by a tab, nothing padded or wrapped, no SGR codes. Tabs and
// newlines inside a cell are written as \t and \n, so a cell never splits a
// row (the cells of walctl's tables are escaped before they get here; this
// is the last guard).
func TSV(header []string, rows [][]string) []string {
	out := []string{tsvRow(header, len(header))}
	for _, row := range rows {
		out = append(out, tsvRow(row, len(header)))
	}
	return out
}

var tsvEscaper = strings.NewReplacer("\t", `\t`, "\n", `\n`, "\r", `\r`)

func tsvRow(row []string, n int) string {
	cells := make([]string, n)
	for i := 0; i < n && i < len(row); i++ {
		cells[i] = tsvEscaper.Replace(Strip(row[i]))
	}
	return strings.Join(cells, "\t")
}
