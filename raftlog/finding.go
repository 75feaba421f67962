package raftlog

import (
	"sort"

	"github.com/walctl/walctl/finding"
)

// Severity of a finding (the registry's scale).
type Severity = finding.Severity

const (
	// Error: the library fails, or loses or corrupts a committed entry (now
	// or after an upgrade to 5.7.3+), or the node may vote twice.
	Error = finding.Error
	// Warning: suspicious; nothing committed at risk.
	Warning = finding.Warning
	// Info: worth knowing.
	Info = finding.Info
)

// NoIndex marks a finding that concerns no particular log index.
const NoIndex int64 = -1

// Finding is one problem found in a log. Its code, severity, message and
// fix come from the registry (package finding); New builds one.
type Finding struct {
	Severity Severity     `json:"severity"`
	Code     finding.Code `json:"code"`
	File     string       `json:"file"`
	Offset   int64        `json:"offset"` // -1 when no byte offset applies
	Index    int64        `json:"index"`  // NoIndex when no log index applies; the first one of a group
	// Indexes and Count: a finding that stands for several of one code and
	// cause (Group) lists every index it covers.
	Indexes []int64 `json:"indexes,omitempty"`
	Count   int     `json:"count,omitempty"`
	Message string  `json:"message"`
	Fix     string  `json:"fix"`
	// FixKind says whether Fix is a walctl command (FixCommand), a step
	// outside walctl, no local repair, or nothing to do.
	FixKind    finding.FixKind `json:"fixKind"`
	FixCommand string          `json:"fixCommand,omitempty"`

	// Form and Facts are what the registry worded it from (for grouping).
	Form  string    `json:"-"`
	Facts finding.F `json:"-"`
}

// New builds a finding of code in the given form from its facts: the
// registry gives the severity, the message and the fix. The fact
// "committed" (true) picks the fix for a committed entry.
func New(code finding.Code, form, file string, off, idx int64, facts finding.F) Finding {
	if facts == nil {
		facts = finding.F{}
	}
	if _, ok := facts["index"]; !ok && idx != NoIndex {
		facts["index"] = idx
	}
	if _, ok := facts["file"]; !ok && file != "" {
		facts["file"] = file
	}
	f := Finding{Severity: finding.SeverityOf(code, form), Code: code, File: file, Offset: off, Index: idx,
		Message: finding.Message(code, form, facts), Form: form, Facts: facts}
	f.setFix(facts)
	return f
}

func (f *Finding) setFix(facts finding.F) {
	fx := finding.FixOf(f.Code, f.Form, facts)
	f.Fix, f.FixKind, f.FixCommand = fx.String(), fx.Kind, fx.Command
}

// Findings is an ordered list of findings.
type Findings []Finding

// Add appends a finding.
func (fs *Findings) Add(f Finding) { *fs = append(*fs, f) }

// HasErrors reports whether at least one finding is an error.
func (fs Findings) HasErrors() bool {
	for _, f := range fs {
		if f.Severity == Error {
			return true
		}
	}
	return false
}

// Counts returns the number of error and warning findings.
func (fs Findings) Counts() (errs, warns int) {
	for _, f := range fs {
		switch f.Severity {
		case Error:
			errs++
		case Warning:
			warns++
		}
	}
	return errs, warns
}

// ErrorCodes lists the distinct codes of the error findings, in order.
func (fs Findings) ErrorCodes() []string {
	var codes []string
	seen := map[finding.Code]bool{}
	for _, f := range fs {
		if f.Severity == Error && !seen[f.Code] {
			seen[f.Code] = true
			codes = append(codes, string(f.Code))
		}
	}
	return codes
}

// Has reports whether a finding of code is present.
func (fs Findings) Has(code finding.Code) bool {
	for _, f := range fs {
		if f.Code == code {
			return true
		}
	}
	return false
}

// Group merges the findings of one code, form and cause (the same facts
// but for the index, offset, file and what the form lets vary) into one,
// in the place of the first: its message covers the range, Indexes lists
// every index, Count says how many. Findings without an index stay as
// they are. The order of the rest is kept.
func (fs Findings) Group() Findings {
	type group struct {
		at      int
		members []int
	}
	groups := map[string]*group{}
	var keys []string
	for i, f := range fs {
		if f.Index == NoIndex || f.Facts == nil {
			continue
		}
		k := finding.GroupKey(f.Code, f.Form, f.Facts)
		g := groups[k]
		if g == nil {
			g = &group{at: i}
			groups[k] = g
			keys = append(keys, k)
		}
		g.members = append(g.members, i)
	}
	drop := map[int]bool{}
	out := append(Findings(nil), fs...)
	for _, k := range keys {
		g := groups[k]
		if len(g.members) < 2 {
			continue
		}
		ms := make([]finding.Member, len(g.members))
		idx := make([]int64, len(g.members))
		for j, i := range g.members {
			ms[j] = finding.Member{Index: fs[i].Index, Facts: fs[i].Facts}
			idx[j] = fs[i].Index
			if j > 0 {
				drop[i] = true
			}
		}
		sort.Slice(idx, func(a, b int) bool { return idx[a] < idx[b] })
		f := fs[g.at]
		f.Message = finding.GroupMessage(f.Code, f.Form, ms)
		f.Indexes, f.Count = idx, len(idx)
		f.Index = idx[0]
		out[g.at] = f
	}
	if len(drop) == 0 {
		return out
	}
	kept := out[:0]
	for i, f := range out {
		if !drop[i] {
			kept = append(kept, f)
		}
	}
	return kept
}
