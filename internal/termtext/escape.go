// Package termtext lays text out for a terminal: it escapes what a log file
// could use to drive the terminal, measures text in display cells, and wraps
// it to a width. Its only escape sequences are the SGR colour codes the
// caller put in on purpose.
package termtext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Escape returns s with every character that a terminal would act on instead
// of showing written out visibly: C0 controls (\t, \n, \r by name, others as
// \x1b), DEL, C1 controls (\u0085), the bidirectional and line-separator
// formatting characters (\u202e), and each byte of invalid UTF-8 (\xff). A
// file name, an endpoint or a payload read from a log can then neither clear
// the screen, set the window title nor reorder what the user reads.
// Backslashes are not doubled: paths stay readable, at the price of an
// ambiguity that a display can afford.
func Escape(s string) string {
	if plain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		} else {
			writeRune(&b, r)
		}
		i += n
	}
	return b.String()
}

// EscapeBytes is Escape for a byte slice (a payload).
func EscapeBytes(p []byte) string { return Escape(string(p)) }

// plain reports whether s is printable ASCII only (the common case, no copy).
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

func writeRune(b *strings.Builder, r rune) {
	switch {
	case r == '\t':
		b.WriteString(`\t`)
	case r == '\n':
		b.WriteString(`\n`)
	case r == '\r':
		b.WriteString(`\r`)
	case r < 0x20 || r == 0x7f:
		b.WriteString(`\x`)
		b.WriteString(hex2(byte(r)))
	case Unsafe(r):
		b.WriteString(`\u`)
		s := strconv.FormatInt(int64(r), 16)
		b.WriteString(strings.Repeat("0", 4-len(s)))
		b.WriteString(s)
	default:
		b.WriteRune(r)
	}
}

// Unsafe reports whether r is a non-ASCII character that Escape writes out:
// C1 controls (8-bit CSI, OSC, NEL…), the bidirectional overrides, isolates
// and marks, and the Unicode line and paragraph separators.
func Unsafe(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r == 0x2028, r == 0x2029:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}
