package repair

import (
	"fmt"
	"iter"
	"sort"
	"strings"

	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
)

// repair --from REPLICA DIR heals a node from a replica: DIR's damaged or
// missing committed entries are rebuilt from REPLICA's entries at the same
// indexes, in DIR's own format and settings, through the same plan, stage,
// audit and publish as every repair. Nothing else of DIR changes: its intact
// entries, term, vote and commit index stay. It refuses (and writes
// nothing) where REPLICA is not a copy of DIR's own history — it disagrees
// with an intact committed entry of DIR (divergence, not damage) — where
// REPLICA cannot supply an entry (it lacks it, holds it damaged, or has not
// committed it), and where DIR's term or commit index would have to move:
// an entry of a term above DIR's own, or terms that go down along the log,
// and a committed entry no replica supplies (DIR's commit index would have
// to move back below it).

// Heal is what repair --from does, entry by entry.
type Heal struct {
	From       string        `json:"from"`
	FromFormat format.Format `json:"fromFormat"`
	// Compared counts DIR's intact committed entries the replica holds
	// intact, found equal (term, command id, length, payload bytes).
	Compared int64 `json:"compared"`
	// Rebuilt lists the entries rebuilt from the replica (the first
	// maxHealList); RebuiltTotal counts them all, Kept those whose payload
	// bytes DIR still held, equal to the replica's, at the entry's place.
	Rebuilt      []HealEntry `json:"rebuilt"`
	RebuiltTotal int64       `json:"rebuiltTotal"`
	Payloads     int64       `json:"payloads"` // rebuilt entries with a payload
	Kept         int64       `json:"payloadsKept"`
	// Refused says what keeps the rebuild from being safe; with any, the
	// repair writes nothing. RefusedTotal counts the refused indexes.
	Refused      []HealRefusal `json:"refused,omitempty"`
	RefusedTotal int64         `json:"refusedTotal,omitempty"`
}

// HealEntry is one entry rebuilt from the replica.
type HealEntry struct {
	Index     int64  `json:"index"`
	Term      int64  `json:"term"`
	CommandID *int32 `json:"commandId,omitempty"`
	Length    int64  `json:"length"`
	// Was is what DIR held at the index.
	Was string `json:"was"`
	// Payload: PayloadKept, PayloadFromReplica or PayloadEmpty.
	Payload string `json:"payload"`
}

// Where a rebuilt entry's payload bytes come from.
const (
	// PayloadKept: DIR still holds the payload at the place the entry is
	// laid out, byte for byte the replica's: those bytes stay.
	PayloadKept = "kept"
	// PayloadFromReplica: DIR's bytes there are absent or differ: the
	// replica's are written.
	PayloadFromReplica = "from-replica"
	// PayloadEmpty: the entry has no payload.
	PayloadEmpty = "empty"
)

// HealRefusal is one reason repair --from may not write.
type HealRefusal struct {
	Kind  string        `json:"kind"`
	Range raftlog.Range `json:"range"`
	Why   string        `json:"why"`
}

// Kinds of HealRefusal.
const (
	// RefuseDivergence: the replica holds another entry where DIR holds an
	// intact committed one: the histories diverged, this is not damage.
	RefuseDivergence = "divergence"
	// RefuseLacks: the replica cannot supply a committed entry DIR lost
	// (absent, damaged, padded or not committed there); DIR's commit index
	// would have to move back below it.
	RefuseLacks = "replica-lacks"
	// RefuseTerm: the replica's entry would put a term into DIR's log above
	// DIR's current term, or below the term of an entry before it.
	RefuseTerm = "term"
	// RefuseFormat: DIR is in a format repair --from does not rebuild.
	RefuseFormat = "format"
)

// maxHealList bounds the entries and refusals a plan lists (the totals
// stay exact).
const maxHealList = 1000

// healer carries repair --from through a plan: what the comparison
// decided, and the replica's entries it puts into DIR's partitions.
type healer struct {
	h      *Heal
	rep    *logdir.Log
	ranges []raftlog.Range // indexes rebuilt, increasing, merged
	listed map[int64]int   // index → position in h.Rebuilt
	kept   map[int64]bool  // payload decision per rebuilt index
}

// OpenReplica opens the replica of repair --from by detection alone (its
// format and geometry are its own; the format flags are DIR's).
func OpenReplica(dir string) (*logdir.Log, error) {
	l, err := logdir.Open(dir, logdir.Options{})
	if err != nil {
		return nil, fmt.Errorf("--from %s: %w", dir, err)
	}
	return l, nil
}

// noStateHeal is repair --from on a DIR without node.state: nothing says
// which of its entries are committed, so nothing is rebuilt.
func noStateHeal(rep *logdir.Log) *Heal {
	if rep == nil {
		return nil
	}
	return &Heal{From: rep.Dir, FromFormat: rep.Format, Rebuilt: []HealEntry{}, RefusedTotal: 1,
		Refused: []HealRefusal{{Kind: RefuseLacks, Why: "DIR has no node.state: its term, vote and commit index are " +
			"unknown, so nothing says which entries a replica may supply"}}}
}

// healBounds are DIR's facts the comparison needs.
type healBounds struct {
	from, to int64 // the indexes of DIR compared: (snapshot, max(LastIndex, commit)]
	commit   int64 // DIR's trusted commit index
	term     int64 // DIR's current term
}

// planHeal compares DIR with the replica index by index and decides, for
// every committed entry DIR does not hold intact, whether the replica's
// may take its place.
func planHeal(l, rep *logdir.Log, b healBounds) (*healer, error) {
	h := &healer{h: &Heal{From: rep.Dir, FromFormat: rep.Format, Rebuilt: []HealEntry{}}, rep: rep,
		listed: map[int64]int{}, kept: map[int64]bool{}}
	w := &healWalk{
		h:         h,
		l:         l,
		rep:       rep,
		b:         b,
		dirOK:     audit.Intact(l),
		repOK:     audit.Intact(rep),
		repCommit: commitOf(rep),
	}
	if err := w.run(); err != nil {
		return nil, err
	}
	return h, nil
}

// commitOf is the replica's commit index: its checkpoint's for a
// WriteAheadLog, its node state's otherwise, never below its snapshot.
func commitOf(l *logdir.Log) int64 {
	var c, s int64
	if l.Snapshot != nil {
		s = l.Snapshot.Index
	}
	switch {
	case l.WAL() != nil:
		c = l.WAL().Commit()
	case l.State != nil:
		c = l.State.CommitIndex
	}
	return max(c, s)
}

// healWalk streams DIR and the replica in lockstep.
type healWalk struct {
	h            *healer
	l, rep       *logdir.Log
	b            healBounds
	dirOK, repOK func(raftlog.Entry) bool
	repCommit    int64
	lastTerm     int64 // the highest term of the entries the healed log holds so far
	lastRebuilt  bool  // lastTerm is a rebuilt entry's (a term DIR's own entries went down from is not ours to judge)
	stopped      bool  // an uncommitted entry DIR does not hold intact: the rest is the plain repair's
}

func (w *healWalk) run() error {
	if w.b.from > w.b.to {
		return nil
	}
	dirNext, dirStop := iter.Pull2(w.l.Seq(w.b.from, w.b.to, true))
	defer dirStop()
	repNext, repStop := iter.Pull2(w.rep.Seq(w.b.from, w.b.to, false))
	defer repStop()
	pull := func(next func() (raftlog.Entry, error, bool), after int64) (*raftlog.Entry, error) {
		for {
			e, err, ok := next()
			switch {
			case err != nil:
				return nil, err
			case !ok:
				return nil, nil
			case e.IsSnapshot || e.Index <= after:
				continue
			}
			return &e, nil
		}
	}
	d, err := pull(dirNext, 0)
	if err != nil {
		return err
	}
	r, err := pull(repNext, 0)
	if err != nil {
		return err
	}
	for i := w.b.from; i <= w.b.to && !w.stopped; {
		lo := w.b.to + 1
		for _, e := range []*raftlog.Entry{d, r} {
			if e != nil {
				lo = min(lo, e.Index)
			}
		}
		if lo > i {
			w.neither(i, lo-1) // no log holds i..lo-1
			i = lo
			continue
		}
		var de, re *raftlog.Entry
		if d != nil && d.Index == i {
			de = d
		}
		if r != nil && r.Index == i {
			re = r
		}
		if err := w.index(i, de, re); err != nil {
			return err
		}
		if de != nil {
			if d, err = pull(dirNext, i); err != nil {
				return err
			}
		}
		if re != nil {
			if r, err = pull(repNext, i); err != nil {
				return err
			}
		}
		i++
	}
	return nil
}

// neither: DIR and the replica both lack a..b.
func (w *healWalk) neither(a, b int64) {
	if a > w.b.commit {
		w.stopped = true
		return
	}
	hi := min(b, w.b.commit)
	w.h.refuse(
		RefuseLacks,
		a,
		hi,
		fmt.Sprintf("neither DIR nor %s holds %s, which DIR's commit index %d says is committed: "+
			"repair --from never moves a commit index back", w.rep.Dir, rangeWords(a, hi), w.b.commit),
	)
	if b > hi {
		w.stopped = true
	}
}

// index decides one index.
func (w *healWalk) index(i int64, d, r *raftlog.Entry) error {
	committed := i <= w.b.commit
	dirOK := d != nil && w.dirOK(*d)
	repOK := r != nil && w.repOK(*r) && (r.Padding292 == nil || !r.Padding292.Proven)
	switch {
	case dirOK:
		if d.Term < w.lastTerm && w.lastRebuilt {
			w.h.refuse(RefuseTerm, i, i, fmt.Sprintf("DIR's entry here is of term %d, below term %d of the entry the "+
				"replica would put before it: the replica's entries are of another history", d.Term, w.lastTerm))
		}
		if d.Term >= w.lastTerm {
			w.lastTerm, w.lastRebuilt = d.Term, false
		}
		if !committed || !repOK {
			return nil
		}
		why, err := w.differs(*d, *r)
		if err != nil {
			return err
		}
		if why != "" {
			w.h.refuse(
				RefuseDivergence,
				i,
				i,
				fmt.Sprintf("DIR holds these entries intact and committed, %s holds others "+
					"(%s): the histories diverged — this is not damage a replica can heal", w.rep.Dir, why),
			)
			return nil
		}
		w.h.h.Compared++
	case !committed:
		w.stopped = true // the plain repair truncates the log before it
	case r == nil:
		w.h.refuse(
			RefuseLacks,
			i,
			i,
			fmt.Sprintf("%s does not hold these entries, which DIR does not hold intact and its "+
				"commit index %d says are committed: repair --from never moves a commit index back", w.rep.Dir, w.b.commit),
		)
	case !repOK:
		w.h.refuse(
			RefuseLacks,
			i,
			i,
			fmt.Sprintf("%s holds these entries damaged too (%s): rebuild DIR from another replica",
				w.rep.Dir, repDamage(*r)),
		)
	case i > w.repCommit:
		w.h.refuse(
			RefuseLacks,
			i,
			i,
			fmt.Sprintf("%s has not committed these entries (its commit index is %d): its copy "+
				"may be of another history; rebuild DIR from a replica that has", w.rep.Dir, w.repCommit),
		)
	case r.Term > w.b.term:
		w.h.refuse(RefuseTerm, i, i, fmt.Sprintf("the replica's entry is of term %d, above DIR's current term %d: DIR "+
			"never held it (DIR's term would have to move)", r.Term, w.b.term))
	case r.Term < w.lastTerm:
		w.h.refuse(
			RefuseTerm,
			i,
			i,
			fmt.Sprintf("the replica's entry is of term %d, below term %d of the entry before it "+
				"in DIR: the terms of DIR's log would move backwards", r.Term, w.lastTerm),
		)
	default:
		w.h.rebuild(*r, was(d))
		w.lastTerm, w.lastRebuilt = r.Term, true
	}
	return nil
}

// differs compares an intact entry of DIR with the replica's: "" when they
// are the same entry.
func (w *healWalk) differs(d, r raftlog.Entry) (string, error) {
	if p := d.Padding292; p != nil && p.Proven {
		// #292: DIR's record covers padding; the entry is what was appended
		// (walctl repair --apply corrects the record), not another one.
		d.Length, d.Payload = p.TrueLength, p.TruePayload
	}
	switch {
	case d.Term != r.Term:
		return fmt.Sprintf("term %d, not %d", r.Term, d.Term), nil
	case !raftlog.SameCommand(d.CommandID, r.CommandID):
		return fmt.Sprintf(
			"command id %s, not %s",
			raftlog.CommandText(r.CommandID),
			raftlog.CommandText(d.CommandID),
		), nil
	case d.Length != r.Length:
		return fmt.Sprintf("%d bytes, not %d", r.Length, d.Length), nil
	}
	at, err := logdir.PayloadDiff(w.l, d, w.rep, r)
	if err != nil {
		return "", fmt.Errorf("compare entry %d with %s: %w", d.Index, w.rep.Dir, err)
	}
	if at >= 0 {
		return fmt.Sprintf("its payload differs from byte %d on", at), nil
	}
	return "", nil
}

// was says what DIR holds at an index it does not hold intact.
func was(d *raftlog.Entry) string {
	switch {
	case d == nil:
		return "missing: no partition file holds it"
	case d.State == raftlog.EntryEmpty:
		return "no record on disk: the library reads Term 0, Length 0"
	case d.State == raftlog.EntryDamaged:
		return d.Reason
	}
	return d.Damage()
}

func repDamage(r raftlog.Entry) string {
	if p := r.Padding292; p != nil && p.Proven {
		return "DotNext #292 padding: run walctl repair --apply on the replica first"
	}
	if why := r.Damage(); why != "" {
		return why
	}
	return "a damage finding"
}

func rangeWords(a, b int64) string {
	if a == b {
		return fmt.Sprintf("entry %d", a)
	}
	return fmt.Sprintf("entries %s", raftlog.Range{From: a, To: b})
}

// refuse records a refusal, merging it into the last one when it continues
// it with the same reason.
func (h *healer) refuse(kind string, a, b int64, why string) {
	h.h.RefusedTotal += b - a + 1
	if n := len(h.h.Refused); n > 0 {
		last := &h.h.Refused[n-1]
		if last.Kind == kind && last.Why == why && last.Range.To+1 == a {
			last.Range.To = b
			return
		}
	}
	if len(h.h.Refused) < maxHealList {
		h.h.Refused = append(h.h.Refused, HealRefusal{Kind: kind, Range: raftlog.Range{From: a, To: b}, Why: why})
	}
}

// rebuild takes the replica's entry r into DIR.
func (h *healer) rebuild(r raftlog.Entry, was string) {
	h.h.RebuiltTotal++
	if n := len(h.ranges); n > 0 && h.ranges[n-1].To+1 == r.Index {
		h.ranges[n-1].To = r.Index
	} else {
		h.ranges = append(h.ranges, raftlog.Range{From: r.Index, To: r.Index})
	}
	payload := PayloadFromReplica
	if r.Length == 0 {
		payload = PayloadEmpty
	} else {
		h.h.Payloads++
	}
	if len(h.h.Rebuilt) < maxHealList {
		h.listed[r.Index] = len(h.h.Rebuilt)
		h.h.Rebuilt = append(
			h.h.Rebuilt,
			HealEntry{Index: r.Index, Term: r.Term, CommandID: r.CommandID, Length: r.Length,
				Was: was, Payload: payload},
		)
	}
}

// rebuilds reports whether index i is rebuilt from the replica.
func (h *healer) rebuilds(i int64) bool {
	k := sort.Search(len(h.ranges), func(j int) bool { return h.ranges[j].To >= i })
	return k < len(h.ranges) && h.ranges[k].From <= i
}

// within reports whether any index of [a, b] is rebuilt.
func (h *healer) within(a, b int64) bool {
	k := sort.Search(len(h.ranges), func(j int) bool { return h.ranges[j].To >= a })
	return k < len(h.ranges) && h.ranges[k].From <= b
}

// partitions lists the partition numbers (of R indexes each) that hold
// rebuilt indexes.
func (h *healer) partitions(r int64) []int64 {
	var out []int64
	for _, rg := range h.ranges {
		for n := rg.From / r; n <= rg.To/r; n++ {
			if len(out) == 0 || out[len(out)-1] != n {
				out = append(out, n)
			}
		}
	}
	return out
}

// decided records where a rebuilt entry's payload comes from.
func (h *healer) decided(i, length int64, kept bool) {
	if length > 0 {
		h.kept[i] = kept
	}
	if j, ok := h.listed[i]; ok && length > 0 {
		h.h.Rebuilt[j].Payload = map[bool]string{true: PayloadKept, false: PayloadFromReplica}[kept]
	}
}

// finish counts the payloads kept.
func (h *healer) finish() {
	h.h.Kept = 0
	for _, k := range h.kept {
		if k {
			h.h.Kept++
		}
	}
}

// recordOf is the PersistentState record of the replica's entry: its term,
// timestamp, length and command id (PersistentState flags as stored when the
// replica is one; the command-id flag otherwise). The writer sets Offset.
func recordOf(e raftlog.Entry, from format.Format) record.Record {
	rec := record.Record{Term: e.Term, Timestamp: e.Ticks, Length: e.Length}
	if from != format.WAL {
		rec.Flags = e.Flags
	}
	if e.CommandID != nil {
		rec.Flags, rec.ID = rec.Flags|record.FlagHasID, *e.CommandID
	}
	return rec
}

// Root is the replica's directory (rebuild.Patcher).
func (h *healer) Root() string { return h.rep.Dir }

// Patch puts the replica's entries into the slots of DIR's partition p
// (indexes first..last) that are rebuilt, with where their payloads are in
// the replica.
func (h *healer) Patch(p *rebuild.Part, first, last int64) error {
	if !h.within(first, last) {
		return nil
	}
	p.Heal = map[int64][]raftlog.Span{}
	var bad error
	err := h.rep.Entries(first, last, func(e raftlog.Entry) bool {
		if e.IsSnapshot || !h.rebuilds(e.Index) {
			return true
		}
		if e.PayloadAvailable() != e.Length {
			bad = fmt.Errorf("entry %d of %s: %d of %d payload bytes (it changed since the plan)", e.Index, h.rep.Dir,
				e.PayloadAvailable(), e.Length)
			return false
		}
		s := e.Index - first
		for int64(len(p.Decoded.Slots)) <= s {
			p.Decoded.Slots = append(
				p.Decoded.Slots,
				partition.Slot{Slot: int64(len(p.Decoded.Slots)), Kind: partition.Unwritten, At: -1},
			)
		}
		p.Decoded.Slots[s] = partition.Slot{
			Slot:  s,
			Kind:  partition.Written,
			Rec:   recordOf(e, h.rep.Format),
			At:    -1,
			Avail: e.Length,
		}
		p.Heal[s] = append([]raftlog.Span{}, e.Payload...)
		return true
	})
	if err == nil {
		err = bad
	}
	if err == nil && len(p.Heal) == 0 {
		err = fmt.Errorf("%s no longer holds the entries of partition %s it was to supply", h.rep.Dir, p.Name)
	}
	return err
}

// Settle decides, for every rebuilt entry of spec, whether DIR's own file
// already holds the replica's payload bytes where the writer lays the entry
// out (then they are read from there: kept) or not (the replica's). dir is
// the directory of DIR's file (DIR, or the backup when the step runs),
// name the partition's file there ("" when DIR has none).
func (h *healer) Settle(spec *rebuild.Partition, dir, name string) error {
	healed := false
	for _, e := range spec.Entries {
		healed = healed || e.Spans != nil
	}
	if !healed {
		return nil
	}
	offs, err := spec.Offsets()
	if err != nil {
		return err
	}
	src := rebuild.NewPayloads(dir)
	defer src.Close()
	first, _ := partition.MulOK(spec.Number, spec.Geom.R)
	for j := range spec.Entries {
		e := &spec.Entries[j]
		if e.Spans == nil {
			continue
		}
		kept, err := src.Holds(name, offs[j], *e)
		if err != nil {
			return err
		}
		if kept {
			e.File, e.Rec.Offset, e.Root, e.Spans = name, offs[j], "", nil
		}
		h.decided(first+e.Slot, e.Rec.Length, kept)
	}
	return nil
}

// healWords describes the rebuilt entries of spec for its step.
func (h *healer) healWords(spec *rebuild.Partition) string {
	first, _ := partition.MulOK(spec.Number, spec.Geom.R)
	var rebuilt []raftlog.Range
	var keep []string
	for _, e := range spec.Entries {
		i := first + e.Slot
		if !h.rebuilds(i) {
			continue
		}
		if n := len(rebuilt); n > 0 && rebuilt[n-1].To+1 == i {
			rebuilt[n-1].To = i
		} else {
			rebuilt = append(rebuilt, raftlog.Range{From: i, To: i})
		}
		if e.Spans == nil && e.Rec.Length > 0 {
			keep = append(keep, fmt.Sprint(i))
		}
	}
	if len(rebuilt) == 0 {
		return ""
	}
	parts := make([]string, len(rebuilt))
	for j, r := range rebuilt {
		parts[j] = r.String()
	}
	s := fmt.Sprintf("; %s rebuilt from the replica", strings.Join(parts, ", "))
	if len(keep) > 0 {
		s += fmt.Sprintf(
			" (payload bytes of %s kept: DIR still holds them, equal to the replica's)",
			strings.Join(keep, ", "),
		)
	}
	return s
}

// HealWAL is repair --from on a WriteAheadLog DIR: the comparison runs and
// its refusals stand, but walctl does not rebuild a WriteAheadLog's entries
// from a replica, so every entry that would need it is refused too (for
// #292 padding, walctl repair --apply DIR corrects the records in place).
func HealWAL(l *logdir.Log, from string) (*Heal, error) {
	rep, err := OpenReplica(from)
	if err != nil {
		return nil, err
	}
	defer rep.Close()
	var s, term int64
	if l.Snapshot != nil {
		s = max(l.Snapshot.Index, 0)
	}
	if l.State != nil {
		term = l.State.Term
	}
	c := commitOf(l)
	h, err := planHeal(l, rep, healBounds{from: s + 1, to: max(l.Last, c), commit: c, term: term})
	if err != nil {
		return nil, err
	}
	for _, r := range h.ranges {
		h.refuse(RefuseFormat, r.From, r.To, fmt.Sprintf("DIR is a WriteAheadLog: walctl repair --from rebuilds "+
			"PersistentState logs only; %s would have to be rebuilt from the replica", rangeWords(r.From, r.To)))
	}
	h.h.Rebuilt, h.h.RebuiltTotal = []HealEntry{}, 0
	return h.h, nil
}
