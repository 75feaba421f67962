// Package release is walctl's arithmetic of DotNext.Net.Cluster releases: a
// version type, ranges of releases, sets of ranges with a condition (an
// option the node must have used), and the releases at which an on-disk
// layout or a reader changed (spec/persistent-state.md §0.3, §0.4, §11).
// detect uses it to name the releases that can have written a log, the
// codecs to say which releases read a layout, and the upgrade gate to ask
// what release V makes of a log. It knows no bytes.
package release

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is one DotNext.Net.Cluster release, major.minor.patch.
type Version struct {
	Major, Minor, Patch int
}

// V is shorthand for a Version literal.
func V(major, minor, patch int) Version { return Version{major, minor, patch} }

// Parse reads "5.26.2", "v4.2", "6" (missing parts are 0). A suffix after a
// '-' or '+' (pre-release, build metadata) is ignored. Wildcards ("5.x") are
// not versions: callers that accept them handle them before Parse.
func Parse(s string) (Version, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexAny(t, "-+"); i >= 0 {
		t = t[:i]
	}
	parts := strings.Split(t, ".")
	if t == "" || len(parts) > 3 {
		return Version{}, fmt.Errorf("%q is not a release (want major.minor.patch, e.g. 5.26.2)", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 9999 {
			return Version{}, fmt.Errorf("%q is not a release (want major.minor.patch, e.g. 5.26.2)", s)
		}
		n[i] = v
	}
	return Version{n[0], n[1], n[2]}, nil
}

// MustParse is Parse for constants in tests and tables; it panics on error.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// IsZero reports whether v is the zero Version (no release).
func (v Version) IsZero() bool { return v == Version{} }

// Compare returns -1, 0 or +1 as v is older than, equal to or newer than w.
func (v Version) Compare(w Version) int {
	for _, d := range [3]int{v.Major - w.Major, v.Minor - w.Minor, v.Patch - w.Patch} {
		switch {
		case d < 0:
			return -1
		case d > 0:
			return 1
		}
	}
	return 0
}

// Less reports whether v is older than w.
func (v Version) Less(w Version) bool { return v.Compare(w) < 0 }

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// MarshalText writes v as "major.minor.patch" (JSON: a string).
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText reads what Parse reads.
func (v *Version) UnmarshalText(b []byte) error {
	w, err := Parse(string(b))
	if err == nil {
		*v = w
	}
	return err
}

// pred names the last release before v in words: the release before 4.8.0
// is "4.7.x", before 6.0.0 "5.x", before 5.7.3 "5.7.2".
func (v Version) pred() string {
	switch {
	case v.Patch > 0:
		return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch-1)
	case v.Minor > 0:
		return fmt.Sprintf("%d.%d.x", v.Major, v.Minor-1)
	case v.Major > 0:
		return fmt.Sprintf("%d.x", v.Major-1)
	}
	return "0"
}

// Range is the releases v with From ≤ v < Until. A zero From has no lower
// bound, a zero Until no upper bound. Half-open ranges make the arithmetic
// exact: "before 4.8.0" and "4.8.0 or later" share no release and miss none.
type Range struct {
	From  Version `json:"from,omitzero"`
	Until Version `json:"until,omitzero"`
}

// Any is every release.
var Any = Range{}

// Before is every release older than v.
func Before(v Version) Range { return Range{Until: v} }

// Since is v and every later release.
func Since(v Version) Range { return Range{From: v} }

// Between is the releases from a up to, not including, b.
func Between(a, b Version) Range { return Range{From: a, Until: b} }

// Contains reports whether v is in r.
func (r Range) Contains(v Version) bool {
	return (r.From.IsZero() || !v.Less(r.From)) && (r.Until.IsZero() || v.Less(r.Until))
}

// Empty reports whether no release is in r.
func (r Range) Empty() bool {
	return !r.From.IsZero() && !r.Until.IsZero() && !r.From.Less(r.Until)
}

// Intersect is the releases in both r and o (possibly Empty).
func (r Range) Intersect(o Range) Range {
	out := r
	if out.From.IsZero() || (!o.From.IsZero() && out.From.Less(o.From)) {
		out.From = o.From
	}
	if out.Until.IsZero() || (!o.Until.IsZero() && o.Until.Less(out.Until)) {
		out.Until = o.Until
	}
	return out
}

// String names the range in words: "4.8.0–5.3.x", "before 4.8.0",
// "5.7.3 or later", "any release".
func (r Range) String() string {
	switch {
	case r.Empty():
		return "no release"
	case r.From.IsZero() && r.Until.IsZero():
		return "any release"
	case r.From.IsZero():
		return "before " + r.Until.String()
	case r.Until.IsZero():
		return r.From.String() + " or later"
	case r.From == V(r.Until.Major-1, 0, 0) && r.Until == V(r.Until.Major, 0, 0):
		return r.Until.pred() // 5.0.0 up to 6.0.0: "5.x"
	}
	return r.From.String() + "–" + r.Until.pred()
}

// Span is a range of releases, possibly only with an option set
// ("with UseLegacyBinaryFormat").
type Span struct {
	Range
	Condition string `json:"condition,omitempty"`
}

func (s Span) String() string {
	if s.Condition == "" {
		return s.Range.String()
	}
	return s.Range.String() + " " + s.Condition
}

// Set is a union of spans, in release order: what the evidence allows when
// it is a disjunction ("4.0.0–5.3.x, or 5.4.0+ with UseLegacyBinaryFormat").
type Set []Span

// Of is the set of one unconditional range.
func Of(r Range) Set { return Set{{Range: r}} }

// Empty reports whether the set holds no release.
func (s Set) Empty() bool {
	for _, sp := range s {
		if !sp.Range.Empty() {
			return false
		}
	}
	return true
}

// Intersect is the releases in both sets; conditions of both sides hold.
func (s Set) Intersect(o Set) Set {
	var out Set
	for _, a := range s {
		for _, b := range o {
			r := a.Range.Intersect(b.Range)
			if r.Empty() {
				continue
			}
			cond := a.Condition
			if b.Condition != "" && b.Condition != cond {
				if cond != "" {
					cond += " and "
				}
				cond += b.Condition
			}
			out = append(out, Span{Range: r, Condition: cond})
		}
	}
	return out
}

// Contains reports whether v is in the set, whatever the conditions.
func (s Set) Contains(v Version) bool {
	for _, sp := range s {
		if sp.Range.Contains(v) {
			return true
		}
	}
	return false
}

func (s Set) String() string {
	if s.Empty() {
		return "no release"
	}
	parts := make([]string, 0, len(s))
	for _, sp := range s {
		if !sp.Range.Empty() {
			parts = append(parts, sp.String())
		}
	}
	return strings.Join(parts, ", or ")
}

// Releases at which a PersistentState layout, writer or reader changed
// (spec/persistent-state.md §0.3 for the commits, §0.4 for the map). Each
// boundary is the first release with the new behaviour.
var (
	// PersistentState4 is the first release of the §3.1 legacy prologue and
	// the §6.1 node.state; 3.x logs are other formats.
	PersistentState4 = V(4, 0, 0)
	// NodeStateChecksum: node.state bytes 120–127 may hold the FNV-1a
	// checksum (IntegrityCheck option).
	NodeStateChecksum = V(4, 2, 0)
	// ShortPrologueThrows: a legacy partition shorter than R×40 bytes makes
	// the constructor throw (§3.3). 4.2.x zero-filled it through the
	// read-write handle; the read-only handle came with 6b3b93dff, first
	// released in 4.3.0 (there is no 4.2.x patch release).
	ShortPrologueThrows = V(4, 3, 0)
	// MemberIDLengthFirst: ClusterMemberId stores length (bytes 16–19)
	// before port (20–23); older releases store port before length (§6.2).
	MemberIDLengthFirst = V(4, 8, 0)
	// TableFormat: the Table (v2) and sparse formats, and
	// UseLegacyBinaryFormat; older releases read every partition as legacy.
	TableFormat = V(5, 4, 0)
	// CachedAppendsWritten: #244 part 1 (RC1 fixed): no more T1 windows.
	CachedAppendsWritten = V(5, 7, 2)
	// Issue244Fixed: #244 part 2 (RC2, RC3 fixed): every full Table partition
	// sealed, no more T2, and Sequential compaction's snapshot index
	// floor(commit/R)·R − 1 instead of the commit index.
	Issue244Fixed = V(5, 7, 3)
	// PersistentStateRemoved: 6.x has only the WriteAheadLog.
	PersistentStateRemoved = V(6, 0, 0)
)

// PersistentState is every release that writes the formats walctl decodes
// as legacy, v2 or sparse (4.0.0–5.x).
var PersistentState = Between(PersistentState4, PersistentStateRemoved)

// Releases at which the WriteAheadLog (spec/write-ahead-log.md §0.4, §8)
// or a PersistentState reader changed.
var (
	// ScanBoundedByR: 5.7.0 bounds the unsealed-partition scan by R, checks
	// the length of sealed files, and no longer unseals a sealed partition
	// when it flushes one (5.4.0–5.6.x FlushAndUnsealAsync, see
	// FlushUnsealsSealed).
	ScanBoundedByR = V(5, 7, 0)
	// WriteAheadLogAdded: the WriteAheadLog class (5.22.0, experimental in 5.x).
	WriteAheadLogAdded = V(5, 22, 0)
	// WALRecord32: 6.0.0 writes 32-byte records without the timestamp
	// unless the AppContext switch DotNext.IO.WriteAheadLog.IgnoreTimestamp
	// is false, and the 12-byte version-0 checkpoint.
	WALRecord32 = V(6, 0, 0)
	// Pad292Fixed is the first served release known to place an entry after
	// a chunk-boundary skip right (dotNext #292); 6.5.1–6.6.4 are unknown.
	Pad292Fixed = V(6, 6, 5)
	// CheckpointV1: the 20-byte version-1 checkpoint, which 6.0–6.7.x reject.
	CheckpointV1 = V(6, 8, 0)
	// MetadataPageFixed: 6.8.1 maps metadata pages of 4096 bytes again on
	// every host (6.6.5–6.8.0 used the OS page size when larger).
	MetadataPageFixed = V(6, 8, 1)
)

// FlushUnsealsSealed is the releases whose flush of a sealed Table
// partition unseals it: header byte 0 cleared and 40 zero bytes written at
// the writer position (512 after an open), size unchanged (PART@5947622fa
// FlushAndUnsealAsync; 5.7.0 made the flush of a sealed partition a no-op).
var FlushUnsealsSealed = Between(TableFormat, ScanBoundedByR)

// MetadataPageOS is the releases that size WriteAheadLog metadata pages as
// max(4096, the OS page size) (spec/write-ahead-log.md §3.1).
var MetadataPageOS = Between(Pad292Fixed, MetadataPageFixed)

// Covered is every release walctl models: DotNext.Net.Cluster 4.0.0 (the
// first release of the formats walctl reads) to the newest 6.x the specs
// and the cross reads cover (6.12.x).
var Covered = Between(PersistentState4, V(6, 13, 0))

// ParseTarget reads the DotNext.Net.Cluster release a node runs or will
// run ("5.26.2", "v6.12.0"): all three parts, inside Covered. The one parser
// of every --target-version and --to-version flag; its errors name the
// range.
func ParseTarget(s string) (Version, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexAny(t, "-+"); i >= 0 {
		t = t[:i]
	}
	if strings.Count(t, ".") != 2 {
		return Version{}, fmt.Errorf("%q is not a release number: give major.minor.patch, e.g. 5.7.2 or 6.12.0", s)
	}
	v, err := Parse(t)
	if err != nil {
		return Version{}, fmt.Errorf("%q is not a release number: give major.minor.patch, e.g. 5.7.2 or 6.12.0", s)
	}
	if !Covered.Contains(v) {
		return Version{}, fmt.Errorf("DotNext.Net.Cluster %s is outside the releases walctl knows (%s)", v, Covered)
	}
	return v, nil
}

// Newest is the newest release in r: the one before Until, or the newest
// release walctl models when r has no upper bound. Releases are compared by
// number only, so the release before 5.7.3 is 5.7.2 and the one before
// 6.0.0 is 5.9999.9999: newer than every 5.x.
func (r Range) Newest() Version {
	u := r.Until
	if u.IsZero() || Covered.Until.Less(u) {
		u = Covered.Until
	}
	switch {
	case u.Patch > 0:
		return V(u.Major, u.Minor, u.Patch-1)
	case u.Minor > 0:
		return V(u.Major, u.Minor-1, 9999)
	}
	return V(u.Major-1, 9999, 9999)
}

// Newest is the newest release in the set (zero for an empty set).
func (s Set) Newest() Version {
	var n Version
	for _, sp := range s {
		if v := sp.Range.Newest(); !sp.Range.Empty() && n.Less(v) {
			n = v
		}
	}
	return n
}

// Narrow intersects base with every strong set, then with each weak set
// (one that holds only under an assumption: a default setting, no crash) in
// order, as long as the result stays non-empty. setAside[i] is true for the
// weak sets left out because they contradict the rest. The result is empty
// when the strong sets exclude each other. detect's "written by" for both
// families is this arithmetic.
func Narrow(base Set, sets []Set, weak []bool) (result Set, setAside []bool) {
	setAside = make([]bool, len(sets))
	result = base
	for i, s := range sets {
		if !weak[i] {
			result = result.Intersect(s)
		}
	}
	if result.Empty() {
		return Set{}, setAside
	}
	for i, s := range sets {
		if !weak[i] {
			continue
		}
		if next := result.Intersect(s); !next.Empty() {
			result = next
		} else {
			setAside[i] = true
		}
	}
	return result, setAside
}

// Name is v in words: a release, or for the stand-ins Newest returns
// ("5.7.9999", "5.9999.9999") the family they stand for ("5.7.x", "5.x").
func (v Version) Name() string {
	switch {
	case v.Minor == 9999:
		return fmt.Sprintf("%d.x", v.Major)
	case v.Patch == 9999:
		return fmt.Sprintf("%d.%d.x", v.Major, v.Minor)
	}
	return v.String()
}
