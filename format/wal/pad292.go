package wal

import (
	"bytes"
	"encoding/hex"
	"fmt"

	"github.com/walctl/walctl/raftlog"
)

// DotNext bug #292 (spec §0.3 item 3, §2.3 variant A). An unbuffered append
// of an entry whose declared length L ≤ ChunkSize does not fit in the rest r
// of the current chunk skips to the next chunk boundary first
// (PagedBufferWriter.TryEnsureCapacity: remainingSpace < len). Writers
// 6.0.0–6.5.x (and 5.x for entries without a memory block) capture the
// entry's start address before that skip, so the record covers the skipped
// bytes too:
//
//	            Offset         boundary              End
//	data:  ... |  r zero bytes  |  L appended bytes  | ...
//	record:    [Offset = boundary − r, Length = r + L)     (padded)
//	fixed:                      [Offset = boundary, Length = L)
//
// Every reader (6.12.x too) delivers [zeros][payload]; a hash covers the
// padded range, so nothing mismatches. The evidence is exact: the range
// crosses a chunk boundary, 0 < r < L ≤ ChunkSize (the skip happens only
// when the entry does not fit in r), every byte of r is zero, and the files
// show a writer that pads. The correction keeps End = Offset + Length, so
// no data byte moves and the resume address after open is unchanged.

// padWriter says whether the files show a writer that pads (≤ 6.5.x): a
// 12-byte version-0 checkpoint (6.0.0–6.7.x) or 5.x slots (40-byte records
// with UTC ticks, 5.22–5.26.2), and no 20-byte checkpoint (6.8.0+, which
// 6.6.5+ writers produce and which never pad). It returns the evidence in
// words, or what is missing.
func (l *Log) padWriter() (ok bool, evidence, missing string) {
	cp, p := l.Checkpoint, l.Params
	fiveX := p.Layout == Layout5 && p.Timestamps == TicksUTC
	switch {
	case cp.Present && cp.Form == CheckpointV1:
		return false, "", "the checkpoint is the 20-byte version-1 form, which only DotNext 6.8.0+ writes: " +
			"the files do not show that a padding writer (6.0.0–6.5.x, 5.x) appended the entry"
	case cp.Present && cp.Form == CheckpointV0:
		return true, "the 12-byte version-0 checkpoint (last written by DotNext 6.0.0–6.7.x)", ""
	case fiveX:
		return true, "5.x slots (40-byte records with UTC ticks: DotNext 5.22–5.26.2)", ""
	case !cp.Present:
		return false, "", "the checkpoint is missing and the slots are 6.x slots: the files do not show which release " +
			"wrote the entry (a 12-byte checkpoint or 5.x slots would show a padding writer)"
	}
	return false, "", fmt.Sprintf("the checkpoint is %d bytes and the slots are 6.x slots: the files do not show "+
		"which release wrote the entry (a 12-byte checkpoint or 5.x slots would show a padding writer)", cp.Size)
}

// padGeometry is the cheap part of the evidence, from the record alone:
// the skipped bytes r and the appended length L with 0 < r < L ≤ ChunkSize.
func (l *Log) padGeometry(offset, length int64) (skipped, trueLength int64, ok bool) {
	pd := l.Params.ChunkSize
	if length <= 0 || offset < 0 || offset%pd == 0 {
		return 0, 0, false
	}
	skipped = pd - offset%pd
	trueLength = length - skipped
	return skipped, trueLength, skipped < trueLength && trueLength <= pd
}

// padding returns the #292 padding of a slot whose record and payload are
// otherwise sound, or nil. It reads only the skipped bytes, and only for
// records whose geometry fits.
func (l *Log) padding(sl slot, f entryFacts) *raftlog.Padding {
	r := sl.rec
	if f.problem != nil || f.view.avail != r.Length || (f.hashed && !f.hashOK) {
		return nil
	}
	skipped, trueLength, ok := l.padGeometry(r.Offset, r.Length)
	if !ok || len(f.view.spans) < 2 || f.view.spans[0].Length != skipped {
		return nil
	}
	if !l.dr.allZero(f.view.spans[:1]) {
		return nil
	}
	p := &raftlog.Padding{Bytes: skipped, Boundary: r.Offset + skipped, TrueOffset: r.Offset + skipped,
		TrueLength: trueLength, TruePayload: append([]raftlog.Span(nil), f.view.spans[1:]...)}
	p.Proven, _, p.Missing = l.padWriter()
	return p
}

// Correction292 is the exact in-place correction of one record padded by
// #292: Offset = the boundary, Length = the appended length, the hash
// recomputed over the new range and the new record bytes (spec §3.5,
// §11.5). Every other byte of the slot and of the page stays as stored.
type Correction292 struct {
	Index     int64
	Committed bool
	// File is the metadata page (relative to the log directory); Old and
	// New are the record + hash bytes at SlotOffset, as stored and corrected.
	File       string
	SlotOffset int64
	Old, New   []byte
	OldOffset  int64
	OldLength  int64
	NewOffset  int64
	NewLength  int64
	// OldHash and NewHash are the stored and the new hash bytes in hex (on-
	// disk order), "" when the log has no hash.
	OldHash, NewHash string
	Padding          raftlog.Padding
}

// Corrections292 calls yield with the correction of every #292-padded
// record in [from, to] ∩ (S, T] (to < 0: T) whose evidence holds
// (Padding.Proven), in index order, until yield returns false. Only records
// whose geometry fits are read further, so a log without padding costs one
// pass over its slots.
func (l *Log) Corrections292(from, to int64, yield func(Correction292) bool) error {
	from = max(from, l.S+1)
	if to < 0 || to > l.T {
		to = l.T
	}
	var err error
	l.slots.walk(from, to, func(sl slot) bool {
		if sl.kind != slotFull || sl.zero || recordProblem(sl.rec) != nil {
			return true
		}
		if _, _, ok := l.padGeometry(sl.rec.Offset, sl.rec.Length); !ok {
			return true
		}
		e, _ := l.entryOf(sl, true)
		if e.State != raftlog.EntryOK || e.Padding292 == nil || !e.Padding292.Proven {
			return true
		}
		var c Correction292
		if c, err = l.correct(sl, *e.Padding292); err != nil {
			return false
		}
		c.Committed = e.Committed
		return yield(c)
	}, nil)
	return err
}

// correct builds the corrected record + hash bytes of one padded slot.
func (l *Log) correct(sl slot, p raftlog.Padding) (Correction292, error) {
	rs, hs := l.Params.RecordSize, l.Params.Hash.Size()
	old := sl.raw[:rs+hs]
	// The record is rewritten through the codec; it must give back the
	// stored bytes unchanged before its two fields are changed.
	if same, err := EncodeRecord(sl.rec, rs); err != nil || !bytes.Equal(same, old[:rs]) {
		return Correction292{}, fmt.Errorf(
			"wal: entry %d: the record in %s at %d does not re-encode to its stored bytes",
			sl.index,
			sl.file,
			sl.off,
		)
	}
	rec := sl.rec
	rec.Offset, rec.Length = p.TrueOffset, p.TrueLength
	newRec, err := EncodeRecord(rec, rs)
	if err != nil {
		return Correction292{}, err
	}
	c := Correction292{Index: sl.index, File: sl.file, SlotOffset: sl.off, Old: append([]byte(nil), old...),
		New: newRec, OldOffset: sl.rec.Offset, OldLength: sl.rec.Length, NewOffset: rec.Offset, NewLength: rec.Length,
		Padding: p}
	if l.Params.Hash != HashNone {
		h := newHasher(l.Params.Hash)
		if err := l.dr.copySpans(p.TruePayload, h); err != nil {
			return Correction292{}, fmt.Errorf("wal: entry %d: reading its payload: %w", sl.index, err)
		}
		h.Write(newRec)
		sum := h.sum()
		c.New = append(c.New, sum...)
		c.OldHash, c.NewHash = hex.EncodeToString(old[rs:]), hex.EncodeToString(sum)
	}
	return c, nil
}
