package wal

import (
	"fmt"

	"github.com/walctl/walctl/release"
)

// CheckpointFormFor is the checkpoint form release v reads and writes
// (spec §4.1, §0.4): 8 bytes for 5.22–5.26.x, 12 for 6.0–6.7.x, 20 for
// 6.8.0+. ok is false for releases without a WriteAheadLog (before 5.22.0).
func CheckpointFormFor(v release.Version) (form int, ok bool) {
	switch {
	case v.Less(release.WriteAheadLogAdded):
		return 0, false
	case v.Less(release.WALRecord32):
		return Checkpoint5x, true
	case v.Less(release.CheckpointV1):
		return CheckpointV0, true
	}
	return CheckpointV1, true
}

// Writers is every release with a WriteAheadLog: 5.22.0 and later.
var Writers = release.Of(release.Since(release.WriteAheadLogAdded))

// WriterFact is one fact of a WriteAheadLog directory and the releases that
// produce it (spec §0.4). Assumes is what must hold for a weak fact to
// count ("" for facts only those releases produce).
type WriterFact struct {
	Fact    string
	Set     release.Set
	Assumes string
}

// ignoreTimestampFalse is the AppContext switch that keeps the 40-byte
// record in 6.x (spec §3.2).
const ignoreTimestampFalse = "with IgnoreTimestamp=false"

// WriterFacts are the facts the layout parameters and the checkpoint form
// give about the releases that wrote the directory: the record layout
// (5.x: 40 bytes with UTC ticks; 6.x: 32 bytes, or 40 with zero timestamps
// under the switch), a per-entry hash (6.x only), the checkpoint form (8:
// 5.x; 12: 6.0–6.7.x; 20: 6.8.0+; a 6.x node rewrites the form at its first
// flush), metadata pages larger than 4096 bytes (6.6.5–6.8.0 on a large-page
// host) and entries placed at a chunk boundary after a gap (#292 fixed).
func WriterFacts(p Params, form int) []WriterFact {
	var out []WriterFact
	add := func(fact string, set release.Set, assumes string) {
		out = append(out, WriterFact{Fact: fact, Set: set, Assumes: assumes})
	}
	six := release.Of(release.Since(release.WALRecord32))
	switch {
	case p.Layout == Layout5 && p.Timestamps == TicksUTC:
		add("40-byte records holding UTC ticks", release.Of(release.Between(release.WriteAheadLogAdded, release.WALRecord32)), "")
	case p.Layout == Layout5:
		add("40-byte records with zero timestamps", release.Set{{Range: release.Since(release.WALRecord32), Condition: ignoreTimestampFalse}}, "")
	case p.Layout == Layout6:
		add("32-byte records (no timestamp)", six, "")
	}
	if p.Hash != HashNone {
		add("a per-entry "+p.Hash.String()+" hash after the record", six, "")
	}
	switch form {
	case Checkpoint5x:
		add("the 8-byte checkpoint", release.Of(release.Between(release.WriteAheadLogAdded, release.WALRecord32)), "")
	case CheckpointV0:
		add("the 12-byte version-0 checkpoint", release.Of(release.Between(release.WALRecord32, release.CheckpointV1)), "")
	case CheckpointV1:
		add("the 20-byte version-1 checkpoint", release.Of(release.Since(release.CheckpointV1)), "")
	}
	if p.PageSize > minPageSize {
		add(fmt.Sprintf("metadata pages of %d bytes", p.PageSize), release.Of(release.MetadataPageOS),
			fmt.Sprintf("the host's OS pages were %d bytes", p.PageSize))
	}
	if p.FixedPlacements > 0 {
		add(fmt.Sprintf("%d entries placed at a chunk boundary after a gap (#292 fixed)", p.FixedPlacements),
			release.Of(release.Since(release.Pad292Fixed)), "that walctl repair did not correct them (it places them the same way)")
	}
	return out
}

// WritersOf names the releases that write a directory with these
// parameters and this checkpoint form: what the facts (WriterFacts) leave.
func WritersOf(p Params, form int) string { return writerRange(p, form) }

// writerRange names the releases the facts leave.
func writerRange(p Params, form int) string {
	facts := WriterFacts(p, form)
	sets, weak := make([]release.Set, len(facts)), make([]bool, len(facts))
	for i, f := range facts {
		sets[i], weak[i] = f.Set, f.Assumes != ""
	}
	set, _ := release.Narrow(Writers, sets, weak)
	if set.Empty() {
		return "no single release (the facts conflict: walctl detect lists them)"
	}
	return set.String()
}
