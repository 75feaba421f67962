package v2

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// Errors returned by the Writer.
var (
	ErrSlotOrder    = errors.New("v2: slots must be appended in increasing order without gaps")
	ErrSlotRange    = errors.New("v2: slot outside [0, R)")
	ErrSlotZero     = errors.New("v2: slot 0 of partition 0 (index 0) is never written")
	ErrPayloadSize  = errors.New("v2: payload length differs from the record's Length")
	ErrClosed       = errors.New("v2: writer closed")
	ErrCannotSeal   = errors.New("v2: sealing needs an io.WriterAt destination or SealOnClose before the first Append")
	ErrSealDeclared = errors.New("v2: SealOnClose was declared; Close(false) would leave a header that says sealed")
	ErrTooLate      = errors.New("v2: SealOnClose and SetLeading must come before the first Append")
	ErrOverflow     = errors.New("v2: file offset overflows int64")
)

// payloadChunk is the most payload bytes the writer holds at once.
const payloadChunk = 64 << 10

// Writer lays out one Table partition as DotNext ≥ 5.7.3 does: the 512-byte
// header, the never-written leading slots (stub records by default so that
// 5.4.0–5.7.2 read the partition too, or the library's zero gaps: see
// Leading, §4.3, §4.7, E3), [record][payload] chained with Offset = position +
// 40, and, when sealed, the footer of R records (stubs for unused slots) at
// the end (§4.4, §12.5). It streams: it holds one payload chunk and the
// records written so far.
//
// The header's byte 0 says whether the partition is sealed, and it comes
// first in the file. Close(true) therefore patches byte 0 through io.WriterAt
// (after the footer, the library's order) when the destination offers it;
// otherwise call SealOnClose before the first Append.
type Writer struct {
	w          io.Writer
	number     int64
	tab        table
	pos        int64 // bytes written so far = the next write address
	started    bool  // the header region has been written
	sealPlan   bool  // SealOnClose was called
	closed     bool
	err        error // sticky: the output is inconsistent after a failed write
	chunk      []byte
	lastAppend int64
	leading    Leading
}

// NewWriter starts partition number with geometry g on w. Nothing is written
// before the first Append or Close. w must start at the partition's offset 0.
func NewWriter(w io.Writer, number int64, g partition.Geometry) *Writer {
	wr := &Writer{w: w, number: number, tab: table{r: g.R, first: -1}, lastAppend: -1}
	switch {
	case g.R < MinR || g.R > MaxR:
		wr.err = fmt.Errorf("v2: records per partition %d outside [%d, %d]", g.R, MinR, MaxR)
	case number < 0: // as the legacy and sparse writers refuse it
		wr.err = fmt.Errorf("v2: negative partition number %d", number)
	}
	return wr
}

// SealOnClose declares before the first Append that Close will seal, so the
// header is written with byte 0 = 1 up front (for destinations that are not
// an io.WriterAt).
func (w *Writer) SealOnClose() error { return w.beforeFirst(func() { w.sealPlan = true }) }

// SetLeading chooses the layout of the never-written slots before the first
// entry (LeadingStubs unless told); it must come before the first Append.
func (w *Writer) SetLeading(l Leading) error { return w.beforeFirst(func() { w.leading = l }) }

// footerPrealloc bounds the records a Writer makes room for up front (640
// KB): a huge R grows as the entries come.
const footerPrealloc = 16 << 10

// beforeFirst applies a setting, or refuses it after the first Append.
func (w *Writer) beforeFirst(set func()) error {
	if w.started {
		return ErrTooLate
	}
	set()
	return nil
}

// Append writes the entry of relative slot with the record's Term,
// Timestamp, Length, Flags and ID; the writer sets Offset by the chain rule.
// payload must yield exactly rec.Length bytes.
func (w *Writer) Append(slot int64, rec record.Record, payload io.Reader) error {
	if err := w.checkAppend(slot); err != nil {
		return err
	}
	if err := validFields(rec); err != nil {
		return fmt.Errorf("v2: slot %d: %w", slot, err)
	}
	if err := w.start(); err != nil {
		return err
	}
	if w.tab.first < 0 {
		// The first record sits at 512+40k after the k never-written slots.
		if err := w.leadingSlots(slot); err != nil {
			return err
		}
		w.tab.first = slot
	}
	off, ok := partition.AddOK(w.pos, recSize)
	if !ok {
		return w.fail(ErrOverflow)
	}
	rec.Offset = off
	if _, ok := rec.End(); !ok {
		return w.fail(ErrOverflow)
	}
	var b [record.Size]byte
	rec.Encode(b[:])
	if err := w.write(b[:]); err != nil {
		return err
	}
	if err := w.copyPayload(payload, rec.Length); err != nil {
		return err
	}
	if w.tab.recs == nil { // room for the partition's records at once, not grown by doubling
		w.tab.recs = make([]record.Record, 0, min(w.tab.r, footerPrealloc))
	}
	w.tab.recs = append(w.tab.recs, rec)
	w.lastAppend = slot
	return nil
}

// LastOffset is the Offset the last Append gave its entry (where its payload
// starts in the file), -1 before the first.
func (w *Writer) LastOffset() int64 {
	if len(w.tab.recs) == 0 {
		return -1
	}
	return w.tab.recs[len(w.tab.recs)-1].Offset
}

// validFields checks the record's own fields (§2.3) before anything is
// written; Offset is the writer's business.
func validFields(rec record.Record) error {
	rec.Offset = 0
	return rec.Valid()
}

func (w *Writer) checkAppend(slot int64) error {
	switch {
	case w.closed:
		return ErrClosed
	case w.err != nil:
		return w.err
	case slot < 0 || slot >= w.tab.r:
		return ErrSlotRange
	case w.number == 0 && slot == 0:
		return ErrSlotZero
	case w.lastAppend >= 0 && slot != w.lastAppend+1:
		return ErrSlotOrder
	}
	return nil
}

// start writes the header region once.
func (w *Writer) start() error {
	if w.started {
		return nil
	}
	w.started = true
	var hdr [HeaderSize]byte
	if w.sealPlan {
		hdr[0] = 1
	}
	return w.write(hdr[:])
}

func (w *Writer) copyPayload(payload io.Reader, n int64) error {
	if n == 0 {
		return w.noMore(payload)
	}
	if payload == nil {
		return w.fail(ErrPayloadSize)
	}
	if br, ok := payload.(*bytes.Reader); ok && int64(br.Len()) == n {
		// A payload in memory (rebuild's payloads of a file read whole):
		// written from its bytes, no copy through chunk.
		_, err := br.WriteTo(sink{w})
		return err
	}
	if w.chunk == nil {
		w.chunk = make([]byte, payloadChunk)
	}
	for left := n; left > 0; {
		k := min(left, payloadChunk)
		got, err := io.ReadFull(payload, w.chunk[:k])
		if got > 0 {
			if werr := w.write(w.chunk[:got]); werr != nil {
				return werr
			}
		}
		if err != nil {
			return w.fail(fmt.Errorf("%w: %d of %d bytes: %v", ErrPayloadSize, n-left+int64(got), n, err))
		}
		left -= k
	}
	return w.noMore(payload)
}

// noMore checks that the payload holds no byte beyond Length.
func (w *Writer) noMore(payload io.Reader) error {
	if payload == nil {
		return nil
	}
	var one [1]byte
	if n, _ := io.ReadFull(payload, one[:]); n > 0 {
		return w.fail(fmt.Errorf("%w: payload is longer than Length", ErrPayloadSize))
	}
	return nil
}

// leadingSlots writes slots [0, first) of a partition whose first entry is
// at slot first, with the layout of w.leading (see Leading and LeadingSlot).
func (w *Writer) leadingSlots(first int64) error {
	from := int64(0)
	if w.number == 0 {
		// Index 0's 40 bytes stay zero in every layout: no release reads them.
		if err := w.zeros(recSize); err != nil {
			return err
		}
		from = 1
	}
	if w.leading == LeadingZeros {
		return w.zeros((first - from) * recSize)
	}
	buf := make([]byte, min(first-from, footerChunk)*recSize)
	for j := from; j < first; {
		n := min(first-j, footerChunk)
		for i := int64(0); i < n; i++ {
			_, rec := LeadingSlot(j + i)
			rec.Encode(buf[i*recSize:])
		}
		if err := w.write(buf[:n*recSize]); err != nil {
			return err
		}
		j += n
	}
	return nil
}

func (w *Writer) zeros(n int64) error {
	var z [recSize * 8]byte
	for n > 0 {
		k := min(n, int64(len(z)))
		if err := w.write(z[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

func (w *Writer) write(b []byte) error {
	if _, ok := partition.AddOK(w.pos, int64(len(b))); !ok {
		return w.fail(ErrOverflow)
	}
	n, err := w.w.Write(b)
	w.pos += int64(n)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return w.fail(err)
	}
	return nil
}

// sink is w.write as an io.Writer.
type sink struct{ w *Writer }

func (s sink) Write(b []byte) (int, error) {
	if err := s.w.write(b); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return err
}

// Close finishes the partition. Unsealed: the header region (512 zero bytes
// when nothing was appended) and the entries, nothing more. Sealed: the
// footer of R records after the last entry, then header byte 0 = 1.
func (w *Writer) Close(seal bool) error {
	if w.closed {
		return ErrClosed
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if !seal && w.sealPlan {
		return ErrSealDeclared
	}
	patch, canPatch := w.w.(io.WriterAt)
	if seal && !w.sealPlan && !canPatch {
		return ErrCannotSeal
	}
	if err := w.start(); err != nil {
		return err
	}
	if !seal {
		return nil
	}
	if err := w.tab.encode(w.write); err != nil {
		return err
	}
	if w.sealPlan {
		return nil
	}
	if _, err := patch.WriteAt([]byte{1}, 0); err != nil {
		return w.fail(err)
	}
	return nil
}

// Size is the number of bytes written so far.
func (w *Writer) Size() int64 { return w.pos }
