package v2

import (
	"errors"
	"fmt"
	"io"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// SealPlan says how to seal an unsealed Table partition in place the way the
// library does (§4.4): write Footer() at FooterAt, set the file length to
// Length, then set header byte 0 to 1 (fsync between the steps). The footer is
// built from the inline chain; only the written records are held in memory.
type SealPlan struct {
	FooterAt int64 // end of the last entry: where the footer starts
	Length   int64 // file length once sealed: FooterAt + 40×R
	First    int64 // first slot holding an entry
	Last     int64 // last slot holding an entry; later slots get stubs
	tab      table
}

// Record returns footer record s.
func (p SealPlan) Record(s int64) record.Record { return p.tab.record(s) }

// WriteFooter streams the R footer records to w.
func (p SealPlan) WriteFooter(w io.Writer) error {
	return p.tab.encode(func(b []byte) error {
		_, err := w.Write(b)
		return err
	})
}

// Footer returns the R×40 footer bytes (allocates them; see WriteFooter).
func (p SealPlan) Footer() []byte {
	b := make([]byte, 0, p.tab.r*recSize)
	_ = p.tab.encode(func(c []byte) error {
		b = append(b, c...)
		return nil
	})
	return b
}

// ErrChainIncomplete is returned when the inline chain cannot back a footer.
var ErrChainIncomplete = errors.New("v2: inline chain incomplete")

// SealFromChain builds the footer of a full partition (slot R−1 written) from
// its complete, valid inline chain, so that a repairer can seal it.
func SealFromChain(f partition.File, g partition.Geometry) (SealPlan, error) {
	return SealUpTo(f, g, g.R-1)
}

// SealUpTo builds the footer from the inline chain up to lastSlot and gives
// the slots after it stubs: for a partition whose last appends never reached
// the disk (those slots must be above CommitIndex, spec §4.8.4).
func SealUpTo(f partition.File, g partition.Geometry, lastSlot int64) (SealPlan, error) {
	var plan SealPlan
	switch {
	case g.R < MinR || g.R > MaxR:
		return plan, fmt.Errorf("v2: records per partition %d outside [%d, %d]", g.R, MinR, MaxR)
	case lastSlot < 0 || lastSlot >= g.R:
		return plan, fmt.Errorf("v2: last slot %d outside [0, %d)", lastSlot, g.R)
	case f.Size < HeaderSize || !headerClean(f):
		return plan, fmt.Errorf("%w: the header region is short or not clean", ErrChainIncomplete)
	}
	tab := table{r: g.R, first: -1}
	var bad error
	start, slot := startOf(f.Number)
	res := walker{f: f, end: f.Size, limit: lastSlot + 1, visit: func(l link) {
		switch {
		case bad != nil:
		case l.kind == partition.Written && (tab.first < 0 || l.slot == tab.first+int64(len(tab.recs))):
			if tab.first < 0 {
				tab.first = l.slot
			}
			tab.recs = append(tab.recs, l.rec)
		case l.kind == partition.Stub && !l.mid:
		default:
			bad = fmt.Errorf("%w: slot %d is %s at %d", ErrChainIncomplete, l.slot, l.kind, l.at)
		}
	}}.walk(start, slot)
	if bad != nil {
		return plan, bad
	}
	if tab.first < 0 || res.next != lastSlot+1 || tab.first+int64(len(tab.recs)) != lastSlot+1 {
		return plan, fmt.Errorf(
			"%w: the chain ends at slot %d, not at slot %d",
			ErrChainIncomplete,
			res.next-1,
			lastSlot,
		)
	}
	last := tab.recs[len(tab.recs)-1]
	plan = SealPlan{FooterAt: end(last), First: tab.first, Last: lastSlot, tab: tab}
	fb, _ := footerBytes(g.R)
	var ok bool
	if plan.Length, ok = partition.AddOK(plan.FooterAt, fb); !ok {
		return SealPlan{}, ErrOverflow
	}
	return plan, nil
}
