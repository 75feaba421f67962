package detect

import (
	"fmt"

	"github.com/walctl/walctl/format/nodestate"
)

// seeDamage lists what the probes saw damaged in a PersistentState
// directory: a file's own damage (#244 T1/T2 shapes, torn tails and seals),
// 0-byte partitions, partition files missing where node.state's entries
// need them (or between two that exist), names that hold no regular file,
// and a node.state of the wrong size or with a wrong checksum. Detection
// names the format either way; this says that verify has more to say.
func (r *Result) seeDamage(stateSize int64, stateSum nodestate.ChecksumStatus) {
	if r.State != nil && stateSize != nodestate.Size {
		r.DamageSeen = append(r.DamageSeen, fmt.Sprintf("node.state is %d bytes, not %d", stateSize, nodestate.Size))
	}
	if stateSum == nodestate.ChecksumMismatch {
		r.DamageSeen = append(r.DamageSeen, "node.state's checksum does not match")
	}
	for _, f := range r.Files {
		switch {
		case f.Size == 0:
			r.DamageSeen = append(r.DamageSeen, fmt.Sprintf("partition %s is 0 bytes", f.Name))
		case len(f.Damage) > 0:
			for _, d := range f.Damage {
				r.DamageSeen = append(r.DamageSeen, fmt.Sprintf("partition %s: %s", f.Name, d))
			}
		}
	}
	for _, nr := range r.Listing.NotRegular {
		r.DamageSeen = append(r.DamageSeen, fmt.Sprintf("%s is a %s, not a partition file", nr.Name, nr.Kind))
	}
	if missing := r.missingNumbers(); missing != "" {
		r.DamageSeen = append(r.DamageSeen, missing)
		r.Evidence = append(r.Evidence, missing)
	}
}

// missingNumbers names the partition files missing: those node.state's
// live entries need when R is known, else the gaps between existing files.
func (r *Result) missingNumbers() string {
	have := map[int64]bool{}
	ps := r.Listing.Partitions
	for _, p := range ps {
		have[p.Number] = true
	}
	for _, nr := range r.Listing.NotRegular {
		have[nr.Number] = true // named as what it is
	}
	var from, to int64 = -1, -1
	switch s := r.State; {
	case s != nil && r.R > 0 && s.LastIndex > s.Snapshot.Index && s.LastIndex >= 0 && s.Snapshot.Index >= 0 &&
		s.LastIndex < 1<<62:
		from, to = max(s.Snapshot.Index+1, 1)/r.R, s.LastIndex/r.R
	case len(ps) > 1:
		from, to = ps[0].Number, ps[len(ps)-1].Number
	}
	var gaps []int64
	for n := from; from >= 0 && n <= to && len(gaps) <= 10; n++ {
		if !have[n] {
			gaps = append(gaps, n)
		}
	}
	switch {
	case len(gaps) == 0:
		return ""
	case len(gaps) == 1:
		return fmt.Sprintf("partition file %d is missing", gaps[0])
	case len(gaps) > 10:
		return fmt.Sprintf("more than 10 partition files are missing from %d on", gaps[0])
	}
	return fmt.Sprintf("partition files %v are missing", gaps)
}
