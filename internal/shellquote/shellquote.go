// Package shellquote turns a command line into text a POSIX shell reads back
// as the same arguments: walctl prints commands for the user to run (finish
// an interrupted write, add a flag), and a path with a space, a quote or a
// non-ASCII name must survive a copy and paste.
package shellquote

import "strings"

// Join quotes each argument where needed and joins them with spaces.
func Join(args ...string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = Quote(a)
	}
	return strings.Join(q, " ")
}

// Quote returns s unchanged when a shell reads it as one word as it is
// (letters, digits and -_./:=@,+%^ only, non-ASCII letters included), and
// otherwise wrapped in single quotes; a single quote inside ends the quoted
// part, is written escaped (backslash, quote) and the quoting starts again.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	if safe(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func safe(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("-_./:=@,+%^", r):
		case r > 0x7f && r != 0xa0 && r != 0x2028 && r != 0x2029 && r != 0xfeff:
			// Letters of other scripts are one word for the shell; the
			// non-breaking and line-separator spaces are not safe to
			// leave bare (they look like a space in a terminal).
		default:
			return false
		}
	}
	return true
}
