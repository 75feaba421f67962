package wal

import (
	"encoding/binary"
	"hash"
	"hash/crc32"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/zeebo/xxh3"
)

// HashAlg is one of the library's IntegrityHashAlgorithm values (spec §3.5).
// It is never stored on disk.
type HashAlg int

// The values follow the library's enum so that they print in its order.
const (
	HashNone HashAlg = iota
	HashCrc32
	HashCrc64
	HashXxHash32
	HashXxHash64
	HashXxHash3
)

// hashAlgs lists the real algorithms in the spec's tie-break order (§10.4 6c).
var hashAlgs = [...]HashAlg{HashCrc32, HashCrc64, HashXxHash32, HashXxHash64, HashXxHash3}

var hashNames = [...]string{"none", "crc32", "crc64", "xxhash32", "xxhash64", "xxhash3"}

// libraryHashNames are the enum member names the library (and read-args.txt) use.
var libraryHashNames = [...]string{"None", "Crc32", "Crc64", "XxHash32", "XxHash64", "XxHash3"}

func (h HashAlg) String() string {
	if h < 0 || int(h) >= len(hashNames) {
		return "unknown"
	}
	return hashNames[h]
}

// LibraryName is the name of the WriteAheadLog.IntegrityHashAlgorithm member.
func (h HashAlg) LibraryName() string {
	if h < 0 || int(h) >= len(libraryHashNames) {
		return "unknown"
	}
	return libraryHashNames[h]
}

// Size is the number of hash bytes stored after the record.
func (h HashAlg) Size() int64 {
	switch h {
	case HashCrc32, HashXxHash32:
		return 4
	case HashCrc64, HashXxHash64, HashXxHash3:
		return 8
	}
	return 0
}

// ParseHash accepts walctl's lower-case names and the library's enum names,
// case-insensitively. "" means "detect" (ok is true, detect is true).
func ParseHash(s string) (h HashAlg, detect bool, ok bool) {
	if s == "" {
		return HashNone, true, true
	}
	for i, n := range hashNames {
		if strings.EqualFold(s, n) {
			return HashAlg(i), false, true
		}
	}
	return HashNone, false, false
}

// hasher accumulates one entry's hash input: payload bytes, then record bytes.
type hasher interface {
	Write(p []byte) (int, error)
	// sum returns the hash in its on-disk byte order (spec §3.5).
	sum() []byte
}

func newHasher(h HashAlg) hasher {
	switch h {
	case HashCrc32:
		return &wrap32{h: crc32.NewIEEE(), le: true}
	case HashCrc64:
		return &crc64Digest{}
	case HashXxHash32:
		return &wrap32{h: newXXH32()}
	case HashXxHash64:
		return &wrap64{h: xxhash.New()}
	case HashXxHash3:
		return &wrap64{h: xxh3.New()}
	}
	return nil
}

// wrap32 stores a 32-bit hash little-endian (Crc32) or big-endian (XxHash32).
type wrap32 struct {
	h  hash.Hash32
	le bool
}

func (w *wrap32) Write(p []byte) (int, error) { return w.h.Write(p) }
func (w *wrap32) sum() []byte {
	b := make([]byte, 4)
	if w.le {
		binary.LittleEndian.PutUint32(b, w.h.Sum32())
	} else {
		binary.BigEndian.PutUint32(b, w.h.Sum32())
	}
	return b
}

// wrap64 stores a 64-bit xxHash big-endian (canonical form).
type wrap64 struct{ h hash.Hash64 }

func (w *wrap64) Write(p []byte) (int, error) { return w.h.Write(p) }
func (w *wrap64) sum() []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, w.h.Sum64())
	return b
}

// HashOf computes the stored hash bytes of a payload followed by a record.
func HashOf(h HashAlg, payload, rec []byte) []byte {
	d := newHasher(h)
	if d == nil {
		return nil
	}
	d.Write(payload)
	d.Write(rec)
	return d.sum()
}
