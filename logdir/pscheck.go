package logdir

import (
	"fmt"
	"math"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	v2 "github.com/walctl/walctl/format/v2"
	"github.com/walctl/walctl/raftlog"
)

// checkDirectory applies the rules that need the whole directory: missing
// partitions, unsealed partitions the library will ignore, files that do
// not belong, and records beyond LastIndex.
func (ps *psLog) checkDirectory(lastOnDisk int64) {
	for _, name := range ps.Detection.Listing.NonCanonical {
		ps.Findings.Add(raftlog.New(finding.NonCanonicalName, "", name, -1, raftlog.NoIndex, nil))
	}
	for _, f := range ps.Detection.Files {
		if f.Dissent {
			ps.Findings.Add(raftlog.New(finding.PartitionFormatDissent, "", f.Name, 0, raftlog.NoIndex,
				finding.F{"format": f.Format, "confidence": f.Confidence, "dirFormat": ps.Format}))
		}
	}
	for _, c := range ps.Detection.Conflicts {
		ps.Findings.Add(raftlog.New(finding.GeometryConflict, "", "", -1, raftlog.NoIndex, finding.F{"conflict": c}))
	}
	ps.checkMissing()
	ps.checkNotRegular()
	if ps.Format == format.V2 {
		ps.checkUnsealed()
		ps.checkZeroLead()
	}
	if ps.State != nil && !ps.stateLost && lastOnDisk > ps.State.LastIndex {
		ps.Findings.Add(raftlog.New(finding.EntriesBeyondLastIndex, "", "", -1, ps.State.LastIndex+1,
			finding.F{"lastOnDisk": lastOnDisk, "last": ps.State.LastIndex}))
	}
}

// checkNotRegular names what sits under a partition name that is not a
// regular file; one the live entries need is reported by checkMissing.
func (ps *psLog) checkNotRegular() {
	for _, nr := range ps.Detection.Listing.NotRegular {
		if ps.notRegularLive[nr.Number] {
			continue
		}
		ps.Findings.Add(raftlog.New(finding.PartitionNotRegular, "stale", nr.Name, -1, raftlog.NoIndex,
			finding.F{"kind": nr.Kind, "number": nr.Number}))
	}
}

// partitionsNeeded is the range of partition numbers the live entries use.
func (ps *psLog) live() (raftlog.Range, bool) {
	if ps.State == nil || ps.stateLost {
		return raftlog.Range{}, false
	}
	from := int64(1)
	if ps.Snapshot != nil {
		if ps.Snapshot.Index >= ps.State.LastIndex {
			return raftlog.Range{}, false // also keeps Index+1 from overflowing
		}
		from = max(ps.Snapshot.Index+1, 1)
	}
	return raftlog.Range{From: from, To: ps.State.LastIndex}, from <= ps.State.LastIndex
}

// lastOf is the last index of partition p, whose first index p×R is at
// most LastIndex: only adding R−1 can overflow, near 2^63.
func (ps *psLog) lastOf(p int64) int64 {
	if p*ps.R > math.MaxInt64-(ps.R-1) {
		return math.MaxInt64
	}
	return p*ps.R + ps.R - 1
}

// KnownGaps are the index ranges of missing partition files.
func (l *Log) KnownGaps() []raftlog.Range { return l.gaps }

func (ps *psLog) checkMissing() {
	live, ok := ps.live()
	if !ok {
		return
	}
	have := map[int64]bool{}
	for _, pf := range ps.files {
		have[pf.Number] = true
	}
	first, last := live.From/ps.R, live.To/ps.R
	// Walk the needed partition numbers gap by gap, so that a garbage
	// LastIndex costs one finding, not billions of iterations.
	p := first
	for p <= last {
		if have[p] {
			p++
			continue
		}
		q := p
		for _, pf := range ps.files {
			if pf.Number > p {
				q = min(pf.Number-1, last)
				break
			}
			q = last
		}
		ps.missing(p, q, live)
		p = q + 1
	}
}

func (ps *psLog) missing(p, q int64, live raftlog.Range) {
	from, to := max(p*ps.R, live.From), min(ps.lastOf(q), live.To)
	ps.gaps = append(ps.gaps, raftlog.Range{From: from, To: to})
	// A name that holds a directory, a pipe or a device is not missing: it
	// is named as what it is (the rest of the run is reported as missing).
	for _, nr := range ps.Detection.Listing.NotRegular {
		if nr.Number < p || nr.Number > q {
			continue
		}
		a, b := max(nr.Number*ps.R, live.From), min(ps.lastOf(nr.Number), live.To)
		if ps.notRegularLive == nil {
			ps.notRegularLive = map[int64]bool{}
		}
		ps.notRegularLive[nr.Number] = true
		ps.Findings.Add(raftlog.New(finding.PartitionNotRegular, "", nr.Name, -1, a, finding.F{"kind": nr.Kind,
			"number": nr.Number, "entries": raftlog.Range{From: a, To: b}.String()}))
		if nr.Number > p {
			ps.missing(p, nr.Number-1, live)
		}
		if nr.Number < q {
			ps.missing(nr.Number+1, q, live)
		}
		return
	}
	files := fmt.Sprint(p)
	if q > p {
		files = fmt.Sprintf("%d–%d", p, q)
	}
	var have int64 = -1
	if len(ps.files) > 0 {
		have = ps.files[len(ps.files)-1].Number
	}
	entries := raftlog.Range{From: from, To: to}.String()
	if from > ps.State.CommitIndex && p > have {
		ps.Findings.Add(raftlog.New(finding.LastIndexBeyondDisk, "", files, -1, from,
			finding.F{"files": files, "entries": entries}))
		return
	}
	when := ""
	if from <= ps.State.CommitIndex {
		when = " from InitializeAsync"
	}
	ps.Findings.Add(raftlog.New(finding.PartitionMissing, "", files, -1, from, finding.F{"files": files,
		"entries": entries, "from": from, "when": when, "committed": from <= ps.State.CommitIndex}))
}

// checkUnsealed finds Table partitions that DotNext ≥ 5.7.3 loads as stubs:
// unsealed and not holding LastIndex (spec §4.8.4).
func (ps *psLog) checkUnsealed() {
	live, ok := ps.live()
	if !ok {
		return
	}
	lastP := live.To / ps.R
	for _, p := range ps.Partitions {
		if p.Sealed || p.Number == lastP || p.Number > lastP {
			continue
		}
		from, to := max(p.Number*ps.R, live.From), min(ps.lastOf(p.Number), live.To)
		if from > to {
			continue
		}
		lost := ""
		if from <= ps.State.CommitIndex {
			lost = fmt.Sprintf(" — committed %s are lost from the state machine",
				raftlog.Range{From: from, To: min(to, ps.State.CommitIndex)})
		}
		facts := finding.F{"number": p.Number, "last": live.To, "entries": raftlog.Range{From: from, To: to}.String(),
			"lost": lost}
		form := ""
		if r, ok := v2.ReaderFor(ps.target); ok && r != v2.ReaderTip {
			// The node stays on a release that scans the partition: a hazard
			// for a later upgrade only.
			form, facts["target"] = "target", ps.target.String()
		}
		ps.Findings.Add(raftlog.New(finding.UnsealedPartition, form, p.File, 0, from, facts))
	}
}
