package convert

import (
	"errors"
	"testing"

	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/release"
)

// The checkpoint form each release reads and writes (spec §4.1); releases
// without a WriteAheadLog are a rebuild.FlagError.
func TestCheckpointFormFor(t *testing.T) {
	for _, c := range []struct {
		version string
		form    int
		bad     bool
	}{
		{"5.22.0", wal.Checkpoint5x, false}, {"5.26.2", wal.Checkpoint5x, false},
		{"6.0.0", wal.CheckpointV0, false}, {"6.7.3", wal.CheckpointV0, false}, {"6.6.5", wal.CheckpointV0, false},
		{"6.8.0", wal.CheckpointV1, false}, {"6.12.0", wal.CheckpointV1, false},
		{"5.21.9", 0, true}, {"5.7.1", 0, true}, {"4.0.0", 0, true},
	} {
		form, err := CheckpointFormFor(release.MustParse(c.version))
		var fe *rebuild.FlagError
		if c.bad != (err != nil) || (err != nil && !errors.As(err, &fe)) || form != c.form {
			t.Errorf("%q: form %d, err %v; want form %d, error %v", c.version, form, err, c.form, c.bad)
		}
	}
}

// The writer parameters follow the library's rules: a 5.x target gets the
// 40-byte layout with ticks and refuses a hash or the 32-byte layout.
func TestWALParams(t *testing.T) {
	for _, c := range []struct {
		o             WALOptions
		layout, ticks string
		slot, chunk   int64
		form          int
		wantErr       bool
	}{
		{WALOptions{}, wal.Layout6, "", 32, 4096, wal.CheckpointV1, false},
		{WALOptions{CheckpointForm: wal.Checkpoint5x}, wal.Layout5, wal.TicksUTC, 64, 4096, wal.Checkpoint5x, false},
		{WALOptions{Layout: wal.Layout5}, wal.Layout5, wal.TicksZero, 64, 4096, wal.CheckpointV1, false},
		{WALOptions{Hash: wal.HashXxHash3, ChunkSize: 65536}, wal.Layout6, "", 64, 65536, wal.CheckpointV1, false},
		{WALOptions{CheckpointForm: wal.Checkpoint5x, Layout: wal.Layout6}, "", "", 0, 0, 0, true},
		{WALOptions{CheckpointForm: wal.Checkpoint5x, Hash: wal.HashCrc32}, "", "", 0, 0, 0, true},
	} {
		p, err := walParams(c.o)
		if c.wantErr {
			if err == nil {
				t.Errorf("%+v: no error", c.o)
			}
			continue
		}
		if err != nil || p.Layout != c.layout || p.Timestamps != c.ticks || p.SlotSize != c.slot ||
			p.ChunkSize != c.chunk ||
			p.CheckpointForm != c.form {
			t.Errorf("%+v: %+v, %v", c.o, p, err)
		}
	}
}
