package diff

import "encoding/hex"

// rawRow is a row as the engine sees it; its slices are the engine's
// scratch and are copied only when the row is kept.
type rawRow struct {
	from, to int64
	differs  bool
	cells    []cell
	status   []string
}

// windower keeps the rows around divergences: ctx rows before the first
// differing row, ctx after the last, and the rows between two differing
// rows when they are at most 2·ctx apart (one window, not two). A long run
// is cut to its first and last rows with one elided row in between, so a
// window never holds more than about 4·ctx+8 rows whatever the log length.
type windower struct {
	ctx, maxWin int
	before      []rawRow // the last ctx rows while no window is open (a ring reusing its slices)
	pend        []rawRow // rows after the last differing row of the open window
	open        bool
	discard     bool // the open window is past MaxWindows: only counted
	head, tail  []Row
	headCap     int
	tailCap     int
	elided      Row
	windows     []Window
	omitted     int64
}

func newWindower(ctx, maxWin int) windower {
	return windower{ctx: ctx, maxWin: maxWin, headCap: ctx + 4, tailCap: ctx + 4}
}

func (w *windower) add(r rawRow) {
	if !w.open {
		if !r.differs {
			w.remember(r)
			return
		}
		w.open, w.discard = true, len(w.windows) >= w.maxWin
		for _, b := range w.before {
			w.put(w.row(b))
		}
		w.before = w.before[:0]
		w.put(w.row(r))
		return
	}
	if r.differs {
		w.flushPending(len(w.pend))
		w.put(w.row(r))
		return
	}
	w.pend = append(w.pend, copyRaw(r))
	if len(w.pend) > 2*w.ctx {
		rest := w.pend[w.ctx:]
		w.flushPending(w.ctx)
		w.closeWindow()
		for _, p := range rest[1:] {
			w.remember(p)
		}
	}
}

// remember keeps r among the last ctx rows before any window.
func (w *windower) remember(r rawRow) {
	if w.ctx == 0 {
		return
	}
	var slot rawRow
	if len(w.before) == w.ctx {
		slot = w.before[0]
		copy(w.before, w.before[1:])
		w.before = w.before[:w.ctx-1]
	}
	slot.from, slot.to, slot.differs = r.from, r.to, r.differs
	slot.cells = append(slot.cells[:0], r.cells...)
	slot.status = append(slot.status[:0], r.status...)
	w.before = append(w.before, slot)
}

func (w *windower) flushPending(n int) {
	for _, p := range w.pend[:n] {
		w.put(w.row(p))
	}
	w.pend = w.pend[:0]
}

// put appends a row to the open window: the first headCap rows are kept,
// then the last tailCap; rows pushed out of the tail are elided.
func (w *windower) put(r Row) {
	if w.discard {
		return
	}
	if len(w.head) < w.headCap {
		w.head = append(w.head, r)
		return
	}
	if len(w.tail) == w.tailCap {
		out := w.tail[0]
		if w.elided.Elided == 0 {
			w.elided = Row{Index: out.Index}
		}
		w.elided.To = out.To
		w.elided.Elided += out.To - out.Index + 1
		copy(w.tail, w.tail[1:])
		w.tail = w.tail[:w.tailCap-1]
	}
	w.tail = append(w.tail, r)
}

func (w *windower) closeWindow() {
	if w.discard {
		w.omitted++
	} else {
		rows := append([]Row{}, w.head...)
		if w.elided.Elided > 0 {
			w.elided.Differs = true
			rows = append(rows, w.elided)
		}
		rows = append(rows, w.tail...)
		w.windows = append(w.windows, Window{From: rows[0].Index, To: rows[len(rows)-1].To, Rows: rows})
	}
	w.open, w.discard, w.head, w.tail, w.elided = false, false, nil, nil, Row{}
}

func (w *windower) finish() {
	if w.open {
		w.flushPending(min(w.ctx, len(w.pend)))
		w.closeWindow()
	}
}

func copyRaw(r rawRow) rawRow {
	r.cells = append([]cell(nil), r.cells...)
	r.status = append([]string(nil), r.status...)
	return r
}

// row renders a raw row for the report.
func (w *windower) row(r rawRow) Row {
	out := Row{Index: r.from, To: r.to, Differs: r.differs, Cells: make([]Cell, len(r.cells))}
	for k, c := range r.cells {
		out.Cells[k] = publicCell(c, r.status[k])
	}
	return out
}

func publicCell(c cell, status string) Cell {
	switch c.kind {
	case covered:
		return Cell{Kind: KindCovered, Committed: true, Status: status}
	case snapshot:
		return Cell{Kind: KindSnapshot, Term: c.c.term, Committed: true, Status: status}
	case entry:
		out := Cell{Kind: KindEntry, Term: c.c.term, Length: c.c.length, CommandID: c.cmd, SHA256: c.hash(),
			Committed: c.committed, Damaged: c.damaged, Status: status}
		if c.padded {
			out.Padded292, out.TrueSHA256 = true, hex.EncodeToString(c.t.sum[:])
		}
		return out
	}
	return Cell{Kind: KindMissing, Status: status}
}
