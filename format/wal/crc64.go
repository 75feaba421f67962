package wal

import "encoding/binary"

// CRC-64 as System.IO.Hashing.Crc64 computes it: ECMA-182 polynomial,
// MSB-first (not reflected), init 0, no final XOR. Go's hash/crc64 only
// implements the reflected variant, which gives different values.
const crc64Poly = 0x42F0E1EBA9EA3693

var crc64Table = func() (t [256]uint64) {
	for i := range t {
		c := uint64(i) << 56
		for range 8 {
			if c&(1<<63) != 0 {
				c = c<<1 ^ crc64Poly
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// Crc64 returns the non-reflected ECMA-182 CRC-64 of b.
func Crc64(b []byte) uint64 { return crc64Update(0, b) }

func crc64Update(crc uint64, b []byte) uint64 {
	for _, v := range b {
		crc = crc64Table[byte(crc>>56)^v] ^ crc<<8
	}
	return crc
}

type crc64Digest struct{ crc uint64 }

func (d *crc64Digest) Write(p []byte) (int, error) {
	d.crc = crc64Update(d.crc, p)
	return len(p), nil
}

// sum is big-endian, as System.IO.Hashing writes it.
func (d *crc64Digest) sum() []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, d.crc)
	return b
}
