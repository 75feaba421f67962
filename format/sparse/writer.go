package sparse

import (
	"fmt"
	"io"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// Writer lays out one sparse partition the way the library does (spec §5.1,
// §12.5): slot s at s*(M+40), its record first with Offset = slot start + 40,
// then the payload (Length ≤ M); nothing between slots is written (holes),
// so the file ends where the last write ended. It holds one copy buffer.
type Writer struct {
	w       io.WriterAt
	number  int64
	g       partition.Geometry
	stride  int64
	last    int64 // last slot appended, -1 before the first
	size    int64
	payload partition.PayloadCopier
	closed  bool
}

// NewWriter starts partition number with R = g.R and M = g.M, writing
// through w (an *os.File opened on an empty file, or any WriterAt).
func NewWriter(w io.WriterAt, number int64, g partition.Geometry) (*Writer, error) {
	stride, ok := Stride(g)
	if !ok {
		return nil, ErrGeometry
	}
	if number < 0 {
		return nil, fmt.Errorf("sparse: negative partition number %d", number)
	}
	return &Writer{w: w, number: number, g: g, stride: stride, last: -1}, nil
}

// Append writes rec (Offset set to the slot start + 40) and its payload at
// relative slot. Slots must increase; slot 0 of partition 0 is refused;
// rec.Length must not exceed M; payload must yield exactly rec.Length bytes.
func (w *Writer) Append(slot int64, rec record.Record, payload io.Reader) error {
	if err := partition.CheckSlot(Format, w.closed, w.number, w.g.R, slot, w.last); err != nil {
		return err
	}
	if rec.Length > w.g.M {
		return fmt.Errorf(
			"sparse: slot %d: %d bytes exceed M = %d (the library throws InvalidOperationException)",
			slot,
			rec.Length,
			w.g.M,
		)
	}
	pos := slot * w.stride
	rec.Offset = pos + record.Size
	if err := rec.Valid(); err != nil {
		return fmt.Errorf("sparse: slot %d: %w", slot, err)
	}
	if _, err := w.w.WriteAt(rec.Bytes(), pos); err != nil {
		return fmt.Errorf("sparse: slot %d: write record: %w", slot, err)
	}
	if err := w.payload.Copy(w.w, rec.Offset, rec.Length, payload); err != nil {
		return fmt.Errorf("sparse: slot %d: %w", slot, err)
	}
	w.last = slot
	w.size = rec.Offset + rec.Length
	return nil
}

// LastOffset is the Offset the last Append gave its entry (where its payload
// starts in the file), -1 before the first.
func (w *Writer) LastOffset() int64 {
	if w.last < 0 {
		return -1
	}
	return w.last*w.stride + record.Size
}

// Close ends the partition. The format has no footer: nothing is written,
// and no seal either (the argument is the Table format's, see
// partition.Writer).
func (w *Writer) Close(_ bool) error {
	w.closed = true
	return nil
}

// Size is the length of the file: where the last write ended.
func (w *Writer) Size() int64 { return w.size }
