package partition

import (
	"bytes"
	"fmt"
	"io"

	"github.com/walctl/walctl/format"
)

// CheckSlot checks the relative slot a writer of the named format is given
// to Append after last (-1 before the first): slots increase, lie in
// [0, r), and slot 0 of partition 0 (index 0) is never written.
func CheckSlot(name format.Format, closed bool, number, r, slot, last int64) error {
	switch {
	case closed:
		return fmt.Errorf("%s: append after Close", name)
	case slot < 0 || slot >= r:
		return fmt.Errorf("%s: slot %d outside [0, %d)", name, slot, r)
	case number == 0 && slot == 0:
		return fmt.Errorf("%s: slot 0 of partition 0 (index 0) is never written", name)
	case slot <= last:
		return fmt.Errorf("%s: slot %d appended after slot %d", name, slot, last)
	}
	return nil
}

// copyBufferSize bounds the one payload buffer a PayloadCopier holds.
const copyBufferSize = 32 * 1024

// PayloadCopier streams payloads to their place in a partition file
// through one buffer, made at the first payload.
type PayloadCopier struct{ buf []byte }

// Copy writes exactly n bytes of payload at off of w: fewer, or more, is an
// error (nil is fine for an empty entry).
func (c *PayloadCopier) Copy(w io.WriterAt, off, n int64, payload io.Reader) error {
	if n == 0 {
		return nil
	}
	if payload == nil {
		return fmt.Errorf("no payload for %d bytes", n)
	}
	if br, ok := payload.(*bytes.Reader); ok && int64(br.Len()) == n {
		// A payload in memory (rebuild's payloads of a file read whole):
		// one write of its bytes, no copy through buf.
		_, err := br.WriteTo(io.NewOffsetWriter(w, off))
		return err
	}
	if c.buf == nil {
		c.buf = make([]byte, copyBufferSize)
	}
	got, err := io.CopyBuffer(io.NewOffsetWriter(w, off), io.LimitReader(payload, n), c.buf)
	if err != nil {
		return err
	}
	if got < n {
		return fmt.Errorf("payload has %d bytes, record says %d: %w", got, n, io.ErrUnexpectedEOF)
	}
	if extra, _ := payload.Read(c.buf[:1]); extra > 0 {
		return fmt.Errorf("payload longer than the record's %d bytes", n)
	}
	return nil
}
