package v2

import (
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
)

// Mismatch is a slot where a DotNext release reads something other than the
// entry Decode found on disk.
type Mismatch struct {
	Slot    int64
	Tool    partition.Slot // what Decode trusts
	Library record.Record  // what the library reads
	// Empty: the library reads an empty entry (Term 0, Length 0) where the
	// file holds a real one — the silent loss of spec §4.8.4.
	Empty bool
}

// Compare lists the slots where the library's view differs from the tool's:
// an entry read with other metadata or another payload location, an entry
// read as empty, or garbage read where the tool sees no entry. Slots whose
// true content is unknown (Missing, Invalid) are left to their issues.
func Compare(d partition.Decoded, v LibraryView) []Mismatch {
	if v.Err != "" || len(v.Records) < len(d.Slots) {
		return nil
	}
	var out []Mismatch
	for s := range v.Records {
		sl, lib := d.SlotAt(int64(s)), v.Records[s]
		switch sl.Kind {
		case partition.Written, partition.Torn:
			if !sameEntry(sl.Rec, lib) {
				out = append(
					out,
					Mismatch{Slot: int64(s), Tool: sl, Library: lib, Empty: isEmpty(lib) && !isEmpty(sl.Rec)},
				)
			}
		case partition.Stub, partition.Unwritten:
			if !isEmpty(lib) {
				out = append(out, Mismatch{Slot: int64(s), Tool: sl, Library: lib})
			}
		}
	}
	return out
}

// sameEntry compares what a reader of the entry sees: metadata, and the
// payload location when there is a payload.
func sameEntry(a, b record.Record) bool {
	if a.Length > 0 || b.Length > 0 {
		return a == b
	}
	a.Offset, b.Offset = 0, 0
	return a == b
}

// isEmpty: the library hands out an entry with Term 0 and no payload.
func isEmpty(r record.Record) bool { return r.Term == 0 && r.Length <= 0 }
