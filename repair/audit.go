package repair

import (
	"fmt"

	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// The Expect builders say what each write was asked to do, for the audit
// (audit.Prove) that runs before the write is trusted: the caller proves the
// output against the input with audit.Prove(input, output, x.Expect(...)).

// Expect is what a repair of plan with options o must keep. A repair keeps
// the geometry; --set-term, --clear-vote, --commit-index and
// --allow-drop-committed are the only licences to change term, vote,
// commit index or drop committed entries.
func (o Options) Expect(p *Plan) audit.Expect {
	return audit.Expect{In: o.Log.Open(), Out: logdir.Options{Format: p.Format, R: p.R, M: p.M},
		SetTerm: o.SetTerm, ClearVote: o.ClearVote, CommitIndex: o.CommitIndex, AllowDropCommitted: o.AllowDropCommitted,
		Replica: o.From}
}

// Expect is what a WriteAheadLog repair with options o must keep: the
// layout is unchanged; `state` gets a new term (and no vote) only with
// --set-term.
func (o WALRepairOptions) Expect() audit.Expect {
	in := o.Open()
	return audit.Expect{
		In:                 in,
		Out:                in,
		SetTerm:            o.SetTerm,
		CommitIndex:        o.CommitIndex,
		AllowDropCommitted: o.AllowDropCommitted,
	}
}

// Refusal is one thing a plan does not do without a flag (or at all).
type Refusal struct {
	What string `json:"what"`
	Flag string `json:"flag,omitempty"` // "" when no flag allows it
}

// Refusals lists what the plan refuses: findings it has no safe repair for
// without a flag, and a truncation it may not apply. A plan is carried out
// only whole: with any refusal, --apply writes nothing.
func (p *Plan) Refusals() []Refusal {
	var out []Refusal
	seen := map[string]bool{}
	for _, it := range p.Items {
		if it.Status != Refused {
			continue
		}
		f := it.Finding
		what := string(f.Code)
		switch {
		case f.File != "" && f.Index >= 0:
			what += fmt.Sprintf(" (%s, index %d)", f.File, f.Index)
		case f.File != "":
			what += " (" + f.File + ")"
		case f.Index >= 0:
			what += fmt.Sprintf(" (index %d)", f.Index)
		}
		what += ": " + it.Action
		if seen[what] {
			continue
		}
		seen[what] = true
		out = append(out, Refusal{What: what, Flag: it.Flag})
	}
	if d := p.Drop; d != nil && d.Refused {
		out = append(out, Refusal{What: fmt.Sprintf("truncation of entries %s: %s", d.Range, d.Why), Flag: d.Flag})
	}
	if h := p.Heal; h != nil {
		for _, r := range h.Refused {
			out = append(
				out,
				Refusal{What: fmt.Sprintf("repair --from, %s (%s): %s", r.Kind, rangeOrNone(r.Range), r.Why)},
			)
		}
		if n := int64(len(h.Refused)); h.RefusedTotal > n && n == maxHealList {
			out = append(out, Refusal{What: fmt.Sprintf("repair --from: %d more indexes refused", h.RefusedTotal-n)})
		}
	}
	return out
}

func rangeOrNone(r raftlog.Range) string {
	if r.From == 0 && r.To == 0 {
		return "the whole log"
	}
	if r.From == r.To {
		return fmt.Sprintf("index %d", r.From)
	}
	return "indexes " + r.String()
}
