package sparse

import (
	"fmt"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// maxChain is how many records Probe chains to find the stride (the gcd of
// their positions); the stride walk then checks every slot.
const maxChain = 4

// Probe classifies one file as a sparse partition without knowing R or M
// (spec §12.3 F6, F4/F6 ambiguity). M = stride − 40; R is never proven.
func Probe(f partition.File) partition.Probe {
	p := partition.Probe{Format: Format, UsedSlots: -1, T1Slot: -1}
	if f.Size <= 0 {
		p.Evidence = append(p.Evidence, "0-byte file: format-neutral (F0)")
		return p
	}
	z := firstNonZero(f, 0, f.Size)
	if z < 0 {
		p.Evidence = append(p.Evidence, fmt.Sprintf("all %d bytes are zero: no sparse record", f.Size))
		return p
	}
	first := recordNear(f, max(0, z-record.Size+1), z)
	if first < 0 {
		// Payload before the first record: a slot whose record never reached
		// the disk (5.4.0–5.7.1 cached appends, spec §5.4) — if a stride of
		// records follows and explains it.
		first = scanSelfRef(f, z, f.Size)
	}
	if first < 0 {
		p.Evidence = append(p.Evidence, fmt.Sprintf(
			"the first non-zero byte (at %d) belongs to no record whose Offset points right behind it: not sparse", z))
		return p
	}
	if f.Number == 0 && z < record.Size {
		p.Evidence = append(
			p.Evidence,
			"partition 0 starts with non-zero bytes, but the library never writes index 0 (slot 0): not sparse",
		)
		return p
	}
	positions := chainRecords(f, first)
	if len(positions) == 1 && first <= z {
		return probeLone(f, p, first)
	}
	if len(positions) == 1 {
		p.Evidence = append(p.Evidence, fmt.Sprintf(
			"non-zero bytes at %d before the only record (at %d): not sparse", z, first))
		return p
	}
	stride := int64(0)
	for _, pos := range positions {
		stride = gcd(stride, pos)
	}
	return probeStride(f, p, stride, first)
}

// recordNear returns the first selfRef position in [from, to], or -1.
func recordNear(f partition.File, from, to int64) int64 {
	for y := from; y <= to; y++ {
		if _, ok := selfRef(f, y); ok {
			return y
		}
	}
	return -1
}

// chainRecords follows records from first: the next record is where the
// zero gap after a payload ends, or — when the payload claim runs past the
// next record (overlong Length) — the next selfRef position found by a scan.
func chainRecords(f partition.File, first int64) []int64 {
	positions := []int64{first}
	for cur := first; len(positions) < maxChain; {
		next := nextRecord(f, cur)
		if next < 0 {
			break
		}
		positions = append(positions, next)
		cur = next
	}
	return positions
}

func nextRecord(f partition.File, cur int64) int64 {
	rec, _ := f.RecordAt(cur)
	if end, ok := rec.End(); ok && end <= f.Size {
		z := firstNonZero(f, end, f.Size)
		if z < 0 {
			return -1
		}
		if y := recordNear(f, max(end, z-record.Size+1), z); y >= 0 {
			return y
		}
	}
	return scanSelfRef(f, cur+record.Size, f.Size)
}

// probeLone handles a file with a single record: its stride is unknown
// unless it is partition 0, whose slot 0 is never written.
func probeLone(f partition.File, p partition.Probe, at int64) partition.Probe {
	rec, _ := f.RecordAt(at)
	end, _ := rec.End()
	if end > f.Size {
		p.Damage = append(p.Damage, fmt.Sprintf("payload of the record at %d cut by EOF at %d (torn tail)", at, f.Size))
	} else if z := firstNonZero(f, end, f.Size); z >= 0 {
		if f.Size-z >= record.Size {
			p.Evidence = append(p.Evidence, fmt.Sprintf(
				"non-zero bytes at %d after the only record's payload belong to no record: not sparse", z))
			return p
		}
		p.Damage = append(p.Damage, fmt.Sprintf("partial record at %d cut by EOF (torn tail)", z))
	}
	switch {
	case f.Number == 0:
		if rec.Length > at-record.Size {
			p.Evidence = append(p.Evidence, fmt.Sprintf(
				"the record at %d claims %d bytes, more than a slot of %d bytes holds: not sparse", at, rec.Length, at))
			return p
		}
		p.Confidence = partition.Medium
		p.M = at - record.Size
		p.UsedSlots = 2
		p.Evidence = append(p.Evidence, fmt.Sprintf(
			"%d zero bytes, then the record of index 1 with Offset %d: M = %d (one record only)",
			at,
			at+record.Size,
			p.M,
		))
		if at == tableFirstRecord {
			p.Confidence = partition.Low
			p.Evidence = append(
				p.Evidence,
				"the same bytes are a Table partition 0 holding one entry (record at 552); siblings decide",
			)
		}
	case at == 0:
		p.Confidence = partition.Low
		p.UsedSlots = 1
		p.Evidence = append(p.Evidence, fmt.Sprintf(
			"a lone record at 0 with Offset 40 and %d payload bytes: sparse slot 0 (M ≥ %d unknown) or a Table T2 header overwrite — only siblings or the options tell (F4/F6)",
			rec.Length,
			rec.Length,
		))
	default:
		p.Confidence = partition.Low
		p.Evidence = append(p.Evidence, fmt.Sprintf(
			"a lone record at %d with Offset %d behind zero bytes: a sparse slot whose stride divides %d; M and the slot are unknown",
			at,
			at+record.Size,
			at,
		))
	}
	return p
}

// strideWalk is what a walk over every slot position of a stride found.
type strideWalk struct {
	records, overlong, garbage int64
	full                       bool // every record but the last holds exactly M bytes
	maxUsed                    int64
	slot0                      bool // slot 0 holds bytes
	damage                     []string
	dropped                    int64 // damage sentences past maxDamage
	badAt                      int64
}

// maxDamage bounds the damage sentences a walk keeps: a hostile file can
// have a damaged slot every M+40 bytes, and a probe must not grow with that.
const maxDamage = 8

// walk visits slot starts 0, stride, 2*stride, … below EOF. Runs of zero
// slots as long as one read chunk are skipped with firstNonZero.
func walk(f partition.File, stride int64) strideWalk {
	w := strideWalk{full: true, maxUsed: -1, badAt: -1}
	m := stride - record.Size
	zeros := int64(0)
	for pos, s := int64(0), int64(0); pos < f.Size; pos, s = pos+stride, s+1 {
		slotEnd := min(pos+stride, f.Size)
		rec, whole := f.RecordAt(pos)
		used := w.maxUsed
		switch {
		case !whole:
			if firstNonZero(f, pos, slotEnd) >= 0 {
				w.maxUsed = s
				w.note(fmt.Sprintf("record of slot %d cut by EOF at %d (torn tail)", s, f.Size))
			}
		case rec.IsZero():
			if z := firstNonZero(f, pos+record.Size, slotEnd); z >= 0 {
				w.maxUsed = s
				w.note(
					fmt.Sprintf(
						"slot %d has payload bytes (from %d) but a zero record (cached append of 5.4.0–5.7.1?)",
						s,
						z,
					),
				)
			}
		case rec.Offset != pos+record.Size || !rec.OK():
			w.garbage++
			if w.badAt < 0 {
				w.badAt = pos
			}
		default:
			w.maxUsed = s
			w.addRecord(f, s, pos, slotEnd, m, rec)
		}
		if s == 0 {
			w.slot0 = w.maxUsed == 0 || w.garbage > 0
		}
		if w.garbage > 0 || pos > f.Size-stride {
			break // garbage ends the hypothesis; no slot start lies past EOF
		}
		if w.maxUsed != used || w.garbage > 0 {
			zeros = 0
		} else if zeros += stride; zeros >= chunkSize {
			// pos+stride ≤ Size (checked above): skip to the slot of the
			// next non-zero byte, one system call for a hole.
			z := firstNonZero(f, pos+stride, f.Size)
			if z < 0 {
				break
			}
			s += z/stride - pos/stride - 1
			pos, zeros = z/stride*stride-stride, 0
		}
	}
	if w.dropped > 0 {
		w.damage = append(w.damage, fmt.Sprintf("%d more damaged slots", w.dropped))
	}
	return w
}

// note keeps the first maxDamage damage sentences and counts the rest.
func (w *strideWalk) note(msg string) {
	if len(w.damage) < maxDamage {
		w.damage = append(w.damage, msg)
		return
	}
	w.dropped++
}

func (w *strideWalk) addRecord(f partition.File, s, pos, slotEnd, m int64, rec record.Record) {
	w.records++
	end, _ := rec.End()
	switch {
	case rec.Length > m:
		w.overlong++
		w.note(fmt.Sprintf("slot %d claims %d bytes, more than M = %d", s, rec.Length, m))
		return
	case end > f.Size:
		w.note(fmt.Sprintf("payload of slot %d cut by EOF at %d (torn tail)", s, f.Size))
	case firstNonZero(f, end, slotEnd) >= 0:
		w.note(fmt.Sprintf("slot %d has non-zero bytes after its payload (rewritten slot?)", s))
	}
	if rec.Length != m && end < f.Size {
		w.full = false
	}
}

// probeStride checks every slot of the stride the chained records imply.
func probeStride(f partition.File, p partition.Probe, stride, first int64) partition.Probe {
	if stride <= record.Size {
		p.Evidence = append(p.Evidence, fmt.Sprintf(
			"records at positions whose gcd is %d: no slot of M+40 > 40 bytes fits them (a Table chain?): not sparse",
			stride,
		))
		return p
	}
	w := walk(f, stride)
	m := stride - record.Size
	if f.Number == 0 && w.slot0 {
		p.Evidence = append(p.Evidence, fmt.Sprintf(
			"with stride %d slot 0 of partition 0 holds bytes, but the library never writes index 0: not sparse",
			stride,
		))
		return p
	}
	if w.garbage > 0 || (w.overlong > 0 && (w.overlong > 1 || w.records < 3)) {
		p.Evidence = append(p.Evidence, fmt.Sprintf(
			"with stride %d (M = %d) the slot at %d holds no valid sparse record, or too many records claim more than M: not sparse",
			stride,
			m,
			w.badAt,
		))
		return p
	}
	p.M = m
	p.UsedSlots = w.maxUsed + 1
	p.Damage = w.damage
	p.Confidence = strideConfidence(w, first)
	p.Evidence = append(p.Evidence, fmt.Sprintf(
		"%d records at multiples of %d bytes with Offset = position + 40 and zero gaps: M = %d (F6)",
		w.records,
		stride,
		m,
	))
	if w.full && tableStart(first) {
		p.Evidence = append(p.Evidence, fmt.Sprintf(
			"every payload fills its slot exactly from %d: the same bytes are a Table chain (T2 from 0, or from 512/552; F4/F6 ambiguity); siblings decide",
			first,
		))
	}
	return p
}

// Where a Table chain starts: 512 (p ≥ 1), 552 (p = 0, behind the slot-0
// stub), or 0 (T2 header overwrite).
const tableFirstRecord = 552

func tableStart(pos int64) bool { return pos == 0 || pos == 512 || pos == tableFirstRecord }

// strideConfidence: ≥ 3 stride records VERY HIGH, 2 HIGH (spec §12.3 F6);
// one tolerated overlong record keeps it at HIGH; slots that are all exactly
// full from where a Table chain starts fit a Table chain too, so at most MEDIUM.
func strideConfidence(w strideWalk, first int64) partition.Confidence {
	c := partition.High
	if w.records >= 3 {
		c = partition.VeryHigh
	}
	if w.overlong > 0 {
		c = partition.High
	}
	if w.full && tableStart(first) {
		c = min(c, partition.Medium)
	}
	return c
}
