package legacy

import (
	"fmt"
	"io"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// Writer lays out one legacy partition the way the library does (spec §3.2,
// §12.5): payloads chained from R*40 in append order, each record's Offset =
// its payload position, a prologue of R records with zero unused slots. It
// holds the records appended so far (at most R) and one copy buffer;
// payloads stream straight to their position.
type Writer struct {
	w        io.WriterAt
	number   int64
	r        int64
	prologue int64
	addr     int64 // where the next payload goes
	slots    []int64
	recs     []record.Record
	payload  partition.PayloadCopier
	closed   bool
}

// NewWriter starts partition number with R = g.R, writing through w (an
// *os.File opened for writing on an empty file, or any WriterAt).
func NewWriter(w io.WriterAt, number int64, g partition.Geometry) (*Writer, error) {
	prologue, ok := PrologueSize(g.R)
	if !ok {
		return nil, ErrGeometry
	}
	if number < 0 {
		return nil, fmt.Errorf("legacy: negative partition number %d", number)
	}
	return &Writer{w: w, number: number, r: g.R, prologue: prologue, addr: prologue}, nil
}

// Append writes the payload of relative slot at the next payload address and
// remembers rec with Offset set to that address. Slots must increase; slot 0
// of partition 0 is refused (index 0 is never written). payload must yield
// exactly rec.Length bytes (nil is fine for an empty entry).
func (w *Writer) Append(slot int64, rec record.Record, payload io.Reader) error {
	if err := partition.CheckSlot(Format, w.closed, w.number, w.r, slot, w.lastSlot()); err != nil {
		return err
	}
	rec.Offset = w.addr
	if err := rec.Valid(); err != nil {
		return fmt.Errorf("legacy: slot %d: %w", slot, err)
	}
	if err := w.payload.Copy(w.w, w.addr, rec.Length, payload); err != nil {
		return fmt.Errorf("legacy: slot %d: %w", slot, err)
	}
	w.addr += rec.Length // rec.Valid() checked Offset+Length
	w.slots = append(w.slots, slot)
	w.recs = append(w.recs, rec)
	return nil
}

// lastSlot is the slot of the last Append, -1 before the first.
func (w *Writer) lastSlot() int64 {
	if len(w.slots) == 0 {
		return -1
	}
	return w.slots[len(w.slots)-1]
}

// LastOffset is the Offset the last Append gave its entry (where its payload
// starts in the file), -1 before the first.
func (w *Writer) LastOffset() int64 {
	if len(w.recs) == 0 {
		return -1
	}
	return w.recs[len(w.recs)-1].Offset
}

// Close writes the prologue: R records, zero for unused slots, so the file
// is never shorter than R*40 (spec §3.3, §12.5).
// A legacy partition has no seal: the argument (the Table format's, see
// partition.Writer) is ignored.
func (w *Writer) Close(_ bool) error {
	if w.closed {
		return nil
	}
	w.closed = true
	const batch = chunkSize / record.Size
	chunk := make([]byte, min(w.prologue, chunkSize))
	next := 0 // index into w.slots of the next record to place
	for first := int64(0); first < w.r; first += batch {
		n := min(batch, w.r-first)
		b := chunk[:n*record.Size]
		clear(b)
		for next < len(w.slots) && w.slots[next] < first+n {
			w.recs[next].Encode(b[(w.slots[next]-first)*record.Size:])
			next++
		}
		if _, err := w.w.WriteAt(b, first*record.Size); err != nil {
			return fmt.Errorf("legacy: write prologue: %w", err)
		}
	}
	return nil
}

// Size is the length the file has once Close has run.
func (w *Writer) Size() int64 { return max(w.prologue, w.addr) }
