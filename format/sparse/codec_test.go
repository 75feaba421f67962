package sparse

import (
	"fmt"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/codectest"
)

// codec is the sparse format's row of the shared codec harness
// (internal/fixtures/codectest): the rules that are its own.
var codec = codectest.Codec{
	Codec: Codec,
	Geometry: func(fx fixtures.Fixture) partition.Geometry {
		return partition.Geometry{R: fx.Manifest.Settings.RecordsPerPartition, M: fx.Manifest.Settings.MaxLogEntrySize}
	},
	LibraryReads:     LibraryReads,
	LibraryReadsAllR: true,
	Delivered:        Delivered,
	LibraryRefuses: func(_ partition.File, g partition.Geometry) bool {
		_, ok := Stride(g)
		return !ok
	},
	// The library reads a record cut by EOF into a zeroed buffer (§5.2);
	// a missing record is one the decoder does not trust.
	LibraryMayDiffer: func(s partition.Slot) bool {
		return s.Kind == partition.Missing || s.Note == "record cut by EOF"
	},
	Codes: map[finding.Code]bool{finding.InvalidGeometry: true, finding.LengthOverSlot: true, finding.TornTail: true,
		finding.MisplacedRecord: true, finding.InvalidRecord: true, finding.MissingRecord: true,
		finding.SlotZeroWritten: true, finding.StaleSlotBytes: true, finding.BytesPastLastSlot: true},
	SlotRules:         slotRules,
	DecodeRules:       codectest.Rules(codectest.SlotsEndAtLastUsed, codectest.IssuesOnDecodedSlots, geometryRule),
	ProbeRules:        probeRules,
	EndsAtLastWrite:   true,
	HealthyReproduces: true,
}

var sparseKinds = codectest.KindsAre(partition.Unwritten, partition.Written, partition.Torn, partition.Invalid,
	partition.Missing)

// slotRules: slot s's record sits at s×(M+40) with its payload right
// behind it and no longer than M; an unwritten slot has no record.
func slotRules(s partition.Slot, file partition.File, g partition.Geometry) string {
	if msg := sparseKinds(s, file, g); msg != "" {
		return msg
	}
	if msg := codectest.TornPayload(s); msg != "" {
		return msg
	}
	switch {
	case s.Kind == partition.Unwritten:
		if s.At != -1 {
			return fmt.Sprintf("unwritten with a record at %d", s.At)
		}
		return ""
	case s.Kind == partition.Written && (s.Rec.Length > g.M || s.Rec.Offset != s.At+record.Size):
		return "written record off its slot or longer than M"
	case s.At != s.Slot*(g.M+record.Size) || s.At >= file.Size:
		return fmt.Sprintf("record at %d", s.At)
	}
	return ""
}

// geometryRule: a geometry Stride refuses decodes to no slot and an
// invalid-geometry error.
func geometryRule(d partition.Decoded, _ partition.File, g partition.Geometry) string {
	if _, ok := Stride(g); !ok &&
		(len(d.Slots) != 0 || !codectest.HasIssue(d, finding.InvalidGeometry, partition.Error)) {
		return fmt.Sprintf("%d slots, issues %v", len(d.Slots), d.Issues)
	}
	return ""
}

// probeRules: a probe names the sparse format, never an R or a T1 slot,
// keeps a bounded damage list, and an M only a stride record backs; the
// probed stride decodes the file to the slots the probe counted.
func probeRules(p partition.Probe, file partition.File) string {
	switch {
	case p.Format != Format || p.T1Slot != -1 || p.R != 0:
		return "not a sparse probe"
	case len(p.Damage) > maxDamage+1:
		return fmt.Sprintf("%d damage sentences", len(p.Damage))
	case p.M < 0 || p.M != 0 && (!p.Explains() || p.M+record.Size > file.Size):
		return fmt.Sprintf("M %d with confidence %v", p.M, p.Confidence)
	}
	if p.M > 0 && p.UsedSlots > 0 {
		d := Decode(file, partition.Geometry{R: max(p.UsedSlots, MinRecords), M: p.M}, -1)
		if h := codectest.HighestUsed(d); h+1 != p.UsedSlots {
			return fmt.Sprintf("decode with the probed M: highest used %d", h)
		}
	}
	return ""
}
