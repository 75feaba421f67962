package wal

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/raftlog"
)

// maxSlotSize bounds the slot buffer: with page sizes that are powers of two,
// the slot is 32 or 64 bytes (spec §3.2).
const maxSlotSize = 64

// slotKind says how much of a slot the metadata page file really holds.
type slotKind int

const (
	slotFull    slotKind = iota // every byte of the slot is in the file
	slotCut                     // the file ends inside the slot
	slotPastEOF                 // the file ends before the slot (the library grows it with zeros)
	slotNoPage                  // the page file does not exist
)

// slot is one metadata slot, read as the library reads it: bytes past the end
// of a short page file count as zero.
type slot struct {
	index   int64
	kind    slotKind
	file    string // metadata/<page>
	off     int64  // byte offset of the slot in that file
	present int64  // bytes of the slot present in the file
	raw     [maxSlotSize]byte
	rec     record.Record
	zero    bool // every slot byte reads as zero
}

// slotReader maps indexes to slots for one (page size, slot size) pair and
// caches the page it read last (at most pageSize bytes, and never more than
// the file really holds).
type slotReader struct {
	st         *store
	meta       *pageDir
	pageSize   int64
	slotSize   int64
	recordSize int64
	perPage    int64 // slots per page

	cacheNum int64
	cache    []byte
	cacheErr error
}

func newSlotReader(st *store, meta *pageDir, pageSize, slotSize, recordSize int64) *slotReader {
	return &slotReader{st: st, meta: meta, pageSize: pageSize, slotSize: slotSize,
		recordSize: recordSize, perPage: pageSize / slotSize, cacheNum: -1}
}

// pageOf returns the page number holding index i (i ≥ 0).
func (r *slotReader) pageOf(i int64) int64 { return i / r.perPage }

// firstIndexOf returns the first index stored in page p.
func (r *slotReader) firstIndexOf(p int64) int64 { return p * r.perPage }

func (r *slotReader) loadPage(p pageFile) ([]byte, error) {
	if r.cacheNum == int64(p.num) {
		return r.cache, r.cacheErr
	}
	n := min(p.size, r.pageSize)
	if n < 0 {
		n = 0
	}
	if int64(cap(r.cache)) < n {
		r.cache = make([]byte, n)
	}
	r.cache = r.cache[:n]
	got, err := r.st.readAt(p.name, r.cache, 0)
	r.cache = r.cache[:got]
	r.cacheNum, r.cacheErr = int64(p.num), err
	return r.cache, err
}

// read returns slot i. Indexes whose page number does not fit the library's
// 32-bit page numbers, or negative ones, have no page.
func (r *slotReader) read(i int64) slot {
	sl := slot{index: i, kind: slotNoPage, off: -1}
	if i < 0 {
		return sl
	}
	p := r.pageOf(i)
	sl.file = fmt.Sprintf("%s/%d", r.meta.dir, p)
	if p > math.MaxUint32 {
		return sl
	}
	pf, ok := r.meta.get(uint32(p))
	if !ok {
		return sl
	}
	sl.off = (i % r.perPage) * r.slotSize
	page, err := r.loadPage(pf)
	if err != nil {
		page = nil // unreadable: treat like a file that ends before the slot
	}
	sl.present = max(0, min(r.slotSize, int64(len(page))-sl.off))
	switch {
	case sl.present == r.slotSize:
		sl.kind = slotFull
	case sl.present > 0:
		sl.kind = slotCut
	default:
		sl.kind = slotPastEOF
	}
	if sl.present > 0 {
		copy(sl.raw[:sl.present], page[sl.off:sl.off+sl.present])
	}
	sl.zero = isZero(sl.raw[:r.slotSize])
	sl.rec, _ = DecodeRecord(sl.raw[:], r.recordSize)
	return sl
}

// walk calls fn for every index in [from, to] whose page exists, in order,
// and gap once for every run of indexes whose page is missing. Runs of
// missing pages are skipped in O(log pages), so a bogus huge index range
// costs nothing. Either callback returning false stops the walk.
func (r *slotReader) walk(from, to int64, fn func(slot) bool, gap func(a, b int64) bool) {
	if from < 0 {
		from = 0
	}
	for i := from; i <= to; {
		p := r.pageOf(i)
		if p <= math.MaxUint32 {
			if _, ok := r.meta.get(uint32(p)); ok {
				last := min(to, r.firstIndexOf(p)+r.perPage-1)
				for ; i <= last; i++ {
					if !fn(r.read(i)) {
						return
					}
				}
				continue
			}
		}
		// Find the next existing page after p.
		k := sort.Search(len(r.meta.nums), func(k int) bool { return int64(r.meta.nums[k]) > p })
		runEnd := to
		if k < len(r.meta.nums) {
			runEnd = min(to, r.firstIndexOf(int64(r.meta.nums[k]))-1)
		}
		if gap != nil && !gap(i, runEnd) {
			return
		}
		if runEnd == math.MaxInt64 {
			return
		}
		i = runEnd + 1
	}
}

// dataReader maps data addresses to chunk files (spec §2.1).
type dataReader struct {
	st        *store
	data      *pageDir
	chunkSize int64
}

// chunkOf returns the chunk number of an address (addr ≥ 0).
func (d *dataReader) chunkOf(addr int64) int64 { return addr / d.chunkSize }

// payloadView is where an entry's payload bytes are.
type payloadView struct {
	spans   []raftlog.Span
	avail   int64
	missing int64 // first chunk of the range that does not exist, or -1
	short   int64 // first chunk file shorter than the chunk size inside the range, or -1
}

// locate maps [offset, offset+length) to chunk spans. It stops at the first
// missing chunk or short file, so the spans are always a contiguous prefix of
// the payload and their number is bounded by the number of chunk files.
func (d *dataReader) locate(offset, length int64) payloadView {
	v := payloadView{missing: -1, short: -1}
	if length <= 0 || offset < 0 || offset > math.MaxInt64-length {
		return v
	}
	for pos, left := offset, length; left > 0; {
		c := d.chunkOf(pos)
		in := pos % d.chunkSize
		if c > math.MaxUint32 {
			v.missing = c
			return v
		}
		pf, ok := d.data.get(uint32(c))
		if !ok {
			v.missing = c
			return v
		}
		want := min(left, d.chunkSize-in)
		have := max(0, min(want, pf.size-in))
		if have > 0 {
			v.spans = append(v.spans, raftlog.Span{File: pf.name, Offset: in, Length: have})
			v.avail += have
		}
		if have < want {
			v.short = c
			return v
		}
		pos += want
		left -= want
	}
	return v
}

// covered reports whether every chunk file touched by [offset, offset+length)
// exists; a zero-length range needs its address to be at most one past the
// last chunk (where the next append would create it).
func (d *dataReader) covered(offset, length int64) bool {
	if offset < 0 || length < 0 || offset > math.MaxInt64-length {
		return false
	}
	if length == 0 {
		return d.chunkOf(offset) <= d.data.maxPage()+1
	}
	first, last := d.chunkOf(offset), d.chunkOf(offset+length-1)
	if last-first+1 > int64(len(d.data.nums)) || last > math.MaxUint32 {
		return false
	}
	for c := first; c <= last; c++ {
		if _, ok := d.data.get(uint32(c)); !ok {
			return false
		}
	}
	return true
}

// copySpans streams span bytes to w through a bounded buffer, no larger
// than the largest span: an empty or short payload, read once per entry by
// inspect and by the hash check, must not cost 32 KiB each time.
func (d *dataReader) copySpans(spans []raftlog.Span, w io.Writer) error {
	size := int64(0)
	for _, s := range spans {
		size = max(size, min(s.Length, 32<<10))
	}
	if size <= 0 {
		return nil
	}
	buf := make([]byte, size)
	for _, s := range spans {
		for off, left := s.Offset, s.Length; left > 0; {
			n := min(left, int64(len(buf)))
			got, err := d.st.readAt(s.File, buf[:n], off)
			if err != nil {
				return err
			}
			if got == 0 {
				return fmt.Errorf("wal: %s shrank while reading at %d", s.File, off)
			}
			if _, err := w.Write(buf[:got]); err != nil {
				return err
			}
			off += int64(got)
			left -= int64(got)
		}
	}
	return nil
}

// allZero reports whether the bytes of the spans are all zero. It stops
// reading at the first buffer holding a non-zero byte.
func (d *dataReader) allZero(spans []raftlog.Span) bool {
	z := zeroCheck{zero: true}
	if d.copySpans(spans, &z) != nil {
		return false
	}
	return z.zero
}

type zeroCheck struct{ zero bool }

// errNonZero stops copySpans once the answer is known.
var errNonZero = errors.New("wal: non-zero byte")

func (z *zeroCheck) Write(p []byte) (int, error) {
	if !isZero(p) {
		z.zero = false
		return 0, errNonZero
	}
	return len(p), nil
}
