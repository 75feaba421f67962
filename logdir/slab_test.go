package logdir

import (
	"testing"

	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/raftlog"
)

// TestEntrySlab: the pieces handed out stay each entry's own, across slab
// refills, and an append to one never writes into the next.
func TestEntrySlab(t *testing.T) {
	var sl entrySlab
	n := 3*slabSize + 7
	spans := make([][]raftlog.Span, n)
	ids := make([]*int32, n)
	for i := range n {
		spans[i] = sl.span(raftlog.Span{File: "1", Offset: int64(i), Length: 1})
		ids[i] = sl.id(record.Record{Flags: record.FlagHasID, ID: int32(i)})
	}
	if sl.id(record.Record{ID: 9}) != nil {
		t.Error("a record without the has-id flag got a command id")
	}
	spans[0] = append(spans[0], raftlog.Span{File: "x", Offset: -1})
	for i := range n {
		want := 1
		if i == 0 {
			want = 2
		}
		if len(spans[i]) != want || spans[i][0].Offset != int64(i) || *ids[i] != int32(i) {
			t.Fatalf("entry %d: spans %v, id %d", i, spans[i], *ids[i])
		}
	}
}
