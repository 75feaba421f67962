package wal

import (
	"encoding/binary"
	"math/bits"
)

// XXH32 with seed 0, streaming. No maintained Go module for the 32-bit
// variant is available here; the algorithm is small and is checked against
// the reference vectors and the library-written fixtures in the tests.
const (
	xxPrime32x1 uint32 = 2654435761
	xxPrime32x2 uint32 = 2246822519
	xxPrime32x3 uint32 = 3266489917
	xxPrime32x4 uint32 = 668265263
	xxPrime32x5 uint32 = 374761393
)

type xxh32 struct {
	v     [4]uint32
	total uint64
	buf   [16]byte
	n     int // bytes pending in buf
}

func newXXH32() *xxh32 {
	p1, p2 := xxPrime32x1, xxPrime32x2 // variables: the sums wrap at run time
	d := &xxh32{}
	d.v = [4]uint32{p1 + p2, p2, 0, -p1}
	return d
}

func xxRound32(acc, in uint32) uint32 {
	return bits.RotateLeft32(acc+in*xxPrime32x2, 13) * xxPrime32x1
}

func (d *xxh32) stripe(b []byte) {
	for i := range d.v {
		d.v[i] = xxRound32(d.v[i], binary.LittleEndian.Uint32(b[4*i:]))
	}
}

func (d *xxh32) Write(p []byte) (int, error) {
	n := len(p)
	d.total += uint64(n)
	if d.n > 0 {
		c := copy(d.buf[d.n:], p)
		d.n += c
		p = p[c:]
		if d.n < 16 {
			return n, nil
		}
		d.stripe(d.buf[:])
		d.n = 0
	}
	for len(p) >= 16 {
		d.stripe(p)
		p = p[16:]
	}
	d.n = copy(d.buf[:], p)
	return n, nil
}

func (d *xxh32) Sum32() uint32 {
	var h uint32
	if d.total >= 16 {
		h = bits.RotateLeft32(d.v[0], 1) + bits.RotateLeft32(d.v[1], 7) +
			bits.RotateLeft32(d.v[2], 12) + bits.RotateLeft32(d.v[3], 18)
	} else {
		h = d.v[2] + xxPrime32x5 // v[2] holds the seed (0)
	}
	h += uint32(d.total)
	p := d.buf[:d.n]
	for len(p) >= 4 {
		h += binary.LittleEndian.Uint32(p) * xxPrime32x3
		h = bits.RotateLeft32(h, 17) * xxPrime32x4
		p = p[4:]
	}
	for _, c := range p {
		h += uint32(c) * xxPrime32x5
		h = bits.RotateLeft32(h, 11) * xxPrime32x1
	}
	h ^= h >> 15
	h *= xxPrime32x2
	h ^= h >> 13
	h *= xxPrime32x3
	h ^= h >> 16
	return h
}

// The hash.Hash32 methods below let wrap32 treat it like crc32.
func (d *xxh32) Sum(b []byte) []byte {
	return binary.BigEndian.AppendUint32(b, d.Sum32())
}
func (d *xxh32) Reset()         { *d = *newXXH32() }
func (d *xxh32) Size() int      { return 4 }
func (d *xxh32) BlockSize() int { return 16 }
