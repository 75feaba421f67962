package repair

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/raftlog"
)

// recipe says how to rebuild one partition from a source log: the indexes
// [From, To] (every one a written slot there), laid out by the codec writer of
// Format with geometry Geom, sealed or not. Recipes are small: the entries are
// read again from the source when the step runs, one partition at a time.
type recipe struct {
	Format format.Format
	Geom   partition.Geometry
	Number int64
	From   int64
	To     int64
	Seal   bool
}

// spec reads the recipe's slots from src.
func (r recipe) spec(src *source) (*partSpec, error) {
	spec := &partSpec{Format: r.Format, Geom: r.Geom, Number: r.Number, Seal: r.Seal}
	first, ok := mulOK(r.Number, r.Geom.R)
	if !ok {
		return nil, fmt.Errorf("partition %d: index overflow", r.Number)
	}
	for i := r.From; i <= r.To; i++ {
		sl, name, err := src.slotAt(i)
		if err != nil {
			return nil, err
		}
		if sl.Kind != partition.Written {
			return nil, fmt.Errorf("index %d is %s in the source, not a written entry", i, sl.Kind)
		}
		e := entrySrc{Slot: i - first, Rec: sl.Rec, File: name}
		if spans, ok := src.originAt(i); ok {
			e.Root, e.Spans, e.File = src.heal.rep.Dir, spans, ""
		}
		spec.Entries = append(spec.Entries, e)
	}
	if src.heal != nil {
		name := src.names[r.Number]
		if src.absent[r.Number] {
			name = ""
		}
		if err := src.heal.settle(spec, src.root, name); err != nil {
			return nil, err
		}
	}
	return spec, nil
}

// slotAt returns the decoded slot of index i and the file holding it.
func (s *source) slotAt(i int64) (partition.Slot, string, error) {
	n := s.partitionOf(i)
	if !s.has(n) {
		return partition.Slot{Kind: partition.Unwritten, At: -1}, "", nil
	}
	p, err := s.part(n)
	if err != nil {
		return partition.Slot{}, "", err
	}
	first, _ := s.first(n)
	return p.slot(i - first), p.name, nil
}

// staleRun returns the first index of the run of written slots that ends at
// `upTo` and does not go below `floor` (upTo+1 when there is none). Slots at
// or below the snapshot index are not entries of the log any more, but the
// library left them there; keeping the run that touches the live entries
// keeps the partition as the library wrote it (and a Table chain without a
// zero gap, which 5.4–5.7.2 readers need).
func staleRun(src *source, floor, upTo int64) (int64, error) {
	k := upTo
	for k >= max(floor, 1) {
		sl, _, err := src.slotAt(k)
		if err != nil {
			return 0, err
		}
		if sl.Kind != partition.Written {
			break
		}
		k--
	}
	return k + 1, nil
}

// partitions plans one step per partition file that needs one.
func (pl *planner) partitions() error {
	pl.removed = map[string]bool{}
	for _, n := range pl.src.numbers {
		first, ok := pl.src.first(n)
		if !ok || (pl.frozenFrom >= 0 && n >= pl.frozenFrom) {
			continue // overflowing numbers stay as reported; frozen ones are not ours to touch
		}
		p, err := pl.src.part(n)
		if err != nil {
			return err
		}
		var step *Step
		switch last := pl.src.lastOf(n); {
		case pl.truncate && first > pl.effLast:
			step = pl.removeStep(p, first, last)
		case last <= pl.S || first > pl.effLast:
			step, err = pl.outOfRange(p, first)
		default:
			step, err = pl.live(p, first, last)
			if step == nil && err == nil {
				step = pl.planStubPatch(p, first)
			}
		}
		if err != nil {
			return err
		}
		if step != nil {
			pl.p.Steps = append(pl.p.Steps, *step)
		}
	}
	return nil
}

// removeStep deletes a partition wholly after the new end of the log.
func (pl *planner) removeStep(p *decoded, first, last int64) *Step {
	st := &Step{Kind: StepRemove, File: p.name, Why: []string{"truncation"},
		What: fmt.Sprintf("delete: the whole partition (indexes %s) is after the new last index %d", raftlog.Range{From: first, To: last}, pl.effLast)}
	if lo, hi := first, min(last, pl.L); lo <= hi {
		st.Drops = &raftlog.Range{From: lo, To: hi}
	}
	pl.removed[p.name] = true
	return st
}

// outOfRange handles a partition that holds no live entry: it is left alone
// unless it keeps the library from opening the directory (a legacy file
// shorter than its prologue, a Table file that claims to be sealed without a
// footer), then it is rebuilt with whatever written slots it has.
func (pl *planner) outOfRange(p *decoded, first int64) (*Step, error) {
	if !p.hasError() {
		return nil, nil
	}
	from, to := writtenRun(p, first, pl.src.lastOf(p.number))
	r := pl.recipe(p, from, to, p.d.Sealed)
	return pl.rewriteStep(p, r, "holds no live entry, but as it stands the library cannot open the directory")
}

// live plans a partition holding live entries: rebuilt when the codec saw a
// problem in it, when it must be sealed (a Table partition before the last
// one), or when the truncation cuts into it — and only if the rebuilt bytes
// differ from the file.
func (pl *planner) live(p *decoded, first, last int64) (*Step, error) {
	lastP := pl.src.partitionOf(pl.effLast)
	needSeal := pl.l.Format == format.V2 && p.number < lastP && !p.d.Sealed
	cut := pl.truncate && pl.effLast < last
	if !needSeal && !cut && !p.hasIssue() && p.heal == nil {
		return nil, nil
	}
	from := max(first, pl.S+1)
	if pl.S >= first {
		var err error
		if from, err = staleRun(pl.src, first, pl.S); err != nil {
			return nil, err
		}
	}
	to := min(last, pl.effLast)
	full := to == last
	seal := pl.l.Format == format.V2 && (p.number < lastP || (full && p.byte0 != 0))
	r := pl.recipe(p, from, to, seal)
	var why []string
	if needSeal {
		why = append(why, "sealed from its inline chain: DotNext ≥ 5.7.3 reads an unsealed partition that does not hold LastIndex as empty")
	}
	if cut {
		why = append(why, fmt.Sprintf("entries after %d are dropped", pl.effLast))
	}
	return pl.rewriteStep(p, r, strings.Join(why, "; "))
}

// writtenRun is the first run of consecutive written slots of p (empty:
// from > to). Index 0 is never an entry.
func writtenRun(p *decoded, first, last int64) (int64, int64) {
	for s := range p.d.Slots {
		i := first + int64(s)
		if p.d.Slots[s].Kind != partition.Written || i == 0 {
			continue
		}
		to := i
		for to < last && p.slot(to+1-first).Kind == partition.Written {
			to++
		}
		return i, to
	}
	return 1, 0
}

func (pl *planner) recipe(p *decoded, from, to int64, seal bool) recipe {
	return recipe{Format: pl.l.Format, Geom: pl.src.g, Number: p.number, From: from, To: to, Seal: seal && pl.l.Format == format.V2}
}

// rewriteStep returns the step for r, or nil when the file already holds
// exactly those bytes.
func (pl *planner) rewriteStep(p *decoded, r recipe, why string) (*Step, error) {
	spec, err := r.spec(pl.src)
	if err != nil {
		return nil, fmt.Errorf("partition %s: %w", p.name, err)
	}
	if !p.absent {
		src := newPayloads(pl.src.root)
		defer src.close()
		same, err := spec.sameAs(filepath.Join(pl.src.root, p.name), src)
		if err != nil {
			return nil, fmt.Errorf("partition %s: %w", p.name, err)
		}
		if same {
			return nil, nil
		}
	}
	st := &Step{Kind: StepRewrite, File: p.name, What: describe(r, spec), recipe: &r}
	if p.absent {
		st.What = "create: " + st.What
	}
	if h := pl.src.heal; h != nil {
		st.What += h.healWords(spec)
	}
	for _, is := range p.d.Issues {
		if is.Severity != partition.Info {
			st.Why = appendOnce(st.Why, string(is.Code))
		}
	}
	if why != "" {
		st.Why = append(st.Why, why)
	}
	if r.From <= r.To {
		st.Keeps = &raftlog.Range{From: r.From, To: r.To}
	}
	if first, _ := pl.src.first(p.number); pl.truncate && r.To < pl.src.lastOf(p.number) && r.To < pl.L {
		st.Drops = &raftlog.Range{From: max(r.To+1, first), To: min(pl.src.lastOf(p.number), pl.L)}
	}
	return st, nil
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// describe renders a rebuilt partition in one line.
func describe(r recipe, spec *partSpec) string {
	var b strings.Builder
	switch {
	case len(spec.Entries) == 0 && r.Format == format.Legacy:
		fmt.Fprintf(&b, "rebuild as an empty %d-byte prologue (R = %d)", r.Geom.R*40, r.Geom.R)
		return b.String()
	case len(spec.Entries) == 0:
		b.WriteString("rebuild with no entries")
	default:
		fmt.Fprintf(&b, "rebuild with entries %s laid out by the %s writer", raftlog.Range{From: r.From, To: r.To}, r.Format)
	}
	if r.Format == format.V2 {
		if r.Seal {
			fmt.Fprintf(&b, ", sealed (footer of %d records, byte 0 = 1)", r.Geom.R)
		} else {
			b.WriteString(", unsealed")
		}
		if lead := leadingSlots(r.Number, spec); lead > 0 {
			fmt.Fprintf(&b, ", %d never-written leading slot(s) as stub records", lead)
		}
	}
	return b.String()
}

// leadingSlots is the number of never-written slots before the first entry
// of a rebuilt Table partition (partition 0's index 0 is not one).
func leadingSlots(number int64, spec *partSpec) int64 {
	if len(spec.Entries) == 0 {
		return 0
	}
	if number == 0 {
		return spec.Entries[0].Slot - 1
	}
	return spec.Entries[0].Slot
}
