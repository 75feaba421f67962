package partition

import (
	"errors"
	"fmt"
	"io"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/record"
)

// The three roles of a partition codec. Each of format/legacy, format/v2
// and format/sparse fills them (its Codec), and format/ps holds the table
// of the three: detection probes through it, logdir decodes through it,
// repair and convert write through it.

// Prober is the first role: what a file's bytes say about its format
// without knowing R or M (spec/persistent-state.md §12.3).
type Prober interface {
	Probe(f File) Probe
}

// Decoder is the second role: one partition decoded with a known geometry.
// lastIndex (−1 when unknown) is node.state's LastIndex: it bounds a Table
// walk and tells records after it apart.
type Decoder interface {
	Decode(f File, g Geometry, lastIndex int64) Decoded
}

// Writer is the third role: one partition file laid out byte for byte as
// the library lays it out, entry by entry in increasing slot order. It
// streams: payloads are copied, never held.
type Writer interface {
	// Append writes the entry of relative slot with rec's Term, Timestamp,
	// Length, Flags and ID (the writer sets Offset); payload yields exactly
	// rec.Length bytes.
	Append(slot int64, rec record.Record, payload io.Reader) error
	// LastOffset is where the last Append put its payload, -1 before one.
	LastOffset() int64
	// Size is the number of bytes the file has so far.
	Size() int64
	// Close finishes the file. seal asks for a sealed Table partition (the
	// library's footer and byte 0 = 1); legacy and sparse partitions have
	// no seal and ignore it.
	Close(seal bool) error
}

// Codec is one partition format: its name, its roles, and the geometries
// the library accepts for it.
type Codec interface {
	Format() format.Format
	Prober
	Decoder
	// NewWriter starts partition number with geometry g on dst (which must
	// start at the file's offset 0). sealed declares up front that Close
	// will seal, so that a Table writer puts byte 0 = 1 into the header and
	// every byte goes out once, in order; without it, a sealing Close needs
	// dst to be an io.WriterAt. Legacy and sparse writers place bytes by
	// offset and always need an io.WriterAt (ErrNeedWriterAt).
	NewWriter(dst io.Writer, number int64, g Geometry, sealed bool) (Writer, error)
	// Check returns an error for a geometry the library rejects.
	Check(g Geometry) error
}

// ErrNeedWriterAt: the legacy and sparse writers place bytes by offset.
var ErrNeedWriterAt = errors.New("partition: the destination must be an io.WriterAt")

// Funcs is a Codec made of a format's functions: how each codec package
// fills its place in the table.
type Funcs struct {
	Name       format.Format
	ProbeFunc  func(File) Probe
	DecodeFunc func(File, Geometry, int64) Decoded
	WriterFunc func(dst io.Writer, number int64, g Geometry, sealed bool) (Writer, error)
	CheckFunc  func(Geometry) error
}

func (c Funcs) Format() format.Format  { return c.Name }
func (c Funcs) Probe(f File) Probe     { return c.ProbeFunc(f) }
func (c Funcs) Check(g Geometry) error { return c.CheckFunc(g) }

func (c Funcs) Decode(f File, g Geometry, lastIndex int64) Decoded {
	return c.DecodeFunc(f, g, lastIndex)
}

func (c Funcs) NewWriter(dst io.Writer, number int64, g Geometry, sealed bool) (Writer, error) {
	return c.WriterFunc(dst, number, g, sealed)
}

// AtWriter adapts the constructor of a writer that places bytes by offset
// (legacy, sparse) to Funcs.WriterFunc.
func AtWriter[W Writer](newWriter func(io.WriterAt, int64, Geometry) (W, error)) func(io.Writer, int64, Geometry,
	bool) (Writer, error) {
	return func(dst io.Writer, number int64, g Geometry, _ bool) (Writer, error) {
		wa, ok := dst.(io.WriterAt)
		if !ok {
			return nil, ErrNeedWriterAt
		}
		w, err := newWriter(wa, number, g)
		if err != nil {
			return nil, err
		}
		return w, nil
	}
}

// CheckR is the geometry check of a format without M (legacy, v2): the
// library accepts minR ≤ R ≤ maxR; M is the sparse format's.
func CheckR(f format.Format, minR, maxR int64) func(Geometry) error {
	return func(g Geometry) error {
		switch {
		case g.M != 0:
			return fmt.Errorf("%s: M (the max entry size) applies to the sparse format only", f)
		case g.R < minR || g.R > maxR:
			return fmt.Errorf("%s: records per partition %d outside [%d, %d]", f, g.R, minR, maxR)
		}
		return nil
	}
}
