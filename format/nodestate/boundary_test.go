package nodestate

import (
	"bytes"
	"testing"

	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/hostile"
)

// Every index field of node.state carries every boundary value through
// encode, checksum and decode unchanged; nothing is interpreted as a size.
func TestIndexesAtBoundaries(t *testing.T) {
	for _, v := range hostile.Values {
		s := State{CommitIndex: v, LastApplied: v, LastIndex: v, Term: v,
			Snapshot: Snapshot{Index: v, Rec: record.Record{Term: v, Length: v, Offset: v}}}.WithChecksum()
		b := s.Encode()
		if len(b) != Size {
			t.Fatalf("%d: encoded %d bytes", v, len(b))
		}
		if got := Decode(b); got != s {
			t.Errorf("%d: decode(encode(s)) = %+v", v, got)
		}
		if Status(b) != ChecksumOK && s.Checksum != 0 {
			t.Errorf("%d: checksum %v", v, Status(b))
		}
		if !bytes.Equal(Decode(b).Encode(), b) {
			t.Errorf("%d: encode(decode(x)) != x", v)
		}
	}
}

// Decode copies at most 128 bytes into a fixed buffer, so its cost does not
// depend on the input: no allocation even for a megabyte of input.
func TestDecodeAllocatesNothing(t *testing.T) {
	big := bytes.Repeat([]byte{0xff}, 1<<20)
	for _, b := range [][]byte{nil, big[:7], big[:Size], big} {
		if n := testing.AllocsPerRun(50, func() { _ = Decode(b); _ = Status(b) }); n != 0 {
			t.Errorf("%d-byte input: %v allocations", len(b), n)
		}
	}
}
