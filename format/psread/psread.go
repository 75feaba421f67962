// Package psread says what one DotNext.Net.Cluster release reads from a
// PersistentState directory (legacy, format.V2, sparse): the model behind the
// upgrade gate. It is the directory-level part; the per-partition rules are
// the codecs' own (legacy.LibraryReads, v2.LibraryReads, sparse.LibraryReads).
//
// The rules, by release (spec/persistent-state.md §0.4, §1, §3.3, §4.6–§4.8,
// §6.2, §10.1, §13):
//
//   - 4.0.0–4.2.x read every partition as legacy; a file shorter than its
//     R×40 prologue is zero-filled to R×40 (the open changes it).
//   - 4.3.0–5.3.x read every partition as legacy (there is no format
//     option); a legacy-read file shorter than R×40 makes the constructor
//     throw UnauthorizedAccessException.
//   - 5.4.0–5.6.x read the node's format; a sealed Table file shorter than
//     R×40 throws (negative footer offset), so do more than R chained
//     records; the replay unseals a sealed Table partition when it applies
//     a zero-length committed entry at the commit index or the partition's
//     last index (unsealTrap).
//   - 5.7.0–5.7.2 as 5.4.0, but a sealed Table file shorter than 512 + R×40
//     throws IntegrityException, the scan stops at R, and nothing unseals.
//   - 5.7.3–5.x as 5.7.0; a Table file shorter than 512 is extended to 512,
//     and an unsealed partition that does not hold LastIndex is loaded as
//     stubs.
//   - 6.x cannot open it: 6.x has no PersistentState.
//
// Every release 4.2.0+ checks node.state's checksum (with IntegrityCheck);
// every release reads the term at byte 72 and the vote at 81 in its own
// ClusterMemberId layout (before 4.8.0: port first). A Table or sparse file
// read as legacy yields whatever its first R×40 bytes hold, silently.
//
// The package knows no CLI and writes nothing: "what the open changes" is
// returned as overlays (After) so that the next open can be modelled too.
package psread

import (
	"fmt"
	"io"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/legacy"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/format/sparse"
	v2 "github.com/walctl/walctl/format/v2"
	"github.com/walctl/walctl/release"
)

// File is one partition file.
type File struct {
	Number int64
	Name   string
	Size   int64
	R      io.ReaderAt
}

// Dir is a PersistentState directory as the node's settings describe it:
// the format it was written in (the option the node carries over to the
// next release), R and M.
type Dir struct {
	Format format.Format
	R, M   int64
	// State is node.state's bytes (at most 128), nil when the file is
	// missing (the library then creates a fresh one: term 0, no vote).
	State []byte
	// Files are the partition files, sorted by number.
	Files []File
}

// View is what release Release holds after opening the directory.
type View struct {
	Release release.Version
	// Format is how the release reads the partitions: the node's format,
	// or legacy for every release before 5.4.0.
	Format format.Format
	// OpenError is the exception the constructor or InitializeAsync throws
	// for the files themselves ("" none); Entry is meaningless then.
	OpenError string
	// Changes are the files the open modifies.
	Changes []Change
	// Term and Vote as the release reads node.state.
	Term int64
	Vote Vote
	// CommitIndex, LastIndex and Snapshot are node.state's (every release
	// reads them alike).
	CommitIndex, LastIndex, Snapshot int64

	dir   *Dir
	cache struct {
		number int64
		view   partView
	}
}

// Vote is the vote as a release reads it.
type Vote struct {
	Has bool
	// Read is what the release reads, as a 4.8.0+ id (nodestate.Reading).
	Read nodestate.Reading
	// Match says whether that is the member the stored id names.
	Match nodestate.Match
	// Member is the member the stored id names.
	Member nodestate.Member
}

// Same reports whether two releases read the same vote (an id is compared
// byte for byte by the library, so the same id is the same member).
func (a Vote) Same(b Vote) bool { return a.Has == b.Has && (!a.Has || a.Read.ID == b.Read.ID) }

// Change is one file an open modifies.
type Change struct {
	File string
	// What happens to its bytes, and why the release does it.
	What, Why string
	// Trap is true for a change that makes a later open lose entries the
	// release itself read right (the 5.4.0–5.6.x unseal).
	Trap bool

	number int64
	size   int64      // the new size
	zero   [][2]int64 // byte ranges [from, to) that become zero
}

// Entry is what a release reads for one index.
type Entry struct {
	Index int64
	// Err is the exception reading it throws ("" none).
	Err string
	Rec record.Record
	// The payload bytes delivered: N bytes of File at Offset.
	File      string
	Offset, N int64
}

// Read models release v opening the directory.
func (d *Dir) Read(v release.Version) *View {
	st := nodestate.Decode(d.State)
	view := &View{Release: v, Format: d.Format, dir: d, Term: st.Term, CommitIndex: st.CommitIndex,
		LastIndex: st.LastIndex, Snapshot: max(st.Snapshot.Index, 0)}
	view.cache.number = -1
	if d.State == nil {
		view.CommitIndex, view.LastIndex = 0, 0
	}
	if m, ok := st.VoteMember(); ok {
		r, match := m.ReadBy(nodestate.ReaderLayout(v))
		view.Vote = Vote{Has: true, Read: r, Match: match, Member: m}
	}
	if !v.Less(release.PersistentStateRemoved) {
		view.OpenError = "DotNext 6.x has no PersistentState (only the WriteAheadLog): the application cannot open " +
			"this directory"
		return view
	}
	if v.Less(release.TableFormat) {
		view.Format = format.Legacy
	}
	mismatch := len(d.State) >= nodestate.Size && nodestate.Status(d.State) == nodestate.ChecksumMismatch
	if mismatch && !v.Less(release.NodeStateChecksum) {
		view.OpenError = "InternalStateBrokenException from InitializeAsync (node.state checksum, with " +
			"IntegrityCheck on)"
	}
	for _, f := range d.Files {
		pv, change, err := view.open(f)
		if err != "" && view.OpenError == "" {
			view.OpenError = err
		}
		if change != nil {
			view.Changes = append(view.Changes, *change)
		}
		if pv != nil {
			view.unsealTrap(f, pv)
		}
	}
	return view
}

// partView is the table a release holds for one partition.
type partView interface {
	record(slot int64) record.Record
	file() File
	sealed() bool
}

// open is what release view.Release makes of one partition file at
// construction: its table, the change the open makes, or the exception.
func (view *View) open(f File) (partView, *Change, string) {
	d, v := view.dir, view.Release
	pf := partition.File{R: f.R, Size: f.Size, Name: f.Name, Number: f.Number}
	g := partition.Geometry{R: d.R, M: d.M}
	switch view.Format {
	case format.Legacy:
		size, ok := legacy.PrologueSize(d.R)
		switch {
		case !ok:
			return nil, nil, fmt.Sprintf("ArgumentOutOfRangeException: recordsPerPartition %d", d.R)
		case f.Size >= size:
			return legacyView{f: f}, nil, ""
		case !v.Less(release.ShortPrologueThrows):
			return nil, nil, fmt.Sprintf("UnauthorizedAccessException from the constructor: partition %s is %d "+
				"bytes, shorter than its %d-byte prologue", f.Name, f.Size, size)
		}
		c := &Change{File: f.Name, number: f.Number, size: size, zero: [][2]int64{{0, size}},
			What: fmt.Sprintf("extended from %d to %d zero bytes (prologue cleared)", f.Size, size),
			Why:  "a legacy partition shorter than its R×40-byte prologue: 4.0.0–4.2.x write a zero prologue"}
		return legacyView{f: f, zeroed: true}, c, ""
	case format.Sparse:
		stride, ok := sparse.Stride(g)
		if !ok {
			return nil, nil, fmt.Sprintf("ArgumentOutOfRangeException: R %d, M %d", d.R, d.M)
		}
		return sparseView{f: f, stride: stride}, nil, ""
	}
	r, _ := v2.ReaderFor(v)
	lv := v2.LibraryReads(pf, g, view.LastIndex, r)
	if lv.Err != "" {
		return nil, nil, fmt.Sprintf("%s (partition %s)", lv.Err, f.Name)
	}
	var c *Change
	if lv.Extends {
		c = &Change{File: f.Name, number: f.Number, size: v2.HeaderSize,
			What: fmt.Sprintf("extended from %d to %d bytes", f.Size, v2.HeaderSize),
			Why:  "a Table partition shorter than its 512-byte header: 5.7.3+ SetLength(512)"}
	}
	return tableView{f: f, lv: lv}, c, ""
}

type legacyView struct {
	f      File
	zeroed bool
}

func (p legacyView) record(s int64) record.Record {
	if p.zeroed {
		return record.Record{}
	}
	rec, _ := partition.File{R: p.f.R, Size: p.f.Size}.RecordAt(s * record.Size)
	return rec
}
func (p legacyView) file() File   { return p.f }
func (p legacyView) sealed() bool { return false }

type sparseView struct {
	f      File
	stride int64
}

// record reads the 40 bytes at the slot into a zeroed buffer: past EOF a
// zero record (spec §5.2).
func (p sparseView) record(s int64) record.Record {
	var b [record.Size]byte
	pos := s * p.stride
	if pos < p.f.Size {
		partition.File{R: p.f.R, Size: p.f.Size}.ReadAt(b[:min(record.Size, p.f.Size-pos)], pos)
	}
	return record.Decode(b[:])
}
func (p sparseView) file() File   { return p.f }
func (p sparseView) sealed() bool { return false }

type tableView struct {
	f  File
	lv v2.LibraryView
}

func (p tableView) record(s int64) record.Record {
	if s < 0 || s >= int64(len(p.lv.Records)) {
		return record.Record{}
	}
	return p.lv.Records[s]
}
func (p tableView) file() File   { return p.f }
func (p tableView) sealed() bool { return p.lv.How == v2.HowFooter }

// Entry is what the release reads for index i (0 < i ≤ LastIndex).
func (view *View) Entry(i int64) Entry {
	e := Entry{Index: i}
	if view.OpenError != "" {
		e.Err = view.OpenError
		return e
	}
	d := view.dir
	number, slot := i/d.R, i%d.R
	pv := view.partition(number)
	if pv == nil {
		e.Err = fmt.Sprintf("MissingPartitionException: Log entry index is out of range. Index value is %d", i)
		return e
	}
	e.Rec = pv.record(slot)
	f := pv.file()
	e.File = f.Name
	e.Offset, e.N = v2.LibraryPayload(f.Size, e.Rec)
	return e
}

// partition returns the view of partition number (nil when its file is
// missing), one partition cached at a time.
func (view *View) partition(number int64) partView {
	if view.cache.number == number && view.cache.view != nil {
		return view.cache.view
	}
	for _, f := range view.dir.Files {
		if f.Number == number {
			pv, _, _ := view.open(f)
			view.cache.number, view.cache.view = number, pv
			return pv
		}
	}
	return nil
}

// Payload returns the bytes an entry delivers.
func (d *Dir) Payload(e Entry) ([]byte, error) {
	if e.N <= 0 {
		return nil, nil
	}
	for _, f := range d.Files {
		if f.Name == e.File {
			b := make([]byte, e.N)
			n, err := f.R.ReadAt(b, e.Offset)
			if int64(n) == e.N {
				err = nil
			}
			return b[:n], err
		}
	}
	return nil, fmt.Errorf("psread: no partition file %q", e.File)
}

// Load says in words how the release loaded partition number: the cause
// behind the entries it reads ("" for a partition it reads as written).
func (view *View) Load(number int64) string {
	pv := view.partition(number)
	d := view.dir
	switch p := pv.(type) {
	case nil:
		return fmt.Sprintf("partition file %d is missing", number)
	case legacyView:
		switch {
		case p.zeroed:
			return fmt.Sprintf("partition %d is shorter than its prologue: DotNext %s zero-fills it and reads zero "+
				"records", number, view.Release.Name())
		case d.Format != format.Legacy:
			return fmt.Sprintf("DotNext %s reads every partition as legacy (the Table and sparse formats came in "+
				"5.4.0): it takes the first R×40 bytes of %s partition %d as its records",
				view.Release.Name(), d.Format, number)
		}
	case tableView:
		switch p.lv.How {
		case v2.HowStubs:
			return fmt.Sprintf("partition %d is unsealed and does not hold LastIndex %d: DotNext %s loads it as "+
				"stub records without reading it", number, view.LastIndex, view.Release.Name())
		case v2.HowUnscanned:
			return fmt.Sprintf("partition %d is shorter than its 512-byte header: DotNext %s does not read "+
				"it", number, view.Release.Name())
		case v2.HowScan:
			return fmt.Sprintf("partition %d is unsealed: DotNext %s reads it by its chained records and stops at "+
				"the first with End ≤ 0", number, view.Release.Name())
		case v2.HowFooter:
			return fmt.Sprintf("partition %d is sealed: DotNext %s reads its footer", number, view.Release.Name())
		}
	}
	return ""
}
