package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/walctl/walctl/format/record"
)

// Record sizes (spec §3.2–§3.4).
const (
	RecordSize6 = 32 // 6.x default: Term, Length, Offset, Flags, CommandId
	RecordSize5 = 40 // 5.x and the 6.x legacy switch: Term, Timestamp, Length, Offset, Flags, CommandId
)

// Record flag bits (spec §3.3).
const (
	FlagHasID         = 0x1
	FlagConfiguration = 0x2 // written by 6.2.0+
)

// Layout names accepted in Options.Layout and reported in Params.Layout.
const (
	Layout6 = "6" // 32-byte record
	Layout5 = "5" // 40-byte record with a timestamp field
)

// RecordSizeOf returns the record size of a layout name (0 if unknown).
func RecordSizeOf(layout string) int64 {
	switch layout {
	case Layout6:
		return RecordSize6
	case Layout5:
		return RecordSize5
	}
	return 0
}

// DecodeRecord decodes a WAL metadata record of recordSize bytes (32 or 40)
// from the start of b into the shared record type. The 32-byte record has no
// timestamp, so Timestamp is 0. Offset is an unsigned address on disk; it is
// kept bit for bit in the int64 field (negative means ≥ 2^63).
func DecodeRecord(b []byte, recordSize int64) (record.Record, error) {
	switch {
	case recordSize == RecordSize6 && len(b) >= RecordSize6:
		return record.Record{
			Term:   int64(binary.LittleEndian.Uint64(b[0:])),
			Length: int64(binary.LittleEndian.Uint64(b[8:])),
			Offset: int64(binary.LittleEndian.Uint64(b[16:])),
			Flags:  binary.LittleEndian.Uint32(b[24:]),
			ID:     int32(binary.LittleEndian.Uint32(b[28:])),
		}, nil
	case recordSize == RecordSize5 && len(b) >= RecordSize5:
		return record.Decode(b), nil
	}
	return record.Record{}, fmt.Errorf("wal: cannot decode a %d-byte record from %d bytes", recordSize, len(b))
}

// EncodeRecord is the inverse of DecodeRecord. A 32-byte record cannot hold a
// timestamp: a non-zero Timestamp is an error.
func EncodeRecord(r record.Record, recordSize int64) ([]byte, error) {
	switch recordSize {
	case RecordSize6:
		if r.Timestamp != 0 {
			return nil, errors.New("wal: the 32-byte record has no timestamp field")
		}
		b := make([]byte, RecordSize6)
		binary.LittleEndian.PutUint64(b[0:], uint64(r.Term))
		binary.LittleEndian.PutUint64(b[8:], uint64(r.Length))
		binary.LittleEndian.PutUint64(b[16:], uint64(r.Offset))
		binary.LittleEndian.PutUint32(b[24:], r.Flags)
		binary.LittleEndian.PutUint32(b[28:], uint32(r.ID))
		return b, nil
	case RecordSize5:
		return r.Bytes(), nil
	}
	return nil, fmt.Errorf("wal: unsupported record size %d", recordSize)
}

// Problems a record can have on its own (spec §3.8). Neighbours, pages,
// chunks and hashes are checked elsewhere.
var (
	errNegativeLength = errors.New("negative Length")
	errOffsetHigh     = errors.New("Offset ≥ 2^63")
	errEndOverflow    = errors.New("Offset+Length overflows")
	errUnknownFlags   = errors.New("unknown flag bits")
	errTicksRange     = errors.New("timestamp outside the .NET DateTime range")
)

// recordProblem returns the first structural problem of r, or nil.
func recordProblem(r record.Record) error {
	switch {
	case r.Length < 0:
		return errNegativeLength
	case r.Offset < 0:
		return errOffsetHigh
	case r.Offset > math.MaxInt64-r.Length:
		return errEndOverflow
	case r.Flags&^(FlagHasID|FlagConfiguration) != 0:
		return errUnknownFlags
	case r.Timestamp < 0 || r.Timestamp > record.MaxTicks:
		return errTicksRange
	}
	return nil
}

// Plausible 5.x timestamps: 2015-01-01 .. 2100-01-01 in .NET ticks. A fixed
// window keeps detection deterministic (spec §10.4 step 5 says "a year from
// now"; a fixed far bound loses nothing for logs written today).
const (
	ticks2015 = 635556672000000000
	ticks2100 = 662380416000000000
)

func plausibleTicks(t int64) bool { return t >= ticks2015 && t < ticks2100 }

// isZero reports whether every byte of b is zero.
func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
