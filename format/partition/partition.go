// Package partition holds the vocabulary shared by the three PersistentState
// partition codecs (format/legacy, format/v2, format/sparse): a partition file
// handle, the per-file probe result used by the detector, decoded slots, and
// the problems a codec can see inside one file. It holds no format rules.
package partition

import (
	"fmt"
	"io"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/record"
)

// File is one partition file opened for reading.
type File struct {
	R      io.ReaderAt
	Size   int64
	Name   string // path relative to the log directory (the file name)
	Number int64  // partition number parsed from the canonical name
	// Memo, when not nil, keeps what one pass over these bytes learned for
	// the next pass over the same open (a probe after the decode): see Memo.
	Memo *Memo
}

// Memo holds facts a codec derived from a file's bytes, under keys of the
// codec's own types, so that a later pass over the same bytes (a probe run
// after the decode of one open, logdir's one-pass scan) takes them instead
// of walking the file again. A fact must be a function of the bytes and
// the key alone: with or without the memo, a codec answers the same. One
// goroutine uses a Memo.
type Memo struct{ m map[any]any }

// Put keeps v under k.
func (m *Memo) Put(k, v any) {
	if m == nil {
		return
	}
	if m.m == nil {
		m.m = map[any]any{}
	}
	m.m[k] = v
}

// Get returns what Put kept under k.
func (m *Memo) Get(k any) (any, bool) {
	if m == nil {
		return nil, false
	}
	v, ok := m.m[k]
	return v, ok
}

// ReadAt reads len(b) bytes at off; it returns how many bytes were read (short at EOF).
func (f File) ReadAt(b []byte, off int64) int {
	if off < 0 || off >= f.Size {
		return 0
	}
	n, _ := f.R.ReadAt(b, off)
	return n
}

// ReadThrough is ReadAt for large sequential reads: past a CachedReader,
// straight from the reader beneath (a window would only add a copy, and
// a read that straddles two windows a second system call).
func (f File) ReadThrough(b []byte, off int64) int {
	if off < 0 || off >= f.Size {
		return 0
	}
	r := f.R
	if c, ok := r.(*CachedReader); ok {
		r = c.r
		b = b[:min(int64(len(b)), f.Size-off)]
	}
	n, _ := r.ReadAt(b, off)
	return n
}

// RecordAt reads a 40-byte record at off; ok is false when fewer than 40 bytes exist there.
func (f File) RecordAt(off int64) (rec record.Record, ok bool) {
	// The codecs' innermost read: small enough to inline for a file in
	// memory (len(w.b) ≤ Size: a file that shrank after its stat reads short).
	if w, isWhole := f.R.(*Whole); isWhole && off >= 0 && off <= int64(len(w.b))-record.Size {
		return record.Decode(w.b[off:]), true
	}
	return f.recordAtSlow(off)
}

func (f File) recordAtSlow(off int64) (rec record.Record, ok bool) {
	if off < 0 || off > f.Size-record.Size {
		return rec, false
	}
	if _, isWhole := f.R.(*Whole); isWhole {
		return rec, false // the file shrank after its stat
	}
	if c, isCached := f.R.(*CachedReader); isCached {
		var b [record.Size]byte // stays on the stack: readCached keeps no reference
		if n, _ := c.readCached(b[:], off); n < record.Size {
			return rec, false
		}
		return record.Decode(b[:]), true
	}
	b := make([]byte, record.Size)
	if n := f.ReadAt(b, off); n < record.Size {
		return rec, false
	}
	return record.Decode(b), true
}

// Confidence of a classification.
type Confidence int

const (
	None Confidence = iota // not this format at all
	Low
	Medium
	High
	VeryHigh
)

func (c Confidence) String() string {
	switch c {
	case Low:
		return "low"
	case Medium:
		return "medium"
	case High:
		return "high"
	case VeryHigh:
		return "very-high"
	}
	return "none"
}

// Probe is what one codec concludes about one file without knowing R or M
// (spec/persistent-state.md §12.3). Confidence None means "not this format".
type Probe struct {
	Format     format.Format // the codec's format
	Confidence Confidence
	Evidence   []string // human sentences, e.g. "sealed footer of 4 chained records"
	// R is the records-per-partition value the file proves exactly (legacy
	// prologue, sealed Table footer); 0 when it proves none.
	R int64
	// M is the sparse max entry size the file shows (stride − 40); 0 if unknown.
	M int64
	// UsedSlots is the number of relative slots used as far as the file shows
	// (highest used slot + 1, leading stubs included); -1 when unknown.
	UsedSlots int64
	// T1Slot is the relative slot of a T1 window (payload without its record)
	// in a Table file, else -1. With a T1 window UsedSlots is a lower bound.
	T1Slot int64
	// Sealed: a Table file whose byte 0 is set and whose footer is valid.
	Sealed bool
	// T2: a Table file whose header an entry overwrote (#244 T2).
	T2 bool
	// Damage lists what looks damaged, in words (torn tail, torn seal, ...).
	Damage []string
}

// Explains reports whether the probe accepts the file as its format.
func (p Probe) Explains() bool { return p.Confidence > None }

// Kind classifies a decoded slot.
type Kind int

const (
	// Unwritten: no record and no bytes (zero record, hole, beyond EOF).
	Unwritten Kind = iota
	// Stub: a placeholder record (Table leading slots, slot 0 of partition 0).
	Stub
	// Written: a structurally valid record whose payload lies inside the file.
	Written
	// Torn: a valid record whose payload is cut short by the end of the file.
	Torn
	// Missing: the record is gone but its payload is there (#244 T1).
	Missing
	// Invalid: the bytes where a record should be are not a valid record.
	Invalid
)

func (k Kind) String() string {
	return [...]string{"unwritten", "stub", "written", "torn", "missing-record", "invalid"}[k]
}

// Slot is one decoded relative slot of a partition.
type Slot struct {
	Slot  int64
	Kind  Kind
	Rec   record.Record // the record the tool trusts for this slot
	At    int64         // byte offset of that record in the file, -1 if none
	Avail int64         // payload bytes present in the file (≤ Rec.Length)
	Note  string        // why Kind is Invalid/Missing/Torn
}

// Severity of an Issue: the finding registry's scale.
type Severity = finding.Severity

const (
	Error   = finding.Error
	Warning = finding.Warning
	Info    = finding.Info
)

// Issue is a problem a codec sees inside one file: a registered finding
// code and form, the facts the registry words the message from, and where.
// Slot is the relative slot (-1 if none).
type Issue struct {
	Severity Severity
	Code     finding.Code
	Form     string
	Offset   int64
	Slot     int64
	Facts    finding.F
	Message  string
}

// NewIssue words an issue through the registry.
func NewIssue(code finding.Code, form string, off, slot int64, facts finding.F) Issue {
	return Issue{Severity: finding.SeverityOf(code, form), Code: code, Form: form, Offset: off, Slot: slot,
		Facts: facts, Message: finding.Message(code, form, facts)}
}

func (i Issue) String() string {
	return fmt.Sprintf("%s %s @%d slot %d: %s", i.Severity, i.Code, i.Offset, i.Slot, i.Message)
}

// Decoded is one partition decoded with a known geometry.
type Decoded struct {
	R      int64 // records per partition it was decoded with
	Number int64
	Name   string
	Size   int64
	Format format.Format
	Sealed bool // Table only: header byte 0 set AND a valid footer
	// Slots holds relative slot s at Slots[s]. It has at most R elements and
	// may stop early at the last slot the file can hold: every slot past the
	// end of Slots is Unwritten (use SlotAt). Decoders must not allocate R
	// slots for a file that cannot hold them (R is configuration, and a
	// wrong or hostile value must not cost gigabytes).
	Slots  []Slot
	Issues []Issue
}

// Geometry is the configuration a partition was written with.
type Geometry struct {
	R int64 // records per partition
	M int64 // sparse: max entry size; 0 otherwise
}

// EntryData is what an encoder needs to lay out one entry.
type EntryData struct {
	Slot    int64 // relative slot
	Rec     record.Record
	Payload []byte
}

// SlotAt returns slot s; slots past the end of Slots are Unwritten.
func (d Decoded) SlotAt(s int64) Slot {
	if s >= 0 && s < int64(len(d.Slots)) {
		return d.Slots[s]
	}
	return Slot{Slot: s, Kind: Unwritten, At: -1}
}

// maxSlotHint caps SlotCapacity (4096 slots, 360 KB): a hole file of 2 GiB
// could otherwise ask for 53 million slots up front.
const maxSlotHint = 4 << 10

// slots keeps Slots slices that Recycle handed back: logdir decodes every
// partition two or three times, each about 1 MB of Slots at R = 10000.
var slots Keep[Slot]

// NewSlots returns an empty Slots slice with room for at least hint slots,
// reusing a recycled one when there is one.
func NewSlots(hint int) []Slot { return slots.Get(hint) }

// Recycle hands d's Slots to the next decode. Only the owner of d may call
// it, once it holds no reference into d.Slots; d.Slots is nil afterwards.
func (d *Decoded) Recycle() {
	slots.Put(d.Slots)
	d.Slots = nil
}

// SlotCapacity is the capacity a decoder gives Decoded.Slots before it
// starts: the slots the file can hold records for (size/40), at most R and
// at most maxSlotHint. Growing slot by slot cost a v2 decode as much
// allocation as the partition's data.
func SlotCapacity(r, size int64) int {
	return int(max(min(r, size/record.Size+1, maxSlotHint), 0))
}
