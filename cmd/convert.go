package cmd

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/convert"
	"github.com/walctl/walctl/detect"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/internal/termtext"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/release"
	"github.com/walctl/walctl/txn"
	"github.com/walctl/walctl/verify"
)

// convertOptions are convert's settings: the output's format (--to), place
// (--out, or --in-place with --backup) and settings (--out-…: R and M of a
// PersistentState output; chunk size, hash, record layout, checkpoint form
// and snapshot directory of a WriteAheadLog), the release that will open it
// (--target-version), the input's settings (--in-…), and --json, --force,
// --override-evidence.
type convertOptions struct {
	in                                          inputOptions // prefix "in-"
	json, inPlace, force, override              bool
	copySnapshot, noSnapshot                    bool
	to                                          format.Format
	out, backup                                 string
	r, m                                        int64 // --out-records-per-partition, --out-max-entry-size
	chunkSize                                   int64
	hash, walLayout, snapshotDir                string
	checkpoint                                  int
	target                                      release.Version
	rSet, mSet, walSet, chunkSet, checkpointSet bool
}

func (o *convertOptions) flags() []cli.Flag {
	// The order is the one of the command line a journal keeps
	// (canonicalArgs): an interrupted in-place conversion of an earlier
	// build is finished by this one.
	return append(append(flagsNamed("", "override-evidence", "to", "out-records-per-partition", "out-max-entry-size",
		"out", "in-place", "backup", "force", "json"), o.in.flags()...), flagsNamed("", "out-wal-layout",
		"out-chunk-size", "out-hash", "out-checkpoint-bytes", "target-version", "copy-snapshot", "no-snapshot",
		"out-snapshot-dir")...)
}

// read reads the flags and checks what holds for every conversion; ps and
// toWAL check the rest for their output.
func (o *convertOptions) read(c *cli.Context) error {
	if _, err := oneDir(c); err != nil {
		return err
	}
	to, ok := format.Parse(strings.ToLower(c.String("to")))
	switch {
	case !c.IsSet("to"):
		return usageError{
			msg: "convert needs --to FORMAT",
			hint: "walctl convert --to " + format.Names(format.Logs, "|") +
				" --out NEWDIR DIR",
		}
	case !ok:
		return usageError{msg: fmt.Sprintf("--to %q is not a format walctl writes", c.String("to")),
			hint: "use --to " + format.Names(format.Logs, ", ")}
	}
	o.to = to
	if err := c.Set("to", string(to)); err != nil { // the journal's command line names the format one way
		return err
	}
	o.json, o.inPlace, o.force, o.override = c.Bool("json"), c.Bool("in-place"), c.Bool("force"),
		c.Bool("override-evidence")
	o.copySnapshot, o.noSnapshot = c.Bool("copy-snapshot"), c.Bool("no-snapshot")
	o.out, o.backup = c.String("out"), c.String("backup")
	o.r, o.m, o.rSet, o.mSet = c.Int64("out-records-per-partition"), c.Int64("out-max-entry-size"),
		c.IsSet("out-records-per-partition"), c.IsSet("out-max-entry-size")
	o.chunkSize, o.hash, o.walLayout = c.Int64("out-chunk-size"), c.String("out-hash"), c.String("out-wal-layout")
	o.checkpoint, o.snapshotDir = c.Int("out-checkpoint-bytes"), c.String("out-snapshot-dir")
	o.chunkSet, o.checkpointSet = c.IsSet("out-chunk-size"), c.IsSet("out-checkpoint-bytes")
	o.walSet = o.chunkSet || c.IsSet("out-hash") || c.IsSet("out-wal-layout") || o.checkpointSet ||
		c.IsSet("out-snapshot-dir")
	var err error
	if o.target, err = releaseFlag(c, "target-version"); err != nil {
		return err
	}
	return o.in.read(c)
}

// openInput opens the input for the conversion: refused where a setting
// contradicts the files' evidence (unless --override-evidence) or another
// process holds the files (unless --force).
func (o *convertOptions) openInput(c *cli.Context, dir string) (*logdir.Log, error) {
	if err := checkEvidence(c, o.override, dir, o.in.log); err != nil {
		return nil, err
	}
	return openUnheld(o.force, dir, o.in.log)
}

// openScanned is openInput for a conversion between PersistentState
// formats: the input is opened with logdir.OpenChecked, whose replay of
// every entry, in the walk that decodes the partitions anyway, also makes
// convert.Plan's scan of the input (scan), which Plan then need not make
// by decoding every partition once more. A directory that looks like a
// WriteAheadLog (no node.state, its marker files) is opened as openInput
// does: its replay would be a walk of its own.
func (o *convertOptions) openScanned(c *cli.Context, dir string) (*logdir.Log, *convert.InputScan, error) {
	if ls, err := detect.List(dir); err != nil || o.in.log.Format == format.WAL ||
		(ls.NodeState == "" && len(ls.WALMarkers) > 0) {
		l, err := o.openInput(c, dir)
		return l, nil, err
	}
	if err := checkEvidence(c, o.override, dir, o.in.log); err != nil {
		return nil, nil, err
	}
	scan := convert.NewInputScan()
	l, _, _, err := logdir.OpenChecked(dir, o.in.log, scan.Begin, scan.Each)
	if err != nil {
		return nil, nil, err
	}
	if err := checkHeld(o.force, l); err != nil {
		l.Close()
		return nil, nil, err
	}
	return l, scan, nil
}

// ps are the settings of a PersistentState output.
func (o *convertOptions) ps() (convert.Options, error) {
	co := convert.Options{To: o.to, R: o.r, M: o.m, Out: o.out, InPlace: o.inPlace, Backup: o.backup,
		OverrideEvidence: o.override, Target: o.target}
	in := o.in.log
	switch {
	case co.Out == "" && !co.InPlace:
		return co, usageError{
			msg:  "convert needs --out NEWDIR or --in-place",
			hint: "walctl convert --to v2 --out NEWDIR DIR",
		}
	case co.Out != "" && co.InPlace:
		return co, usageError{msg: "--out and --in-place exclude each other", hint: "drop one of the two"}
	case co.Backup != "" && !co.InPlace:
		return co, usageError{
			msg:  "--backup applies to --in-place only",
			hint: "--out never changes DIR, so it needs no backup",
		}
	case o.rSet && (co.R < 2 || co.R > 53_687_091):
		return co, usageError{msg: fmt.Sprintf("--out-records-per-partition %d is out of range", co.R),
			hint: "DotNext accepts 2 ≤ R ≤ 53687091"}
	case o.mSet && co.M < 1:
		return co, usageError{msg: fmt.Sprintf("--out-max-entry-size %d is out of range", co.M),
			hint: "M is the MaxLogEntrySize the node will use, a positive number of bytes"}
	case o.walSet:
		return co, usageError{msg: fmt.Sprintf("--to %s writes a PersistentState log: the --out-… settings of a "+
			"WriteAheadLog do not apply", o.to), hint: "drop them, or convert --to wal"}
	}
	co.Log = rebuild.LogOptions{Format: in.Format, R: in.R, M: in.M}
	return co, nil
}

// toWAL are the settings of a WriteAheadLog output.
func (o *convertOptions) toWAL() (convert.WALOptions, error) {
	wo := convert.WALOptions{Out: o.out, Layout: o.walLayout, ChunkSize: o.chunkSize, CheckpointForm: o.checkpoint,
		NoSnapshot: o.noSnapshot, SnapshotDir: o.snapshotDir}
	h, detectHash, ok := wal.ParseHash(o.hash)
	switch {
	case wo.Out == "":
		return wo, usageError{
			msg: "convert --to wal needs --out NEWDIR",
			hint: "walctl convert --to wal --out NEWDIR DIR " +
				"(a WriteAheadLog is never written in place)",
		}
	case o.noSnapshot && o.copySnapshot:
		return wo, usageError{msg: "--no-snapshot and --copy-snapshot contradict each other",
			hint: "drop one: the snapshot is copied unless --no-snapshot"}
	case o.inPlace || o.backup != "":
		return wo, usageError{msg: "--to wal writes a new directory only", hint: "use --out NEWDIR"}
	case o.rSet || o.mSet:
		return wo, usageError{msg: "--out-records-per-partition and --out-max-entry-size do not apply to a " +
			"WriteAheadLog", hint: "use --out-chunk-size, --out-hash, --out-wal-layout"}
	case !ok:
		return wo, usageError{msg: fmt.Sprintf("--out-hash %q is not a hash algorithm", o.hash),
			hint: "use none, crc32, crc64, xxhash32, xxhash64 or xxhash3"}
	case wo.Layout != "" && wo.Layout != wal.Layout5 && wo.Layout != wal.Layout6:
		return wo, usageError{msg: fmt.Sprintf("--out-wal-layout %q is not a record layout", wo.Layout),
			hint: "use 6 (32-byte records, the 6.x default) or 5 (40-byte records)"}
	case o.chunkSet && wo.ChunkSize < 1:
		return wo, usageError{msg: fmt.Sprintf("--out-chunk-size %d is out of range", wo.ChunkSize),
			hint: "a positive number of bytes, a multiple of the OS page size (default 4096)"}
	case o.checkpointSet && !o.target.IsZero():
		return wo, usageError{
			msg:  "--out-checkpoint-bytes and --target-version exclude each other",
			hint: "drop one of the two",
		}
	}
	if !detectHash {
		wo.Hash = h
	}
	switch wo.CheckpointForm {
	case 0, wal.Checkpoint5x, wal.CheckpointV0, wal.CheckpointV1:
	default:
		return wo, usageError{msg: fmt.Sprintf("--out-checkpoint-bytes %d is not a checkpoint form", wo.CheckpointForm),
			hint: "use 8 (5.x), 12 (6.0–6.7) or 20 (6.8+)"}
	}
	if !o.target.IsZero() {
		var err error
		if wo.CheckpointForm, err = checkpointFor(o.target); err != nil {
			return wo, err
		}
	}
	return wo, nil
}

func convertCommand() *cli.Command {
	return newCommand(&convertOptions{in: inputOptions{prefix: "in-", ps: true}}, "convert", "rewrite a log in "+
		"another format (legacy, v2, sparse, wal) or with other layout parameters, keeping every entry", "DIR",
		runConvert)
}

// checkedDoc is what the JSON form of every conversion adds to the
// conversion: the output's verification, its comparison with the input and
// the audit's proof, or why the input was refused.
type checkedDoc struct {
	Verify     *verify.Report      `json:"verify,omitempty"`
	Comparison *convert.Comparison `json:"comparison,omitempty"`
	Audit      *audit.Report       `json:"audit,omitempty"`
	Refused    []string            `json:"refused,omitempty"`
}

// checked fills in what the conversion's audit found; shown is the output
// as the operator will find it.
func (d *checkedDoc) checked(k convert.Checked, shown string) {
	d.Verify, d.Comparison = k.Verify, k.Comparison
	d.Verify.Dir = shown
}

// outConversion is a conversion that writes a new directory (--out): to or
// from a WriteAheadLog.
type outConversion interface {
	Expect(in logdir.Options) audit.Expect
	Auditor(in logdir.Options) txn.Auditor
	Write(w txn.Config) error
}

// writeOut writes conv, a log read with in, into the new directory out
// through the one write path and fills doc with what its audit found (k:
// conv's own record of it).
func writeOut(c *cli.Context, lk *txn.Lock, args []string, in logdir.Options, conv outConversion, out string,
	k *convert.Checked, doc *checkedDoc) error {
	cfg, bar := writeConfig(c, lk, args, conv.Expect(in), &doc.Audit, conv.Auditor(in))
	err := conv.Write(cfg)
	bar.Done()
	if err != nil {
		return flagErr(err)
	}
	doc.checked(*k, out)
	return nil
}

// convertDoc is the JSON form of a conversion between PersistentState
// formats.
type convertDoc struct {
	Conversion *convert.Conversion `json:"conversion,omitempty"`
	Output     string              `json:"output"`
	Backup     string              `json:"backup,omitempty"`
	checkedDoc
}

func runConvert(c *cli.Context, o *convertOptions) error {
	dir := c.Args().First()
	if o.to == format.WAL {
		return runConvertToWAL(c, o, dir)
	}
	co, err := o.ps()
	if err != nil {
		return err
	}
	in := o.in.log
	args := canonicalArgs(c, dir)
	lk, j, err := lockConvert(c, co.InPlace, dir, args)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	if j != nil {
		return finishPendingConvert(c, o, dir, lk, j)
	}
	l, scan, err := o.openScanned(c, dir)
	if err != nil {
		return err
	}
	if l.Format == format.WAL {
		return runConvertFromWAL(c, o, l, co, lk, args)
	}
	co.Scanned = scan
	conv, err := convert.Plan(l, co)
	co.Scanned = nil
	l.Close()
	if err != nil {
		return planRefused(c, o.json, err, func(d checkedDoc) any { return &convertDoc{checkedDoc: d} })
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
	cfg, backupBar := writeConfig(c, lk, args, conv.Expect(co), &doc.Audit,
		conv.Auditor(conv.InOptions(), doc.Output, bars(c)))
	res, err := convert.Apply(conv, dir, co, cfg)
	backupBar.Done()
	bar.Done()
	if err != nil {
		return flagErr(err)
	}
	doc.Backup = res.Backup
	return printConverted(c, o.json, doc)
}

// lockConvert takes the lock a conversion needs: walctl's write lock (and
// the journal of an interrupted conversion) in place, a shared lock on the
// input otherwise.
func lockConvert(c *cli.Context, inPlace bool, dir string, args []string) (*txn.Lock, *txn.Journal, error) {
	if inPlace {
		return lockForWrite(c, dir, args)
	}
	lk, err := lockInput(dir)
	return lk, nil, err
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

// finishPendingConvert finishes the conversion journaled in dir, which was
// publishing when it was interrupted, then checks the result against the
// backup as an uninterrupted run would have before publishing.
func finishPendingConvert(c *cli.Context, o *convertOptions, dir string, lk *txn.Lock, j *txn.Journal) error {
	res, err := finishInterrupted(c, o.force, dir, lk, j)
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
	if err := conv.Check(res.Backup, dir, conv.InOptions(), dir, bars(c)); err != nil &&
		(conv.Verify == nil || conv.Comparison == nil) {
		return err
	}
	return printConverted(c, o.json, doc)
}

// planRefused answers a planning error. An input convert refuses as it is
// (run walctl repair first) is shown, the command's document (which doc
// makes) with the reasons: nothing was written, exit 1. Another error is
// the flags' (exit 2).
func planRefused(c *cli.Context, asJSON bool, err error, doc func(checkedDoc) any) error {
	var ie *convert.InputError
	if !errors.As(err, &ie) {
		return flagErr(err)
	}
	return show(c, asJSON, doc(checkedDoc{Refused: ie.Reasons}), func(w io.Writer, _ any) {
		printLine(w, "%s %s cannot be converted as it is; nothing was written:", red("refused:"), ie.Dir)
		for _, r := range ie.Reasons {
			printLine(w, "  - %s", r)
		}
	}, false)
}

// printConverted prints the conversion with the verification and the
// comparison its audit made.
func printConverted(c *cli.Context, asJSON bool, doc *convertDoc) error {
	doc.checked(doc.Conversion.Checked, doc.Output)
	return show(c, asJSON, doc, printConversion, doc.Conversion.OK())
}

func printConversion(w io.Writer, doc *convertDoc) {
	cv := doc.Conversion
	out := fmt.Sprintf("%s, R = %d", cv.To, cv.NewR)
	if cv.NewM > 0 {
		out += fmt.Sprintf(", M = %d", cv.NewM)
	}
	printLine(
		w,
		"%s %s (%s, R = %d) → %s (%s): %s after snapshot index %d, up to last index %d",
		bold("Converted"),
		cv.Dir,
		cv.From,
		cv.R,
		doc.Output,
		out,
		plural64(cv.Entries, "entry"),
		cv.Snapshot,
		cv.LastIndex,
	)
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
	checkedDoc
}

// runConvertToWAL writes a new WriteAheadLog from any log; its audit
// verifies it and compares its entries with the input's up to the commit
// index before it is published.
func runConvertToWAL(c *cli.Context, o *convertOptions, dir string) error {
	wo, err := o.toWAL()
	if err != nil {
		return err
	}
	in := o.in.log
	args := canonicalArgs(c, dir)
	lk, err := lockInput(dir)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	l, err := o.openInput(c, dir)
	if err != nil {
		return err
	}
	defer l.Close()
	if err := preflight(dir, in); err != nil {
		return err
	}
	conv, err := convert.PlanToWAL(l, wo)
	if err != nil {
		return planRefused(c, o.json, err, func(d checkedDoc) any { return &walConvertDoc{checkedDoc: d} })
	}
	doc := &walConvertDoc{Conversion: conv}
	if err := writeOut(c, lk, args, in, conv, conv.Out, &conv.Checked, &doc.checkedDoc); err != nil {
		return err
	}
	return show(c, o.json, doc, printWALConversion(o.out), conv.OK())
}

// printWALConversion prints a conversion to a WriteAheadLog; out is the
// output directory as the user gave it.
func printWALConversion(out string) func(io.Writer, *walConvertDoc) {
	return func(w io.Writer, doc *walConvertDoc) { printToWAL(w, doc, out) }
}

func printToWAL(w io.Writer, doc *walConvertDoc, out string) {
	cv := doc.Conversion
	printLine(
		w,
		"%s %s (%s) → %s (wal: %s, %d-byte checkpoint; opens with %s): %s after snapshot index %d, commit index %d, last index %d",
		bold(
			"Converted",
		),
		cv.Dir,
		cv.From,
		out,
		cv.Params,
		cv.Checkpoint,
		cv.Writers,
		plural64(cv.Entries, "entry"),
		cv.Snapshot,
		cv.CommitIndex,
		cv.LastIndex,
	)
	for _, n := range cv.Notes {
		printLine(w, "  %s", n)
	}
	if v := cv.Vote; v != nil && (v.Rewritten || v.From != "4.8.0+") {
		printLine(w, "%s", v.Sentence("state"))
	}
	if n := cv.OpenFileNote(); n != "" {
		printLine(w, "  %s", n)
	}
	printComparison(
		w,
		doc.Comparison,
		"committed entry",
		" (index, term, command id, length, payload bytes), snapshot index and term included"+stateWords(
			doc.Comparison,
		),
	)
	printAudit(w, doc.Audit)
	printVerdictLine(w, "verify the output:", doc.Verify, out)
}

// fromWALDoc is the JSON form of a conversion of a WriteAheadLog to a
// PersistentState format.
type fromWALDoc struct {
	Conversion *convert.FromWALConversion `json:"conversion,omitempty"`
	checkedDoc
}

// runConvertFromWAL writes a WriteAheadLog as a legacy, v2 or sparse log;
// its audit verifies it and compares every entry up to the last index
// before it is published.
func runConvertFromWAL(c *cli.Context, o *convertOptions, l *logdir.Log, co convert.Options, lk *txn.Lock,
	args []string) error {
	defer l.Close()
	if co.InPlace {
		return usageError{msg: "a WriteAheadLog is converted into a new directory only", hint: "use --out NEWDIR"}
	}
	conv, err := convert.PlanFromWAL(l, convert.FromWALOptions{To: co.To, R: co.R, M: co.M, Out: co.Out,
		Target: co.Target})
	if err != nil {
		return planRefused(c, o.json, err, func(d checkedDoc) any { return &fromWALDoc{checkedDoc: d} })
	}
	doc := &fromWALDoc{Conversion: conv}
	in := o.in.log
	in.Format, in.Force = format.WAL, true
	if err := writeOut(c, lk, args, in, conv, conv.Out, &conv.Checked, &doc.checkedDoc); err != nil {
		return err
	}
	return show(c, o.json, doc, func(w io.Writer, doc *fromWALDoc) {
		out := fmt.Sprintf("%s, R = %d", conv.To, conv.R)
		if conv.M > 0 {
			out += fmt.Sprintf(", M = %d", conv.M)
		}
		printLine(w, "%s %s (wal) → %s (%s): %s, commit index %d, last index %d", bold("Converted"), conv.Dir, o.out,
			out, plural64(conv.Entries, "entry"), conv.CommitIndex, conv.LastIndex)
		for _, n := range conv.Notes {
			printLine(w, "  %s", n)
		}
		printComparison(w, doc.Comparison, "entry", " (index, term, command id, length, payload bytes)"+
			stateWords(doc.Comparison))
		printAudit(w, doc.Audit)
		printVerdictLine(w, "verify the output:", doc.Verify, conv.Out)
	}, conv.OK())
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
