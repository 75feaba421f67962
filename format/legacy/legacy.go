// Package legacy is the codec of the legacy PersistentState partition format
// (DotNext 4.0.0–5.3.x, and 5.4+ with UseLegacyBinaryFormat; spec
// persistent-state.md §3): a prologue of R 40-byte records at the start of the
// file, then the payloads, each record's Offset pointing at its payload.
//
// The package is pure: it classifies (Probe), decodes (Decode), mirrors what
// the library reads (LibraryReads, Delivered) and writes (Writer) one
// partition file. Payloads are never held in memory: a decoded slot says
// where its payload is.
package legacy

import (
	"errors"
	"fmt"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// Format is the name this codec gives its format in probes and decodes.
const Format = format.Legacy

// Codec is the legacy format's place in the codec table (format/ps).
var Codec partition.Codec = partition.Funcs{Name: Format, ProbeFunc: Probe, DecodeFunc: Decode,
	WriterFunc: partition.AtWriter(NewWriter), CheckFunc: partition.CheckR(Format, MinRecords, MaxRecords)}

// The library accepts 2 ≤ R ≤ int.MaxValue/40 (spec §8, check C1).
const (
	MinRecords = partition.MinR
	MaxRecords = partition.MaxR
)

// ErrGeometry is returned for an R the library would reject.
var ErrGeometry = errors.New("legacy: records per partition outside [2, 53687091]")

// ErrShortPrologue says the file is shorter than its R*40-byte prologue: the
// library cannot open the directory at all (spec §3.3, C8).
var ErrShortPrologue = errors.New(
	"legacy: partition shorter than its prologue; DotNext throws UnauthorizedAccessException on open",
)

// PrologueSize returns R*40, the size of the prologue, or false when R is
// outside the range the library accepts.
func PrologueSize(r int64) (int64, bool) {
	if r < MinRecords || r > MaxRecords {
		return 0, false
	}
	return r * record.Size, true
}

// Delivered is how many payload bytes the library hands out for rec read
// from f (partition.Delivered: the read path of every PersistentState format).
func Delivered(f partition.File, rec record.Record) int64 { return partition.Delivered(f, rec) }

// LibraryReads returns the record the library holds for every slot: the
// prologue verbatim, whatever it contains. ErrShortPrologue when the file is
// shorter than R*40 (the library throws from its constructor then).
func LibraryReads(f partition.File, g partition.Geometry) ([]record.Record, error) {
	size, ok := PrologueSize(g.R)
	if !ok {
		return nil, ErrGeometry
	}
	if f.Size < size {
		return nil, ErrShortPrologue
	}
	recs := make([]record.Record, 0, g.R)
	eachWindow(f, 0, size, func(pos int64, b []byte) bool {
		recs = append(recs, record.Decode(b))
		return true
	})
	for int64(len(recs)) < g.R { // a reader that lied about Size
		recs = append(recs, record.Record{})
	}
	return recs, nil
}

// absIndex is partition.AbsIndex: the log index of relative slot s.
func absIndex(number, r, s int64) (int64, bool) { return partition.AbsIndex(number, r, s) }

func issue(code finding.Code, form string, off, slot int64, facts finding.F) partition.Issue {
	return partition.NewIssue(code, form, off, slot, facts)
}

func itoa(n int64) string { return fmt.Sprint(n) }
