// Package sparse is the codec of the sparse PersistentState partition format
// (DotNext 5.4+ with MaxLogEntrySize = M > 0; spec persistent-state.md §5):
// relative slot s occupies [s*(M+40), (s+1)*(M+40)), a 40-byte record at the
// slot start whose Offset points right behind it, then at most M payload
// bytes; no header, no footer, holes between slots.
//
// The package is pure: it classifies (Probe), decodes (Decode), mirrors what
// the library reads (LibraryReads, Delivered) and writes (Writer) one
// partition file. Payloads are never held in memory.
package sparse

import (
	"errors"
	"fmt"
	"math"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// Format is the name this codec gives its format in probes and decodes.
const Format = format.Sparse

// Codec is the sparse format's place in the codec table (format/ps).
var Codec partition.Codec = partition.Funcs{Name: Format, ProbeFunc: Probe, DecodeFunc: Decode,
	WriterFunc: partition.AtWriter(NewWriter), CheckFunc: checkGeometry}

// checkGeometry accepts what Stride accepts.
func checkGeometry(g partition.Geometry) error {
	if _, ok := Stride(g); !ok {
		return ErrGeometry
	}
	return nil
}

// The library accepts 2 ≤ R ≤ int.MaxValue/40 (spec §8, check C1); M > 0
// selects this format.
const (
	MinRecords = partition.MinR
	MaxRecords = partition.MaxR
)

// ErrGeometry is returned for an R or M the library would reject or that
// overflows the slot arithmetic.
var ErrGeometry = errors.New("sparse: need 2 ≤ R ≤ 53687091, M ≥ 1 and R*(M+40) within int64")

// Stride returns M+40, the size of one slot, or false when the geometry is
// unusable.
func Stride(g partition.Geometry) (int64, bool) {
	if g.R < MinRecords || g.R > MaxRecords || g.M < 1 || g.M > math.MaxInt64-record.Size {
		return 0, false
	}
	stride := g.M + record.Size
	if stride > math.MaxInt64/g.R {
		return 0, false
	}
	return stride, true
}

// Delivered is how many payload bytes the library hands out for rec read
// from f (partition.Delivered): Length ≤ M is not checked on read (spec
// §13, fixture sparse-basic+overlong).
func Delivered(f partition.File, rec record.Record) int64 { return partition.Delivered(f, rec) }

// LibraryReads returns the record the library reads for every slot: the 40
// bytes at the slot start read into a zeroed buffer, so a slot beyond EOF or
// cut by it reads as (partly) zero (spec §5.2).
func LibraryReads(f partition.File, g partition.Geometry) ([]record.Record, error) {
	stride, ok := Stride(g)
	if !ok {
		return nil, ErrGeometry
	}
	recs := make([]record.Record, g.R)
	var b [record.Size]byte
	for s := range recs {
		pos := int64(s) * stride
		if pos >= f.Size {
			break
		}
		clear(b[:])
		f.ReadAt(b[:min(record.Size, f.Size-pos)], pos)
		recs[s] = record.Decode(b[:])
	}
	return recs, nil
}

// absIndex is partition.AbsIndex: the log index of relative slot s.
func absIndex(number, r, s int64) (int64, bool) { return partition.AbsIndex(number, r, s) }

func issue(code finding.Code, form string, off, slot int64, facts finding.F) partition.Issue {
	return partition.NewIssue(code, form, off, slot, facts)
}

// selfRef reports whether a structurally valid record sits at pos with its
// Offset pointing right behind it — the shape of every sparse record.
func selfRef(f partition.File, pos int64) (record.Record, bool) {
	rec, ok := f.RecordAt(pos)
	if !ok || rec.IsZero() || rec.Offset != pos+record.Size || !rec.OK() {
		return rec, false
	}
	return rec, true
}

func itoa(n int64) string { return fmt.Sprint(n) }
