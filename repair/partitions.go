package repair

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
)

// partitions plans one step per partition file that needs one.
func (pl *planner) partitions() error {
	pl.removed = map[string]bool{}
	for _, n := range pl.src.Numbers {
		first, ok := pl.src.First(n)
		if !ok || (pl.frozenFrom >= 0 && n >= pl.frozenFrom) {
			continue // overflowing numbers stay as reported; frozen ones are not ours to touch
		}
		p, err := pl.src.Part(n)
		if err != nil {
			return err
		}
		var step *Step
		switch last := pl.src.LastOf(n); {
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
func (pl *planner) removeStep(p *rebuild.Part, first, last int64) *Step {
	st := &Step{Kind: StepRemove, File: p.Name, Why: []string{"truncation"},
		What: fmt.Sprintf(
			"delete: the whole partition (indexes %s) is after the new last index %d",
			raftlog.Range{From: first, To: last},
			pl.effLast,
		)}
	if lo, hi := first, min(last, pl.L); lo <= hi {
		st.Drops = &raftlog.Range{From: lo, To: hi}
	}
	pl.removed[p.Name] = true
	return st
}

// outOfRange handles a partition that holds no live entry: it is left alone
// unless it keeps the library from opening the directory (a legacy file
// shorter than its prologue, a Table file that claims to be sealed without a
// footer), then it is rebuilt with whatever written slots it has.
func (pl *planner) outOfRange(p *rebuild.Part, first int64) (*Step, error) {
	if !p.HasError() {
		return nil, nil
	}
	from, to := writtenRun(p, first, pl.src.LastOf(p.Number))
	r := pl.recipe(p, from, to, p.Decoded.Sealed)
	return pl.rewriteStep(p, r, "holds no live entry, but as it stands the library cannot open the directory")
}

// live plans a partition holding live entries: rebuilt when the codec saw a
// problem in it, when it must be sealed (a Table partition before the last
// one), or when the truncation cuts into it — and only if the rebuilt bytes
// differ from the file.
func (pl *planner) live(p *rebuild.Part, first, last int64) (*Step, error) {
	lastP := pl.src.PartitionOf(pl.effLast)
	needSeal := pl.l.Format == format.V2 && p.Number < lastP && !p.Decoded.Sealed
	cut := pl.truncate && pl.effLast < last
	if !needSeal && !cut && !p.HasIssue() && p.Heal == nil {
		return nil, nil
	}
	from := max(first, pl.S+1)
	if pl.S >= first {
		var err error
		if from, err = rebuild.StaleRun(pl.src, first, pl.S); err != nil {
			return nil, err
		}
	}
	to := min(last, pl.effLast)
	full := to == last
	seal := pl.l.Format == format.V2 && (p.Number < lastP || (full && p.Byte0 != 0))
	r := pl.recipe(p, from, to, seal)
	var why []string
	if needSeal {
		why = append(
			why,
			"sealed from its inline chain: DotNext ≥ 5.7.3 reads an unsealed partition that does not hold LastIndex as empty",
		)
	}
	if cut {
		why = append(why, fmt.Sprintf("entries after %d are dropped", pl.effLast))
	}
	return pl.rewriteStep(p, r, strings.Join(why, "; "))
}

// writtenRun is the first run of consecutive written slots of p (empty:
// from > to). Index 0 is never an entry.
func writtenRun(p *rebuild.Part, first, last int64) (int64, int64) {
	for s := range p.Decoded.Slots {
		i := first + int64(s)
		if p.Decoded.Slots[s].Kind != partition.Written || i == 0 {
			continue
		}
		to := i
		for to < last && p.Slot(to+1-first).Kind == partition.Written {
			to++
		}
		return i, to
	}
	return 1, 0
}

func (pl *planner) recipe(p *rebuild.Part, from, to int64, seal bool) rebuild.Recipe {
	return rebuild.Recipe{
		Format: pl.l.Format,
		Geom:   pl.src.G,
		Number: p.Number,
		From:   from,
		To:     to,
		Seal:   seal && pl.l.Format == format.V2,
	}
}

// rewriteStep returns the step for r, or nil when the file already holds
// exactly those bytes.
func (pl *planner) rewriteStep(p *rebuild.Part, r rebuild.Recipe, why string) (*Step, error) {
	spec, err := r.Partition(pl.src)
	if err != nil {
		return nil, fmt.Errorf("partition %s: %w", p.Name, err)
	}
	if !p.Absent {
		src := rebuild.NewPayloads(pl.src.Root)
		defer src.Close()
		same, err := spec.SameAs(filepath.Join(pl.src.Root, p.Name), src)
		if err != nil {
			return nil, fmt.Errorf("partition %s: %w", p.Name, err)
		}
		if same {
			return nil, nil
		}
	}
	st := &Step{Kind: StepRewrite, File: p.Name, What: describe(r, spec), recipe: &r}
	if p.Absent {
		st.What = "create: " + st.What
	}
	if h := pl.heal; h != nil {
		st.What += h.healWords(spec)
	}
	for _, is := range p.Decoded.Issues {
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
	if first, _ := pl.src.First(p.Number); pl.truncate && r.To < pl.src.LastOf(p.Number) && r.To < pl.L {
		st.Drops = &raftlog.Range{From: max(r.To+1, first), To: min(pl.src.LastOf(p.Number), pl.L)}
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
func describe(r rebuild.Recipe, spec *rebuild.Partition) string {
	var b strings.Builder
	switch {
	case len(spec.Entries) == 0 && r.Format == format.Legacy:
		fmt.Fprintf(&b, "rebuild as an empty %d-byte prologue (R = %d)", r.Geom.R*40, r.Geom.R)
		return b.String()
	case len(spec.Entries) == 0:
		b.WriteString("rebuild with no entries")
	default:
		fmt.Fprintf(
			&b,
			"rebuild with entries %s laid out by the %s writer",
			raftlog.Range{From: r.From, To: r.To},
			r.Format,
		)
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
func leadingSlots(number int64, spec *rebuild.Partition) int64 {
	if len(spec.Entries) == 0 {
		return 0
	}
	if number == 0 {
		return spec.Entries[0].Slot - 1
	}
	return spec.Entries[0].Slot
}
