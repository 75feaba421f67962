package v2

import (
	"fmt"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/internal/fixtures/codectest"
)

// codec is the Table format's row of the shared codec harness
// (internal/fixtures/codectest): the rules that are its own. Its reader
// model (LibraryReads per release, Compare) has its own tests.
var codec = codectest.Codec{
	Codec:       Codec,
	SlotRules:   slotRules,
	DecodeRules: sealRule,
	ProbeRules:  probeRules,
	// Codes: every code the Table codec may report (an unexpected one fails).
	Codes: map[finding.Code]bool{finding.BadGeometry: true, finding.BeyondLastIndex: true,
		finding.FooterMismatch: true, finding.HeaderNotClean: true, finding.InvalidRecord: true,
		finding.MoreThanRRecords: true, finding.ShortHeader: true, finding.Slot0NotEmpty: true,
		finding.StaleBytes: true, finding.StaleFooter: true, finding.T1MissingInlineRecords: true,
		finding.T2HeaderOverwritten: true, finding.T3GarbageFooter: true, finding.TornSeal: true,
		finding.TornTail: true, finding.TrailingBytes: true, finding.TrailingZeros: true,
		finding.UnsealedPartition: true, finding.ZeroLeadingSlots: true, finding.ZeroRecordInChain: true},
}

// slotRules: only a written or torn slot has payload, never more than its
// record's Length.
func slotRules(s partition.Slot, _ partition.File, _ partition.Geometry) string {
	switch s.Kind {
	case partition.Written, partition.Torn:
		if s.Avail > s.Rec.Length {
			return fmt.Sprintf("%d payload bytes of %d", s.Avail, s.Rec.Length)
		}
	default:
		if s.Avail != 0 {
			return fmt.Sprintf("%v with %d payload bytes", s.Kind, s.Avail)
		}
	}
	return ""
}

// sealRule: a partition is sealed only with header byte 0 set and room for
// the footer.
func sealRule(d partition.Decoded, file partition.File, g partition.Geometry) string {
	if d.Sealed && (byteAt(file, 0) == 0 || file.Size < HeaderSize+g.R*recSize) {
		return "sealed without flag or footer room"
	}
	return ""
}

// probeRules: a probe names the Table format (or an empty or all-zero
// file), counts used slots past any T1 slot, and gives an R only when a
// footer the decoder accepts proves it.
func probeRules(p partition.Probe, file partition.File) string {
	switch {
	case p.Format != Format && p.Format != "empty" && p.Format != "zero":
		return fmt.Sprintf("format %q", p.Format)
	case p.UsedSlots < -1 || p.T1Slot < -1 || (p.T1Slot >= 0 && p.UsedSlots < p.T1Slot+1):
		return fmt.Sprintf("used %d, T1 %d", p.UsedSlots, p.T1Slot)
	case p.R == 0:
		return ""
	case p.R < MinR || p.R > MaxR || file.Size < HeaderSize+p.R*recSize || p.Confidence != partition.VeryHigh:
		return fmt.Sprintf("R %d in a %d-byte file at %v", p.R, file.Size, p.Confidence)
	}
	if d := Decode(file, partition.Geometry{R: p.R}, -1); !d.Sealed {
		return fmt.Sprintf("probe proves R %d, decode says unsealed: %v", p.R, d.Issues)
	}
	return ""
}
