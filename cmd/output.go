package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/internal/termtext"
	"golang.org/x/term"
)

// walctl's one printing layer. Every command prints through it:
//   - printLine for messages: on a terminal each line is wrapped to the width
//     with a hanging indent; in a pipe it stays one line;
//   - newTable for tables: on a terminal the columns fit the width and long
//     cells wrap inside their column; in a pipe one row per line, the cells
//     separated by a tab, under a header line (see the README);
//   - blank for the empty line between blocks (never two in a row).
// Both escape every string from a log (names, endpoints, payloads, messages
// that quote them) so that no byte of a log reaches the terminal as a control
// character; only the colour codes of the style functions below pass.

// termMode says where stdout goes: a terminal width cells wide, or a pipe
// or file (tty false).
type termMode struct {
	tty   bool
	width int
}

// defaultWidth is the width of a terminal that does not say.
const defaultWidth = 80

// detectTerminal reads the mode of w: a terminal whose width is $COLUMNS, else
// the terminal's own, else 80; anything else is a pipe.
func detectTerminal(w io.Writer) termMode {
	f, ok := w.(*os.File)
	if !ok || !(isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return termMode{}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return termMode{tty: true, width: n}
	}
	if n, _, err := term.GetSize(int(f.Fd())); err == nil && n > 0 {
		return termMode{tty: true, width: n}
	}
	return termMode{tty: true, width: defaultWidth}
}

// outWriter is stdout as the commands see it (c.App.Writer): it carries the
// mode and remembers how the output ends, so that blank never doubles a
// blank line.
type outWriter struct {
	w     io.Writer
	mode  termMode
	wrote bool
	nl    int // newlines at the end of the output so far, at most 2
}

func (o *outWriter) Write(p []byte) (int, error) {
	if len(p) > 0 {
		o.wrote = true
		k := 0
		for k < len(p) && k < 2 && p[len(p)-1-k] == '\n' {
			k++
		}
		if k == len(p) {
			o.nl = min(2, o.nl+k)
		} else {
			o.nl = k
		}
	}
	return o.w.Write(p)
}

// modeOf returns the mode of a command's writer (a pipe for any other).
func modeOf(w io.Writer) termMode {
	if o, ok := w.(*outWriter); ok {
		return o.mode
	}
	return termMode{}
}

// blank separates two blocks of output by one empty line: never at the start,
// never a second one.
func blank(w io.Writer) {
	if o, ok := w.(*outWriter); ok && (!o.wrote || o.nl >= 2) {
		return
	}
	fmt.Fprintln(w)
}

// styled is text whose data was escaped and that may carry colour codes: it
// is printed as it is.
type styled string

// styleFunc returns a function that escapes its arguments and colours them
// with the SGR codes given, closed by a full reset (colour is off in a pipe,
// with NO_COLOR or --no-color: fatih/color's switch). A full reset, not
// fatih/color's per-attribute ones, keeps the codes simple for the wrapper,
// which re-opens a style on each line it spans.
func styleFunc(codes string) func(a ...any) styled {
	return func(a ...any) styled {
		s := join(a...)
		if color.NoColor || s == "" {
			return s
		}
		return styled("\x1b[" + codes + "m" + string(s) + "\x1b[0m")
	}
}

var (
	bold   = styleFunc("1")
	red    = styleFunc("31;1")
	yellow = styleFunc("33")
	green  = styleFunc("32")
	faint  = styleFunc("2")
)

// join concatenates its parts, escaping all but styled ones.
func join(parts ...any) styled {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(display(p))
	}
	return styled(b.String())
}

// display turns a value into text for the terminal: styled as it is, numbers
// and booleans as fmt prints them, anything else escaped.
func display(v any) string {
	switch v := v.(type) {
	case styled:
		return string(v)
	case string:
		return termtext.Escape(v)
	case error:
		return termtext.Escape(v.Error())
	case fmt.Stringer:
		return termtext.Escape(v.String())
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, bool:
		return fmt.Sprint(v)
	}
	return termtext.Escape(fmt.Sprint(v))
}

// safeArgs prepares printf arguments: numbers stay numbers (for %d), every
// other value becomes its escaped text.
func safeArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch a.(type) {
		case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, bool:
			out[i] = a
		default:
			out[i] = display(a)
		}
	}
	return out
}

// printLine prints whole lines (a final newline is added when format has
// none). On a terminal each line is wrapped to the width; its continuation
// lines are indented by the line's own indent plus two.
func printLine(w io.Writer, format string, args ...any) {
	printHang(w, -1, format, args...)
}

// printHang is printLine with continuation lines indented by hang cells
// (hang < 0: the line's indent plus two).
func printHang(w io.Writer, hang int, format string, args ...any) {
	s := strings.TrimSuffix(fmt.Sprintf(format, safeArgs(args)...), "\n")
	width := 0
	if m := modeOf(w); m.tty {
		width = m.width
	}
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		h := hang
		if h < 0 {
			// under the text of a list item ("  - "), else two in
			rest := strings.TrimLeft(line, " ")
			h = len(line) - len(rest) + 2
		}
		for _, l := range termtext.Wrap(line, width, h) {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	io.WriteString(w, b.String())
}

// table is a table of walctl's output (see the top of this file). It holds
// at most sampleRows rows: in a pipe rows are written in batches as they
// come; on a terminal the column widths are fixed from the first sampleRows
// rows and later rows are written with them (a longer cell wraps), so that
// listing a log's entries keeps memory flat however long the log is.
type table struct {
	w       io.Writer
	header  []string
	rows    [][]string
	cols    []termtext.Column
	layout  *termtext.Layout
	started bool
}

// sampleRows is how many rows size a terminal table's columns; pipeBatch
// how many rows a piped table writes at once (one write per row would be a
// system call per entry of inspect --entries).
const (
	sampleRows = 1000
	pipeBatch  = 256
)

// newTable returns a table that Render prints to w. The header is escaped
// too: a column may be named after a directory.
func newTable(w io.Writer, header ...string) *table {
	h := make([]string, len(header))
	for i, s := range header {
		h[i] = termtext.Escape(s)
	}
	return &table{w: w, header: h}
}

// keep makes column i wrap last (see termtext.Column).
func (t *table) keep(i int) *table { t.col(i).Keep = true; return t }

// cut makes column i cut its cells with "…" instead of wrapping them.
func (t *table) cut(i int) *table { t.col(i).Truncate = true; return t }

func (t *table) col(i int) *termtext.Column {
	for len(t.cols) <= i {
		t.cols = append(t.cols, termtext.Column{})
	}
	return &t.cols[i]
}

// Row adds a row; each cell goes through display (styled cells keep their
// colour, everything else is escaped).
func (t *table) Row(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = display(c)
	}
	t.rows = append(t.rows, row)
	if len(t.rows) >= sampleRows || (!modeOf(t.w).tty && len(t.rows) >= pipeBatch) {
		t.flush()
	}
}

// Append adds a row of plain (unstyled) cells.
func (t *table) Append(cells []string) {
	row := make([]any, len(cells))
	for i, c := range cells {
		row[i] = c
	}
	t.Row(row...)
}

// Render prints what is left of the table (the header at least).
func (t *table) Render() { t.flush() }

// flush writes the header (once) and the rows held.
func (t *table) flush() {
	var lines []string
	if m := modeOf(t.w); m.tty {
		if t.layout == nil {
			t.layout = termtext.NewLayout(t.header, t.rows, m.width, t.cols)
			lines = t.layout.Header()
		}
		for _, r := range t.rows {
			lines = append(lines, t.layout.Row(r)...)
		}
	} else {
		lines = termtext.TSV(t.header, t.rows)
		if t.started {
			lines = lines[1:]
		}
	}
	t.started, t.rows = true, t.rows[:0]
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	io.WriteString(t.w, b.String())
}

// writeJSON prints v as indented JSON.
// show prints a command's document: as JSON with asJSON, else as text.
// A document that is not ok makes the command exit 1 once it is printed.
func show[T any](c *cli.Context, asJSON bool, doc T, text func(io.Writer, T), ok bool) error {
	if asJSON {
		if err := writeJSON(c.App.Writer, doc); err != nil {
			return err
		}
	} else {
		text(c.App.Writer, doc)
	}
	if !ok {
		return damageError{}
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func severityColor(sev string) styled {
	switch sev {
	case "error":
		return red(sev)
	case "warning":
		return yellow(sev)
	}
	return styled(termtext.Escape(sev))
}

func orDash(v int64) string {
	if v < 0 {
		return "-"
	}
	return fmt.Sprint(v)
}

// plural says "1 entry", "2 entries", "1 warning", "0 warnings".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	switch {
	case strings.HasSuffix(word, "y") && !strings.HasSuffix(word, "ay") && !strings.HasSuffix(word, "ey"):
		return fmt.Sprintf("%d %sies", n, word[:len(word)-1])
	case strings.HasSuffix(word, "s"), strings.HasSuffix(word, "x"), strings.HasSuffix(word, "ch"):
		return fmt.Sprintf("%d %ses", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// plural64 is plural for an int64 count.
func plural64(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strings.Replace(plural(2, word), "2", strconv.FormatInt(n, 10), 1)
}
