// Package record is the 40-byte LogEntryMetadata record shared by the legacy,
// Table (v2) and sparse partition formats and by node.state's snapshot
// metadata (spec/persistent-state.md §2).
package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Size is the size of one encoded record.
const Size = 40

// MaxTicks is DateTime.MaxValue.Ticks.
const MaxTicks = 3155378975999999999

// FlagHasID is bit 0 of Flags: the record carries a command id.
const FlagHasID = 1

// Record is one decoded LogEntryMetadata.
type Record struct {
	Term      int64
	Timestamp int64 // UTC ticks
	Length    int64
	Offset    int64
	Flags     uint32
	ID        int32
}

// Decode reads a record from the first 40 bytes of b (len(b) must be ≥ 40).
func Decode(b []byte) Record {
	_ = b[Size-1]
	return Record{
		Term:      int64(binary.LittleEndian.Uint64(b[0:])),
		Timestamp: int64(binary.LittleEndian.Uint64(b[8:])),
		Length:    int64(binary.LittleEndian.Uint64(b[16:])),
		Offset:    int64(binary.LittleEndian.Uint64(b[24:])),
		Flags:     binary.LittleEndian.Uint32(b[32:]),
		ID:        int32(binary.LittleEndian.Uint32(b[36:])),
	}
}

// Encode writes the record into the first 40 bytes of b.
func (r Record) Encode(b []byte) {
	_ = b[Size-1]
	binary.LittleEndian.PutUint64(b[0:], uint64(r.Term))
	binary.LittleEndian.PutUint64(b[8:], uint64(r.Timestamp))
	binary.LittleEndian.PutUint64(b[16:], uint64(r.Length))
	binary.LittleEndian.PutUint64(b[24:], uint64(r.Offset))
	binary.LittleEndian.PutUint32(b[32:], r.Flags)
	binary.LittleEndian.PutUint32(b[36:], uint32(r.ID))
}

// Bytes returns the 40-byte encoding.
func (r Record) Bytes() []byte {
	b := make([]byte, Size)
	r.Encode(b)
	return b
}

// IsZero reports whether all fields are zero (an unwritten slot).
func (r Record) IsZero() bool { return r == Record{} }

// Stub returns the library's placeholder record for an unused Table slot.
func Stub(offset int64) Record { return Record{Offset: offset} }

// IsStub reports whether r is a placeholder (everything but Offset zero).
func (r Record) IsStub() bool {
	return r.Term == 0 && r.Timestamp == 0 && r.Length == 0 && r.Flags == 0 && r.ID == 0
}

// End returns Offset+Length and whether the sum fits in int64 without
// overflow. The library computes it as a wrapping sum; callers that mirror
// the library use WrappingEnd.
func (r Record) End() (int64, bool) {
	if r.Length > 0 && r.Offset > math.MaxInt64-r.Length {
		return 0, false
	}
	if r.Length < 0 && r.Offset < math.MinInt64-r.Length {
		return 0, false
	}
	return r.Offset + r.Length, true
}

// WrappingEnd is Offset+Length with two's-complement wrap-around, exactly as
// the library computes it.
func (r Record) WrappingEnd() int64 { return int64(uint64(r.Offset) + uint64(r.Length)) }

// HasID reports whether the record carries a command id.
func (r Record) HasID() bool { return r.Flags&FlagHasID != 0 }

// CommandID returns the command id or nil.
func (r Record) CommandID() *int32 {
	if !r.HasID() {
		return nil
	}
	id := r.ID
	return &id
}

// Errors returned by Valid.
var (
	ErrNegativeLength = errors.New("negative length")
	ErrNegativeOffset = errors.New("negative offset")
	ErrEndOverflow    = errors.New("offset+length overflows")
	ErrBadFlags       = errors.New("unknown flag bits")
	ErrStrayID        = errors.New("command id without the has-id flag")
	ErrTimestamp      = errors.New("timestamp outside the .NET range")
	ErrNegativeTerm   = errors.New("negative term")
)

// OK is Valid() == nil, cheap enough for the codecs' inner loops.
func (r Record) OK() bool {
	return r.Length >= 0 && r.Offset >= 0 && r.Flags <= 1 && (r.Flags != 0 || r.ID == 0) &&
		uint64(r.Timestamp) <= MaxTicks && r.Term >= 0 && r.Offset <= math.MaxInt64-r.Length
}

// Valid checks the format-independent rules of spec §2.3.
func (r Record) Valid() error {
	if r.OK() {
		return nil
	}
	switch {
	case r.Length < 0:
		return ErrNegativeLength
	case r.Offset < 0:
		return ErrNegativeOffset
	case r.Flags > 1:
		return ErrBadFlags
	case r.Flags == 0 && r.ID != 0:
		return ErrStrayID
	case r.Timestamp < 0 || r.Timestamp > MaxTicks:
		return ErrTimestamp
	case r.Term < 0:
		return ErrNegativeTerm
	}
	if _, ok := r.End(); !ok {
		return ErrEndOverflow
	}
	return nil
}

// String renders the record for messages.
func (r Record) String() string {
	return fmt.Sprintf("{term %d, ticks %d, length %d, offset %d, flags %d, id %d}",
		r.Term, r.Timestamp, r.Length, r.Offset, r.Flags, r.ID)
}
