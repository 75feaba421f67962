package cmd

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/convert"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/internal/termtext"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/txn"
	"github.com/walctl/walctl/verify"
)

func convertCommand() *cli.Command {
	return &cli.Command{
		Name:      "convert",
		Usage:     "rewrite a log in another format (legacy, v2, sparse, wal) or with other layout parameters, keeping every entry",
		ArgsUsage: "DIR",
		Flags: append(writeFlags(),
			&cli.StringFlag{Name: "to", Usage: "output format: " + format.Names(format.Logs, "|") + " (required; table = v2)"},
			&cli.Int64Flag{Name: "records-per-partition", Aliases: []string{"R"}, Usage: "records per partition of the output (default: the input's); partitions are renumbered"},
			&cli.Int64Flag{Name: "max-entry-size", Aliases: []string{"M"}, Usage: "--to sparse: MaxLogEntrySize of the output (default: the input's when it is sparse)"},
			&cli.StringFlag{Name: "out", Usage: "the new directory (must not exist or be empty); it appears only once complete"},
			&cli.BoolFlag{Name: "in-place", Usage: "convert DIR itself (after copying it to the backup)"},
			&cli.StringFlag{Name: "backup", Usage: "--in-place: where DIR is copied first (default: a new sibling DIR.walctl-backup-<UTC time>)"},
			&cli.BoolFlag{Name: "force", Usage: "go on although another process holds the log's files"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON document"},
			&cli.StringFlag{Name: "in-format", Usage: "input format, when detection is unsure: " + format.Names(format.Logs, "|") + " (table = v2)"},
			&cli.Int64Flag{Name: "in-records-per-partition", Usage: "input R, when detection is unsure"},
			&cli.Int64Flag{Name: "in-max-entry-size", Usage: "input M (sparse), when detection is unsure"},
			&cli.StringFlag{Name: "wal-layout", Usage: "--to wal: record layout 6 (32-byte records, the 6.x default) or 5 (40-byte records: 5.x, or 6.x with IgnoreTimestamp=false)"},
			&cli.Int64Flag{Name: "chunk-size", Usage: "--to wal: data chunk size in bytes, the node's WriteAheadLog ChunkSize (default 4096, the library's)"},
			&cli.StringFlag{Name: "hash", Usage: "--to wal: per-entry hash " + strings.Join(hashNames, "|") + " (default none, the library's)"},
			&cli.IntFlag{Name: "checkpoint-bytes", Usage: "--to wal: checkpoint form 8 (5.x), 12 (6.0–6.7) or 20 (6.8+, the default)"},
			&cli.StringFlag{Name: "target-version", Usage: "the DotNext release that will open the output: --to wal picks the checkpoint form (5.x also the 40-byte layout); --to legacy|v2|sparse the vote's layout (before 4.8.0: port first), and v2|sparse need 5.4.0+"},
			&cli.BoolFlag{Name: "copy-snapshot", Usage: "--to wal: copy the input's snapshot to " +
				"<snapshot-dir>/<index>-<term> (SimpleStateMachine's naming); the default"},
			&cli.BoolFlag{Name: "no-snapshot", Usage: "--to wal: leave the input's snapshot out (the node's own " +
				"state machine restores it); walctl.snapshot records its index and term"},
			&cli.StringFlag{Name: "snapshot-dir", Usage: "--to wal: the snapshot directory inside NEWDIR (default db)"},
		),
		Action: runConvert,
	}
}

type convertDoc struct {
	Conversion *convert.Conversion `json:"conversion,omitempty"`
	Output     string              `json:"output"`
	Backup     string              `json:"backup,omitempty"`
	Verify     *verify.Report      `json:"verify,omitempty"`
	Comparison *convert.Comparison `json:"comparison,omitempty"`
	Audit      *audit.Report       `json:"audit,omitempty"`
	Refused    []string            `json:"refused,omitempty"`
}

func runConvert(c *cli.Context) error {
	dir, err := oneDir(c)
	if err != nil {
		return err
	}
	to, ok := format.Parse(strings.ToLower(c.String("to")))
	switch {
	case !c.IsSet("to"):
		return usageError{msg: "convert needs --to FORMAT", hint: "walctl convert --to " + format.Names(format.Logs, "|") + " --out NEWDIR DIR"}
	case !ok:
		return usageError{msg: fmt.Sprintf("--to %q is not a format walctl writes", c.String("to")), hint: "use --to " + format.Names(format.Logs, ", ")}
	}
	if err := c.Set("to", string(to)); err != nil {
		return err
	}
	if to == format.WAL {
		return runConvertToWAL(c, dir)
	}
	co, in, err := convertOptions(c)
	if err != nil {
		return err
	}
	args := canonicalArgs(c, dir)
	var lk *txn.Lock
	if co.InPlace {
		var j *txn.Journal
		if lk, j, err = lockForWrite(c, dir, args); err != nil {
			return err
		}
		defer lk.Unlock()
		if j != nil {
			return finishPendingConvert(c, dir, lk, j)
		}
	} else if lk, err = lockInput(dir); err != nil {
		return err
	} else {
		defer lk.Unlock()
	}
	if err := checkEvidence(c, dir, convertInput(c, in)); err != nil {
		return err
	}
	l, err := logdir.Open(dir, in)
	if err != nil {
		return err
	}
	if err := checkHeld(c, l); err != nil {
		l.Close()
		return err
	}
	if l.Format == format.WAL {
		return runConvertFromWAL(c, l, co, lk, args)
	}
	conv, err := convert.Plan(l, co)
	l.Close()
	var ie *convert.InputError
	if errors.As(err, &ie) {
		return reportRefusedConvert(c, ie)
	}
	if err != nil {
		return flagErr(err)
	}
	if err := preflight(dir, in); err != nil {
		return err
	}
	bar := barFor(c, conv.Work(), "converting")
	conv.Progress = bar.Add
	doc := &convertDoc{Conversion: conv, Output: co.Out}
	if co.InPlace {
		doc.Output = dir
	}
	in = logdir.Options{Format: conv.From, R: conv.R, M: conv.M, Force: true}
	cfg, backupBar := writeConfig(c, lk, args, conv.Expect(co), &doc.Audit, conv.Auditor(in, doc.Output, bars(c)))
	res, err := convert.Apply(conv, dir, co, cfg)
	backupBar.Done()
	bar.Done()
	if err != nil {
		return flagErr(err)
	}
	doc.Backup = res.Backup
	return printConverted(c, doc)
}

// lockInput takes the shared lock on the input of a write to a new
// directory (no in-place writer may change it meanwhile) and refuses an
// input with an unfinished write.
func lockInput(dir string) (*txn.Lock, error) {
	lk, err := txn.ShareDir(dir)
	if err != nil {
		return nil, err
	}
	if err := checkRead(dir); err != nil {
		lk.Unlock()
		return nil, err
	}
	return lk, nil
}

// convertInput is what convert reads its input with, for the evidence
// check: the --in-* flags, and for a WriteAheadLog input converted to a
// PersistentState format the layout flags (with --to wal they describe the
// output instead).
func convertInput(c *cli.Context, in logdir.Options) logdir.Options {
	if c.String("to") != string(format.WAL) {
		in.WAL = wal.Options{ChunkSize: c.Int64("chunk-size"), Hash: c.String("hash"), Layout: c.String("wal-layout"), SnapshotDir: c.String("snapshot-dir")}
	}
	return in
}

// convertOptions reads the flags: the output's settings and the input overrides.
func convertOptions(c *cli.Context) (convert.Options, logdir.Options, error) {
	co := convert.Options{To: format.Format(c.String("to")), R: c.Int64("records-per-partition"), M: c.Int64("max-entry-size"),
		Out: c.String("out"), InPlace: c.Bool("in-place"), Backup: c.String("backup"), OverrideEvidence: c.Bool("override-evidence")}
	in := logdir.Options{R: c.Int64("in-records-per-partition"), M: c.Int64("in-max-entry-size")}
	switch {
	case co.Out == "" && !co.InPlace:
		return co, in, usageError{msg: "convert needs --out NEWDIR or --in-place", hint: "walctl convert --to v2 --out NEWDIR DIR"}
	case co.Out != "" && co.InPlace:
		return co, in, usageError{msg: "--out and --in-place exclude each other", hint: "drop one of the two"}
	case co.Backup != "" && !co.InPlace:
		return co, in, usageError{msg: "--backup applies to --in-place only", hint: "--out never changes DIR, so it needs no backup"}
	case c.IsSet("records-per-partition") && (co.R < 2 || co.R > 53_687_091):
		return co, in, usageError{msg: fmt.Sprintf("--records-per-partition %d is out of range", co.R), hint: "DotNext accepts 2 ≤ R ≤ 53687091"}
	case c.IsSet("max-entry-size") && co.M < 1:
		return co, in, usageError{msg: fmt.Sprintf("--max-entry-size %d is out of range", co.M), hint: "M is the MaxLogEntrySize the node will use, a positive number of bytes"}
	}
	if f := c.String("in-format"); f != "" {
		var ok bool
		if in.Format, ok = format.Parse(f); !ok {
			return co, in, usageError{msg: fmt.Sprintf("--in-format %q is not a log format", f), hint: "use " + format.Names(format.Logs, ", ")}
		}
	}
	co.Log = rebuild.LogOptions{Format: in.Format, R: in.R, M: in.M}
	t, err := targetVersion(c)
	co.Target = t
	return co, in, err
}

// finishPendingConvert finishes the conversion journaled in dir, which was
// publishing when it was interrupted, then checks the result against the
// backup as an uninterrupted run would have before publishing.
func finishPendingConvert(c *cli.Context, dir string, lk *txn.Lock, j *txn.Journal) error {
	if err := checkHeld(c, &logdir.Log{Dir: dir}); err != nil {
		return err
	}
	res, err := txn.Finish(dir, j, txn.Config{Lock: lk, FS: writeFS(c)})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "walctl: finished the interrupted conversion of %s (its backup is %s)\n",
		termtext.Escape(dir), termtext.Escape(res.Backup))
	conv, err := convert.Replan(j)
	if err != nil {
		return err
	}
	doc := &convertDoc{Conversion: conv, Output: dir, Backup: res.Backup}
	in := logdir.Options{Format: conv.From, R: conv.R, M: conv.M, Force: true}
	if err := conv.Check(res.Backup, dir, in, dir, bars(c)); err != nil && (conv.Verify == nil || conv.Comparison == nil) {
		return err
	}
	return printConverted(c, doc)
}

func reportRefusedConvert(c *cli.Context, ie *convert.InputError) error {
	w := c.App.Writer
	if c.Bool("json") {
		return errOr(writeJSON(w, &convertDoc{Refused: ie.Reasons}), damageError{})
	}
	printLine(w, "%s %s cannot be converted as it is; nothing was written:", red("refused:"), ie.Dir)
	for _, r := range ie.Reasons {
		printLine(w, "  - %s", r)
	}
	return damageError{}
}

// printConverted prints the conversion with the verification and the
// comparison its audit made.
func printConverted(c *cli.Context, doc *convertDoc) error {
	doc.Verify, doc.Comparison = doc.Conversion.Verify, doc.Conversion.Comparison
	v, cmp := doc.Verify, doc.Comparison
	v.Dir = doc.Output
	w := c.App.Writer
	if c.Bool("json") {
		if err := writeJSON(w, doc); err != nil {
			return err
		}
	} else {
		printConversion(w, doc)
	}
	if !v.OK() || !cmp.OK() {
		return damageError{}
	}
	return nil
}

func printConversion(w io.Writer, doc *convertDoc) {
	cv := doc.Conversion
	out := fmt.Sprintf("%s, R = %d", cv.To, cv.NewR)
	if cv.NewM > 0 {
		out += fmt.Sprintf(", M = %d", cv.NewM)
	}
	printLine(w, "%s %s (%s, R = %d) → %s (%s): %s after snapshot index %d, up to last index %d", bold("Converted"), cv.Dir, cv.From, cv.R,
		doc.Output, out, plural64(cv.Entries, "entry"), cv.Snapshot, cv.LastIndex)
	for _, n := range cv.Notes {
		printLine(w, "  %s", n)
	}
	if len(cv.Partitions) > 0 {
		blank(w)
		t := newTable(w, "PARTITION", "INDEXES", "SEALED")
		for _, p := range cv.Partitions {
			sealed := "-"
			if cv.To == format.V2 {
				sealed = map[bool]string{true: "yes", false: "no"}[p.Sealed]
			}
			t.Row(p.File, p.Keeps.String(), sealed)
		}
		t.Render()
		blank(w)
	}
	copied := "copied unchanged: " + strings.Join(cv.Copied, ", ")
	if len(cv.Copied) == 0 {
		copied = "copied unchanged: nothing"
	}
	if len(cv.Removed) > 0 {
		copied += "; input partitions removed: " + strings.Join(cv.Removed, ", ")
	}
	printLine(w, "%s", copied)
	if doc.Backup != "" {
		printLine(w, "backup of the input: %s", doc.Backup)
	}
	if cv.Vote != nil && (cv.Vote.Rewritten || cv.Vote.From != cv.Vote.To || cv.Vote.From != "4.8.0+") {
		printLine(w, "%s", cv.Vote.Sentence("node.state"))
	}
	files := "node.state and snapshot file identical"
	if st := doc.Comparison.NodeState; st != "" && st != "identical" {
		files = "snapshot file identical; node.state " + st
	}
	printComparison(w, doc.Comparison, "entry",
		", the snapshot included (index, term, timestamp, command id, flags, length, payload bytes); "+files)
	printAudit(w, doc.Audit)
	printVerdictLine(w, "verify the output:", doc.Verify, doc.Output)
}

// walConvertDoc is the JSON form of a conversion to a WriteAheadLog.
type walConvertDoc struct {
	Conversion *convert.WALConversion `json:"conversion,omitempty"`
	Verify     *verify.Report         `json:"verify,omitempty"`
	Comparison *convert.Comparison    `json:"comparison,omitempty"`
	Audit      *audit.Report          `json:"audit,omitempty"`
	Refused    []string               `json:"refused,omitempty"`
}

// runConvertToWAL writes a new WriteAheadLog from any log; its audit
// verifies it and compares its entries with the input's up to the commit
// index before it is published.
func runConvertToWAL(c *cli.Context, dir string) error {
	o, in, err := walConvertOptions(c)
	if err != nil {
		return err
	}
	args := canonicalArgs(c, dir)
	lk, err := lockInput(dir)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	if err := checkEvidence(c, dir, in); err != nil {
		return err
	}
	l, err := logdir.Open(dir, in)
	if err != nil {
		return err
	}
	defer l.Close()
	if err := checkHeld(c, l); err != nil {
		return err
	}
	if err := preflight(dir, in); err != nil {
		return err
	}
	conv, err := convert.PlanToWAL(l, o)
	var ie *convert.InputError
	if errors.As(err, &ie) {
		return reportRefusedWAL(c, ie)
	}
	if err != nil {
		return flagErr(err)
	}
	doc := &walConvertDoc{Conversion: conv}
	cfg, bar := writeConfig(c, lk, args, conv.Expect(in), &doc.Audit, conv.Auditor(in))
	err = conv.Write(cfg)
	bar.Done()
	if err != nil {
		return flagErr(err)
	}
	doc.Verify, doc.Comparison = conv.Verify, conv.Comparison
	doc.Verify.Dir = conv.Out
	if c.Bool("json") {
		if err := writeJSON(c.App.Writer, doc); err != nil {
			return err
		}
	} else {
		printWALConversion(c.App.Writer, doc, c.String("out"))
	}
	if !doc.Verify.OK() || !doc.Comparison.OK() {
		return damageError{}
	}
	return nil
}

// walConvertOptions reads the flags of --to wal.
func walConvertOptions(c *cli.Context) (convert.WALOptions, logdir.Options, error) {
	o := convert.WALOptions{Out: c.String("out"), Layout: c.String("wal-layout"), ChunkSize: c.Int64("chunk-size"),
		CheckpointForm: c.Int("checkpoint-bytes"), NoSnapshot: c.Bool("no-snapshot"), SnapshotDir: c.String("snapshot-dir")}
	in := logdir.Options{R: c.Int64("in-records-per-partition"), M: c.Int64("in-max-entry-size")}
	in.Format, _ = format.Parse(c.String("in-format"))
	h, detectHash, ok := wal.ParseHash(c.String("hash"))
	switch {
	case o.Out == "":
		return o, in, usageError{msg: "convert --to wal needs --out NEWDIR", hint: "walctl convert --to wal --out NEWDIR DIR (a WriteAheadLog is never written in place)"}
	case c.Bool("no-snapshot") && c.Bool("copy-snapshot"):
		return o, in, usageError{msg: "--no-snapshot and --copy-snapshot contradict each other",
			hint: "drop one: the snapshot is copied unless --no-snapshot"}
	case c.Bool("in-place") || c.IsSet("backup"):
		return o, in, usageError{msg: "--to wal writes a new directory only", hint: "use --out NEWDIR"}
	case c.IsSet("records-per-partition") || c.IsSet("max-entry-size"):
		return o, in, usageError{msg: "--records-per-partition and --max-entry-size do not apply to a WriteAheadLog", hint: "use --chunk-size, --hash, --wal-layout"}
	case !ok:
		return o, in, usageError{msg: fmt.Sprintf("--hash %q is not a hash algorithm", c.String("hash")), hint: "use none, crc32, crc64, xxhash32, xxhash64 or xxhash3"}
	case o.Layout != "" && o.Layout != wal.Layout5 && o.Layout != wal.Layout6:
		return o, in, usageError{msg: fmt.Sprintf("--wal-layout %q is not a record layout", o.Layout), hint: "use 6 (32-byte records, the 6.x default) or 5 (40-byte records)"}
	case c.IsSet("chunk-size") && o.ChunkSize < 1:
		return o, in, usageError{msg: fmt.Sprintf("--chunk-size %d is out of range", o.ChunkSize), hint: "a positive number of bytes, a multiple of the OS page size (default 4096)"}
	case c.IsSet("checkpoint-bytes") && c.IsSet("target-version"):
		return o, in, usageError{msg: "--checkpoint-bytes and --target-version exclude each other", hint: "drop one of the two"}
	}
	if !detectHash {
		o.Hash = h
	}
	switch o.CheckpointForm {
	case 0, wal.Checkpoint5x, wal.CheckpointV0, wal.CheckpointV1:
	default:
		return o, in, usageError{msg: fmt.Sprintf("--checkpoint-bytes %d is not a checkpoint form", o.CheckpointForm), hint: "use 8 (5.x), 12 (6.0–6.7) or 20 (6.8+)"}
	}
	v, err := targetVersion(c)
	if err != nil || v.IsZero() {
		return o, in, err
	}
	form, err := convert.CheckpointFormFor(v)
	if err != nil {
		return o, in, flagErr(err)
	}
	o.CheckpointForm = form
	return o, in, nil
}

func reportRefusedWAL(c *cli.Context, ie *convert.InputError) error {
	if c.Bool("json") {
		return errOr(writeJSON(c.App.Writer, &walConvertDoc{Refused: ie.Reasons}), damageError{})
	}
	return reportRefusedConvert(c, ie)
}

// printWALConversion prints a conversion to a WriteAheadLog; out is the
// output directory as the user gave it.
func printWALConversion(w io.Writer, doc *walConvertDoc, out string) {
	cv := doc.Conversion
	printLine(w, "%s %s (%s) → %s (wal: %s, %d-byte checkpoint; opens with %s): %s after snapshot index %d, commit index %d, last index %d",
		bold("Converted"), cv.Dir, cv.From, out, cv.Params, cv.Checkpoint, cv.Writers, plural64(cv.Entries, "entry"), cv.Snapshot, cv.CommitIndex, cv.LastIndex)
	for _, n := range cv.Notes {
		printLine(w, "  %s", n)
	}
	if v := cv.Vote; v != nil && (v.Rewritten || v.From != "4.8.0+") {
		printLine(w, "%s", v.Sentence("state"))
	}
	if n := cv.OpenFileNote(); n != "" {
		printLine(w, "  %s", n)
	}
	printComparison(w, doc.Comparison, "committed entry",
		" (index, term, command id, length, payload bytes), snapshot index and term included"+stateWords(doc.Comparison))
	printAudit(w, doc.Audit)
	printVerdictLine(w, "verify the output:", doc.Verify, out)
}

// fromWALDoc is the JSON form of a conversion of a WriteAheadLog to a
// PersistentState format.
type fromWALDoc struct {
	Conversion *convert.FromWALConversion `json:"conversion,omitempty"`
	Verify     *verify.Report             `json:"verify,omitempty"`
	Comparison *convert.Comparison        `json:"comparison,omitempty"`
	Audit      *audit.Report              `json:"audit,omitempty"`
	Refused    []string                   `json:"refused,omitempty"`
}

// runConvertFromWAL writes a WriteAheadLog as a legacy, v2 or sparse log;
// its audit verifies it and compares every entry up to the last index
// before it is published.
func runConvertFromWAL(c *cli.Context, l *logdir.Log, co convert.Options, lk *txn.Lock, args []string) error {
	defer l.Close()
	if co.InPlace {
		return usageError{msg: "a WriteAheadLog is converted into a new directory only", hint: "use --out NEWDIR"}
	}
	conv, err := convert.PlanFromWAL(l, convert.FromWALOptions{To: co.To, R: co.R, M: co.M, Out: co.Out,
		Target: co.Target})
	var ie *convert.InputError
	if errors.As(err, &ie) {
		if c.Bool("json") {
			return errOr(writeJSON(c.App.Writer, &fromWALDoc{Refused: ie.Reasons}), damageError{})
		}
		return reportRefusedConvert(c, ie)
	}
	if err != nil {
		return flagErr(err)
	}
	doc := &fromWALDoc{Conversion: conv}
	in, _ := logOptions(c)
	in.Format, in.Force = format.WAL, true
	cfg, bar := writeConfig(c, lk, args, conv.Expect(in), &doc.Audit, conv.Auditor(in))
	err = conv.Write(cfg)
	bar.Done()
	if err != nil {
		return flagErr(err)
	}
	doc.Verify, doc.Comparison = conv.Verify, conv.Comparison
	doc.Verify.Dir = conv.Out
	w := c.App.Writer
	if c.Bool("json") {
		if err := writeJSON(w, doc); err != nil {
			return err
		}
	} else {
		out := fmt.Sprintf("%s, R = %d", conv.To, conv.R)
		if conv.M > 0 {
			out += fmt.Sprintf(", M = %d", conv.M)
		}
		printLine(w, "%s %s (wal) → %s (%s): %s, commit index %d, last index %d", bold("Converted"), conv.Dir, c.String("out"), out,
			plural64(conv.Entries, "entry"), conv.CommitIndex, conv.LastIndex)
		for _, n := range conv.Notes {
			printLine(w, "  %s", n)
		}
		printComparison(w, doc.Comparison, "entry", " (index, term, command id, length, payload bytes)"+stateWords(doc.Comparison))
		printAudit(w, doc.Audit)
		printVerdictLine(w, "verify the output:", doc.Verify, conv.Out)
	}
	if !doc.Verify.OK() || !doc.Comparison.OK() {
		return damageError{}
	}
	return nil
}

// printComparison prints the comparison of a converted log with its input:
// one line saying what was found equal ("compare: 12 entries equal" + rest),
// or the mismatches.
func printComparison(w io.Writer, cmp *convert.Comparison, noun, rest string) {
	if cmp.OK() {
		printLine(w, "%s %s equal%s", bold("compare:"), plural64(cmp.Entries, noun), rest)
		return
	}
	printLine(w, "%s %d of %s differ:", red("compare:"), cmp.Count, plural64(cmp.Entries, "entry"))
	for _, m := range cmp.Mismatches {
		printLine(w, "  %s", m)
	}
}

// stateWords is the comparison's node-state sentence, after a "; ".
func stateWords(cmp *convert.Comparison) string {
	if cmp.NodeState == "" {
		return ""
	}
	return "; " + cmp.NodeState
}
