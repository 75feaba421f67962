package wal

import (
	"encoding/binary"
	"fmt"
)

// Checkpoint forms by size (spec §4.1).
const (
	CheckpointEmpty = 0  // fresh log: C = 0
	Checkpoint5x    = 8  // 5.22–5.26: int64 C
	CheckpointV0    = 12 // 6.0–6.7.x: uint32 0, int64 C
	CheckpointV1    = 20 // 6.8.0+: uint32 1, int64 C, int64 L
)

// Checkpoint is the decoded `checkpoint` file.
type Checkpoint struct {
	Present bool   // the file exists
	Size    int64  // its length in bytes
	Raw     []byte // its first min(Size, 20) bytes
	// Form is the size when it is one the library writes (0, 8, 12, 20),
	// else -1 (a torn or foreign file).
	Form int
	// Version is bytes 0..3 as a 6.x reader sees them (missing bytes zero);
	// meaningless for the 8-byte form.
	Version uint32
	// C and L as the 6.8.0+ read algorithm yields them (§4.1); HasL is
	// false when the form carries no L. Valid6x is false when a 6.x reader
	// throws UnsupportedCheckpointVersionException.
	C, L    int64
	HasL    bool
	Valid6x bool
	// C5x is what a 5.x reader takes as C: bytes 0..7, or 0 when fewer
	// than 8 bytes exist.
	C5x int64
}

// Torn reports whether the size is none of the forms the library writes.
func (c Checkpoint) Torn() bool { return c.Present && c.Form < 0 }

// DecodeCheckpoint decodes the first bytes b of a checkpoint file whose
// length is size (b holds min(size, 20) bytes; extra bytes are ignored).
func DecodeCheckpoint(b []byte, size int64) Checkpoint {
	if int64(len(b)) > size {
		b = b[:size]
	}
	if len(b) > CheckpointV1 {
		b = b[:CheckpointV1]
	}
	cp := Checkpoint{Present: true, Size: size, Raw: append([]byte(nil), b...), Form: -1}
	switch size {
	case CheckpointEmpty, Checkpoint5x, CheckpointV0, CheckpointV1:
		cp.Form = int(size)
	}
	var buf [CheckpointV1]byte // zero-initialised: missing bytes count as 0
	n := copy(buf[:], b)
	if n >= 8 {
		cp.C5x = int64(binary.LittleEndian.Uint64(buf[0:]))
	}
	switch {
	case n == 0:
		cp.Valid6x, cp.HasL = true, true // version 1, C = L = 0
		cp.Version = 1
	case n == Checkpoint5x:
		cp.Valid6x = true
		cp.C = cp.C5x
	default:
		cp.Version = binary.LittleEndian.Uint32(buf[0:])
		switch cp.Version {
		case 0:
			cp.Valid6x = true
			cp.C = int64(binary.LittleEndian.Uint64(buf[4:]))
		case 1:
			cp.Valid6x, cp.HasL = true, true
			cp.C = int64(binary.LittleEndian.Uint64(buf[4:]))
			cp.L = int64(binary.LittleEndian.Uint64(buf[12:]))
		}
	}
	return cp
}

// EncodeCheckpoint returns the bytes of a checkpoint in the given form.
// Form 8 and 12 carry no L.
func EncodeCheckpoint(form int, c, l int64) ([]byte, error) {
	switch form {
	case Checkpoint5x:
		return binary.LittleEndian.AppendUint64(nil, uint64(c)), nil
	case CheckpointV0:
		b := binary.LittleEndian.AppendUint32(nil, 0)
		return binary.LittleEndian.AppendUint64(b, uint64(c)), nil
	case CheckpointV1:
		b := binary.LittleEndian.AppendUint32(nil, 1)
		b = binary.LittleEndian.AppendUint64(b, uint64(c))
		return binary.LittleEndian.AppendUint64(b, uint64(l)), nil
	}
	return nil, fmt.Errorf("wal: unsupported checkpoint form %d", form)
}

// Recovered returns the commit index the surviving bytes of a torn
// checkpoint give, with the missing high bytes taken as zero (spec §11.4),
// and whether such a value exists. For a torn 5.x file the bytes are C's low
// bytes; for a torn 6.x file they follow the 4-byte version field.
func (c Checkpoint) Recovered(fiveX bool) (int64, bool) {
	if !c.Torn() {
		return 0, false
	}
	var buf [8]byte
	if fiveX {
		if len(c.Raw) == 0 || len(c.Raw) >= 8 {
			return 0, false
		}
		copy(buf[:], c.Raw)
		return int64(binary.LittleEndian.Uint64(buf[:])), true
	}
	if len(c.Raw) <= 4 || !c.Valid6x {
		return 0, false
	}
	copy(buf[:], c.Raw[4:])
	return int64(binary.LittleEndian.Uint64(buf[:])), true
}

// formName describes a form for messages.
func formName(form int) string {
	switch form {
	case CheckpointEmpty:
		return "empty (fresh log)"
	case Checkpoint5x:
		return "8-byte (5.x)"
	case CheckpointV0:
		return "12-byte version 0 (6.0–6.7.x)"
	case CheckpointV1:
		return "20-byte version 1 (6.8.0+)"
	}
	return "torn"
}
