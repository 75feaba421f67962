package logdir

import (
	"fmt"
	"math"

	"github.com/walctl/walctl/detect"
	v2 "github.com/walctl/walctl/format/v2"
	"github.com/walctl/walctl/raftlog"
)

// checkDirectory applies the rules that need the whole directory: missing
// partitions, unsealed partitions the library will ignore, files that do
// not belong, and records beyond LastIndex.
func (ps *psLog) checkDirectory(lastOnDisk int64) {
	for _, name := range ps.Detection.Listing.NonCanonical {
		ps.Findings.Add(finding(raftlog.Warning, "non-canonical-name", name, -1, raftlog.NoIndex,
			fmt.Sprintf("file %q parses as a partition number but is not canonical: the library opens or creates another file for it", name)))
	}
	for _, f := range ps.Detection.Files {
		if f.Dissent {
			ps.Findings.Add(finding(raftlog.Warning, "partition-format-dissent", f.Name, 0, raftlog.NoIndex,
				fmt.Sprintf("partition %s looks like %s (%s), not %s like the directory", f.Name, f.Format, f.Confidence, ps.Format)))
		}
	}
	for _, c := range ps.Detection.Conflicts {
		ps.Findings.Add(finding(raftlog.Error, "geometry-conflict", "", -1, raftlog.NoIndex,
			c+": the log was not written with these settings; DotNext opened with them misplaces every index"))
	}
	ps.checkMissing()
	if ps.Format == detect.V2 {
		ps.checkUnsealed()
		ps.checkZeroLead()
	}
	if ps.State != nil && lastOnDisk > ps.State.LastIndex {
		ps.Findings.Add(finding(raftlog.Info, "entries-beyond-last-index", "", -1, ps.State.LastIndex+1,
			fmt.Sprintf("records up to index %d are on disk after LastIndex %d (appended but node.state not yet flushed, or a rolled-back suffix): the library ignores them", lastOnDisk, ps.State.LastIndex)))
	}
}

// partitionsNeeded is the range of partition numbers the live entries use.
func (ps *psLog) live() (raftlog.Range, bool) {
	if ps.State == nil {
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
	files := fmt.Sprint(p)
	if q > p {
		files = fmt.Sprintf("%d–%d", p, q)
	}
	var have int64 = -1
	if len(ps.files) > 0 {
		have = ps.files[len(ps.files)-1].Number
	}
	code := "partition-missing"
	sev := raftlog.Error
	reaction := fmt.Sprintf("DotNext throws MissingPartitionException \"Index value is %d\"", from)
	if from <= ps.State.CommitIndex {
		reaction += " from InitializeAsync"
	} else if p > have {
		code = "last-index-beyond-disk"
		sev = raftlog.Warning
		reaction = "none of them is committed; the library throws MissingPartitionException when it reads them"
	}
	ps.Findings.Add(finding(sev, code, files, -1, from,
		fmt.Sprintf("partition file %s is missing: entries %s are not on this node; %s", files, raftlog.Range{From: from, To: to}, reaction)))
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
		committed := ""
		if from <= ps.State.CommitIndex {
			committed = fmt.Sprintf(" — committed %s are lost from the state machine", raftlog.Range{From: from, To: min(to, ps.State.CommitIndex)})
		}
		sev, when := raftlog.Error, ""
		if r, ok := v2.ReaderFor(ps.target); ok && r != v2.ReaderTip {
			// The node stays on a release that scans the partition: a hazard
			// for a later upgrade only.
			sev, when = raftlog.Warning, fmt.Sprintf("; DotNext %s (--target-version) reads them by their chained "+
				"records, so only a later upgrade to 5.7.3+ loses them", ps.target)
		}
		ps.Findings.Add(finding(sev, "unsealed-partition", p.File, 0, from,
			fmt.Sprintf("partition %d is not sealed and does not hold LastIndex %d: DotNext ≥ 5.7.3 reads entries "+
				"%s as empty (Term 0, Length 0)%s%s",
				p.Number, live.To, raftlog.Range{From: from, To: to}, committed, when)))
	}
}
