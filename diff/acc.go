package diff

// nodeAcc accumulates where one node stands. Range lists are capped (a
// hostile log could alternate holes forever); their totals stay exact.
type nodeAcc struct {
	max int // list capacity

	last    int64 // highest index held (entry or snapshot)
	entries int64
	damaged int64

	missing      []Range
	missingTotal int64
	spans        []Span
	spansTotal   int64
	corrupt      []int64
	corruptTotal int64
	// padded: indexes where the node holds a #292-padded copy of the
	// reference entry; padHolders names who holds the first one unpadded.
	padded      []int64
	paddedTotal int64
	padHolders  string

	// the open end of the last missing range / divergent span, for extending
	missingEnd, spanEnd int64
	spanCommitted       bool

	prefixEnd    int64 // indexes 1..prefixEnd all agree with the reference
	prefixBroken bool

	// damage: local damage (StatusDamaged) in runs of one defect and one
	// commit state; damageCount counts the indexes, dmg244 lists those a
	// #244 signature explains.
	damage      []DamageSpan
	damageSpans int64
	damageCount int64
	damageEnd   int64
	dmg244      []int64
	dmg244Total int64
	damageShown bool // the last span is in the list (not cut)
	// damagedLocal counts the damaged entries (not holes) local damage
	// explains.
	damagedLocal int64

	// missingIndexes counts the indexes of the missing ranges.
	missingIndexes int64
}

// add records the node's status on a row; it returns true when a new
// divergent span starts (the caller sets its reason).
func (na *nodeAcc) add(from, to int64, c cell, status string) (newSpan bool) {
	if c.kind == entry || c.kind == snapshot {
		na.last = max(na.last, to)
	}
	if c.kind == entry {
		na.entries++
		if c.damaged {
			na.damaged++
		}
	}
	switch status {
	case StatusDamaged:
		na.addDamage(from, to, c)
	case StatusMissing:
		na.addMissing(from, to)
	case StatusDivergent:
		newSpan = na.addSpan(from, to, c.committed)
	case StatusCorrupt:
		na.corruptTotal++
		if len(na.corrupt) < na.max {
			na.corrupt = append(na.corrupt, from)
		}
	}
	na.extendPrefix(from, to, status)
	return newSpan
}

// addDamage extends the open run of local damage or starts one; a run
// never mixes defects or committed and uncommitted indexes.
func (na *nodeAcc) addDamage(from, to int64, c cell) {
	na.damageCount += to - from + 1
	if c.kind == entry && c.damaged {
		na.damagedLocal++
	}
	if is244(c.bug) {
		na.dmg244Total += to - from + 1
		for i := from; i <= to && len(na.dmg244) < na.max; i++ {
			na.dmg244 = append(na.dmg244, i)
		}
	}
	if n := len(na.damage); na.damageSpans > 0 && from == na.damageEnd+1 && na.damageShown &&
		na.damage[n-1].Bug == c.bug && na.damage[n-1].Committed == c.committed {
		na.damage[n-1].To = to
		na.damageEnd = to
		return
	}
	na.damageSpans++
	na.damageEnd = to
	na.damageShown = len(na.damage) < na.max
	if na.damageShown {
		na.damage = append(na.damage, DamageSpan{From: from, To: to, Committed: c.committed, Bug: c.bug})
	}
}

func (na *nodeAcc) addMissing(from, to int64) {
	na.missingIndexes += to - from + 1
	if na.missingTotal > 0 && from == na.missingEnd+1 {
		if n := len(na.missing); int64(n) == na.missingTotal {
			na.missing[n-1].To = to
		}
	} else {
		na.missingTotal++
		if len(na.missing) < na.max {
			na.missing = append(na.missing, Range{From: from, To: to})
		}
	}
	na.missingEnd = to
}

// addSpan extends the open divergent span or starts one; a span never
// mixes committed and uncommitted entries.
func (na *nodeAcc) addSpan(from, to int64, committed bool) bool {
	if na.spansTotal > 0 && from == na.spanEnd+1 && committed == na.spanCommitted {
		if n := len(na.spans); int64(n) == na.spansTotal {
			na.spans[n-1].To = to
		}
		na.spanEnd = to
		return false
	}
	na.spansTotal++
	na.spanEnd, na.spanCommitted = to, committed
	if len(na.spans) < na.max {
		na.spans = append(na.spans, Span{From: from, To: to, Committed: committed})
		return true
	}
	return false
}

func (na *nodeAcc) setReason(r string) {
	if n := len(na.spans); n > 0 {
		na.spans[n-1].Reason = r
	}
}

func (na *nodeAcc) notePadded(i int64, holders string) {
	if na.paddedTotal == 0 {
		na.padHolders = holders
	}
	na.paddedTotal++
	if len(na.padded) < na.max {
		na.padded = append(na.padded, i)
	}
}

// extendPrefix keeps the agreed prefix: it grows over agreeing rows that
// follow it directly, and stops for good at the first row that does not
// agree or after indexes nobody holds.
func (na *nodeAcc) extendPrefix(from, to int64, status string) {
	switch {
	case na.prefixBroken || status == StatusNone:
	case status == StatusAgree && from == na.prefixEnd+1:
		na.prefixEnd = to
	default:
		na.prefixBroken = true
	}
}

// pairAcc accumulates the facts of two nodes (or, as engine.all, of all).
type pairAcc struct {
	a, b          int
	firstDiff     int64 // 0: none yet
	firstConflict int64
	clashes       int64
}

func (p *pairAcc) add(i int64, differs, conflict, clash bool) {
	if differs && p.firstDiff == 0 {
		p.firstDiff = i
	}
	if conflict && p.firstConflict == 0 {
		p.firstConflict = i
	}
	if clash {
		p.clashes++
	}
}
