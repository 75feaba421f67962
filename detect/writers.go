package detect

import (
	"fmt"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/release"
)

// Writers names the DotNext releases that can have written a
// PersistentState log, from what the files show (spec/persistent-state.md
// §0.4, §4.7, §4.8, §6.2, §7.4): the counterpart of the WriteAheadLog's
// "written by 6.8.0–6.12.0". The release arithmetic is package release's.
type Writers struct {
	// Releases is the intersection of the evidence in words; "" when the
	// evidence conflicts.
	Releases string      `json:"releases"`
	Set      release.Set `json:"ranges"`
	Evidence []Evidence  `json:"evidence"`
	// Conflict says why no single release fits the evidence.
	Conflict string `json:"conflict,omitempty"`
}

// Evidence is one fact and the releases it allows.
type Evidence struct {
	Fact     string      `json:"fact"`
	Releases string      `json:"releases"`
	Set      release.Set `json:"ranges"`
	// Assumes is what must hold for a weak fact to count (a default
	// setting, no crash); "" for facts only the named releases produce.
	Assumes string `json:"assumes,omitempty"`
	// SetAside: a weak fact that contradicts the strong ones is not used.
	SetAside bool `json:"setAside,omitempty"`
}

var (
	// tableWriters wrote the Table and sparse formats.
	tableWriters = release.Between(release.TableFormat, release.PersistentStateRemoved)
	// legacyWriters wrote legacy partitions: every release before the Table
	// format, and later ones only with the option.
	legacyWriters = release.Set{
		{Range: release.Between(release.PersistentState4, release.TableFormat)},
		{Range: tableWriters, Condition: "with UseLegacyBinaryFormat"},
	}
)

// writers gathers the evidence of a PersistentState directory whose format
// is decided; stateSum is node.state's checksum status (absent when the file
// is missing or short).
func (r *Result) writers(stateSum nodestate.ChecksumStatus) *Writers {
	w := &Writers{}
	add := func(fact string, set release.Set, assumes string) {
		w.Evidence = append(w.Evidence, Evidence{Fact: fact, Releases: set.String(), Set: set, Assumes: assumes})
	}
	switch r.Format {
	case format.Legacy:
		add("legacy partitions", legacyWriters, "")
	case format.V2:
		add("Table (v2) partitions", release.Of(tableWriters), "")
	case format.Sparse:
		add("sparse partitions (MaxLogEntrySize set)", release.Of(tableWriters), "")
	default:
		return nil
	}
	if s := r.State; s != nil {
		if m, ok := s.VoteMember(); ok && (m.Layout == nodestate.LayoutBefore480 || m.Layout == nodestate.Layout480) {
			where := "the 4.8.0+ layout"
			if m.Layout == nodestate.LayoutBefore480 {
				where = "the layout before 4.8.0"
			}
			add(
				fmt.Sprintf(
					"node.state stores the vote for %s in %s, as the release that cast it writes it",
					m.Endpoint,
					where,
				),
				release.Of(m.Layout.Releases()),
				"",
			)
		}
		if stateSum == nodestate.ChecksumOK {
			add(
				"node.state holds a valid checksum (IntegrityCheck)",
				release.Of(release.Since(release.NodeStateChecksum)),
				"",
			)
		}
		if si := s.Snapshot.Index; si > 0 && si == s.CommitIndex && r.R > 0 && (si+1)%r.R != 0 {
			add(
				fmt.Sprintf(
					"snapshot index %d = commit index, not at a partition end (R = %d): what Sequential compaction leaves before 5.7.3",
					si,
					r.R,
				),
				release.Of(release.Before(release.Issue244Fixed)),
				"Sequential compaction, the default: Foreground or Incremental compaction, an installed snapshot or DiskBasedStateMachine leave it in any release",
			)
		}
	}
	r.tableEvidence(add)
	w.combine(release.Of(release.PersistentState))
	return w
}

// tableEvidence adds what the Table partitions show: #244 T1 and T2
// damage, sealed partitions ≥ 1 (5.7.3+ seals every full one; 5.4–5.7.2
// only partition 0) and full unsealed ones that do not hold LastIndex.
func (r *Result) tableEvidence(add func(string, release.Set, string)) {
	if r.Format != format.V2 {
		return
	}
	var t1, t2, sealed, fullUnsealed, unwritten []string
	lastP, snap := int64(-1), int64(0)
	if r.State != nil && r.R > 0 && r.State.LastIndex >= 0 {
		lastP, snap = r.State.LastIndex/r.R, r.State.Snapshot.Index
	}
	for i, f := range r.Files {
		if f.Format != format.V2 || i >= len(r.Listing.Partitions) {
			continue
		}
		n, p := r.Listing.Partitions[i].Number, f.probe
		switch {
		case p.T2:
			t2 = append(t2, f.Name)
		case p.T1Slot >= 0:
			t1 = append(t1, f.Name)
		case n >= 1 && p.Sealed:
			sealed = append(sealed, f.Name)
		case n >= 1 && r.R > 0 && p.UsedSlots == r.R && n != lastP:
			fullUnsealed = append(fullUnsealed, f.Name)
		case r.R > 0 && n < lastP && n*r.R > snap && p.UsedSlots >= 0 && p.UsedSlots <= r.R-2:
			unwritten = append(unwritten, f.Name)
		}
	}
	if len(t1) > 0 {
		add(fmt.Sprintf("#244 T1 (payload without its inline record) in partition(s) %v", t1),
			release.Of(release.Between(release.TableFormat, release.CachedAppendsWritten)), "")
	}
	if len(t2) > 0 {
		add(fmt.Sprintf("#244 T2 (an entry over the header) in partition(s) %v", t2),
			release.Of(release.Between(release.TableFormat, release.Issue244Fixed)), "")
	}
	if len(sealed) > 0 {
		add(
			fmt.Sprintf("sealed partition(s) %v after partition 0", sealed),
			release.Of(release.Since(release.Issue244Fixed)),
			"that the library sealed them: walctl repair and convert seal partitions too",
		)
	}
	if len(unwritten) > 0 {
		// 5.7.2+ write every append through the partition's buffer, which the
		// next append to the partition flushes: at most its last append is
		// lost (spec §4.3). Two or more never-written slots before a later
		// partition are RC1's cached appends (§4.8.1).
		add(fmt.Sprintf("partition(s) %v stop two or more slots short of their end though LastIndex lies in a "+
			"later partition: appends that were never written", unwritten),
			release.Of(release.Between(release.TableFormat, release.CachedAppendsWritten)),
			"no power loss after the appends, and no log truncation that kept LastIndex")
	}
	if len(fullUnsealed) > 0 {
		add(fmt.Sprintf("full partition(s) %v left unsealed, not holding LastIndex", fullUnsealed),
			release.Of(release.Between(release.TableFormat, release.Issue244Fixed)),
			"no 5.7.3+ crash between a partition's last flush and its seal")
	}
}

// combine intersects the strong facts, then each weak fact that keeps the
// intersection non-empty (release.Narrow), starting from base.
func (w *Writers) combine(base release.Set) {
	sets, weak := make([]release.Set, len(w.Evidence)), make([]bool, len(w.Evidence))
	for i, e := range w.Evidence {
		sets[i], weak[i] = e.Set, e.Assumes != ""
	}
	set, aside := release.Narrow(base, sets, weak)
	if set.Empty() {
		w.Conflict = "no single release wrote all of this: the node ran releases on both sides of a boundary (an upgrade or a downgrade), or the files come from several logs"
		w.Set = release.Set{}
		return
	}
	for i := range w.Evidence {
		w.Evidence[i].SetAside = aside[i]
	}
	w.Set, w.Releases = set, set.String()
}

// walWriters is the "written by" of a WriteAheadLog, from the facts of its
// layout parameters and checkpoint (wal.WriterFacts).
func walWriters(p wal.Params, form int) *Writers {
	w := &Writers{}
	for _, f := range wal.WriterFacts(p, form) {
		w.Evidence = append(w.Evidence, Evidence{Fact: f.Fact, Releases: f.Set.String(), Set: f.Set,
			Assumes: f.Assumes})
	}
	w.combine(wal.Writers)
	return w
}
