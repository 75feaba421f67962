package legacy

import (
	"fmt"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/fixtures/codectest"
)

// codec is the legacy format's row of the shared codec harness
// (internal/fixtures/codectest): the rules that are its own.
var codec = codectest.Codec{
	Codec:        Codec,
	LibraryReads: LibraryReads,
	Delivered:    Delivered,
	// The library throws on an R it rejects and on a file shorter than its
	// prologue (spec §3.3).
	LibraryRefuses: func(f partition.File, g partition.Geometry) bool {
		size, ok := PrologueSize(g.R)
		return !ok || f.Size < size
	},
	Codes: map[finding.Code]bool{finding.InvalidGeometry: true, finding.PartitionShorterThanPrologue: true,
		finding.TornTail: true, finding.InvalidRecord: true, finding.PayloadOverlap: true,
		finding.ProloguePayloadBehindZeroRecords: true, finding.UnreferencedTail: true, finding.SlotZeroWritten: true},
	SlotRules:   slotRules,
	DecodeRules: codectest.Rules(codectest.SlotsEndAtLastUsed, codectest.IssuesOnDecodedSlots, prologueSlots),
	ProbeRules:  probeRules,
}

var legacyKinds = codectest.KindsAre(partition.Unwritten, partition.Written, partition.Torn, partition.Invalid)

// slotRules: every record sits in the prologue, on a 40-byte boundary; a
// torn slot is a payload cut by EOF.
func slotRules(s partition.Slot, file partition.File, g partition.Geometry) string {
	if msg := legacyKinds(s, file, g); msg != "" || s.Kind == partition.Unwritten {
		return msg
	}
	if msg := codectest.TornPayload(s); msg != "" {
		return msg
	}
	if s.At < 0 || s.At%record.Size != 0 || s.At >= file.Size {
		return fmt.Sprintf("record at %d", s.At)
	}
	return ""
}

// prologueSlots: no more slots than the file has 40-byte records for.
func prologueSlots(d partition.Decoded, file partition.File, g partition.Geometry) string {
	if int64(len(d.Slots)) > max(0, min(g.R, (file.Size+record.Size-1)/record.Size)) {
		return fmt.Sprintf("%d slots for a %d-byte file", len(d.Slots), file.Size)
	}
	return ""
}

// probeRules: a probe names the legacy format, never a T1 slot, and an R
// only the library accepts and its confidence backs; the proven R decodes
// the file to the slots the probe counted.
func probeRules(p partition.Probe, file partition.File) string {
	switch {
	case p.Format != Format || p.T1Slot != -1:
		return "not a legacy probe"
	case p.R != 0 && (p.R < MinRecords || p.R > MaxRecords || !p.Explains()):
		return fmt.Sprintf("R %d with confidence %v", p.R, p.Confidence)
	case p.R > 0 && (p.UsedSlots < 0 || p.UsedSlots > p.R):
		return fmt.Sprintf("UsedSlots %d with R %d", p.UsedSlots, p.R)
	}
	if p.R > 0 && p.R <= 4096 {
		d := Decode(file, partition.Geometry{R: p.R}, -1)
		if h := codectest.HighestUsed(d); int64(len(d.Slots)) != h+1 || h+1 != p.UsedSlots {
			return fmt.Sprintf("decode with the probed R: %d slots, highest used %d", len(d.Slots), h)
		}
	}
	return ""
}
