package detect

import (
	"fmt"
	"sort"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/partition"
)

// maxR is the largest records-per-partition the library accepts (int.MaxValue/40).
const maxR = partition.MaxR

// inferGeometry finds R (and M for sparse) by the order of spec §8: exact
// evidence first, then the arithmetic on the partition holding LastIndex.
func (r *Result) inferGeometry(o Overrides) {
	if r.Format == format.Unknown || r.Format == format.WAL || r.Format == format.Meta3x {
		return
	}
	if r.Format == format.Sparse {
		r.inferM(o)
	}
	if o.R > 0 {
		r.R = o.R
		r.Evidence = append(r.Evidence, fmt.Sprintf("R = %d given by --records-per-partition", o.R))
		for _, f := range r.Files {
			if f.Format == r.Format && f.R > 0 && f.R != o.R {
				r.Conflicts = append(
					r.Conflicts,
					fmt.Sprintf("partition %s proves R = %d, not the %d given", f.Name, f.R, o.R),
				)
			}
		}
		r.checkR()
		return
	}
	if r.exactR() {
		return
	}
	r.arithmeticR()
}

// inferM takes the sparse stride the files agree on.
func (r *Result) inferM(o Overrides) {
	if o.M > 0 {
		r.M = o.M
		r.Evidence = append(r.Evidence, fmt.Sprintf("M = %d given by --max-entry-size", o.M))
		return
	}
	seen := map[int64]int{}
	for _, f := range r.Files {
		if f.Format == format.Sparse && f.M > 0 {
			seen[f.M]++
		}
	}
	if len(seen) == 1 {
		for m := range seen {
			r.M = m
		}
		r.Evidence = append(r.Evidence, fmt.Sprintf("M = %d from the slot stride of %d file(s)", r.M, seen[r.M]))
		return
	}
	r.lower(partition.Low)
	if len(seen) == 0 {
		r.Evidence = append(r.Evidence, "no sparse file shows two records, so the max entry size M is unknown")
	} else {
		r.Evidence = append(r.Evidence, fmt.Sprintf("files disagree on the sparse max entry size: %v", seen))
	}
	r.NeedFlags = append(r.NeedFlags, "--max-entry-size M")
}

// exactR uses legacy prologues and sealed Table footers (§8 step 1).
func (r *Result) exactR() bool {
	seen := map[int64][]string{}
	for _, f := range r.Files {
		if f.Format == r.Format && f.R > 0 {
			seen[f.R] = append(seen[f.R], f.Name)
		}
	}
	switch len(seen) {
	case 0:
		return false
	case 1:
		for v, files := range seen {
			r.R = v
			r.Evidence = append(
				r.Evidence,
				fmt.Sprintf("R = %d exactly, from %s of partition(s) %v", v, exactSource(r.Format), files),
			)
		}
		r.conf = max(r.conf, partition.High)
		if r.conf < partition.VeryHigh && len(seen) == 1 {
			r.conf = partition.VeryHigh
		}
		r.checkR()
		return true
	default:
		r.lower(partition.Low)
		for v := range seen {
			r.Candidates = append(r.Candidates, v)
		}
		sort.Slice(r.Candidates, func(i, j int) bool { return r.Candidates[i] < r.Candidates[j] })
		r.Evidence = append(r.Evidence, fmt.Sprintf("partition files disagree on R: %v", seen))
		r.NeedFlags = append(r.NeedFlags, "--records-per-partition R")
		return true
	}
}

func exactSource(fm format.Format) string {
	if fm == format.Legacy {
		return "the prologue size"
	}
	return "the sealed footer"
}

// arithmeticR solves R from the partition holding LastIndex (§8 steps 2–4).
func (r *Result) arithmeticR() {
	if r.State == nil {
		r.undetermined("no node.state, so R cannot be computed from the partition numbering")
		return
	}
	last := r.State.LastIndex
	if r.stateSum == nodestate.ChecksumMismatch {
		// A flipped bit may sit in LastIndex: an R computed from it is a
		// guess, and a wrong one misplaces every index (and a LastIndex
		// grown by one high bit makes an R in the millions).
		r.untrustedR(last)
		return
	}
	maxUsed := int64(0) // R must exceed every used slot
	for _, f := range r.Files {
		if f.Format == r.Format && f.probe.UsedSlots > maxUsed {
			maxUsed = f.probe.UsedSlots
		}
		if f.Format == r.Format && f.probe.T1Slot >= maxUsed {
			maxUsed = f.probe.T1Slot + 1
		}
	}
	// Walk down from the highest partition file: a higher file that admits no
	// R is treated as stale (left by DropAsync) and lowers the confidence.
	for i := len(r.Files) - 1; i >= 0; i-- {
		f := r.Files[i]
		p := r.Listing.Partitions[i].Number
		if p < 1 {
			break
		}
		lo, hi := last/(p+1)+1, last/p // R ∈ (last/(p+1), last/p]
		lo = max(lo, maxUsed, 2)
		hi = min(hi, maxR)
		exact := f.Format == r.Format && f.probe.UsedSlots > 0 && f.probe.T1Slot < 0
		if exact {
			num := last - (f.probe.UsedSlots - 1)
			if num > 0 && num%p == 0 {
				if v := num / p; v >= lo && v <= hi {
					r.R = v
					c := partition.High
					if i != len(r.Files)-1 {
						c = partition.Medium
						r.Evidence = append(
							r.Evidence,
							fmt.Sprintf("partition files above %d admit no R: treated as stale", p),
						)
					}
					r.conf = min(r.conf, c)
					r.Evidence = append(
						r.Evidence,
						fmt.Sprintf(
							"R = %d from partition %d holding LastIndex %d at slot %d",
							v,
							p,
							last,
							f.probe.UsedSlots-1,
						),
					)
					return
				}
			}
		}
		if f.probe.T1Slot >= 0 {
			hi = min(hi, (last-f.probe.T1Slot)/p)
		}
		if lo > hi {
			continue
		}
		if lo == hi {
			r.R = lo
			r.conf = min(r.conf, partition.Medium)
			r.Evidence = append(
				r.Evidence,
				fmt.Sprintf(
					"R = %d: the only value with LastIndex %d in partition %d and every used slot below R",
					lo,
					last,
					p,
				),
			)
			return
		}
		for v := lo; v <= hi && len(r.Candidates) < 16; v++ {
			r.Candidates = append(r.Candidates, v)
		}
		r.undetermined(fmt.Sprintf("R is not determined: %d..%d all fit LastIndex %d in partition %d", lo, hi, last, p))
		return
	}
	r.undetermined(
		fmt.Sprintf("only partition 0 holds entries (LastIndex %d): any R above %d fits", last, max(last, maxUsed-1)),
	)
}

// untrustedR: node.state's checksum does not match, so its LastIndex
// cannot decide R.
func (r *Result) untrustedR(last int64) {
	r.undetermined(fmt.Sprintf("R is not determined: node.state's checksum does not match, so its LastIndex %d "+
		"cannot be trusted to compute R from the partition numbering", last))
}

func (r *Result) undetermined(why string) {
	r.lower(partition.Low)
	r.Evidence = append(r.Evidence, why)
	r.NeedFlags = append(r.NeedFlags, "--records-per-partition R")
}

func (r *Result) lower(c Confidence) {
	if r.conf > c {
		r.conf = c
	}
}

// checkR re-checks the files against the chosen R: a legacy prologue or a
// footer that proves another R, or more used slots than R, makes R doubtful.
func (r *Result) checkR() {
	for _, f := range r.Files {
		if f.Format != r.Format {
			continue
		}
		if f.probe.UsedSlots > r.R {
			msg := fmt.Sprintf("partition %s uses %d slots, more than R = %d", f.Name, f.probe.UsedSlots, r.R)
			r.Evidence = append(r.Evidence, msg)
			r.Conflicts = append(r.Conflicts, msg)
			r.lower(partition.Low)
		}
	}
}
