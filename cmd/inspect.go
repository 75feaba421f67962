package cmd

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/detect"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/internal/progress"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// inspectOptions are inspect's settings: the log's input settings, the
// output (--json, --entries, --jsonl, --payload, --force) and the entries
// it selects (--from-index, --to-index, --term, --limit).
type inspectOptions struct {
	in                   inputOptions
	json, entries, jsonl bool
	flt                  entryFilter
}

func (o *inspectOptions) flags() []cli.Flag {
	return append(o.in.flags(), flagsNamed("", "json", "entries", "jsonl", "from-index", "to-index", "term", "limit",
		"payload", "force")...)
}

// read reads and checks the flags: the entry selection and the output.
func (o *inspectOptions) read(c *cli.Context) error {
	if err := o.in.readOne(c); err != nil {
		return err
	}
	o.json, o.entries, o.jsonl = c.Bool("json"), c.Bool("entries"), c.Bool("jsonl")
	flt := entryFilter{from: c.Int64("from-index"), to: c.Int64("to-index"), term: c.Int64("term"),
		limit: c.Int64("limit"), payload: c.String("payload")}
	switch {
	case !slices.Contains(payloadFlagValues, flt.payload):
		return usageError{msg: fmt.Sprintf("--payload %q is not a payload view", flt.payload),
			hint: "use one of " + strings.Join(payloadFlagValues, ", ")}
	case flt.from < 0:
		return usageError{msg: fmt.Sprintf("--from-index %d is not an index", flt.from), hint: "indexes start at 0"}
	case c.IsSet("to-index") && flt.to < 0:
		return usageError{msg: fmt.Sprintf("--to-index %d is not an index", flt.to),
			hint: "leave --to-index out to list up to the last entry"}
	case c.IsSet("to-index") && flt.to < flt.from:
		return usageError{msg: fmt.Sprintf("--from-index %d is after --to-index %d", flt.from, flt.to),
			hint: "give --from-index N --to-index M with N ≤ M"}
	case c.IsSet("term") && flt.term < 0:
		return usageError{msg: fmt.Sprintf("--term %d is not a term", flt.term), hint: "terms are 0 or more"}
	case flt.limit < 0:
		return usageError{
			msg:  fmt.Sprintf("--limit %d is out of range", flt.limit),
			hint: "use 0 (all) or a positive count",
		}
	case o.json && o.jsonl:
		return usageError{
			msg:  "--json and --jsonl exclude each other",
			hint: "--json prints one document, --jsonl one entry per line",
		}
	case o.jsonl && !o.entries:
		return usageError{msg: "--jsonl lists entries", hint: "add --entries (or use --json for the log's head)"}
	case flt.payload == "raw" && (o.json || o.jsonl):
		return usageError{msg: "--payload raw writes bytes, not JSON", hint: "use --payload base64 or hex with --json"}
	case flt.payload == "raw" && modeOf(c.App.Writer).tty && !c.Bool("force"):
		return usageError{msg: "--payload raw would write payload bytes to the terminal",
			hint: "redirect stdout to a file or a pipe (… > payloads.bin), or add --force"}
	}
	if flt.to < 0 {
		flt.to = 1<<63 - 1
	}
	o.flt = flt
	return nil
}

func inspectCommand() *cli.Command {
	return newCommand(&inspectOptions{in: inputOptions{ps: true}}, "inspect", "show node state, snapshot, "+
		"partitions, totals and (with --entries) every entry", "DIR", runInspect)
}

type inspectDoc struct {
	Dir                 string              `json:"dir"`
	Format              format.Format       `json:"format"`
	Confidence          string              `json:"confidence"`
	RecordsPerPartition int64               `json:"recordsPerPartition"`
	MaxEntrySize        int64               `json:"maxEntrySize"`
	WAL                 *detect.WALParams   `json:"wal,omitempty"`
	NodeState           *nodeStateDoc       `json:"nodeState"`
	Snapshot            *snapshotDoc        `json:"snapshot"`
	Partitions          []raftlog.Partition `json:"partitions"`
	Totals              raftlog.Summary     `json:"totals"`
}

type nodeStateDoc struct {
	File   string  `json:"file"`
	Term   int64   `json:"term"`
	Vote   *string `json:"vote"`
	VoteID string  `json:"voteId,omitempty"`
	// VoteLayout: the ClusterMemberId layout of a node.state vote ("before
	// 4.8.0", "4.8.0+", "either", "unknown"); VoteReadBy: what the releases
	// on each side of 4.8.0 read from it.
	VoteLayout  string                  `json:"voteLayout,omitempty"`
	VoteReadBy  []raftlog.MemberReading `json:"voteReadBy,omitempty"`
	CommitIndex int64                   `json:"commitIndex"`
	LastApplied int64                   `json:"lastApplied"`
	LastIndex   int64                   `json:"lastIndex"`
	Checksum    string                  `json:"checksum"`
	Size        int64                   `json:"size"`
}

type snapshotDoc struct {
	Index     int64  `json:"index"`
	Term      int64  `json:"term"`
	Timestamp string `json:"timestamp"`
	Length    int64  `json:"length"`
	Offset    int64  `json:"offset"`
	File      string `json:"file"`
}

type entryDoc struct {
	Index            int64             `json:"index"`
	Term             int64             `json:"term"`
	Timestamp        string            `json:"timestamp"`
	Ticks            int64             `json:"ticks"`
	CommandID        *int32            `json:"commandId"`
	Length           int64             `json:"length"`
	SHA256           string            `json:"sha256"`
	PayloadAvailable int64             `json:"payloadAvailable"`
	Snapshot         bool              `json:"snapshot,omitempty"`
	Committed        bool              `json:"committed"`
	State            string            `json:"state"`
	Reason           string            `json:"reason,omitempty"`
	HashOK           *bool             `json:"hashOk,omitempty"`
	Payload          *string           `json:"payload,omitempty"`
	Record           *raftlog.Location `json:"record,omitempty"`
	Padding292       *paddingDoc       `json:"padding292,omitempty"`
}

// paddingDoc is an entry's #292 padding (spec §2.3): length and sha256 of
// the entry stay what the library delivers, padding included.
type paddingDoc struct {
	Bytes      int64  `json:"bytes"`
	Boundary   int64  `json:"boundary"`
	TrueOffset int64  `json:"trueOffset"`
	TrueLength int64  `json:"trueLength"`
	TrueSHA256 string `json:"trueSha256"`
	Proven     bool   `json:"proven"`
	Missing    string `json:"missing,omitempty"`
	// PayloadShown says which bytes "payload" holds: "appended" (the true
	// payload, from TrueOffset) when the evidence holds, else "delivered".
	PayloadShown string `json:"payloadShown"`
}

// trueView is the digest of a padded entry's appended bytes.
type trueView struct {
	sum  string
	n    int64
	head []byte
}

type entryFilter struct {
	from, to, term, limit int64
	payload               string
}

func runInspect(c *cli.Context, o *inspectOptions) error {
	dir, flt := c.Args().First(), o.flt
	if err := checkRead(dir); err != nil {
		return err
	}
	l, err := logdir.Open(dir, o.in.log)
	if err != nil {
		return err
	}
	defer l.Close()
	w := c.App.Writer
	switch {
	case flt.payload == "raw":
		bw := bufio.NewWriterSize(w, 64<<10)
		return errOr(writeRawPayloads(bw, l, flt), bw.Flush())
	case o.jsonl:
		bw := bufio.NewWriterSize(w, 64<<10)
		return errOr(writeEntriesJSONL(bw, l, flt), bw.Flush())
	}
	doc, err := inspectHead(l, barFor(c, l.Last-l.First+1, "reading"))
	if err != nil {
		return err
	}
	if o.json {
		bw := bufio.NewWriterSize(w, 64<<10)
		err := inspectJSON(bw, l, doc, o.entries, flt)
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
		return err
	}
	printInspect(w, doc)
	if o.entries {
		return printEntries(w, l, flt)
	}
	return nil
}

// writeRawPayloads writes the payload bytes of the selected entries one
// after another, nothing else (--payload raw).
func writeRawPayloads(w io.Writer, l *logdir.Log, f entryFilter) error {
	return selected(l, f, func(_ raftlog.Entry, r io.Reader) error {
		_, err := io.Copy(w, r)
		return err
	})
}

// selected walks the entries f selects (up to its limit) with a reader of
// each one's payload; fn's error stops the walk and is returned.
func selected(l *logdir.Log, f entryFilter, fn func(e raftlog.Entry, payload io.Reader) error) error {
	var ferr error
	var count int64
	err := l.Entries(f.from, f.to, func(e raftlog.Entry) bool {
		if !f.match(e) {
			return true
		}
		r, err := l.Payload(e)
		if err == nil {
			err = fn(e, r)
		}
		if err != nil {
			ferr = err
			return false
		}
		count++
		return f.limit <= 0 || count < f.limit
	})
	return errOr(ferr, err)
}

// inspectHead builds everything but the entries; totals come from one pass
// over the entries that reads no payload.
func inspectHead(l *logdir.Log, bar *progress.Bar) (*inspectDoc, error) {
	doc := &inspectDoc{
		Dir:                 l.Dir,
		Format:              l.Format,
		RecordsPerPartition: l.R,
		MaxEntrySize:        l.M,
		Partitions:          l.Partitions,
	}
	if l.Detection != nil {
		doc.Confidence, doc.WAL = l.Detection.Confidence, l.Detection.WAL
	}
	if doc.Partitions == nil {
		doc.Partitions = []raftlog.Partition{}
	}
	if s := l.State; s != nil {
		nd := &nodeStateDoc{File: s.File, Term: s.Term, CommitIndex: s.CommitIndex, LastApplied: s.LastApplied,
			LastIndex: s.LastIndex, Checksum: string(s.Checksum), Size: s.Size}
		if s.HasVote {
			v := s.Vote.Endpoint
			if v == "" {
				v = fmt.Sprintf("%X", s.Vote.Raw[:])
			}
			nd.Vote, nd.VoteID = &v, fmt.Sprintf("%X", s.Vote.Raw[:])
			nd.VoteLayout = s.Vote.Layout
			if s.Vote.ReadBy[0].Releases != "" {
				nd.VoteReadBy = s.Vote.ReadBy[:]
			}
		}
		doc.NodeState = nd
	}
	if s := l.Snapshot; s != nil {
		doc.Snapshot = &snapshotDoc{
			Index:     s.Index,
			Term:      s.Term,
			Timestamp: timestamp(s.Ticks),
			Length:    s.Length,
			Offset:    s.Offset,
			File:      s.File,
		}
	}
	rp := raftlog.NewReplay(l.Bounds())
	err := l.Entries(l.First, l.Last, func(e raftlog.Entry) bool { rp.Add(e); bar.Add(1); return true })
	bar.Done()
	doc.Totals, _ = rp.Finish()
	return doc, err
}

func timestamp(ticks int64) string {
	t, ok := raftlog.TicksToTime(ticks)
	if !ok {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func (f entryFilter) match(e raftlog.Entry) bool {
	return e.Index >= f.from && e.Index <= f.to && (f.term < 0 || e.Term == f.term)
}

// eachEntry walks the filtered entries with their payload digest (and, for
// an entry with #292 padding, the digest of its appended bytes). Reading and
// hashing the payloads run on this goroutine, fn (the output) on another,
// in entry order: two cores instead of one for the two halves of the work.
func eachEntry(l *logdir.Log, f entryFilter, keep int64,
	fn func(e raftlog.Entry, sum string, n int64, head []byte, tv *trueView) error) error {
	out := newHandOff(func(d *digested) error { return fn(d.e, d.sum, d.n, d.head, d.tv) })
	err := selected(l, f, func(e raftlog.Entry, r io.Reader) error {
		if out.failed() {
			return errOutputFailed
		}
		sum, n, head, err := digest(r, keep)
		if err != nil {
			return err
		}
		var tv *trueView
		if p := e.Padding292; p != nil {
			tv = &trueView{}
			if r, err = l.Payload(raftlog.Entry{Index: e.Index, Payload: p.TruePayload}); err == nil {
				tv.sum, tv.n, tv.head, err = digest(r, keep)
			}
			if err != nil {
				return err
			}
		}
		out.send(digested{e: e, sum: sum, n: n, head: head, tv: tv})
		return nil
	})
	// The output's error comes first: it met an earlier entry than any
	// error of the walk (the walk stops at its own, before sending it).
	if oerr := out.close(); oerr != nil {
		return oerr
	}
	return err
}

// digested is one entry with its payload digest, on its way to the output.
type digested struct {
	e    raftlog.Entry
	sum  string
	n    int64
	head []byte
	tv   *trueView
}

// errOutputFailed stops the walk once the output failed (its error is returned instead).
var errOutputFailed = errors.New("inspect: the output failed")

// handOff hands entries, in batches, to a goroutine that runs fn on each in
// order until fn fails.
type handOff struct {
	batch  []digested
	ch     chan []digested
	done   chan error
	failed func() bool
}

const handOver = 256 // entries per hand-over: a channel operation per entry would cost more than the JSON

func newHandOff(fn func(*digested) error) *handOff {
	p := &handOff{ch: make(chan []digested, 4), done: make(chan error, 1)}
	var failed atomic.Bool
	p.failed = failed.Load
	go func() {
		var err error
		for b := range p.ch {
			for i := range b {
				if err == nil {
					if err = fn(&b[i]); err != nil {
						failed.Store(true)
					}
				}
			}
		}
		p.done <- err
	}()
	return p
}

func (p *handOff) send(d digested) {
	if p.batch == nil {
		p.batch = make([]digested, 0, handOver)
	}
	if p.batch = append(p.batch, d); len(p.batch) == handOver {
		p.ch <- p.batch
		p.batch = nil
	}
}

// close hands over the last batch and waits for fn: its first error.
func (p *handOff) close() error {
	if len(p.batch) > 0 {
		p.ch <- p.batch
	}
	close(p.ch)
	return <-p.done
}

func inspectJSON(w io.Writer, l *logdir.Log, doc *inspectDoc, withEntries bool, f entryFilter) error {
	if !withEntries {
		return writeJSON(w, doc)
	}
	// Stream: the head object, then the entries one by one, so that memory
	// does not grow with the log.
	head, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	head = bytes.TrimSuffix(head, []byte("}"))
	if _, err := fmt.Fprintf(w, "%s,\"entries\":[", head); err != nil {
		return err
	}
	keep := payloadKeep(f.payload)
	first := true
	var line []byte
	err = eachEntry(l, f, keep, func(e raftlog.Entry, sum string, n int64, body []byte, tv *trueView) error {
		d := newEntryDoc(e, sum, n, body, tv, f.payload, keep > 0)
		line = append(line[:0], ",\n"...)
		if first {
			line, first = line[1:], false
		}
		line = appendEntryJSON(line, &d)
		_, err := w.Write(line)
		return err
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(w, "\n]}\n")
	return err
}

// payloadKeep is how much of each payload the JSON forms keep: all of it for
// a view, none for none and redacted.
func payloadKeep(mode string) int64 {
	if mode == "none" || mode == "redacted" {
		return 0
	}
	return 1 << 62
}

// newEntryDoc is the JSON object of one entry, in --json and --jsonl alike.
func newEntryDoc(
	e raftlog.Entry,
	sum string,
	n int64,
	body []byte,
	tv *trueView,
	mode string,
	withPayload bool,
) entryDoc {
	d := entryDoc{Index: e.Index, Term: e.Term, Timestamp: timestamp(e.Ticks), Ticks: e.Ticks, CommandID: e.CommandID,
		Length: e.Length, SHA256: sum, PayloadAvailable: n, Snapshot: e.IsSnapshot, Committed: e.Committed,
		State: e.State.String(), Reason: e.Reason, HashOK: e.HashOK}
	if e.Record.File != "" && e.Record.Offset >= 0 {
		rec := e.Record
		d.Record = &rec
	}
	if p := e.Padding292; p != nil {
		d.Padding292 = &paddingDoc{
			Bytes:        p.Bytes,
			Boundary:     p.Boundary,
			TrueOffset:   p.TrueOffset,
			TrueLength:   p.TrueLength,
			TrueSHA256:   tv.sum,
			Proven:       p.Proven,
			Missing:      p.Missing,
			PayloadShown: "delivered",
		}
		if p.Proven {
			d.Padding292.PayloadShown, body = "appended", tv.head
		}
	}
	if withPayload {
		if s, ok := payloadView(mode, body); ok {
			d.Payload = &s
		}
	}
	return d
}

// writeEntriesJSONL writes one JSON object per selected entry and line:
// memory stays flat, whatever the log's length (--jsonl).
func writeEntriesJSONL(w io.Writer, l *logdir.Log, f entryFilter) error {
	keep := payloadKeep(f.payload)
	var line []byte
	return eachEntry(l, f, keep, func(e raftlog.Entry, sum string, n int64, body []byte, tv *trueView) error {
		d := newEntryDoc(e, sum, n, body, tv, f.payload, keep > 0)
		line = append(appendEntryJSON(line[:0], &d), '\n')
		_, err := w.Write(line)
		return err
	})
}

func printInspect(w io.Writer, d *inspectDoc) {
	printLine(w, "%s %s", bold("Log:"), d.Dir)
	format := join(d.Format, " (confidence ", d.Confidence, ")")
	if d.RecordsPerPartition > 0 {
		format += join(fmt.Sprintf(", %d records per partition", d.RecordsPerPartition))
	}
	if d.MaxEntrySize > 0 {
		format += join(fmt.Sprintf(", max entry size %d", d.MaxEntrySize))
	}
	if p := d.WAL; p != nil {
		format += join(
			fmt.Sprintf(
				", chunk size %d, %d-byte records in %d-byte slots, hash %s, %d-byte checkpoint (written by %s)",
				p.ChunkSize,
				p.RecordSize,
				p.SlotSize,
				p.Hash,
				p.CheckpointForm,
				p.Writers,
			),
		)
	}
	printLine(w, "%s %s", bold("Format:"), format)
	if s := d.NodeState; s != nil {
		vote := "none"
		if s.Vote != nil {
			vote = *s.Vote
		}
		printLine(
			w,
			"%s term %d, vote %s, commit index %d, last applied %s, last index %s, checksum %s (%s, %d bytes)",
			bold(
				"Node state:",
			),
			s.Term,
			vote,
			s.CommitIndex,
			orDash(s.LastApplied),
			orDash(s.LastIndex),
			s.Checksum,
			s.File,
			s.Size,
		)
		printVoteLayout(w, s)
	} else {
		printLine(w, "%s %s", bold("Node state:"), red("missing"))
	}
	if s := d.Snapshot; s != nil {
		file := s.File
		if file == "" {
			file = "kept by the application"
		}
		taken := ""
		if s.Timestamp != "" && !strings.HasPrefix(s.Timestamp, "0001-") {
			taken = ", taken " + s.Timestamp
		}
		printLine(
			w,
			"%s index %d, term %d, %d bytes at offset %d (%s)%s",
			bold("Snapshot:"),
			s.Index,
			s.Term,
			s.Length,
			s.Offset,
			file,
			taken,
		)
	} else {
		printLine(w, "%s none", bold("Snapshot:"))
	}
	blank(w)
	t := newTable(w, "PARTITION", "FILE", "INDEXES", "SEALED", "ENTRIES", "BYTES", "NOTE")
	for _, p := range d.Partitions {
		idx := "-"
		if p.FirstIndex >= 0 {
			idx = raftlog.Range{From: p.FirstIndex, To: p.LastIndex}.String()
		}
		sealed := "no"
		if p.Sealed {
			sealed = "yes"
		}
		t.Row(p.Number, p.File, idx, sealed, p.Entries, p.Bytes, p.Note)
	}
	t.Render()
	blank(w)
	tot := d.Totals
	totals := "no entries"
	if tot.Entries > 0 && tot.First >= 0 {
		totals = fmt.Sprintf("%s (%d unusable), indexes %s", plural64(tot.Entries, "entry"), tot.Unusable,
			raftlog.Range{From: tot.First, To: tot.Last})
	}
	printLine(w, "%s %s, %d payload bytes", bold("Totals:"), totals, tot.Bytes)
	if len(tot.Terms) > 0 {
		parts := make([]string, 0, len(tot.Terms))
		for _, tc := range tot.Terms {
			parts = append(
				parts,
				fmt.Sprintf("term %d: %s, %d bytes", tc.Term, plural64(tc.Entries, "entry"), tc.Bytes),
			)
		}
		printLine(w, "%s %s", bold("Per term:"), strings.Join(parts, "; "))
	}
}

// printVoteLayout explains a vote that not every release reads as the
// member it names: stored in the layout before 4.8.0, or in a layout the
// bytes cannot tell. The common 4.8.0+ vote needs no line.
func printVoteLayout(w io.Writer, s *nodeStateDoc) {
	switch s.VoteLayout {
	case "before 4.8.0":
		printLine(
			w,
			"%s %s, stored in the ClusterMemberId layout before 4.8.0 (port before length, as DotNext 4.0–4.7.x write it)",
			bold("Vote:"),
			*s.Vote,
		)
		for _, r := range s.VoteReadBy {
			word := yellow("reads ", r.Reads)
			if r.Voted {
				word = join("reads ", r.Reads)
			}
			printLine(w, "  DotNext %s %s", r.Releases, word)
		}
	case "unknown":
		printLine(
			w,
			"%s %s is not an IP endpoint's id: whether it is stored in the layout before 4.8.0 or the 4.8.0+ one cannot be told from its bytes",
			bold("Vote:"),
			s.VoteID,
		)
	}
}

func printEntries(w io.Writer, l *logdir.Log, f entryFilter) error {
	blank(w)
	t := newTable(w, "INDEX", "TERM", "TIMESTAMP (UTC)", "COMMAND", "LENGTH", "STATE", "PAYLOAD").keep(2)
	if f.payload != "redacted" {
		t.cut(6) // a preview, cut anyway; the redacted view's hash must stay whole
	}
	err := eachEntry(l, f, previewBytes+1, func(e raftlog.Entry, sum string, n int64, head []byte, tv *trueView) error {
		cmd := "-"
		if e.CommandID != nil {
			cmd = fmt.Sprint(*e.CommandID)
		}
		state := join(e.State.String())
		if e.IsSnapshot {
			state = "snapshot"
		} else if !e.Committed {
			state += join(" ", faint("(uncommitted)"))
		}
		if e.State == raftlog.EntryDamaged {
			state = join(red(state), ": ", e.Reason)
		}
		ts := timestamp(e.Ticks)
		switch {
		case e.Ticks == 0:
			ts = "-" // no timestamp kept (6.x WAL, stubs)
		case ts == "":
			ts = fmt.Sprintf("(ticks %d)", e.Ticks)
		}
		pv := preview(f.payload, head, n)
		if f.payload == "redacted" {
			pv = fmt.Sprintf("%d bytes, sha256 %s", n, sum)
		}
		if p := e.Padding292; p != nil {
			state, pv = paddingText(e, p, state, pv, f.payload, tv, sum)
		}
		t.Row(e.Index, e.Term, ts, cmd, e.Length, state, styled(pv))
		return nil
	})
	t.Render()
	return err
}

// paddingText puts an entry's #292 padding beside it: the state names the
// padding, and the payload column shows the appended bytes (and says so)
// when the evidence holds.
func paddingText(e raftlog.Entry, p *raftlog.Padding, state styled, pv, mode string, tv *trueView,
	sum string) (styled, string) {
	if !p.Proven {
		return state + yellow(fmt.Sprintf(" · %d bytes before %d look like #292 padding (unproven: see walctl verify)",
			p.Bytes, p.Boundary)), pv
	}
	state += red(fmt.Sprintf(" · #292 padding: %d zero bytes before %d; appended %d bytes at %d",
		p.Bytes, p.Boundary, p.TrueLength, p.TrueOffset))
	if mode == "none" {
		return state, pv
	}
	pv = preview(mode, tv.head, tv.n)
	if mode == "redacted" {
		pv = fmt.Sprintf("%d bytes, sha256 %s", tv.n, tv.sum)
	}
	return state, fmt.Sprintf("(appended payload; the library delivers %d bytes, sha256 %.12s) %s", e.Length, sum, pv)
}
