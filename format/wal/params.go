package wal

import (
	"fmt"

	"github.com/walctl/walctl/format/partition"
)

// Options are user overrides; zero values mean "detect".
type Options struct {
	ChunkSize   int64  // data chunk size (Options.ChunkSize of the library)
	PageSize    int64  // metadata page size (4096 except 6.6.5–6.8.0 on large-page hosts)
	Layout      string // "", "6" (32-byte record), "5" (40-byte record with timestamp)
	SlotSize    int64  // 32 or 64
	Hash        string // "", "none", "crc32", "crc64", "xxhash32", "xxhash64", "xxhash3" (any case)
	SnapshotDir string // relative to the log directory, or absolute
}

// Timestamp modes of the 40-byte record.
const (
	TicksUTC  = "ticks" // 5.x writer: UTC ticks of the entry
	TicksZero = "zero"  // 6.x writer with IgnoreTimestamp=false: always 0
)

// Confidence levels of a detection (spec §10.4 step 6): the one scale of
// every detection in walctl (partition.Confidence).
const (
	VeryHigh = partition.VeryHigh
	High     = partition.High
	Medium   = partition.Medium
	Low      = partition.Low
)

// Params are the layout parameters of one WAL directory. None of them is
// stored on disk (spec §0.3): they come from Detect or from Options.
type Params struct {
	ChunkSize  int64   // P_d
	PageSize   int64   // P_m, the metadata page size
	SlotSize   int64   // s
	RecordSize int64   // 32 or 40
	Layout     string  // Layout6 or Layout5
	Timestamps string  // Layout5 only: TicksUTC or TicksZero
	Hash       HashAlg // per-entry hash after the record
	// CheckpointForm is the size of the checkpoint file when it is one the
	// library writes (0, 8, 12, 20), -1 when torn, -2 when the file is missing.
	CheckpointForm int
	// Writers names the library releases that write these files the way
	// they are, e.g. "6.8.0 or later" (WriterFacts).
	Writers string
	// FixedPlacements counts entries that start at a chunk boundary after a
	// gap: the #292 fix (6.6.5+), or records walctl repair corrected.
	FixedPlacements int
	SnapshotDir     string // relative to the log directory unless absolute
	Confidence      partition.Confidence
	Evidence        []string
}

func (p Params) String() string {
	s := fmt.Sprintf(
		"chunk %d, metadata page %d, slot %d, %d-byte record",
		p.ChunkSize,
		p.PageSize,
		p.SlotSize,
		p.RecordSize,
	)
	if p.Layout == Layout5 {
		s += " (" + p.Timestamps + " timestamps)"
	}
	return s + ", hash " + p.Hash.String()
}
