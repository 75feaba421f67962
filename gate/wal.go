package gate

import (
	"fmt"
	"strings"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/release"
)

// gateWAL compares the writer's read of a WriteAheadLog with V's. Every
// release reads `state` (term and vote, 4.8.0+ member layout) alike, so
// only opening, the commit index and the record layout can differ.
func gateWAL(r *Report, l *logdir.Log, w *wal.Log, from release.Version) {
	set := writerSet(r, l, from, walFamily)
	wc := pickWriter(set, walClasses, release.Covered.Until,
		func(v release.Version) bool { return w.ReadBy(v).OpenError == "" })
	wv := wc.v
	r.JudgedAs = wc.set.String()
	v := r.Target
	wr, vr := w.ReadBy(wv), w.ReadBy(v)
	r.Opens = vr.OpenError == "" && vr.InitError == ""
	r.OpenError = vr.OpenError + vr.InitError
	if wr.Commit > w.S {
		r.Committed = &raftlog.Range{From: w.S + 1, To: wr.Commit}
	}
	defer walNotes(r, w, wr, wv, vr, set)
	diff := wr.Differs(vr)
	switch {
	case diff == "":
		return
	case vr.OpenError != "":
		form, facts := walFix(v, vr, w)
		facts["log"], facts["error"] = "WriteAheadLog", vr.OpenError
		r.add(finding.TargetCannotOpen, form, "", raftlog.NoIndex, facts)
		return
	case wr.OpenError != "" || (wr.InitError != "" && vr.InitError == ""):
		r.Recovered = rangesOf(r.Committed)
		r.add(finding.TargetEntriesDiffer, "writer-fails", "", raftlog.NoIndex, finding.F{"log": "WriteAheadLog",
			"error": wr.OpenError + wr.InitError})
		return
	}
	var what []string
	switch {
	case vr.Commit < wr.Commit:
		lost := raftlog.Range{From: max(vr.Commit+1, w.S+1), To: wr.Commit}
		r.Lost = []raftlog.Range{lost}
		what = append(what, fmt.Sprintf("it reads %s, so commit index %d instead of %d: committed entries %s are "+
			"not part of the log it opens", vr.Checkpoint, vr.Commit, wr.Commit, lost))
	case vr.Commit > wr.Commit:
		what = append(what, fmt.Sprintf("it reads %s, so commit index %d instead of %d: it applies entries past "+
			"the writer's commit index as committed", vr.Checkpoint, vr.Commit, wr.Commit))
	}
	if vr.Misread != "" && r.Committed != nil {
		r.Changed = []raftlog.Range{*r.Committed}
		measured := ""
		if !v.Less(release.WALRecord32) {
			measured = " (measured: index 2k comes back with Length = the stored ticks, 2k+1 as a no-op whose " +
				"term is the 5.x flags and command id)"
		}
		what = append(what, fmt.Sprintf("%s, so every committed entry %s comes back wrong, silently%s",
			vr.Misread, *r.Committed, measured))
	}
	if vr.InitError != "" {
		what = append(what, vr.InitError)
	}
	code := finding.TargetEntriesDiffer
	if vr.InitError != "" {
		code = finding.TargetCannotOpen
	}
	if len(r.Changed) == 0 && len(r.Lost) == 0 && r.Committed != nil && vr.Commit > wr.Commit {
		r.Changed = []raftlog.Range{{From: wr.Commit + 1, To: min(vr.Commit, wr.Commit+1)}}
	}
	form, facts := walFix(v, vr, w)
	if code == finding.TargetCannotOpen {
		// V's InitializeAsync fails: it cannot open the log as the node
		// runs it.
		facts["log"], facts["error"] = "WriteAheadLog", strings.Join(what, "; ")
	} else {
		facts["log"], facts["what"] = "WriteAheadLog", strings.Join(what, "; ")
	}
	r.add(code, form, "", first(append(r.Lost, r.Changed...)), facts)
}

// WALStep is the upgrade operation that makes release V read a
// WriteAheadLog as its writer does. verify's fix (walFix) and the upgrade
// plan both take it from WALStepFor, so that the command verify prints is
// the one the plan carries out: a new directory only where the plan
// converts.
type WALStep int

// The WriteAheadLog upgrade steps.
const (
	// WALCheckpoint: repair rewrites the checkpoint in place, in the form V
	// reads.
	WALCheckpoint WALStep = iota
	// WALToPS: V has no WriteAheadLog: convert to a PersistentState log.
	WALToPS
	// WALRewrite6x: a 6.x release misreads the 5.x record layout: rewrite
	// the log in the 6.x layout, or the node keeps the AppContext switch
	// DotNext.IO.WriteAheadLog.IgnoreTimestamp=false for good.
	WALRewrite6x
	// WALRewrite: V misreads the record layout, or cannot open the log and
	// its metadata pages are not 4096 bytes: rewrite it in the layout V
	// reads.
	WALRewrite
	// WALRewrite5x: a 5.x release reads only 40-byte records without a
	// hash: rewrite the log in the 5.x layout with the 8-byte checkpoint.
	WALRewrite5x
)

// WALStepFor is the step for release v, which reads w as vr.
func WALStepFor(v release.Version, vr wal.ReleaseRead, w *wal.Log) WALStep {
	switch {
	case v.Less(release.WriteAheadLogAdded):
		return WALToPS
	case vr.Misread != "" && !v.Less(release.WALRecord32):
		return WALRewrite6x
	case vr.Misread != "" || vr.OpenError != "" && w.Params.PageSize != 4096:
		return WALRewrite
	case v.Less(release.WALRecord32) && (w.Params.Layout != wal.Layout5 || w.Params.Hash != wal.HashNone):
		return WALRewrite5x
	}
	return WALCheckpoint
}

// walFix words the step for what V cannot read: the form of the finding's
// fix and its facts.
func walFix(v release.Version, vr wal.ReleaseRead, w *wal.Log) (string, finding.F) {
	switch WALStepFor(v, vr, w) {
	case WALToPS:
		return "to-ps", finding.F{}
	case WALRewrite6x:
		return "out", finding.F{"how": "rewrites the log in the 6.x layout; or set the AppContext switch " +
			"DotNext.IO.WriteAheadLog.IgnoreTimestamp=false on the node for good"}
	case WALRewrite:
		return "out", finding.F{"how": "rewrites the log in the layout DotNext " + v.String() + " reads"}
	case WALRewrite5x:
		return "out", finding.F{"how": "rewrites the log in the 5.x layout with the 8-byte checkpoint"}
	}
	return "", finding.F{"how": "rewrites the checkpoint in the form " + v.String() + " reads"}
}

// walNotes adds the settings V needs, host caveats, and whether the
// releases the files allow as the writer agree.
func walNotes(r *Report, w *wal.Log, wr wal.ReleaseRead, wv release.Version, vr wal.ReleaseRead, set release.Set) {
	if vr.Option != "" && vr.OpenError == "" {
		r.add(finding.TargetOption, "wal", "", raftlog.NoIndex, finding.F{"option": vr.Option})
	}
	if vr.Host != "" && vr.OpenError == "" {
		r.add(finding.TargetHost, "", "metadata", raftlog.NoIndex, finding.F{"host": vr.Host})
	}
	if r.WriterFrom != "files" {
		return
	}
	var differ []string
	for _, c := range candidates(set, walClasses, release.Covered.Until, wv) {
		if wr.Differs(w.ReadBy(c.v)) != "" {
			differ = append(differ, c.set.String())
		}
	}
	if len(differ) > 0 {
		r.unsure(differ)
	}
}
