package logdir

import (
	"fmt"

	"github.com/walctl/walctl/detect"
	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	v2 "github.com/walctl/walctl/format/v2"
	"github.com/walctl/walctl/raftlog"
)

// zeroLead is an unsealed Table partition whose never-written slots before
// its first entry are zero bytes, not stub records (finding.ZeroLeadingSlots).
type zeroLead struct {
	file     string
	number   int64
	from, to int64 // indexes of those slots
	at, end  int64 // their bytes [at, end)
	first    int64 // index of the partition's first entry
}

func zeroLeadOf(pf detect.PartitionFile, base int64, is partition.Issue, d partition.Decoded) zeroLead {
	to := is.Slot
	for to < int64(len(d.Slots)) && d.Slots[to].Kind == partition.Stub {
		to++
	}
	at, _ := v2.LeadingSlot(is.Slot)
	end, _ := v2.LeadingSlot(to)
	return zeroLead{
		file:   pf.Name,
		number: pf.Number,
		from:   base + is.Slot,
		to:     base + to - 1,
		at:     at,
		end:    end,
		first:  base + to,
	}
}

// checkZeroLead judges zero leading slots for the releases that will open
// the log (spec §4.7): 5.4.0–5.7.2 scan every unsealed partition from its
// first slot and stop at the first record whose End is ≤ 0, so every entry
// after a zero slot reads back as Term 0, Length 0 and the replay skips it;
// 5.7.3+ turn zero records into stubs and read on. An error when a
// 5.4.0–5.7.2 release can open the log, a warning (a downgrade hazard) else.
func (ps *psLog) checkZeroLead() {
	live, ok := ps.live()
	for _, z := range ps.zeroLead {
		slots := fmt.Sprintf(
			"partition %d is unsealed and its never-written %s before the first entry %d %s zero bytes at %d–%d, not stub records",
			z.number,
			finding.Slots(z.from, z.to, "slot (index %d)", "slots (indexes %d–%d)"),
			z.first,
			finding.IsAre(z.to-z.from+1),
			z.at,
			z.end-1,
		)
		lo, hi := max(z.first, live.From), min(ps.lastOf(z.number), live.To)
		if !ok || lo > hi {
			ps.Findings.Add(
				raftlog.New(finding.ZeroLeadingSlots, "harmless", z.file, z.at, z.from, finding.F{"slots": slots}),
			)
			continue
		}
		lost := raftlog.Range{From: lo, To: hi}
		old, why := ps.oldReaders()
		form, who := "", "DotNext 5.4.0–5.7.2 stop"
		if !old {
			form, who = "downgrade", "a downgrade to DotNext 5.4.0–5.7.2 would lose entries: those releases stop"
		}
		effect := fmt.Sprintf(
			"%s their scan of the partition at the first of them and read entries %s as empty (Term 0, Length 0)",
			who,
			lost,
		)
		if lo <= ps.State.CommitIndex {
			effect += fmt.Sprintf(
				", so committed %s are lost from the state machine without an error",
				raftlog.Range{From: lo, To: min(hi, ps.State.CommitIndex)},
			)
		}
		effect += "; 5.7.3+ read them right"
		ps.Findings.Add(raftlog.New(finding.ZeroLeadingSlots, form, z.file, z.at, lo, finding.F{"slots": slots,
			"effect": effect, "why": why}))
	}
}

// oldReaders says whether DotNext 5.4.0–5.7.2 will open the log, and why:
// --target-version names one of them, or (without it) the log's writer can
// be one of them.
func (ps *psLog) oldReaders() (bool, string) {
	if !ps.target.IsZero() {
		if v, ok := v2.ReaderFor(ps.target); ok && v != v2.ReaderTip {
			return true, fmt.Sprintf("The node runs %s (--target-version).", ps.target)
		}
		return false, fmt.Sprintf("The node runs %s (--target-version), which does not lose them.", ps.target)
	}
	return ps.oldWriter()
}

// oldWriter says whether DotNext 5.4.0–5.7.2 can have written this Table
// log, with the evidence (spec §4.7, §4.8.3): they leave the #244 shapes T1–T3
// and never seal a partition numbered ≥ 1, which 5.7.3+ (and walctl) seal as
// soon as they are full.
func (ps *psLog) oldWriter() (bool, string) {
	for _, f := range ps.Findings {
		switch f.Code {
		case finding.T1MissingInlineRecords, finding.T2HeaderOverwritten, finding.T3GarbageFooter:
			return true, fmt.Sprintf(
				"The log's writer is 5.4.0–5.7.2: it holds #244 damage (%s) that only those releases leave.",
				f.Code,
			)
		}
	}
	for _, p := range ps.Partitions {
		if p.Number >= 1 && p.Sealed {
			return false, fmt.Sprintf(
				"The writer is 5.7.3+ (partition %d is sealed, which 5.4.0–5.7.2 never do to a partition numbered ≥ 1) or walctl sealed it; give --target-version if a 5.4.0–5.7.2 node opens the log.",
				p.Number,
			)
		}
	}
	return true, "The log's writer can be 5.4.0–5.7.2: no partition numbered ≥ 1 is sealed, as those releases leave them (give --target-version if the node runs 5.7.3+)."
}
