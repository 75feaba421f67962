package repair

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
	v2 "github.com/walctl/walctl/format/v2"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/txn"
)

// stubPatch is a StepPatch: a Table partition whose never-written leading
// slots [From, To) are zero bytes gets the stub records v2.LeadingStubs lays
// out there, bytes [At, End); every other byte of the file stays as it is.
type stubPatch struct {
	From, To int64 // relative slots
	At, End  int64 // file offsets
}

// planStubPatch returns the step that writes stub records over the zero
// leading slots of an unsealed Table partition (finding.ZeroLeadingSlots), or nil
// when it has none: DotNext 5.4.0–5.7.2 stop their scan at such a slot and
// lose every entry after it (spec §4.7). Logs repaired by earlier walctl
// builds have them too.
func (pl *planner) planStubPatch(p *rebuild.Part, first int64) *Step {
	if pl.l.Format != format.V2 || p.Decoded.Sealed {
		return nil
	}
	for _, is := range p.Decoded.Issues {
		if is.Code != finding.ZeroLeadingSlots || is.Slot < 0 {
			continue
		}
		to := is.Slot
		for p.Slot(to).Kind == partition.Stub && to < p.Decoded.R {
			to++
		}
		sp := stubPatch{From: is.Slot, To: to}
		sp.At, _ = v2.LeadingSlot(sp.From)
		sp.End, _ = v2.LeadingSlot(sp.To)
		if sp.End > p.Size {
			return nil // the codec saw the slots inside the file: never the case
		}
		return &Step{Kind: StepPatch, File: p.Name, Why: []string{string(is.Code)}, stubs: &sp,
			What: fmt.Sprintf(
				"write stub records over the zero never-written slots of indexes %s (bytes %d–%d), so that DotNext 5.4.0–5.7.2 scan on to the entries; every other byte stays as it is",
				raftlog.Range{From: first + sp.From, To: first + sp.To - 1},
				sp.At,
				sp.End-1,
			)}
	}
	return nil
}

// patchBlock is the unit in which patchFile skips zero bytes: a file-system
// block, so that holes stay holes.
const patchBlock = 4096

// stagePatch writes into tx the backup's copy of the step's file whose
// bytes [sp.At, sp.End) are the stub records of those slots. Blocks of the
// file that are all zero are not written, so holes stay holes (and zero
// blocks become holes, which read the same).
func stagePatch(tx *txn.Tx, st *Step) error {
	sp := *st.stubs
	in, err := os.Open(filepath.Join(tx.Backup(), filepath.FromSlash(st.File)))
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	size := info.Size()
	if sp.At < 0 || sp.End > size || sp.At > sp.End {
		return fmt.Errorf(
			"%s: the slots to patch (%d–%d) are not inside the %d-byte file",
			in.Name(),
			sp.At,
			sp.End,
			size,
		)
	}
	return tx.WriteFile(st.File, func(w io.Writer) error {
		wa, ok := w.(io.WriterAt)
		if !ok {
			return errors.New("repair: a patch needs a destination with WriteAt")
		}
		return copyPatched(wa, in, size, sp)
	})
}

// copyPatched copies size bytes of in to w block by block, with the stub
// records over [sp.At, sp.End).
func copyPatched(w io.WriterAt, in io.ReaderAt, size int64, sp stubPatch) error {
	buf := make([]byte, 16*patchBlock)
	for off := int64(0); off < size; off += int64(len(buf)) {
		b := buf[:min(int64(len(buf)), size-off)]
		if n, err := in.ReadAt(b, off); n < len(b) {
			return fmt.Errorf("repair: reading %d bytes at %d: %w", len(b), off, err)
		}
		if lo, hi := max(off, sp.At), min(off+int64(len(b)), sp.End); lo < hi {
			v2.FillLeadingStubs(b[lo-off:hi-off], lo)
		}
		for i := 0; i < len(b); i += patchBlock {
			blk, at := b[i:min(i+patchBlock, len(b))], off+int64(i)
			if allZero(blk) {
				if at+int64(len(blk)) < size {
					continue
				}
				blk, at = blk[len(blk)-1:], size-1 // the last byte sets the length; the rest stays a hole
			}
			if _, err := w.WriteAt(blk, at); err != nil {
				return err
			}
		}
	}
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
