// Package finding is walctl's registry of finding codes: for every code its
// severity, the words of its message, what the library does, and the fix.
// It is the one place a code is defined (registry.go); codecs, logdir, the
// replay, verify, repair, diff, FINDINGS.md and the executable-advice test
// all read it, so that two commands cannot tell an operator two things.
//
// An emitter picks a code and one of its forms (the variants of a code that
// differ in severity or fix, e.g. a committed or an uncommitted entry) and
// supplies typed facts; the registry words them. Nothing here knows a byte
// of any format, and the package imports nothing of walctl.
package finding

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Code is a stable kebab-case finding code.
type Code string

// Severity of a finding.
type Severity string

const (
	// Error: the library fails, or loses or corrupts a committed entry (now
	// or after an upgrade to 5.7.3+), or the node may vote twice in a term.
	Error Severity = "error"
	// Warning: suspicious; nothing committed at risk.
	Warning Severity = "warning"
	// Info: worth knowing.
	Info Severity = "info"
)

// Family is the kind of log (or comparison) a code is about.
type Family string

const (
	PersistentState Family = "PersistentState"
	WriteAheadLog   Family = "WriteAheadLog"
	AnyLog          Family = "any"
	Replicas        Family = "replicas"
	// Target: the upgrade gate (verify --target-version V, walctl upgrade).
	Target Family = "target"
)

// FixKind says what kind of advice a fix is.
type FixKind string

const (
	// Run: a walctl command with the exact flags it needs; repair accepts it
	// and it removes the finding.
	Run FixKind = "command"
	// NoLocalRepair: nothing on this node can restore what is lost; the text
	// says what the operator does instead (a backup, a peer).
	NoLocalRepair FixKind = "no-local-repair"
	// Operator: a step outside walctl (configuration, moving a file that is
	// not part of the log); walctl repair leaves the finding alone.
	Operator FixKind = "operator"
	// NoneNeeded: nothing to do.
	NoneNeeded FixKind = "none"
)

// Placeholders a Run command may hold besides DIR, with what the operator
// substitutes. The executable-advice test substitutes the same values from
// the fixture manifests.
var Placeholders = map[string]string{
	"DIR": "the log directory",
	"T": "the cluster's current term + 1 (the leader's term, or the highest term of any node: walctl inspect " +
		"on a peer); at least one more than the highest term in this log",
	"N": "the cluster's commit index (from a healthy peer: walctl inspect, or walctl diff)",
	"R": "the node's configured records per partition (recordsPerPartition): walctl detect DIR lists the " +
		"values the files allow",
	"REPLICA": "another node's log directory that holds the entries intact (walctl diff DIR PEER_DIR … names " +
		"one); copy it from the peer first if it is not on this host",
	"V":      "the DotNext.Net.Cluster release the node moves to (walctl verify --target-version V DIR judges it)",
	"NEWDIR": "a new directory for the rewritten log (it must not exist, or be empty)",
}

// An emitter that knows the value of a placeholder (diff knows each node's
// directory, the upgrade gate the release V) gives it as the fact of the
// same name, already quoted for a shell: FixOf puts it into the command.

// Fix is the advice for one form of a code.
type Fix struct {
	Kind FixKind
	// Command is the walctl command line for Run, with the placeholders of
	// Placeholders; "" otherwise.
	Command string
	// Text is a template: for Run what the command does (and what to check
	// first), else what the operator does.
	Text string
}

// Form is one variant of a code: its severity, message and fix.
type Form struct {
	Name     string
	Severity Severity
	// Text is the message template: {name} is replaced by the fact name.
	Text string
	// Group is the message of several findings of this form and cause
	// merged into one ({count} and {range} are set, and facts that differ
	// between them read as a range); "" derives it from Text.
	Group string
	// Vary names the facts that may differ between findings merged into one
	// besides index, offset and file (a term, a slot).
	Vary []string
	Fix  Fix
	// Committed is the fix when the finding's entry is committed (the fact
	// "committed" is true): dropping it needs --allow-drop-committed, or no
	// local repair exists. nil: Fix.
	Committed *Fix
}

// Def is one code.
type Def struct {
	Code   Code
	Family Family
	// Meaning is the sentence of FINDINGS.md: what the code means and what
	// the library does with it.
	Meaning string
	Forms   []Form
}

// F are the facts of one finding, named as the templates name them.
type F map[string]any

var registry = map[Code]*Def{}
var order []Code

// define registers d and returns its code; registry.go calls it once per
// code, so that a code and everything about it are one declaration.
func define(code string, family Family, meaning string, forms ...Form) Code {
	c := Code(code)
	if _, dup := registry[c]; dup {
		panic("finding: code " + code + " defined twice")
	}
	if len(forms) == 0 {
		panic("finding: code " + code + " has no form")
	}
	registry[c] = &Def{Code: c, Family: family, Meaning: meaning, Forms: forms}
	order = append(order, c)
	return c
}

// Lookup returns the definition of code.
func Lookup(code Code) (*Def, bool) {
	d, ok := registry[code]
	return d, ok
}

// All returns every definition in registry order.
func All() []*Def {
	out := make([]*Def, 0, len(order))
	for _, c := range order {
		out = append(out, registry[c])
	}
	return out
}

// Form returns the form named name ("" is the first).
func (d *Def) Form(name string) (*Form, bool) {
	if name == "" {
		return &d.Forms[0], true
	}
	for i := range d.Forms {
		if d.Forms[i].Name == name {
			return &d.Forms[i], true
		}
	}
	return nil, false
}

// Severities lists the severities of d's forms, most severe first.
func (d *Def) Severities() []Severity {
	seen := map[Severity]bool{}
	for _, f := range d.Forms {
		seen[f.Severity] = true
	}
	var out []Severity
	for _, s := range []Severity{Error, Warning, Info} {
		if seen[s] {
			out = append(out, s)
		}
	}
	return out
}

// formOf returns the form or panics: every emitter names registered codes
// and forms (the codes are this package's variables), so a miss is a bug in
// walctl, never a property of the input.
func formOf(code Code, name string) (*Def, *Form) {
	d, ok := registry[code]
	if !ok {
		panic(fmt.Sprintf("finding: code %q is not in the registry", code))
	}
	f, ok := d.Form(name)
	if !ok {
		panic(fmt.Sprintf("finding: code %q has no form %q", code, name))
	}
	return d, f
}

// Severity is the severity of a form of code.
func SeverityOf(code Code, form string) Severity {
	_, f := formOf(code, form)
	return f.Severity
}

// Message renders the message of one finding.
func Message(code Code, form string, facts F) string {
	_, f := formOf(code, form)
	return Render(f.Text, facts)
}

// FixOf returns the fix of a form for facts ("committed" picks Committed).
func FixOf(code Code, form string, facts F) Fix {
	_, f := formOf(code, form)
	fx := f.Fix
	if c, _ := facts["committed"].(bool); c && f.Committed != nil {
		fx = *f.Committed
	}
	fx.Text = Render(fx.Text, facts)
	if fx.Kind == Run {
		fx.Command = fillPlaceholders(fx.Command, facts)
	}
	return fx
}

// fillPlaceholders replaces the placeholders of a command whose value is a
// fact (a string fact named as the placeholder).
func fillPlaceholders(command string, facts F) string {
	args := strings.Fields(command)
	changed := false
	for i, a := range args {
		if _, ok := Placeholders[a]; !ok {
			continue
		}
		if v, ok := facts[a].(string); ok && v != "" {
			args[i], changed = v, true
		}
	}
	if !changed {
		return command
	}
	return strings.Join(args, " ")
}

// String renders a fix as one sentence.
func (f Fix) String() string {
	switch f.Kind {
	case Run:
		if f.Text == "" {
			return f.Command
		}
		return f.Command + " — " + f.Text
	case NoLocalRepair:
		return "no local repair: " + f.Text
	case NoneNeeded:
		if f.Text == "" {
			return "none needed"
		}
		return "none needed: " + f.Text
	}
	return f.Text
}

// Render replaces every {name} in tmpl with facts[name]. A name without a
// fact stays as written, so that a missing fact shows (and tests catch it).
func Render(tmpl string, facts F) string {
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		name := tmpl[i+1 : i+j]
		b.WriteString(tmpl[:i])
		if v, ok := facts[name]; ok && isName(name) {
			b.WriteString(text(v))
		} else {
			b.WriteString(tmpl[i : i+j+1])
		}
		tmpl = tmpl[i+j+1:]
	}
}

// Unresolved returns the first {name} placeholder left in s, or "".
func Unresolved(s string) string {
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return ""
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return ""
		}
		if name := s[i+1 : i+j]; isName(name) {
			return s[i : i+j+1]
		}
		s = s[i+1:]
	}
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// Member is one finding merged into a group, as GroupMessage needs it.
type Member struct {
	Index int64
	Facts F
}

// GroupKey is what findings must share to be merged into one: the same
// code, form and facts, but for the index, offset, file and the facts the
// form lets vary. ok is false for codes whose form never merges.
func GroupKey(code Code, form string, facts F) string {
	_, f := formOf(code, form)
	vary := varying(f)
	keys := make([]string, 0, len(facts))
	for k := range facts {
		if !vary[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(string(code) + "|" + form)
	for _, k := range keys {
		b.WriteString("|" + k + "=" + text(facts[k]))
	}
	return b.String()
}

func varying(f *Form) map[string]bool {
	v := map[string]bool{"index": true, "offset": true, "file": true, "slot": true, "at": true, "from": true}
	for _, n := range f.Vary {
		v[n] = true
	}
	return v
}

// GroupMessage renders the message of findings merged into one: Group (or
// Text) with {count}, {range} and every varying fact as the range of its
// values.
func GroupMessage(code Code, form string, ms []Member) string {
	_, f := formOf(code, form)
	if len(ms) == 1 {
		return Render(f.Text, ms[0].Facts)
	}
	facts := F{}
	for k, v := range ms[0].Facts {
		facts[k] = v
	}
	idx := make([]int64, len(ms))
	for i, m := range ms {
		idx[i] = m.Index
	}
	sort.Slice(idx, func(a, b int) bool { return idx[a] < idx[b] })
	facts["count"] = len(ms)
	facts["range"] = Indexes(idx)
	for name := range varying(f) {
		if _, ok := ms[0].Facts[name]; ok {
			facts[name] = spread(ms, name)
		}
	}
	if f.Group != "" {
		return Render(f.Group, facts)
	}
	return Render(f.Text, facts) + fmt.Sprintf(" (%d findings of this kind: indexes %s)", len(ms), Indexes(idx))
}

// Indexes renders sorted indexes: a range when they are consecutive (or
// many), else a short list ("6, 9").
func Indexes(idx []int64) string {
	lo, hi := idx[0], idx[len(idx)-1]
	if hi-lo+1 == int64(len(idx)) || len(idx) > 4 {
		return Range(lo, hi)
	}
	parts := make([]string, len(idx))
	for i, x := range idx {
		parts[i] = strconv.FormatInt(x, 10)
	}
	return strings.Join(parts, ", ")
}

// spread renders the values of one fact over a group: one value, a range
// of numbers, or a short list.
func spread(ms []Member, name string) string {
	var nums []int64
	var strs []string
	seen := map[string]bool{}
	for _, m := range ms {
		v := m.Facts[name]
		switch x := v.(type) {
		case int64:
			nums = append(nums, x)
		case int:
			nums = append(nums, int64(x))
		}
		if s := text(v); !seen[s] {
			seen[s] = true
			strs = append(strs, s)
		}
	}
	if len(strs) == 1 {
		return strs[0]
	}
	if len(nums) == len(ms) {
		lo, hi := nums[0], nums[0]
		for _, n := range nums {
			lo, hi = min(lo, n), max(hi, n)
		}
		return Range(lo, hi)
	}
	if len(strs) > 4 {
		return strings.Join(strs[:3], ", ") + fmt.Sprintf(" and %d more", len(strs)-3)
	}
	return strings.Join(strs, ", ")
}

// Range renders an inclusive range of numbers: "7" or "7–9".
func Range(lo, hi int64) string {
	if lo == hi {
		return strconv.FormatInt(lo, 10)
	}
	return strconv.FormatInt(lo, 10) + "–" + strconv.FormatInt(hi, 10)
}
