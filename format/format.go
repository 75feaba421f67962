// Package format names the on-disk formats of a DotNext log, once for every
// package: the three PersistentState partition formats (legacy, the 5.4+
// Table format v2, sparse) and the 5.22+/6.x WriteAheadLog. It holds the
// names and nothing else; the codecs are its sub-packages (format/legacy,
// format/v2, format/sparse, format/wal), and format/ps is the table of the
// partition codecs behind one interface per role.
package format

import "strings"

// Format is a log format, as walctl names it in flags, output and JSON.
type Format string

// The formats walctl reads and writes.
const (
	Legacy Format = "legacy" // DotNext 4.0.0–5.3.x, and 5.4+ with UseLegacyBinaryFormat
	V2     Format = "v2"     // the 5.4+ Table format
	Sparse Format = "sparse" // 5.4+ sparse partitions
	WAL    Format = "wal"    // the 5.22+/6.x WriteAheadLog
)

// What detection names when no format applies: they are verdicts, not
// formats walctl reads.
const (
	Unknown Format = "unknown"
	Empty   Format = "empty"    // a 0-byte partition file
	Zero    Format = "zero"     // a partition file of zero bytes only
	Meta3x  Format = "3.x-meta" // DotNext 3.1–3.3 (N.meta side files)
)

// TableAlias is the library's name of the v2 format, accepted wherever a
// flag names a format.
const TableAlias = "table"

// Logs are the formats walctl reads and writes, in the order flags list them.
var Logs = []Format{Legacy, V2, Sparse, WAL}

// Parse reads a format name as a flag gives it: one of Logs, or "table"
// for v2. ok is false for any other word ("" included).
func Parse(s string) (f Format, ok bool) {
	if s == TableAlias {
		return V2, true
	}
	for _, f := range Logs {
		if string(f) == s {
			return f, true
		}
	}
	return "", false
}

// Partitioned reports whether f is a PersistentState partition format.
func (f Format) Partitioned() bool { return f == Legacy || f == V2 || f == Sparse }

// Names joins formats with sep: "legacy|v2|sparse|wal".
func Names(fs []Format, sep string) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, sep)
}
