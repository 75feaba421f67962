package v2

import (
	"fmt"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
)

// Probe classifies one file as a Table partition or not, without knowing R
// (spec §12.3 F1–F4). A sealed footer proves R exactly (VERY HIGH); an
// unsealed file is judged by its inline chain; a record at 0 with Offset 40 is
// the #244 T2 header overwrite. Confidence None means the bytes are clearly
// not a Table partition (for example a legacy prologue).
func Probe(f partition.File) partition.Probe {
	p := partition.Probe{Format: Format, UsedSlots: -1, T1Slot: -1}
	switch {
	case f.Size <= 0:
		p.Format, p.Confidence, p.UsedSlots = "empty", partition.Low, 0
		p.Evidence = []string{
			"0-byte file: no entry in any format (DotNext ≥ 5.7.3 extends a Table partition to 512 bytes on open)",
		}
		return p
	case allZero(f, 0, f.Size):
		return probeZero(f, p)
	case !headerClean(f):
		return probeT2(f, p)
	case f.Size < HeaderSize:
		p.Confidence, p.UsedSlots = partition.Low, 0
		p.Evidence = []string{fmt.Sprintf("%d bytes, only byte 0 set: a Table header cut short", f.Size)}
		p.Damage = []string{"short header"}
		return p
	}
	// A Table partition so far: its footer and inline chain are read from
	// one end of the file to the other, cheaper from memory.
	f, release := f.InMemory()
	defer release()
	if byteAt(f, 0) != 0 {
		if r, used, ok := sealedR(f); ok {
			return probeSealed(f, p, r, used)
		}
		p.Damage = append(p.Damage, "claims sealed, footer invalid")
	}
	return probeChain(f, p)
}

func probeZero(f partition.File, p partition.Probe) partition.Probe {
	p.UsedSlots = 0
	if f.Size == HeaderSize {
		p.Confidence = partition.High
		p.Evidence = []string{
			"exactly 512 zero bytes: an empty Table partition (what DotNext ≥ 5.7.3 makes of a short file on open)",
		}
		return p
	}
	p.Format, p.Confidence = format.Zero, partition.Low
	p.Evidence = []string{fmt.Sprintf("all %d bytes are zero: no format can be told from them", f.Size)}
	return p
}

func probeSealed(f partition.File, p partition.Probe, r, used int64) partition.Probe {
	footerStart := f.Size - r*recSize
	p.Confidence, p.R, p.UsedSlots, p.Sealed = partition.VeryHigh, r, used, true
	p.Evidence = append(p.Evidence, fmt.Sprintf(
		"sealed (byte 0 = %d): footer of %d chained records at %d, R = %d", byteAt(f, 0), r, footerStart, r))
	start, slot := startOf(f.Number)
	res := walker{f: f, end: footerStart, limit: r}.walk(start, slot)
	p.Evidence = append(p.Evidence, fmt.Sprintf("inline chain: %d records before the footer", res.records))
	if res.stop == stopT1 {
		p.T1Slot = res.t1Slot
		p.Damage = append(p.Damage, fmt.Sprintf(
			"T1: inline record of slot %d missing (zero) before its payload; the footer is intact", res.t1Slot))
	}
	return p
}

func probeChain(f partition.File, p partition.Probe) partition.Probe {
	start, slot := startOf(f.Number)
	capLow := false
	if f.Number == 0 && !allZero(f, HeaderSize, P0Start) {
		p.Damage = append(p.Damage, "bytes 512–551 of partition 0 are not zero (index 0 is never written)")
		capLow = true
	}
	res := walker{f: f, end: f.Size, limit: -1}.walk(start, slot)
	p.UsedSlots = res.next
	// Leading stub records chain like entries: as much evidence of the format.
	p.Confidence = confidenceOf(res.records + res.stored)
	p.Evidence = append(p.Evidence, chainSentence(res, start))
	switch res.stop {
	case stopT1:
		p.T1Slot = res.t1Slot
		p.Damage = append(p.Damage, fmt.Sprintf(
			"T1: zero record at %d (slot %d) followed by payload bytes: record missing (#244)", res.stopAt, res.t1Slot))
		p.Confidence = partition.Medium
		if res.records+res.stored > 0 {
			p.Confidence = partition.High
		} else if shape := foreignShape(f, res.stopAt); shape != "" {
			p.Confidence = partition.Low
			p.Evidence = append(p.Evidence, shape)
		}
	case stopTorn:
		p.Damage = append(p.Damage, "torn tail")
	case stopZeros:
		p.Evidence = append(p.Evidence, fmt.Sprintf("zero bytes from %d to the end", res.stopAt))
	case stopGarbage:
		probeGarbage(f, &p, res)
	}
	if capLow && p.Confidence > partition.Low {
		p.Confidence = partition.Low
	}
	return p
}

func probeGarbage(f partition.File, p *partition.Probe, res walkResult) {
	if shapeOf(f, res.stopAt, f.Size) == tailFooter {
		n := (f.Size - res.stopAt) / recSize
		p.Evidence = append(
			p.Evidence,
			fmt.Sprintf("a footer-shaped region of %d records follows the chain at %d", n, res.stopAt),
		)
		if byteAt(f, 0) == 0 {
			p.Damage = append(p.Damage, "stale footer (byte 0 = 0)")
		}
		return
	}
	if res.records+res.stored == 0 {
		p.Confidence = partition.None
		p.Evidence = append(p.Evidence, fmt.Sprintf("no chained record at %d: not a Table partition", res.stopAt))
		return
	}
	p.Confidence = partition.Medium
	p.Damage = append(p.Damage, fmt.Sprintf("bytes at %d after the chain are not a record", res.stopAt))
}

func confidenceOf(records int64) partition.Confidence {
	switch {
	case records >= 2:
		return partition.VeryHigh
	case records == 1:
		return partition.High
	}
	return partition.Low
}

func chainSentence(res walkResult, start int64) string {
	s := fmt.Sprintf("inline chain from %d: %d records", start, res.records)
	if res.stubs > 0 {
		s += fmt.Sprintf(" after %d leading stubs", res.stubs)
	}
	if res.stored > 0 {
		s += fmt.Sprintf(" after %d leading stub records", res.stored)
	}
	if res.mids > 0 {
		s += fmt.Sprintf(", %d zero records between them", res.mids)
	}
	return s + fmt.Sprintf(", ends at %d", res.stopAt)
}

// foreignShape looks at the first non-zero bytes after a T1 window that no
// chained record preceded: a record there that points at itself+40 off the
// Table grid is a sparse slot, a 40-aligned record pointing further on is a
// legacy prologue entry. Either makes the T1 reading unlikely.
func foreignShape(f partition.File, window int64) string {
	nz := firstNonZero(f, window+recSize, f.Size)
	for q := max(nz-recSize+1, window); q <= nz; q++ {
		rec, ok := f.RecordAt(q)
		if !ok || !rec.OK() || rec.IsZero() {
			continue
		}
		if chains(q, rec) {
			return fmt.Sprintf(
				"a record at %d with Offset %d: the shape of a sparse slot, not a Table chain",
				q,
				rec.Offset,
			)
		}
		if q%recSize == 0 && rec.Offset%recSize == 0 && rec.Offset > q {
			return fmt.Sprintf(
				"a 40-aligned record at %d with Offset %d: the shape of a legacy prologue",
				q,
				rec.Offset,
			)
		}
	}
	return ""
}

func probeT2(f partition.File, p partition.Probe) partition.Probe {
	rec0, ok := f.RecordAt(0)
	if !ok || !chains(0, rec0) {
		p.Confidence = partition.None
		p.Evidence = []string{"bytes 1–511 are not zero and no record at 0 has Offset 40: not a Table partition"}
		return p
	}
	res := walker{f: f, end: f.Size, limit: -1}.walk(0, 0)
	p.T2 = true
	p.Damage = []string{"T2: header overwritten by an entry (record at 0 with Offset 40, #244)"}
	p.Evidence = []string{fmt.Sprintf("%d chained records from offset 0 (byte 0 = %d = low byte of Term %d)",
		res.records, byteAt(f, 0), rec0.Term)}
	switch {
	case res.mids > 0 || res.stop == stopT1:
		p.Confidence = partition.Low
		p.Evidence = append(p.Evidence, "a zero gap follows the record at 0: the shape of a sparse partition")
	case res.records >= 2 && res.stop != stopGarbage:
		p.Confidence = partition.High
	default:
		p.Confidence = partition.Low
		p.Evidence = append(p.Evidence, "a single record at 0 fits a sparse partition as well")
	}
	return p
}
