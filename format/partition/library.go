package partition

import (
	"math"

	"github.com/walctl/walctl/format/record"
)

// MinR and MaxR bound recordsPerPartition as the library checks it for
// every PersistentState format: 2 ≤ R ≤ int.MaxValue/40 (spec §8, check C1).
const (
	MinR = 2
	MaxR = math.MaxInt32 / record.Size
)

// Delivered is how many payload bytes the library hands out for rec read
// from f: nothing when Length ≤ 0 (the file is not touched), else the bytes
// from Offset up to Length or EOF, whichever comes first. Length ≤ M is
// not checked on read (spec §4.5, §13: the same read path for every
// PersistentState format).
func Delivered(f File, rec record.Record) int64 {
	if rec.Length <= 0 || rec.Offset < 0 || rec.Offset >= f.Size {
		return 0
	}
	return min(rec.Length, f.Size-rec.Offset)
}
