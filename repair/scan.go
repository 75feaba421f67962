package repair

import (
	"fmt"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
)

// findBad walks the live indexes [from, to] partition by partition and
// records the first one without a trusted record: a missing partition file,
// or a slot the codec did not decode as a written entry. Missing ranges are
// skipped by partition number, so a garbage LastIndex costs nothing.
func (pl *planner) findBad(from, to int64) error {
	if from > to {
		return nil
	}
	src := pl.src
	want, lastP := src.PartitionOf(from), src.PartitionOf(to)
	for _, n := range src.Numbers {
		if n < want {
			continue
		}
		if n > lastP {
			break
		}
		if n > want {
			pl.missing(want, from)
			return nil
		}
		done, err := pl.scanPartition(n, from, to)
		if err != nil || done {
			return err
		}
		want = n + 1
	}
	if want <= lastP {
		pl.missing(want, from)
	}
	return nil
}

func (pl *planner) missing(number, from int64) {
	first, _ := pl.src.First(number)
	pl.bad(max(first, from), fmt.Sprintf("partition file %d is missing", number))
}

// scanPartition checks the live slots of partition n; done is true when a
// bad slot was found.
func (pl *planner) scanPartition(n, from, to int64) (bool, error) {
	p, err := pl.src.Part(n)
	if err != nil {
		return false, err
	}
	first, _ := pl.src.First(n)
	lo, hi := max(first, from), min(pl.src.LastOf(n), to)
	for i := lo; i <= hi; i++ {
		sl := p.Slot(i - first)
		if sl.Kind != partition.Written {
			_, why := rebuild.BadSlot(sl)
			pl.bad(i, fmt.Sprintf("entry %d in partition %s: %s", i, p.Name, why))
			return true, nil
		}
		pl.maxTerm = max(pl.maxTerm, sl.Rec.Term)
	}
	return false, nil
}

func (pl *planner) bad(i int64, why string) {
	pl.firstBad, pl.badWhy = i, why
}

// decideLast sets the LastIndex the repaired log ends at, and whether the
// truncation (or the lowering of CommitIndex) it implies is allowed. A log
// that ends below CommitIndex has lost committed entries: only the operator,
// who can check that a majority of the cluster holds them, may accept that.
func (pl *planner) decideLast() {
	term := pl.st.Term
	if pl.o.SetTerm != nil {
		term = *pl.o.SetTerm
	}
	intactTo := pl.scanTo
	if pl.firstBad >= 0 {
		intactTo = pl.firstBad - 1
	}
	// node.state lagged: the records after LastIndex up to CommitIndex are on
	// disk (logdir's raise rule, which verify's advice follows too).
	nl, newTerm := logdir.RaiseLast(pl.l.State, intactTo, pl.maxTerm, term)
	if intactTo < nl {
		nl = intactTo // a bad record at or below LastIndex: the log ends before it
	}
	nl = max(nl, pl.S)
	pl.effLast = nl
	pl.p.Notes = append(pl.p.Notes, pl.lastNote(nl)...)
	dropC := pl.dropC()
	dropCommitted := nl < dropC
	if nl == pl.L && !dropCommitted {
		return
	}
	switch {
	case newTerm:
		// The raised LastIndex would bring in entries of a term the node
		// has not reached: it could then vote a second time in that term.
		pl.refuse(nl, fmt.Sprintf("raising LastIndex %d → %d makes entries with terms up to %d part of the log, "+
			"above node.state's term %d: %s", pl.L, nl, pl.maxTerm, term, termAdvice(pl.maxTerm)), "--set-term")
	case nl != pl.L && !pl.ns.writable():
		pl.refuse(nl, "it needs node.state rewritten, which is refused: "+pl.ns.refusal(), pl.ns.flags())
	case dropCommitted && !pl.o.AllowDropCommitted:
		what, them := "entries %s are committed", "them"
		if nl+1 == dropC {
			what, them = "entry %s is committed", "it"
		}
		pl.refuse(nl, fmt.Sprintf(what+" (CommitIndex %d): a majority of the cluster must still hold "+them+
			", and the leader re-replicates "+them+" to this node afterwards%s", raftlog.Range{From: nl + 1, To: dropC}, dropC,
			pl.fromHint()), "--allow-drop-committed")
	default:
		pl.truncate = nl < pl.L
		pl.recordDrop(nl, false, "", "")
	}
}

// fromHint points a refused truncation of committed entries to the repair
// that keeps them: a replica that holds them (none with --from given: its
// own refusals say why it cannot).
func (pl *planner) fromHint() string {
	if pl.o.From != "" {
		return ""
	}
	return " (or rebuild them from a replica that holds them, keeping them: walctl repair --from REPLICA --apply DIR)"
}

func (pl *planner) lastNote(nl int64) []string {
	switch {
	case pl.firstBad >= 0:
		return []string{fmt.Sprintf("the log can be trusted up to index %d: %s", nl, pl.badWhy)}
	case nl > pl.L:
		return []string{
			fmt.Sprintf(
				"node.state LastIndex %d lags behind CommitIndex %d; the records of %s are on disk",
				pl.L,
				pl.C,
				raftlog.Range{From: pl.L + 1, To: nl},
			),
		}
	}
	return nil
}

// refuse keeps LastIndex and freezes every partition from the first bad one.
func (pl *planner) refuse(nl int64, why, flag string) {
	pl.refusal, pl.refuseFlag, pl.refused = why, flag, true
	if nl < pl.L {
		pl.recordDrop(nl, true, why, flag)
		pl.frozenFrom = pl.src.PartitionOf(pl.firstBad)
	}
	pl.effLast = pl.L
}

func (pl *planner) recordDrop(nl int64, refused bool, why, flag string) {
	if nl >= pl.L {
		return
	}
	d := &Drop{Range: raftlog.Range{From: nl + 1, To: pl.L}, Why: pl.badWhy, Refused: refused, Flag: flag}
	if c := pl.dropC(); nl < c {
		d.Committed = &raftlog.Range{From: nl + 1, To: min(c, pl.L)}
	}
	if refused {
		d.Why += "; refused: " + why
	}
	pl.p.Drop = d
}
