package cmd

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/internal/progress"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/release"
	"github.com/walctl/walctl/repair"
)

func convertCommand() *cli.Command {
	return &cli.Command{
		Name:      "convert",
		Usage:     "rewrite a log in another format (legacy, v2, sparse, wal) or with other layout parameters, keeping every entry",
		ArgsUsage: "DIR",
		Flags: append(writeFlags(),
			&cli.StringFlag{Name: "to", Usage: "output format: legacy|v2|sparse|wal", Required: true},
			&cli.Int64Flag{Name: "records-per-partition", Aliases: []string{"R"}, Usage: "records per partition of the output (default: the input's); partitions are renumbered"},
			&cli.Int64Flag{Name: "max-entry-size", Aliases: []string{"M"}, Usage: "--to sparse: MaxLogEntrySize of the output (default: the input's when it is sparse)"},
			&cli.StringFlag{Name: "out", Usage: "the new directory (must not exist or be empty); it appears only once complete"},
			&cli.BoolFlag{Name: "in-place", Usage: "convert DIR itself (after copying it to the backup)"},
			&cli.StringFlag{Name: "backup", Usage: "--in-place: where DIR is copied first (default: a new sibling DIR.walctl-backup-<UTC time>)"},
			&cli.BoolFlag{Name: "force", Usage: "go on although another process holds the log's files"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON document"},
			&cli.StringFlag{Name: "in-format", Usage: "input format, when detection is unsure: legacy|v2|sparse"},
			&cli.Int64Flag{Name: "in-records-per-partition", Usage: "input R, when detection is unsure"},
			&cli.Int64Flag{Name: "in-max-entry-size", Usage: "input M (sparse), when detection is unsure"},
			&cli.StringFlag{Name: "wal-layout", Usage: "--to wal: record layout 6 (32-byte records, the 6.x default) or 5 (40-byte records: 5.x, or 6.x with IgnoreTimestamp=false)"},
			&cli.Int64Flag{Name: "chunk-size", Usage: "--to wal: data chunk size in bytes, the node's WriteAheadLog ChunkSize (default 4096, the library's)"},
			&cli.StringFlag{Name: "hash", Usage: "--to wal: per-entry hash none|crc32|crc64|xxhash32|xxhash64|xxhash3 (default none, the library's)"},
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
	Conversion *repair.Conversion `json:"conversion,omitempty"`
	Output     string             `json:"output"`
	Backup     string             `json:"backup,omitempty"`
	Audit      *audit.Report      `json:"audit,omitempty"`
	Verify     *verifyDoc         `json:"verify,omitempty"`
	Comparison *repair.Comparison `json:"comparison,omitempty"`
	Refused    []string           `json:"refused,omitempty"`
}

func runConvert(c *cli.Context) error {
	dir, err := oneDir(c)
	if err != nil {
		return err
	}
	if c.String("to") == "wal" {
		return runConvertToWAL(c, dir)
	}
	co, in, err := convertOptions(c)
	if err != nil {
		return err
	}
	if co.InPlace {
		if j, err := repair.Pending(dir); err != nil || j != nil {
			if err != nil {
				return err
			}
			return finishPendingConvert(c, dir, j)
		}
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
	if l.Format == "wal" {
		return runConvertFromWAL(c, l, co)
	}
	conv, err := repair.PlanConvert(l, co)
	l.Close()
	var ie *repair.InputError
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
	res, err := repair.ApplyConvert(conv, dir, co)
	bar.Done()
	if err != nil {
		return err
	}
	doc := &convertDoc{Conversion: conv, Output: co.Out, Backup: res.Backup}
	source := dir
	if co.InPlace {
		doc.Output, source = dir, res.Backup
	}
	if doc.Audit, err = proveWrite(c, source, doc.Output, res.Backup, conv.Expect(co)); err != nil {
		return err
	}
	return checkConverted(c, doc, source, logdir.Options{Format: conv.From, R: conv.R, M: conv.M, Force: true})
}

// convertInput is what convert reads its input with, for the evidence
// check: the --in-* flags, and for a WriteAheadLog input converted to a
// PersistentState format the layout flags (with --to wal they describe the
// output instead).
func convertInput(c *cli.Context, in logdir.Options) logdir.Options {
	if c.String("to") != "wal" {
		in.WAL = wal.Options{ChunkSize: c.Int64("chunk-size"), Hash: c.String("hash"), Layout: c.String("wal-layout"), SnapshotDir: c.String("snapshot-dir")}
	}
	return in
}

// convertOptions reads the flags: the output's settings and the input overrides.
func convertOptions(c *cli.Context) (repair.ConvertOptions, logdir.Options, error) {
	co := repair.ConvertOptions{To: c.String("to"), R: c.Int64("records-per-partition"), M: c.Int64("max-entry-size"),
		Out: c.String("out"), InPlace: c.Bool("in-place"), Backup: c.String("backup"), OverrideEvidence: c.Bool("override-evidence")}
	in := logdir.Options{Format: c.String("in-format"), R: c.Int64("in-records-per-partition"), M: c.Int64("in-max-entry-size")}
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
	switch in.Format {
	case "", "legacy", "v2", "sparse", "wal":
	case "table":
		in.Format = "v2"
	default:
		return co, in, usageError{msg: fmt.Sprintf("--in-format %q is not a PersistentState format", in.Format), hint: "use legacy, v2 or sparse"}
	}
	co.Log = repair.LogOptions{Format: in.Format, R: in.R, M: in.M}
	if v := c.String("target-version"); v != "" {
		t, err := release.Parse(v)
		if err != nil {
			return co, in, usageError{msg: "--target-version: " + err.Error(), hint: "give the DotNext.Net.Cluster release that will open the output, e.g. 4.15.3 or 5.26.2"}
		}
		co.Target = t
	}
	return co, in, nil
}

func finishPendingConvert(c *cli.Context, dir string, j *repair.Journal) error {
	if j.Command != "convert" {
		cmd := j.Command
		if cmd == repair.WALJournalCommand {
			cmd = "repair" // a WriteAheadLog repair is finished by walctl repair too
		}
		return hinted{err: fmt.Errorf("%s: an interrupted walctl %s is pending (its backup is %s)", dir, cmd, j.Backup),
			hint: fmt.Sprintf("run walctl %s --apply %s to finish it first", cmd, dir)}
	}
	if err := checkHeld(c, &logdir.Log{Dir: dir}); err != nil {
		return err
	}
	res, err := repair.Resume(dir)
	if err != nil {
		return err
	}
	jo := j.Convert
	l, err := logdir.Open(res.Backup, jo.Log.Open())
	if err != nil {
		return err
	}
	conv, err := repair.PlanConvert(l, *jo)
	l.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "walctl: finished the interrupted conversion of %s from its backup %s\n", dir, res.Backup)
	doc := &convertDoc{Conversion: conv, Output: dir, Backup: res.Backup}
	if doc.Audit, err = proveWrite(c, res.Backup, dir, res.Backup, conv.Expect(*jo)); err != nil {
		return err
	}
	return checkConverted(c, doc, res.Backup, logdir.Options{Format: conv.From, R: conv.R, M: conv.M, Force: true})
}

func reportRefusedConvert(c *cli.Context, ie *repair.InputError) error {
	w := c.App.Writer
	if c.Bool("json") {
		return errOr(writeJSON(w, &convertDoc{Refused: ie.Reasons}), damageError{})
	}
	fmt.Fprintf(w, "%s %s cannot be converted as it is; nothing was written:\n", red("refused:"), ie.Dir)
	for _, r := range ie.Reasons {
		fmt.Fprintf(w, "  - %s\n", r)
	}
	return damageError{}
}

// verifyOutput verifies a log a command wrote as plain walctl verify DIR
// does, so that both give one verdict; when detection cannot tell its
// settings, with those it was written with, which the verify command the
// doc names (and its fix commands) then carry.
func verifyOutput(dir string, written logdir.Options, bar func(*logdir.Log) *progress.Bar) (*verifyDoc, error) {
	doc, err := verifyWith(dir, logdir.Options{}, bar)
	var unsure *logdir.ErrUnsure
	if !errors.As(err, &unsure) {
		if doc != nil {
			doc.Command = "walctl verify " + dir
		}
		return doc, err
	}
	doc, err = verifyWith(dir, written, bar)
	if err != nil {
		return nil, err
	}
	flags := optionFlags(written)
	doc.carryInputFlags(flags)
	doc.Command = strings.Join(append(append([]string{"walctl", "verify"}, flags...), dir), " ")
	return doc, nil
}

// optionFlags are the command-line words of the settings in o.
func optionFlags(o logdir.Options) []string {
	var out []string
	add := func(name, v string) {
		if v != "" && v != "0" {
			out = append(out, "--"+name, v)
		}
	}
	add("format", o.Format)
	add("records-per-partition", fmt.Sprint(o.R))
	add("max-entry-size", fmt.Sprint(o.M))
	add("chunk-size", fmt.Sprint(o.WAL.ChunkSize))
	add("hash", o.WAL.Hash)
	add("wal-layout", o.WAL.Layout)
	add("snapshot-dir", o.WAL.SnapshotDir)
	return out
}

// checkConverted verifies the output and compares every entry with the source.
func checkConverted(c *cli.Context, doc *convertDoc, source string, in logdir.Options) error {
	conv := doc.Conversion
	out := logdir.Options{Format: conv.To, R: conv.NewR, M: conv.NewM, Force: true}
	v, err := verifyOutput(doc.Output, out,
		func(l *logdir.Log) *progress.Bar { return newBar(c, l, "verifying the output") })
	if err != nil {
		return fmt.Errorf("verify the output: %w", err)
	}
	bar := barFor(c, conv.Entries, "comparing with the input")
	cmp, err := repair.CompareLogsWith(source, doc.Output, in, out, bar.Add)
	bar.Done()
	if err != nil {
		return fmt.Errorf("compare the output with the input: %w", err)
	}
	doc.Verify, doc.Comparison = v, cmp
	w := c.App.Writer
	if c.Bool("json") {
		if err := writeJSON(w, doc); err != nil {
			return err
		}
	} else {
		printConversion(w, doc)
	}
	if v.Verdict != "ok" || !cmp.OK() {
		return damageError{}
	}
	return nil
}

func printConversion(w io.Writer, doc *convertDoc) {
	cv := doc.Conversion
	fmt.Fprintf(w, "%s %s (%s, R = %d) → %s (%s, R = %d", bold("Converted"), cv.Dir, cv.From, cv.R, doc.Output, cv.To, cv.NewR)
	if cv.NewM > 0 {
		fmt.Fprintf(w, ", M = %d", cv.NewM)
	}
	fmt.Fprintf(w, "): %d entries after snapshot %d, up to LastIndex %d\n", cv.Entries, cv.Snapshot, cv.LastIndex)
	for _, n := range cv.Notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
	if len(cv.Partitions) > 0 {
		fmt.Fprintln(w)
		t := newTable(w, "PARTITION", "INDEXES", "SEALED")
		for _, p := range cv.Partitions {
			sealed := "-"
			if cv.To == "v2" {
				sealed = map[bool]string{true: "yes", false: "no"}[p.Sealed]
			}
			t.Append([]string{p.File, p.Keeps.String(), sealed})
		}
		t.Render()
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "copied unchanged: %v", cv.Copied)
	if len(cv.Removed) > 0 {
		fmt.Fprintf(w, "; input partitions removed: %v", cv.Removed)
	}
	fmt.Fprintln(w)
	if cv.Vote != nil && (cv.Vote.Rewritten || cv.Vote.From != cv.Vote.To || cv.Vote.From != "4.8.0+") {
		fmt.Fprintln(w, cv.Vote.Sentence("node.state"))
	}
	if doc.Backup != "" {
		fmt.Fprintf(w, "backup of the input: %s\n", doc.Backup)
	}
	files := "node.state and snapshot file identical"
	if st := doc.Comparison.NodeState; st != "" && st != "identical" {
		files = "snapshot file identical; node.state " + st
	}
	printComparison(w, doc.Comparison,
		"entries equal, the snapshot included (index, term, timestamp, command id, flags, length, payload bytes); "+files)
	printAudit(w, doc.Audit)
	printVerdictLine(w, "verify the output:", doc.Verify)
}

// walConvertDoc is the JSON form of a conversion to a WriteAheadLog.
type walConvertDoc struct {
	Conversion *repair.WALConversion `json:"conversion,omitempty"`
	Audit      *audit.Report         `json:"audit,omitempty"`
	Verify     *verifyDoc            `json:"verify,omitempty"`
	Comparison *repair.Comparison    `json:"comparison,omitempty"`
	Refused    []string              `json:"refused,omitempty"`
}

// runConvertToWAL writes a new WriteAheadLog from any log, verifies it and
// compares its entries with the input's up to the commit index.
func runConvertToWAL(c *cli.Context, dir string) error {
	o, in, err := walConvertOptions(c)
	if err != nil {
		return err
	}
	if err := checkEvidence(c, dir, in); err != nil {
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
	if err := preflight(dir, in); err != nil {
		l.Close()
		return err
	}
	conv, err := repair.ConvertToWAL(l, o)
	l.Close()
	var ie *repair.InputError
	if errors.As(err, &ie) {
		return reportRefusedWAL(c, ie)
	}
	if err != nil {
		return flagErr(err)
	}
	doc := &walConvertDoc{Conversion: conv}
	if doc.Audit, err = proveWrite(c, dir, conv.Out, "", conv.Expect(in)); err != nil {
		return err
	}
	if doc.Verify, err = verifyOutput(conv.Out, conv.OutOptions(), nil); err != nil {
		return fmt.Errorf("verify the output: %w", err)
	}
	in.Force = true
	if doc.Comparison, err = repair.CompareCommitted(dir, conv.Out, in, conv.OutOptions(), conv.CommitIndex); err != nil {
		return fmt.Errorf("compare the output with the input: %w", err)
	}
	if c.Bool("json") {
		if err := writeJSON(c.App.Writer, doc); err != nil {
			return err
		}
	} else {
		printWALConversion(c.App.Writer, doc)
	}
	if doc.Verify.Verdict != "ok" || !doc.Comparison.OK() {
		return damageError{}
	}
	return nil
}

// walConvertOptions reads the flags of --to wal.
func walConvertOptions(c *cli.Context) (repair.WALOptions, logdir.Options, error) {
	o := repair.WALOptions{Out: c.String("out"), Layout: c.String("wal-layout"), ChunkSize: c.Int64("chunk-size"),
		CheckpointForm: c.Int("checkpoint-bytes"), NoSnapshot: c.Bool("no-snapshot"), SnapshotDir: c.String("snapshot-dir")}
	in := logdir.Options{Format: c.String("in-format"), R: c.Int64("in-records-per-partition"), M: c.Int64("in-max-entry-size")}
	if in.Format == "table" {
		in.Format = "v2"
	}
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
	if v := c.String("target-version"); v != "" {
		form, err := repair.CheckpointFormFor(v)
		if err != nil {
			return o, in, flagErr(err)
		}
		o.CheckpointForm = form
	}
	return o, in, nil
}

func reportRefusedWAL(c *cli.Context, ie *repair.InputError) error {
	if c.Bool("json") {
		return errOr(writeJSON(c.App.Writer, &walConvertDoc{Refused: ie.Reasons}), damageError{})
	}
	return reportRefusedConvert(c, ie)
}

func printWALConversion(w io.Writer, doc *walConvertDoc) {
	cv := doc.Conversion
	fmt.Fprintf(w, "%s %s (%s) → %s (wal: %s, %d-byte checkpoint; opens with %s): %d entries after snapshot %d, commit index %d, last index %d\n",
		bold("Converted"), cv.Dir, cv.From, cv.Out, cv.Params, cv.Checkpoint, cv.Writers, cv.Entries, cv.Snapshot, cv.CommitIndex, cv.LastIndex)
	for _, n := range cv.Notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
	if v := cv.Vote; v != nil && (v.Rewritten || v.From != "4.8.0+") {
		fmt.Fprintln(w, v.Sentence("state"))
	}
	if n := cv.OpenFileNote(); n != "" {
		fmt.Fprintf(w, "  %s\n", n)
	}
	printComparison(w, doc.Comparison, "committed entries equal (index, term, command id, length, payload bytes), "+
		"snapshot index and term included"+stateWords(doc.Comparison))
	printAudit(w, doc.Audit)
	printVerdictLine(w, "verify the output:", doc.Verify)
}

// fromWALDoc is the JSON form of a conversion of a WriteAheadLog to a
// PersistentState format.
type fromWALDoc struct {
	Conversion *repair.FromWALConversion `json:"conversion,omitempty"`
	Audit      *audit.Report             `json:"audit,omitempty"`
	Verify     *verifyDoc                `json:"verify,omitempty"`
	Comparison *repair.Comparison        `json:"comparison,omitempty"`
	Refused    []string                  `json:"refused,omitempty"`
}

// runConvertFromWAL writes a WriteAheadLog as a legacy, v2 or sparse log,
// verifies it and compares every entry up to the last index.
func runConvertFromWAL(c *cli.Context, l *logdir.Log, co repair.ConvertOptions) error {
	dir := l.Dir
	if co.InPlace {
		l.Close()
		return usageError{msg: "a WriteAheadLog is converted into a new directory only", hint: "use --out NEWDIR"}
	}
	conv, err := repair.ConvertFromWAL(l, repair.FromWALOptions{To: co.To, R: co.R, M: co.M, Out: co.Out,
		Target: co.Target})
	l.Close()
	var ie *repair.InputError
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
	in.Format, in.Force = "wal", true
	if doc.Audit, err = proveWrite(c, dir, conv.Out, "", conv.Expect(in)); err != nil {
		return err
	}
	if doc.Verify, err = verifyOutput(conv.Out, conv.OutOptions(), nil); err != nil {
		return fmt.Errorf("verify the output: %w", err)
	}
	if doc.Comparison, err = repair.CompareCommitted(dir, conv.Out, in, conv.OutOptions(), conv.LastIndex); err != nil {
		return fmt.Errorf("compare the output with the input: %w", err)
	}
	w := c.App.Writer
	if c.Bool("json") {
		if err := writeJSON(w, doc); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(w, "%s %s (wal) → %s (%s, R = %d", bold("Converted"), conv.Dir, conv.Out, conv.To, conv.R)
		if conv.M > 0 {
			fmt.Fprintf(w, ", M = %d", conv.M)
		}
		fmt.Fprintf(w, "): %d entries, CommitIndex %d, LastIndex %d\n", conv.Entries, conv.CommitIndex, conv.LastIndex)
		for _, n := range conv.Notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
		printComparison(w, doc.Comparison, "entries equal (index, term, command id, length, payload bytes)"+stateWords(doc.Comparison))
		printAudit(w, doc.Audit)
		printVerdictLine(w, "verify the output:", doc.Verify)
	}
	if doc.Verify.Verdict != "ok" || !doc.Comparison.OK() {
		return damageError{}
	}
	return nil
}

// stateWords is the comparison's node-state sentence, after a "; ".
func stateWords(cmp *repair.Comparison) string {
	if cmp.NodeState == "" {
		return ""
	}
	return "; " + cmp.NodeState
}

// printComparison prints the comparison of a converted log with its input:
// one line saying what was found equal, or the mismatches.
func printComparison(w io.Writer, cmp *repair.Comparison, equal string) {
	if cmp.OK() {
		fmt.Fprintf(w, "%s %d %s\n", bold("compare:"), cmp.Entries, equal)
		return
	}
	fmt.Fprintf(w, "%s %d of %d entries differ:\n", red("compare:"), cmp.Count, cmp.Entries)
	for _, m := range cmp.Mismatches {
		fmt.Fprintf(w, "  %s\n", m)
	}
}
