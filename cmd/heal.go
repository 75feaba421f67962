package cmd

import (
	"fmt"
	"io"
	"os"

	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/repair"
	"github.com/walctl/walctl/txn"
)

// lockReplica takes a shared lock on the replica of repair --from for the
// whole run (no walctl may write it meanwhile; others may read it) and
// refuses a replica that is DIR itself or has an unfinished write.
func lockReplica(from, dir string) (*txn.Lock, error) {
	if sameDir(from, dir) {
		return nil, usageError{msg: fmt.Sprintf("--from %s is DIR itself", from),
			hint: "give another node's log directory (walctl diff names a healthy source)"}
	}
	lk, err := lockInput(from)
	if err != nil {
		return nil, err
	}
	return lk, nil
}

// sameDir reports whether two paths name one directory.
func sameDir(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA != nil || errB != nil {
		return absPath(a) == absPath(b)
	}
	return os.SameFile(fa, fb)
}

// printHeal prints what repair --from does entry by entry.
func printHeal(w io.Writer, h *repair.Heal) {
	if h == nil {
		return
	}
	printLine(w, "  %s", healSummary(h))
	if len(h.Rebuilt) > 0 {
		blank(w)
		t := newTable(w, "INDEX", "TERM", "LENGTH", "COMMAND", "DIR HELD", "PAYLOAD")
		for _, e := range h.Rebuilt {
			t.Row(e.Index, e.Term, e.Length, raftlog.CommandText(e.CommandID), e.Was, healPayloadText(e.Payload))
		}
		t.Render()
		if more := h.RebuiltTotal - int64(len(h.Rebuilt)); more > 0 {
			printLine(w, "… %d more entries rebuilt (the first %d are listed)", more, len(h.Rebuilt))
		}
	}
	for _, r := range h.Refused {
		printLine(w, "  %s %s (%s): %s", red("refused:"), r.Kind, healRangeText(r.Range), r.Why)
	}
}

// healSummary says in one line what was compared and rebuilt.
func healSummary(h *repair.Heal) string {
	if len(h.Refused) > 0 {
		return fmt.Sprintf("repair --from %s (%s): refused at %s (below); nothing is written", h.From, h.FromFormat,
			plural64(h.RefusedTotal, "index"))
	}
	s := fmt.Sprintf(
		"repair --from %s (%s): %s of DIR compared with the replica's, all equal; %s rebuilt from the replica",
		h.From,
		h.FromFormat,
		plural64(h.Compared, "intact committed entry"),
		plural64(h.RebuiltTotal, "entry"),
	)
	if h.Payloads > 0 {
		s += fmt.Sprintf(" (%d of %s kept: DIR still holds the bytes, equal to the replica's)", h.Kept,
			plural64(h.Payloads, "payload"))
	}
	return s
}

func healPayloadText(p string) string {
	switch p {
	case repair.PayloadKept:
		return "kept: DIR's bytes equal the replica's"
	case repair.PayloadFromReplica:
		return "from the replica: DIR's bytes are gone or differ"
	case repair.PayloadEmpty:
		return "none (empty entry)"
	}
	return p
}

func healRangeText(r raftlog.Range) string {
	if r.From == 0 && r.To == 0 {
		return "the whole log"
	}
	return "index " + r.String()
}
