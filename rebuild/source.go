// Package rebuild holds what repair and convert share to rewrite a
// PersistentState log: a Source that decodes the partitions of a log one
// at a time through the codec table (format/ps), the Recipe of one output
// partition (which entries, laid out by which codec, sealed or not), the
// Partition it reads into (every entry with its trusted record and where
// its payload is), whose bytes the codec's writer lays out into a
// transaction's stage (Stage) or compares with a file (SameAs), and the
// settings and errors both speak in (LogOptions, FlagError). It knows no
// CLI and writes only through package txn.
package rebuild

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// Part is one partition file of the source decoded by its codec.
type Part struct {
	Number  int64
	Name    string
	Size    int64
	Byte0   byte // the Table sealed flag as stored (0 for other formats)
	Decoded partition.Decoded
	// Heal maps the slots a Patcher rebuilds to their payload in another
	// log; Absent: the source has no file for the partition (it is created).
	Heal   map[int64][]raftlog.Span
	Absent bool
}

// Slot returns relative slot s, Unwritten when the codec did not report it.
func (p *Part) Slot(s int64) partition.Slot { return p.Decoded.SlotAt(s) }

// HasIssue reports whether the codec saw a problem above info severity.
func (p *Part) HasIssue() bool {
	for _, is := range p.Decoded.Issues {
		if is.Severity != partition.Info {
			return true
		}
	}
	return false
}

// HasError reports whether the codec saw an error-severity problem.
func (p *Part) HasError() bool {
	for _, is := range p.Decoded.Issues {
		if is.Severity == partition.Error {
			return true
		}
	}
	return false
}

// Patcher puts entries of another log into the partitions a Source decodes
// (repair --from: the replica's entries where DIR lost its own).
type Patcher interface {
	// Patch marks the slots of p (indexes first..last) it rebuilds as
	// written, with their records, and notes where their payloads are
	// (p.Heal).
	Patch(p *Part, first, last int64) error
	// Settle decides, once a Recipe has read its entries, where each
	// rebuilt payload is read from: dir/name (the source's own file, ""
	// when it has none) where it already holds the bytes, else the other
	// log.
	Settle(spec *Partition, dir, name string) error
	// Root is the other log's directory (the Spans of its payloads).
	Root() string
}

// Source reads the partitions of a PersistentState log one at a time with
// the same codec and geometry logdir used, so memory stays bounded by one
// partition's slots. Payloads are never read here: slots only locate them.
type Source struct {
	Root    string
	G       partition.Geometry
	Numbers []int64 // the partition numbers, increasing
	// Patcher, when set, patches every partition decoded (nil for a plain
	// rewrite).
	Patcher Patcher
	codec   partition.Codec
	hint    int64 // LastIndex given to the codecs (bounds the Table walk)
	names   map[int64]string
	cache   *Part
	absent  map[int64]bool
	// ahead is the partition after the cached one, being decoded on
	// another core while the caller works on the cached one (nil: none).
	ahead *aheadPart
}

// aheadPart is a partition decoded ahead of its use: part and err are set
// once done is closed.
type aheadPart struct {
	number int64
	done   chan struct{}
	part   *Part
	err    error
}

// NewSource reads the partitions of l, decoding with LastIndex hint.
func NewSource(l *logdir.Log, hint int64) (*Source, error) {
	codec, err := ps.Codec(l.Format)
	if err != nil {
		return nil, err
	}
	s := &Source{
		Root:  l.Dir,
		codec: codec,
		G:     partition.Geometry{R: l.R, M: l.M},
		hint:  hint,
		names: map[int64]string{},
	}
	for _, p := range l.Partitions {
		s.Numbers = append(s.Numbers, p.Number)
		s.names[p.Number] = p.File
	}
	sort.Slice(s.Numbers, func(i, j int) bool { return s.Numbers[i] < s.Numbers[j] })
	return s, nil
}

// Has reports whether partition number has a file (or is to be created).
func (s *Source) Has(number int64) bool { _, ok := s.names[number]; return ok }

// Name is the file name of partition number: the file's, or the one it
// is created under (IsAbsent).
func (s *Source) Name(number int64) string { return s.names[number] }

// IsAbsent reports whether partition number has no file and is created.
func (s *Source) IsAbsent(number int64) bool { return s.absent[number] }

// Part decodes partition number (cached: the last one asked for).
func (s *Source) Part(number int64) (*Part, error) {
	if s.cache != nil && s.cache.Number == number {
		return s.cache, nil
	}
	name, ok := s.names[number]
	if !ok {
		return nil, fmt.Errorf("partition %d has no file", number)
	}
	if s.absent[number] {
		p := &Part{Number: number, Name: name, Absent: true,
			Decoded: partition.Decoded{R: s.G.R, Number: number, Name: name, Format: s.codec.Format()}}
		if err := s.patch(p); err != nil {
			return nil, err
		}
		s.cache = p
		return p, nil
	}
	var (
		p   *Part
		err error
	)
	if a := s.ahead; a != nil {
		<-a.done // also when it is another partition: one decode in flight at most
		s.ahead = nil
		if a.number == number {
			p, err = a.part, a.err
		}
	}
	if p == nil && err == nil {
		p, err = s.decode(number, name)
	}
	if err != nil {
		return nil, err
	}
	s.decodeNext(number)
	if err := s.patch(p); err != nil {
		return nil, err
	}
	s.cache = p
	return p, nil
}

// decodeNext starts decoding the partition after number, which repair and
// convert ask for next (they read the partitions in order), while the
// caller works on this one: a partition's decode and its use (the checks
// of a plan, the writing of the new partition) then run on two cores. One
// partition more is in memory (its slots; whole-file reads stay within
// partition.OpenFile's budget).
func (s *Source) decodeNext(number int64) {
	k := sort.Search(len(s.Numbers), func(k int) bool { return s.Numbers[k] > number })
	if k == len(s.Numbers) || s.absent[s.Numbers[k]] {
		return
	}
	next := s.Numbers[k]
	a := &aheadPart{number: next, done: make(chan struct{})}
	name := s.names[next]
	go func() {
		defer close(a.done)
		a.part, a.err = s.decode(next, name)
	}()
	s.ahead = a
}

// decode reads and decodes the file name of partition number (no Patcher:
// patch runs on the caller's goroutine). It reads only what never changes
// after NewSource (Root, codec, G, hint), so it may run on another
// goroutine.
func (s *Source) decode(number int64, name string) (*Part, error) {
	h, err := os.Open(filepath.Join(s.Root, name))
	if err != nil {
		return nil, err
	}
	defer h.Close()
	info, err := h.Stat()
	if err != nil {
		return nil, err
	}
	// A Table or sparse decode reads the whole file: one read (see
	// partition.OpenFile).
	r, release := partition.OpenFile(h, info.Size(), s.codec.Format() != format.Legacy)
	f := partition.File{R: r, Size: info.Size(), Name: name, Number: number}
	p := &Part{Number: number, Name: name, Size: info.Size()}
	p.Decoded = s.codec.Decode(f, s.G, s.hint)
	var b [1]byte
	if n := f.ReadAt(b[:], 0); n == 1 && p.Decoded.Format == format.V2 {
		p.Byte0 = b[0]
	}
	release()
	return p, nil
}

// patch lets the Patcher put its entries into p.
func (s *Source) patch(p *Part) error {
	if s.Patcher == nil {
		return nil
	}
	first, ok := s.First(p.Number)
	if !ok {
		return nil
	}
	if err := s.Patcher.Patch(p, first, s.LastOf(p.Number)); err != nil {
		return fmt.Errorf("partition %s: %w", p.Name, err)
	}
	return nil
}

// AddAbsent makes partitions the Patcher rebuilds entries into known to
// the source, those without a file as absent ones (created).
func (s *Source) AddAbsent(numbers []int64) {
	for _, n := range numbers {
		if s.Has(n) {
			continue
		}
		if s.absent == nil {
			s.absent = map[int64]bool{}
		}
		s.absent[n], s.names[n] = true, strconv.FormatInt(n, 10)
		s.Numbers = append(s.Numbers, n)
	}
	sort.Slice(s.Numbers, func(i, j int) bool { return s.Numbers[i] < s.Numbers[j] })
}

// originAt is where the payload of a patched index lies in the other log
// (ok false for the source's own entries). The partition must be the one
// SlotAt decoded last.
func (s *Source) originAt(i int64) ([]raftlog.Span, bool) {
	p := s.cache
	if p == nil || p.Heal == nil {
		return nil, false
	}
	first, _ := s.First(p.Number)
	sp, ok := p.Heal[i-first]
	return sp, ok
}

// SlotAt returns the decoded slot of index i and the file holding it.
func (s *Source) SlotAt(i int64) (partition.Slot, string, error) {
	n := s.PartitionOf(i)
	if !s.Has(n) {
		return partition.Slot{Kind: partition.Unwritten, At: -1}, "", nil
	}
	p, err := s.Part(n)
	if err != nil {
		return partition.Slot{}, "", err
	}
	first, _ := s.First(n)
	return p.Slot(i - first), p.Name, nil
}

// First returns the absolute index of slot 0 of partition number.
func (s *Source) First(number int64) (int64, bool) { return partition.MulOK(number, s.G.R) }

// PartitionOf returns the partition number holding index i (i ≥ 0).
func (s *Source) PartitionOf(i int64) int64 { return i / s.G.R }

// LastOf returns the last index of partition number (saturating).
func (s *Source) LastOf(number int64) int64 {
	f, ok := s.First(number)
	if !ok {
		return math.MaxInt64
	}
	l, ok := partition.AddOK(f, s.G.R-1)
	if !ok {
		return math.MaxInt64
	}
	return l
}

// MaxIndex bounds the indexes a rewrite accepts: far below overflow.
const MaxIndex = math.MaxInt64 / 2

// Sane reports whether i is an index a rewrite can work with.
func Sane(i int64) bool { return i >= 0 && i <= MaxIndex }
