package psread

import (
	"fmt"
	"io"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/record"
	v2 "github.com/walctl/walctl/format/v2"
	"github.com/walctl/walctl/release"
)

// unsealTrap adds the change 5.4.0–5.6.x make to a sealed Table partition
// on their first open (PART@5947622fa, MBSM@5947622fa ApplyAsync; the same
// through 5.6.x, 5.7.0 made the flush of a sealed partition a no-op):
//
//   - the replay reads every committed entry after the snapshot; an entry
//     with Length ≤ 0 has no content and no cache record, so it counts as
//     "not persisted" (Partition.Read: IsPersisted = PersistenceMode is not
//     None, and None is 0);
//   - for such an entry at the commit index or at its partition's last
//     index, ApplyAsync calls partition.FlushAsync;
//   - Table.FlushAsync compares the relative runningIndex (0 after an
//     open) with the absolute LastIndex, so on a sealed partition it runs
//     FlushAndUnsealAsync: 40 zero bytes at the writer position (512, the
//     writer's initial position after an open) and header byte 0 = 0.
//
// The size does not change: measured, 5.4.0 reading
// 5.26.2/table-snapshot modified partition 3 (1580 bytes before and after),
// where entry 13, the commit index, has Length 0.
func (view *View) unsealTrap(f File, pv partView) {
	v := view.Release
	if view.Format != format.V2 || !release.FlushUnsealsSealed.Contains(v) || !pv.sealed() || view.dir.State == nil {
		return
	}
	d := view.dir
	first, last := f.Number*d.R, f.Number*d.R+d.R-1
	for _, k := range []int64{view.CommitIndex, last} {
		if k < max(first, view.Snapshot+1) || k > last || k > view.CommitIndex {
			continue
		}
		if pv.record(k-first).Length > 0 {
			continue
		}
		why := "the partition's last index"
		if k == view.CommitIndex {
			why = "the commit index"
		}
		view.Changes = append(view.Changes, Change{File: f.Name, number: f.Number, size: f.Size, Trap: true,
			zero: [][2]int64{{0, 1}, {v2.HeaderSize, v2.HeaderSize + record.Size}},
			What: fmt.Sprintf("header byte 0 cleared (unsealed) and bytes %d–%d zeroed, size unchanged",
				v2.HeaderSize, v2.HeaderSize+record.Size-1),
			Why: fmt.Sprintf("the replay applies the zero-length committed entry %d (%s) and flushes "+
				"the sealed partition: 5.4.0–5.6.x FlushAndUnsealAsync", k, why)})
		return
	}
}

// After is the directory as the files are once release view.Release has
// opened it: every change applied as an overlay, nothing written. Opening
// After with another release models a later open (a downgrade and back).
func (view *View) After() *Dir {
	d := *view.dir
	d.Files = append([]File(nil), view.dir.Files...)
	for _, c := range view.Changes {
		for i, f := range d.Files {
			if f.Number == c.number {
				d.Files[i] = File{Number: f.Number, Name: f.Name, Size: c.size, R: &overlay{base: f.R, size: f.Size,
					newSize: c.size, zero: c.zero}}
			}
		}
	}
	return &d
}

// overlay reads base (of size size) as a file of newSize bytes: the byte
// ranges in zero read as zero, and so does everything past the base's end.
type overlay struct {
	base          io.ReaderAt
	size, newSize int64
	zero          [][2]int64
}

func (o *overlay) ReadAt(b []byte, off int64) (int, error) {
	if off >= o.newSize {
		return 0, io.EOF
	}
	var err error
	if int64(len(b)) > o.newSize-off {
		b, err = b[:o.newSize-off], io.EOF
	}
	clear(b)
	if off < o.size {
		n := min(int64(len(b)), o.size-off)
		if _, e := o.base.ReadAt(b[:n], off); e != nil && e != io.EOF {
			return 0, e
		}
	}
	for _, z := range o.zero {
		if from, to := max(z[0], off), min(z[1], off+int64(len(b))); from < to {
			clear(b[from-off : to-off])
		}
	}
	return len(b), err
}
