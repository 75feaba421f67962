package gate

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/psread"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/release"
)

// gatePS compares the writer's read of a PersistentState log with V's.
func gatePS(r *Report, l *logdir.Log, from release.Version) error {
	d, closeFiles, err := psDir(l)
	if err != nil {
		return err
	}
	defer closeFiles()
	set := writerSet(r, l, from, release.Of(release.PersistentState))
	wc := pickWriter(set, psClasses, release.PersistentStateRemoved,
		func(v release.Version) bool { return d.Read(v).OpenError == "" })
	w := wc.v
	r.JudgedAs = wc.set.String()
	v := r.Target
	wv, vv := d.Read(w), d.Read(v)
	r.Opens, r.OpenError = vv.OpenError == "", vv.OpenError
	if d.State != nil && vv.CommitIndex > vv.Snapshot {
		r.Committed = &raftlog.Range{From: vv.Snapshot + 1, To: vv.CommitIndex}
	}
	defer psNotes(r, l, d, vv)
	if r.WriterFrom == "files" {
		var differ []string
		for _, c := range candidates(set, psClasses, release.PersistentStateRemoved, w) {
			if psDiffer(d, wv, d.Read(c.v), r.Committed) {
				differ = append(differ, c.set.String())
			}
		}
		if len(differ) > 0 {
			defer r.unsure(differ)
		}
	}
	switch {
	case vv.OpenError != "" && wv.OpenError != "":
		return nil // the same damage: the writer's release cannot open it either
	case vv.OpenError != "":
		form, how := "", "it rewrites what "+v.String()+" cannot open"
		if !v.Less(release.PersistentStateRemoved) {
			form, how = "out", "writes the log as a WriteAheadLog; the application must move to WriteAheadLog "+
				"and an IStateMachine"
		}
		r.add(
			finding.TargetCannotOpen,
			form,
			"",
			raftlog.NoIndex,
			finding.F{"log": "log", "error": vv.OpenError, "how": how},
		)
		return nil
	case wv.OpenError != "":
		r.Recovered = rangesOf(r.Committed)
		r.add(finding.TargetEntriesDiffer, "writer-fails", "", raftlog.NoIndex, finding.F{"log": "log",
			"error": wv.OpenError})
	}
	// The term: every release reads node.state byte 72 the same way (a short
	// file's missing bytes as zero), so no release reads another term; the
	// model has no rule by which the term could differ, and no check.
	if !wv.Vote.Same(vv.Vote) {
		r.VoteDiffers = true
		form, facts := voteFacts(v, wv, vv)
		facts["how"] = "stores the vote in the ClusterMemberId layout " + v.String() + " reads; node.state only"
		r.add(finding.TargetVoteDiffers, form, nodestate.FileName, raftlog.NoIndex, facts)
	}
	if wv.OpenError == "" && r.Committed != nil {
		return compareEntries(r, l, d, wv, vv)
	}
	return nil
}

func rangesOf(r *raftlog.Range) []raftlog.Range {
	if r == nil {
		return nil
	}
	return []raftlog.Range{*r}
}

// voteFacts are the form and facts of what V reads instead of the member
// the writer reads.
func voteFacts(v release.Version, wv, vv *psread.View) (string, finding.F) {
	member := func(r nodestate.Reading) string {
		if r.Endpoint != "" {
			return r.Endpoint
		}
		length, port := nodestate.IDFields(r.ID)
		return fmt.Sprintf("another member (length %d, port %d: an id no member has)", length, port)
	}
	switch {
	case !vv.Vote.Has:
		return "none", finding.F{"term": vv.Term, "written": member(wv.Vote.Read)}
	case !wv.Vote.Has:
		return "extra", finding.F{"term": vv.Term}
	}
	return "", finding.F{"term": vv.Term, "read": member(vv.Vote.Read), "written": member(wv.Vote.Read),
		"readerLayout": fmt.Sprint(nodestate.ReaderLayout(v)), "stored": fmt.Sprint(vv.Vote.Member.Layout)}
}

// compareEntries reads every committed entry (S, C] as the writer and as V
// do, and sorts the differences: lost (V reads it empty or fails),
// changed, recovered (V reads it as written where the writer does not).
func compareEntries(r *Report, l *logdir.Log, d *psread.Dir, wv, vv *psread.View) error {
	var lost, changed, suspect []int64
	for i := r.Committed.From; i <= r.Committed.To; i++ {
		we, ve := wv.Entry(i), vv.Entry(i)
		same, err := sameRead(d, we, ve)
		if err != nil {
			return err
		}
		switch {
		case same:
		case emptyRead(we):
			suspect = append(suspect, i)
		case emptyRead(ve):
			lost = append(lost, i)
		default:
			changed = append(changed, i)
		}
	}
	recovered, worse, err := asWritten(l, d, vv, suspect)
	if err != nil {
		return err
	}
	changed = append(changed, worse...)
	r.Lost, r.Changed, r.Recovered = ranges(lost), ranges(changed), append(r.Recovered, ranges(recovered)...)
	v := r.Target
	if len(r.Lost) > 0 {
		r.add(finding.TargetEntriesDiffer, "lost", "", first(r.Lost), finding.F{"entries": RangeWords(r.Lost),
			"cause": causes(vv, l.R, r.Lost), "how": "makes DotNext " + v.String() + " read them"})
	}
	if len(r.Changed) > 0 {
		r.add(finding.TargetEntriesDiffer, "changed", "", first(r.Changed), finding.F{"entries": RangeWords(r.Changed),
			"cause": causes(vv, l.R, r.Changed), "how": "makes DotNext " + v.String() + " read them as written"})
	}
	if len(recovered) > 0 {
		rs := ranges(recovered)
		r.add(finding.TargetEntriesDiffer, "recovered", "", recovered[0], finding.F{"entries": RangeWords(rs),
			"cause": causes(wv, l.R, rs)})
	}
	return nil
}

// emptyRead: the read failed or gave an empty entry (Term 0, no payload,
// no command id): what the library does with an entry it lost.
func emptyRead(e psread.Entry) bool {
	return e.Err != "" || (e.Rec.Term == 0 && e.Rec.Length <= 0 && !e.Rec.HasID())
}

// sameRead: two releases read the same entry (term, length, command id,
// delivered payload bytes), or both fail.
func sameRead(d *psread.Dir, a, b psread.Entry) (bool, error) {
	if a.Err != "" || b.Err != "" {
		return a.Err != "" && b.Err != "", nil
	}
	ra, rb := a.Rec, b.Rec
	if ra.Term != rb.Term || ra.Length != rb.Length || !raftlog.SameCommand(ra.CommandID(), rb.CommandID()) ||
		a.N != b.N {
		return false, nil
	}
	if a.N == 0 || (a.File == b.File && a.Offset == b.Offset) {
		return true, nil
	}
	pa, err := d.Payload(a)
	if err != nil {
		return false, err
	}
	pb, err := d.Payload(b)
	return bytes.Equal(pa, pb), err
}

// asWritten sorts the indexes the writer reads empty: those V reads as the
// log holds them (walctl's decode: the entry as written) are recovered,
// the others changed.
func asWritten(l *logdir.Log, d *psread.Dir, vv *psread.View, idx []int64) (recovered, changed []int64, err error) {
	if len(idx) == 0 {
		return nil, nil, nil
	}
	want := map[int64]bool{}
	for _, i := range idx {
		want[i] = true
	}
	var ierr error
	err = l.Entries(idx[0], idx[len(idx)-1], func(e raftlog.Entry) bool {
		if !want[e.Index] {
			return true
		}
		delete(want, e.Index)
		ok, err := decodedEquals(l, d, e, vv.Entry(e.Index))
		if err != nil {
			ierr = err
			return false
		}
		if ok {
			recovered = append(recovered, e.Index)
		} else {
			changed = append(changed, e.Index)
		}
		return true
	})
	for i := range want {
		changed = append(changed, i)
	}
	if err == nil {
		err = ierr
	}
	return recovered, changed, err
}

// decodedEquals: V's read of an entry is the entry walctl decodes.
func decodedEquals(l *logdir.Log, d *psread.Dir, e raftlog.Entry, ve psread.Entry) (bool, error) {
	if ve.Err != "" || e.State != raftlog.EntryOK || e.Term != ve.Rec.Term || e.Length != ve.Rec.Length ||
		!raftlog.SameCommand(e.CommandID, ve.Rec.CommandID()) {
		return false, nil
	}
	rd, err := l.Payload(e)
	if err != nil {
		return false, err
	}
	got, err := io.ReadAll(rd)
	if err != nil {
		return false, err
	}
	pv, err := d.Payload(ve)
	return bytes.Equal(got, pv), err
}

// causes names how the release loaded the partitions of the entries.
func causes(view *psread.View, r int64, rs []raftlog.Range) string {
	var out []string
	seen := map[int64]bool{}
	for _, rg := range rs {
		for p := rg.From / r; p <= rg.To/r && len(out) < 3; p++ {
			if seen[p] {
				continue
			}
			seen[p] = true
			if s := view.Load(p); s != "" {
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " Cause: " + strings.Join(out, "; ") + "."
}

// psNotes adds what V changes by opening, the setting it needs, and
// whether the releases the files allow as the writer agree.
func psNotes(r *Report, l *logdir.Log, d *psread.Dir, vv *psread.View) {
	v := r.Target
	for _, c := range vv.Changes {
		if c.Trap {
			r.add(
				finding.TargetUnsealsPartition,
				"",
				c.File,
				raftlog.NoIndex,
				finding.F{"detail": trapWords(r, d, vv, c)},
			)
			continue
		}
		r.add(finding.TargetModifiesFiles, "", c.File, raftlog.NoIndex, finding.F{"what": c.What, "why": c.Why})
	}
	if l.Format == format.Legacy && !v.Less(release.TableFormat) && vv.OpenError == "" {
		form := ""
		det := l.Detection
		if det != nil && det.Writers != nil && !det.Writers.Set.Empty() &&
			det.Writers.Set.Newest().Less(release.TableFormat) {
			form = "new" // the writer had no format option
		}
		r.add(finding.TargetOption, form, "", raftlog.NoIndex, nil)
	}
}

// newest5x stands for every 5.7.3+ reader (they read partitions alike).
var newest5x = release.Before(release.PersistentStateRemoved).Newest()

// trapWords is the 5.4.0–5.6.x unseal and what the next open makes of it.
func trapWords(r *Report, d *psread.Dir, vv *psread.View, c psread.Change) string {
	after := vv.After()
	committed := raftlog.Range{From: 1, To: 0}
	if r.Committed != nil {
		committed = *r.Committed
	}
	var who []string
	var idx []int64
	seen := map[int64]bool{}
	for _, next := range []release.Version{r.Target, release.V(5, 7, 2), newest5x} {
		nv := after.Read(next)
		n := 0
		for i := committed.From; i <= committed.To; i++ {
			if same, _ := sameRead(d, vv.Entry(i), nv.Entry(i)); !same {
				n++
				if !seen[i] {
					seen[i] = true
					idx = append(idx, i)
				}
			}
		}
		if n > 0 {
			who = append(who, map[release.Version]string{r.Target: r.Target.String() + " again",
				release.V(5, 7, 2): "5.7.0–5.7.2", newest5x: "5.7.3+"}[next])
		}
	}
	msg := fmt.Sprintf("DotNext %s reads the committed entries right on its first open, but that open rewrites "+
		"partition %s: %s, because %s (PART@5947622fa; measured: 5.4.0 modified partition 3 of "+
		"5.26.2/table-snapshot, size unchanged)",
		r.Target, c.File, c.What, c.Why)
	if len(idx) > 0 {
		msg += fmt.Sprintf(". On the next open %s read committed entries %s as empty or garbage: a restart under "+
			"%s, or a downgrade to it and back, loses them",
			andList(who), RangeWords(ranges(idx)), r.Target)
	}
	return msg
}

// psDiffer: two releases read the log differently (open, term, vote, or a
// committed entry); it stops at the first difference.
func psDiffer(d *psread.Dir, a, b *psread.View, committed *raftlog.Range) bool {
	if (a.OpenError == "") != (b.OpenError == "") {
		return true
	}
	if a.OpenError != "" {
		return false
	}
	if a.Term != b.Term || !a.Vote.Same(b.Vote) {
		return true
	}
	if committed == nil {
		return false
	}
	for i := committed.From; i <= committed.To; i++ {
		if same, err := sameRead(d, a.Entry(i), b.Entry(i)); err != nil || !same {
			return true
		}
	}
	return false
}

// andList joins words as "a, b and c".
func andList(w []string) string {
	if len(w) < 2 {
		return strings.Join(w, "")
	}
	return strings.Join(w[:len(w)-1], ", ") + " and " + w[len(w)-1]
}
