// Package verify is walctl verify as a library: it opens a log (package
// logdir: detection, the codecs' and the directory's findings), replays
// every entry (package raftlog), adds the upgrade gate's findings for a
// target release (package gate), groups the findings and gives the
// verdict, the summary and the one repair command that carries every fix.
// The verify command prints its Report; repair, convert and upgrade verify
// what they wrote with it, and the tests verify with it.
package verify

import (
	"errors"
	"fmt"
	"strings"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/gate"
	"github.com/walctl/walctl/internal/progress"
	"github.com/walctl/walctl/internal/shellquote"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// Verdicts.
const (
	OK      = "ok"
	Damaged = "damaged"
)

// Report is the verdict on one log: the JSON document of walctl verify.
type Report struct {
	Dir      string           `json:"dir"`
	Format   format.Format    `json:"format"`
	Verdict  string           `json:"verdict"`
	Findings raftlog.Findings `json:"findings"`
	Summary  raftlog.Summary  `json:"summary"`
	// Target is the upgrade gate's answer with Options.Target (its
	// findings are among Findings).
	Target *gate.Report `json:"target,omitempty"`
	// Candidates: the records per partition detection could not choose
	// between, all of which give this verdict; the findings and indexes are
	// those of the first (smallest).
	Candidates []int64 `json:"candidates,omitempty"`
	// FixAll is one repair command with every flag the findings' repair
	// fixes need, when they need more than one: repair carries out a plan
	// only whole, so one run must carry them all.
	FixAll string `json:"fixAll,omitempty"`
	// Command is the walctl verify command that gives this verdict, when a
	// command verified a log it wrote (repair, convert).
	Command string `json:"command,omitempty"`
	// Flags are the settings of Command, as command-line words (a report
	// names the directory as the operator gave it).
	Flags []string `json:"-"`
}

// OK reports whether the verdict is ok.
func (r *Report) OK() bool { return r.Verdict == OK }

// Options are how to read the log (the settings, the upgrade gate's target
// and writer) and, when set, a progress bar over its entries.
type Options struct {
	logdir.Options
	// Progress makes a bar for total entries once the log is open.
	Progress func(total int64) *progress.Bar
}

// Dir verifies the log in dir. When detection cannot tell R but names the
// values that fit, every one is verified: if they all give the same
// verdict that verdict is the answer (with the findings of the smallest),
// else the log stays unsure (the *logdir.ErrUnsure error). With o.Target
// set, the upgrade gate's findings for that release are added (o.From: the
// writer's release, zero for the one the files allow).
func Dir(dir string, o Options) (*Report, error) {
	rep, err := once(dir, o.Options, o.Progress)
	var unsure *logdir.ErrUnsure
	if !errors.As(err, &unsure) || o.R != 0 || len(unsure.Detection.Candidates) < 2 {
		return rep, err
	}
	var first *Report
	verdicts := map[string][]int64{}
	for _, r := range unsure.Detection.Candidates {
		oc := o.Options
		oc.R = r
		d, cerr := once(dir, oc, nil)
		if cerr != nil {
			return nil, err
		}
		if first == nil {
			first = d
		}
		verdicts[d.Verdict] = append(verdicts[d.Verdict], r)
	}
	if len(verdicts) > 1 {
		return nil, fmt.Errorf("%w; the values that fit give different verdicts (ok with R = %v, damaged with R = %v)",
			err, verdicts[OK], verdicts[Damaged])
	}
	first.Candidates = unsure.Detection.Candidates
	// A write needs the node's own R: the files allow several.
	first.carry(" --records-per-partition R DIR", false)
	return first, nil
}

// once verifies dir as opened with o.
func once(dir string, o logdir.Options, bar func(int64) *progress.Bar) (*Report, error) {
	// One walk over the partitions: the scan that opens the log also
	// replays its entries (logdir.OpenChecked).
	var pb *progress.Bar
	begin := func(first, last int64) {
		pb.Done() // a walk dropped and started again (see logdir.OpenChecked)
		if bar != nil {
			pb = bar(last - first + 1)
		}
	}
	l, sum, fs, err := logdir.OpenChecked(dir, o, begin, func(raftlog.Entry) { pb.Add(1) })
	pb.Done()
	if err != nil {
		return nil, err
	}
	defer l.Close()
	return report(l, sum, fs, o)
}

// Opened is Dir's verdict on a log opened already, by its detection alone
// (logdir.OpenChecked with no settings: sum and fs are its answer), as a
// write's audit opens its output.
func Opened(l *logdir.Log, sum raftlog.Summary, fs raftlog.Findings) (*Report, error) {
	return report(l, sum, fs, logdir.Options{})
}

// ShownAs names, in the report of a log a command wrote by its detection
// alone, the directory the operator will find it in, and the plain verify
// command that gives this verdict.
func (r *Report) ShownAs(shown string) {
	r.Dir, r.Command = shown, shellquote.Join("walctl", "verify", shown)
}

// report is the verdict on l, opened with o by logdir.OpenChecked, whose
// answer sum and fs are.
func report(l *logdir.Log, sum raftlog.Summary, fs raftlog.Findings, o logdir.Options) (*Report, error) {
	var err error
	fs = append(raftlog.Findings(nil), fs...)
	if holder := logdir.HeldBy(l); holder != "" {
		fs.Add(raftlog.New(finding.LogInUse, "", holder, -1, raftlog.NoIndex, nil))
	}
	rep := &Report{Dir: l.Dir, Format: l.Format, Verdict: OK, Summary: sum}
	if !o.Target.IsZero() {
		if rep.Target, err = gate.Gate(l, o.Target, o.From); err != nil {
			return nil, err
		}
		fs = append(fs, rep.Target.Findings...)
		rep.Target.Findings = nil
	}
	rep.Findings = fs.Group()
	rep.FixAll = fixAll(rep.Findings)
	if rep.Findings == nil {
		rep.Findings = raftlog.Findings{}
	}
	if rep.Findings.HasErrors() {
		rep.Verdict = Damaged
	}
	return rep, nil
}

// Written verifies a log a command wrote (dir: the staged copy, or the
// output itself; shown: the directory the operator will find it in) as
// plain walctl verify does, so that both give one verdict; when detection
// cannot tell its settings, with those it was written with, which the
// verify command the report names (and its fix commands) then carry.
func Written(dir, shown string, written logdir.Options, bar func(int64) *progress.Bar) (*Report, error) {
	rep, err := Dir(dir, Options{Progress: bar})
	var unsure *logdir.ErrUnsure
	if !errors.As(err, &unsure) {
		if rep != nil {
			rep.ShownAs(shown)
		}
		return rep, err
	}
	rep, err = Dir(dir, Options{Options: written, Progress: bar})
	if err != nil {
		return nil, err
	}
	rep.Flags = Flags(written)
	rep.CarryFlags(rep.Flags)
	rep.Dir = shown
	rep.Command = shellquote.Join(append(append([]string{"walctl", "verify"}, rep.Flags...), shown)...)
	return rep, nil
}

// Flags are the command-line words of the settings in o.
func Flags(o logdir.Options) []string {
	var out []string
	add := func(name, v string) {
		if v != "" && v != "0" {
			out = append(out, "--"+name, v)
		}
	}
	add("format", string(o.Format))
	add("records-per-partition", fmt.Sprint(o.R))
	add("max-entry-size", fmt.Sprint(o.M))
	add("chunk-size", fmt.Sprint(o.WAL.ChunkSize))
	add("hash", o.WAL.Hash)
	add("wal-layout", o.WAL.Layout)
	add("snapshot-dir", o.WAL.SnapshotDir)
	return out
}

// CarryFlags adds the settings the log was read with (command-line words)
// to every walctl fix command: repair and convert need them as verify did.
func (r *Report) CarryFlags(flags []string) {
	if len(flags) == 0 {
		return
	}
	r.carry(" "+strings.Join(flags, " ")+" DIR", true)
}

// carry puts extra (ending in " DIR") in place of the " DIR" that ends
// every walctl fix command, and, with all, of the fix-all command;
// without, the fix-all command is worked out again from the fixes.
func (r *Report) carry(extra string, all bool) {
	for i, f := range r.Findings {
		if f.FixKind == finding.Run && strings.HasSuffix(f.FixCommand, " DIR") {
			cmd := strings.TrimSuffix(f.FixCommand, " DIR") + extra
			r.Findings[i].Fix = strings.Replace(f.Fix, f.FixCommand, cmd, 1)
			r.Findings[i].FixCommand = cmd
		}
	}
	switch {
	case !all:
		r.FixAll = fixAll(r.Findings)
	case r.FixAll != "":
		r.FixAll = strings.TrimSuffix(r.FixAll, " DIR") + extra
	}
}

// fixAll joins the flags of the findings' repair commands into one command
// ("" when they are one command, or none): repair carries out a plan only
// whole, so one run must carry every flag (--from REPLICA included: a plan
// that heals from a replica also makes every local repair).
func fixAll(fs raftlog.Findings) string {
	const prefix = "walctl repair"
	var flags []string
	value := map[string]string{}
	commands := map[string]bool{}
	for _, f := range fs {
		if f.FixKind != finding.Run || !strings.HasPrefix(f.FixCommand, prefix+" ") ||
			!strings.Contains(f.FixCommand, " --apply ") {
			continue
		}
		commands[f.FixCommand] = true
		args := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(f.FixCommand, prefix), " DIR"))
		for i := 0; i < len(args); i++ {
			flag := args[i]
			if _, ok := value[flag]; !ok {
				flags = append(flags, flag)
				value[flag] = ""
			}
			if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				value[flag] = args[i+1]
				i++
			}
		}
	}
	if len(commands) < 2 {
		return ""
	}
	out := []string{prefix}
	if v, ok := value["--from"]; ok {
		out = append(out, "--from", v) // first, as the fixes write it
	}
	out = append(out, "--apply")
	for _, flag := range flags {
		if flag == "--from" || flag == "--apply" {
			continue
		}
		out = append(out, flag)
		if v := value[flag]; v != "" {
			out = append(out, v)
		}
	}
	return strings.Join(append(out, "DIR"), " ")
}

// Errors lists the error findings whose code leave does not hold, each as
// "code file index I" (and ": message" with message).
func (r *Report) Errors(leave map[finding.Code]bool, message bool) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Severity != raftlog.Error || leave[f.Code] {
			continue
		}
		index := "-"
		if f.Index >= 0 {
			index = fmt.Sprint(f.Index)
		}
		s := fmt.Sprintf("%s %s index %s", f.Code, f.File, index)
		if message {
			s += ": " + f.Message
		}
		out = append(out, s)
	}
	return out
}

// Short joins at most five items with "; ", then says how many more.
func Short(items []string) string {
	if len(items) > 5 {
		items = append(items[:5:5], fmt.Sprintf("… %d more", len(items)-5))
	}
	return strings.Join(items, "; ")
}
