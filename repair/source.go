package repair

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

// decoded is one partition file decoded by its codec.
type decoded struct {
	number int64
	name   string
	size   int64
	byte0  byte // the Table sealed flag as stored (0 for other formats)
	d      partition.Decoded
	// heal maps the slots repair --from rebuilds to their payload in the
	// replica; absent: DIR has no file for the partition (it is created).
	heal   map[int64][]raftlog.Span
	absent bool
}

// slot returns relative slot s, Unwritten when the codec did not report it.
func (p *decoded) slot(s int64) partition.Slot {
	if s >= 0 && s < int64(len(p.d.Slots)) {
		return p.d.Slots[s]
	}
	return partition.Slot{Slot: s, Kind: partition.Unwritten, At: -1}
}

// hasIssue reports whether the codec saw a problem above info severity.
func (p *decoded) hasIssue() bool {
	for _, is := range p.d.Issues {
		if is.Severity != partition.Info {
			return true
		}
	}
	return false
}

// hasError reports whether the codec saw an error-severity problem.
func (p *decoded) hasError() bool {
	for _, is := range p.d.Issues {
		if is.Severity == partition.Error {
			return true
		}
	}
	return false
}

// source reads the partitions of a PersistentState log one at a time with
// the same codec and geometry logdir used, so memory stays bounded by one
// partition's slots. Payloads are never read here: slots only locate them.
type source struct {
	root    string
	codec   partition.Codec
	g       partition.Geometry
	hint    int64 // LastIndex given to the codecs (bounds the Table walk)
	numbers []int64
	names   map[int64]string
	cache   *decoded
	// heal is repair --from's: the replica's entries it puts into DIR's
	// partitions (nil for a plain repair); absent are the partitions it
	// creates, which DIR has no file for.
	heal   *healer
	absent map[int64]bool
}

func newSource(l *logdir.Log, hint int64) (*source, error) {
	codec, err := ps.Codec(l.Format)
	if err != nil {
		return nil, err
	}
	s := &source{root: l.Dir, codec: codec, g: partition.Geometry{R: l.R, M: l.M}, hint: hint, names: map[int64]string{}}
	for _, p := range l.Partitions {
		s.numbers = append(s.numbers, p.Number)
		s.names[p.Number] = p.File
	}
	sort.Slice(s.numbers, func(i, j int) bool { return s.numbers[i] < s.numbers[j] })
	return s, nil
}

func (s *source) has(number int64) bool { _, ok := s.names[number]; return ok }

// part decodes partition number (cached: the last one asked for).
func (s *source) part(number int64) (*decoded, error) {
	if s.cache != nil && s.cache.number == number {
		return s.cache, nil
	}
	name, ok := s.names[number]
	if !ok {
		return nil, fmt.Errorf("partition %d has no file", number)
	}
	if s.absent[number] {
		p := &decoded{number: number, name: name, absent: true,
			d: partition.Decoded{R: s.g.R, Number: number, Name: name, Format: s.codec.Format()}}
		if err := s.patch(p); err != nil {
			return nil, err
		}
		s.cache = p
		return p, nil
	}
	h, err := os.Open(filepath.Join(s.root, name))
	if err != nil {
		return nil, err
	}
	defer h.Close()
	info, err := h.Stat()
	if err != nil {
		return nil, err
	}
	f := partition.File{R: partition.NewCachedReader(h, info.Size()), Size: info.Size(), Name: name, Number: number}
	p := &decoded{number: number, name: name, size: info.Size()}
	p.d = s.codec.Decode(f, s.g, s.hint)
	var b [1]byte
	if n, _ := h.ReadAt(b[:], 0); n == 1 && p.d.Format == format.V2 {
		p.byte0 = b[0]
	}
	if err := s.patch(p); err != nil {
		return nil, err
	}
	s.cache = p
	return p, nil
}

// patch puts repair --from's entries into p.
func (s *source) patch(p *decoded) error {
	if s.heal == nil {
		return nil
	}
	first, ok := s.first(p.number)
	if !ok {
		return nil
	}
	if err := s.heal.patch(p, first, s.lastOf(p.number)); err != nil {
		return fmt.Errorf("partition %s: %w", p.name, err)
	}
	return nil
}

// addAbsent makes the partitions repair --from rebuilds entries into known
// to the source, those without a file as absent ones (created).
func (s *source) addAbsent(numbers []int64) {
	for _, n := range numbers {
		if s.has(n) {
			continue
		}
		if s.absent == nil {
			s.absent = map[int64]bool{}
		}
		s.absent[n], s.names[n] = true, strconv.FormatInt(n, 10)
		s.numbers = append(s.numbers, n)
	}
	sort.Slice(s.numbers, func(i, j int) bool { return s.numbers[i] < s.numbers[j] })
}

// originAt is where the payload of a rebuilt index lies in the replica
// (ok false for DIR's own entries). The partition must be the one slotAt
// decoded last.
func (s *source) originAt(i int64) ([]raftlog.Span, bool) {
	p := s.cache
	if p == nil || p.heal == nil {
		return nil, false
	}
	first, _ := s.first(p.number)
	sp, ok := p.heal[i-first]
	return sp, ok
}

// first returns the absolute index of slot 0 of partition number.
func (s *source) first(number int64) (int64, bool) { return mulOK(number, s.g.R) }

// partitionOf returns the partition number holding index i (i ≥ 0).
func (s *source) partitionOf(i int64) int64 { return i / s.g.R }

// mulOK multiplies two non-negative values, false on overflow.
func mulOK(a, b int64) (int64, bool) {
	if a < 0 || b < 0 {
		return 0, false
	}
	if a != 0 && b > math.MaxInt64/a {
		return 0, false
	}
	return a * b, true
}

// addOK adds two values, false on overflow.
func addOK(a, b int64) (int64, bool) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, false
	}
	return a + b, true
}

// lastOf returns the last index of partition number (saturating).
func (s *source) lastOf(number int64) int64 {
	f, ok := s.first(number)
	if !ok {
		return math.MaxInt64
	}
	l, ok := addOK(f, s.g.R-1)
	if !ok {
		return math.MaxInt64
	}
	return l
}
