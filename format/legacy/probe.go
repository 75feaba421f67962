package legacy

import (
	"fmt"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// prologueScan is what a walk over the 40-aligned windows of a file, without
// knowing R, found (spec §12.3 F5). It keeps running figures only, so its
// size does not depend on the file.
type prologueScan struct {
	records     int64 // valid records seen below P
	invalid     int64 // non-zero windows below P that are not records
	firstBad    int64 // position of the first such window, -1 if none
	minOffset   int64 // P candidate: smallest Offset among the records
	firstOffset int64 // Offset of the record in the lowest slot
	maxEnd      int64 // largest End among the records
	maxSlot     int64 // highest non-zero window, -1 if none
	chained     bool  // each record's Offset = End of the previous record
	prevEnd     int64
	torn        int64  // records whose payload runs past EOF
	firstTorn   string // the first of them, in words
	cutAt       int64  // position of a partial non-zero window at EOF, -1 if none
	slot0       bool   // the window at 0 is non-zero
}

// scanPrologue walks 40-byte windows from 0 until the smallest payload
// offset seen so far (records always sit below every payload) or EOF.
func scanPrologue(f partition.File) prologueScan {
	s := prologueScan{firstBad: -1, minOffset: -1, maxSlot: -1, chained: true, cutAt: -1}
	eachNonZeroWindow(f, 0, f.Size, func(pos int64, b []byte) bool {
		if s.minOffset >= 0 && pos >= s.minOffset {
			return false
		}
		s.maxSlot = pos / record.Size
		s.slot0 = s.slot0 || pos == 0
		if len(b) < record.Size {
			s.cutAt = pos
			return false
		}
		rec := record.Decode(b)
		if !rec.OK() || rec.Offset < pos+record.Size {
			s.invalid++
			if s.firstBad < 0 {
				s.firstBad = pos
			}
			// A second garbage window, or garbage before any record, ends
			// the prologue hypothesis: the rest is payload or another format.
			return s.records > 0 && s.invalid < 2
		}
		s.addRecord(f, pos, rec)
		return true
	})
	return s
}

func (s *prologueScan) addRecord(f partition.File, pos int64, rec record.Record) {
	end, _ := rec.End() // Valid() guarantees no overflow
	if s.records == 0 {
		s.firstOffset = rec.Offset
	} else if rec.Offset != s.prevEnd {
		s.chained = false
	}
	s.records++
	s.prevEnd = end
	if s.minOffset < 0 || rec.Offset < s.minOffset {
		s.minOffset = rec.Offset
	}
	s.maxEnd = max(s.maxEnd, end)
	if rec.Length > 0 && end > f.Size {
		if s.torn == 0 {
			s.firstTorn = fmt.Sprintf("payload of slot %d (%d bytes at %d) cut by EOF at %d (torn tail)",
				pos/record.Size, rec.Length, rec.Offset, f.Size)
		}
		s.torn++
	}
}

// Probe classifies one file as a legacy partition without knowing R
// (spec §12.3 F1, F5). R is exact (P/40) whenever a record is found.
func Probe(f partition.File) partition.Probe {
	p := partition.Probe{Format: Format, UsedSlots: -1, T1Slot: -1}
	if f.Size <= 0 {
		p.Evidence = append(
			p.Evidence,
			"0-byte file: format-neutral (F0); as a legacy partition DotNext 4.3.0+ cannot open it until it is extended to R*40 (4.0–4.2.x zero-fill it, §3.3)",
		)
		return p
	}
	s := scanPrologue(f)
	switch {
	case s.records == 0 && s.firstBad < 0 && s.cutAt < 0:
		p = probeAllZero(f, p)
	case s.records == 0:
		p = probeZeroPrologue(f, p, s)
	default:
		p = probeRecords(f, p, s)
	}
	if !p.Explains() {
		if old := oldLayoutEvidence(f); old != "" {
			p.Evidence = append(p.Evidence, old)
		}
	}
	return p
}

// probeAllZero is F1: a file of zeros is a legacy partition only when its
// length can be a prologue the library zero-filled on open.
func probeAllZero(f partition.File, p partition.Probe) partition.Probe {
	if f.Size >= MinRecords*record.Size && f.Size%record.Size == 0 && f.Size/record.Size <= MaxRecords {
		p.Confidence = partition.Medium
		p.R = f.Size / record.Size
		p.UsedSlots = 0
		p.Evidence = append(p.Evidence, fmt.Sprintf(
			"all %d bytes are zero: an empty prologue of R = %d records (F1); only the length says so", f.Size, p.R))
		return p
	}
	p.Evidence = append(p.Evidence, fmt.Sprintf(
		"all %d bytes are zero and %d is not R*40 with R ≥ 2: not an empty legacy prologue", f.Size, f.Size))
	return p
}

// probeZeroPrologue handles a file whose first non-zero window is not a
// record: either payload behind a prologue that never reached the disk (the
// library flushes the prologue after payloads larger than its write buffer,
// spec §3.2, 5.26.2/crash-midwrite-legacy partition 2) or another format.
func probeZeroPrologue(f partition.File, p partition.Probe, s prologueScan) partition.Probe {
	at := s.firstBad
	if at < 0 {
		at = s.cutAt
	}
	if at < MinRecords*record.Size {
		p.Evidence = append(p.Evidence, fmt.Sprintf(
			"bytes at %d are not a LogEntryMetadata record and no prologue can be that short: not legacy", at))
		return p
	}
	if selfReferencing(f) {
		p.Evidence = append(
			p.Evidence,
			"the first non-zero bytes are a record whose Offset points right behind it (a Table or sparse record): not legacy",
		)
		return p
	}
	z := firstNonZero(f, at, f.Size)
	p.Confidence = partition.Low
	p.Evidence = append(p.Evidence, fmt.Sprintf(
		"the first %d bytes are zero, then bytes that are no record: maybe payload behind a legacy prologue that was never flushed (R ≤ %d), or a Table T1 window; the file alone proves little",
		z,
		z/record.Size,
	))
	p.Damage = append(
		p.Damage,
		fmt.Sprintf("payload bytes from %d behind an all-zero prologue (crash before the prologue flush?)", z),
	)
	return p
}

// selfReferencing reports whether the first non-zero bytes of the file are
// a record whose Offset points right behind it: the shape of a Table record
// (at 512/552, or at 0 after a T2 overwrite) and of every sparse record, never
// of a legacy payload.
func selfReferencing(f partition.File) bool {
	z := firstNonZero(f, 0, f.Size)
	for y := max(0, z-record.Size+1); z >= 0 && y <= z; y++ {
		if rec, ok := f.RecordAt(y); ok && rec.Offset == y+record.Size && rec.OK() {
			return true
		}
	}
	return false
}

// probeRecords is F5 proper: records found below the smallest payload offset P.
func probeRecords(f partition.File, p partition.Probe, s prologueScan) partition.Probe {
	prologue := s.minOffset
	if prologue%record.Size != 0 || prologue < MinRecords*record.Size || prologue/record.Size > MaxRecords {
		p.Evidence = append(p.Evidence, fmt.Sprintf(
			"the smallest payload offset %d is not R*40 with 2 ≤ R ≤ %d: not a legacy prologue", prologue, MaxRecords))
		return p
	}
	if s.invalid > 1 {
		p.Evidence = append(p.Evidence, fmt.Sprintf(
			"%d windows below the presumed %d-byte prologue are not records (first at %d): not a legacy prologue",
			s.invalid,
			prologue,
			s.firstBad,
		))
		return p
	}
	if f.Number == 0 && s.slot0 {
		p.Evidence = append(
			p.Evidence,
			"bytes 0–39 of partition 0 are not zero, but the library never writes index 0: not legacy",
		)
		return p
	}
	p.R = prologue / record.Size
	p.UsedSlots = s.maxSlot + 1
	p.Confidence = recordsConfidence(s, prologue)
	p.Evidence = append(p.Evidence, fmt.Sprintf(
		"%d record(s) in a prologue of %d bytes: R = %d from the smallest payload offset (F5)",
		s.records,
		prologue,
		p.R,
	))
	if p.Confidence == partition.VeryHigh {
		p.Evidence = append(p.Evidence, fmt.Sprintf("payloads chained from %d without gaps", prologue))
	}
	p.Damage = s.damage(f, prologue)
	if f.Size < prologue {
		// R then comes from an Offset the file does not back: only a hint.
		p.Confidence = partition.Low
	}
	if f.Size > max(prologue, s.maxEnd) {
		p.Confidence = max(partition.Low, p.Confidence-1)
	}
	return p
}

// damage lists, in words, what the scan saw broken.
func (s prologueScan) damage(f partition.File, prologue int64) []string {
	var out []string
	if s.torn > 0 {
		out = append(out, s.firstTorn)
	}
	if s.torn > 1 {
		out = append(out, fmt.Sprintf("%d more payloads cut by EOF", s.torn-1))
	}
	if s.invalid > 0 {
		out = append(
			out,
			fmt.Sprintf(
				"slot %d (offset %d) holds bytes that are not a valid record",
				s.firstBad/record.Size,
				s.firstBad,
			),
		)
	}
	if f.Size < prologue {
		out = append(out, fmt.Sprintf(
			"file of %d bytes ends inside its %d-byte prologue: DotNext 4.3.0+ cannot open the directory (4.0–4.2.x zero-fill it)",
			f.Size,
			prologue,
		))
	} else if s.cutAt >= 0 {
		out = append(out, fmt.Sprintf("partial record at %d cut by EOF", s.cutAt))
	}
	if reach := max(prologue, s.maxEnd); f.Size > reach {
		out = append(
			out,
			fmt.Sprintf("%d bytes after the last payload end %d are referenced by no record", f.Size-reach, reach),
		)
	}
	return out
}

// recordsConfidence: one record is MEDIUM, two HIGH, two chained from P
// without gaps VERY HIGH (spec §12.3 F5); a garbage window caps at MEDIUM.
func recordsConfidence(s prologueScan, prologue int64) partition.Confidence {
	c := partition.Medium
	if s.records >= 2 {
		c = partition.High
		if s.chained && s.firstOffset == prologue {
			c = partition.VeryHigh
		}
	}
	if s.invalid > 0 || s.cutAt >= 0 {
		c = min(c, partition.Medium)
	}
	return c
}
