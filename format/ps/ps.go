// Package ps is the PersistentState family behind one face: the table of
// its three partition codecs (legacy, v2, sparse), each filling the roles
// of package partition (Prober, Decoder, Writer), and the writer of a whole
// PersistentState directory (LogWriter). Detection probes through the
// table, logdir decodes through it, repair and convert write through it,
// and the test generator (internal/gen) writes logs with LogWriter: a new
// partition format is one more codec package and one more row here.
package ps

import (
	"fmt"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/legacy"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/sparse"
	v2 "github.com/walctl/walctl/format/v2"
)

// MinR and MaxR bound recordsPerPartition as the library checks it for every
// PersistentState format (partition.MinR and MaxR, spec §8).
const (
	MinR = partition.MinR
	MaxR = partition.MaxR
)

// RRange is the bounds in the words of a hint.
var RRange = fmt.Sprintf("%d ≤ R ≤ %d", MinR, MaxR)

// codecs is the table, in probe order: the Table format first (the
// library's default since 5.4), then legacy, then sparse.
var codecs = []partition.Codec{v2.Codec, legacy.Codec, sparse.Codec}

// Formats are the partition formats of the table.
func Formats() []format.Format {
	out := make([]format.Format, len(codecs))
	for i, c := range codecs {
		out[i] = c.Format()
	}
	return out
}

// Codec returns the codec of partition format f.
func Codec(f format.Format) (partition.Codec, error) {
	for _, c := range codecs {
		if c.Format() == f {
			return c, nil
		}
	}
	return nil, fmt.Errorf("ps: unknown format %q: the partition formats are %s", f, format.Names(Formats(), ", "))
}

// ProbeAll runs the probes of the table on one non-empty file. The last
// codec (sparse) is asked only when no other is very sure: its probe scans
// the whole file byte by byte for a slot record when slot 0 lacks one (it
// took half of verify's time on large legacy and v2 logs), and a file the
// Table or legacy probe is very sure of is not sparse — sparse slots start
// with a record pointing just past itself, which neither format's do.
func ProbeAll(f partition.File) []partition.Probe {
	probes := make([]partition.Probe, 0, len(codecs))
	for i, c := range codecs {
		if i == len(codecs)-1 && sure(probes) {
			break
		}
		probes = append(probes, c.Probe(f))
	}
	return probes
}

func sure(probes []partition.Probe) bool {
	for _, p := range probes {
		if p.Confidence >= partition.VeryHigh {
			return true
		}
	}
	return false
}
