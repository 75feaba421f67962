package cmd

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/detect"
	"github.com/walctl/walctl/internal/shellquote"
)

// detectOptions are detect's settings: --json, and the WriteAheadLog's
// input settings (the PersistentState ones would overrule what detect
// shows: the partitions' own evidence).
type detectOptions struct {
	json bool
	in   inputOptions
}

func (o *detectOptions) flags() []cli.Flag { return append(flagsNamed("", "json"), o.in.flags()...) }

func (o *detectOptions) read(c *cli.Context) error {
	o.json = c.Bool("json")
	if c.NArg() == 0 {
		return usageError{msg: "detect needs at least one log directory or partition file", hint: "walctl detect DIR"}
	}
	return o.in.read(c)
}

func detectCommand() *cli.Command {
	return newCommand(&detectOptions{}, "detect", "tell which log format each directory or partition file is in, "+
		"with confidence and evidence", "PATH...", runDetect)
}

func runDetect(c *cli.Context, o *detectOptions) error {
	if err := checkRead(c.Args().Slice()...); err != nil {
		return err
	}
	var results []*detect.Result
	unsure := false
	for _, path := range c.Args().Slice() {
		r, err := detectPath(path, detect.Overrides{WAL: o.in.log.WAL})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if r.Conf() <= detect.Confidence(1) {
			unsure = true
		}
		results = append(results, r)
	}
	var doc any = results
	if len(results) == 1 {
		doc = results[0] // one path: its result alone
	}
	err := show(c, o.json, doc, func(w io.Writer, _ any) {
		for _, r := range results {
			blank(w)
			printDetection(w, r)
		}
	}, true)
	if err != nil {
		return err
	}
	if unsure {
		return hinted{err: fmt.Errorf("detection is unsure for at least one path"),
			hint: "pass --format, --records-per-partition or --max-entry-size to inspect and verify"}
	}
	return nil
}

// detectPath handles a directory or a single partition file.
func detectPath(path string, o detect.Overrides) (*detect.Result, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return detect.Directory(path, o)
	}
	return detect.SingleFile(path)
}

func printDetection(w io.Writer, r *detect.Result) {
	head := join(bold(r.Dir), ": ", bold(r.Format), " (confidence ", r.Confidence, ")")
	if r.R > 0 {
		head += join(", R = ", r.R)
	}
	if r.M > 0 {
		head += join(", M = ", r.M)
	}
	if p := r.WAL; p != nil {
		head += join(fmt.Sprintf(", chunk size %d, %d-byte records in %d-byte slots, hash %s",
			p.ChunkSize, p.RecordSize, p.SlotSize, p.Hash))
	}
	if wr := r.Writers; wr != nil && wr.Releases != "" {
		head += join(", written by ", wr.Releases)
	}
	printLine(w, "%s", head)
	for _, e := range r.Evidence {
		printLine(w, "  - %s", e)
	}
	printWriters(w, r.Writers)
	if len(r.DamageSeen) > 0 {
		printLine(w, "  - %s: %s", red("damage seen — run ", shellquote.Join("walctl", "verify", r.Dir)),
			strings.Join(r.DamageSeen, "; "))
	}
	if len(r.Candidates) > 0 {
		printLine(w, "  - R candidates: %v", r.Candidates)
	}
	if len(r.NeedFlags) > 0 {
		printLine(w, "  - %s: add %s", yellow("unsure"), strings.Join(r.NeedFlags, " "))
	}
	if len(r.Files) == 0 {
		return
	}
	blank(w)
	t := newTable(w, "FILE", "SIZE", "FORMAT", "CONFIDENCE", "EVIDENCE")
	for _, f := range r.Files {
		format := join(f.Format)
		if f.Dissent {
			format += join(" ", yellow("(dissents)"))
		}
		ev := join(strings.Join(f.Evidence, "; "))
		if len(f.Damage) > 0 {
			ev = join(red("damage: "+strings.Join(f.Damage, "; ")), "; ", ev)
		}
		t.Row(f.Name, f.Size, format, f.Confidence, ev)
	}
	t.Render()
}

// printWriters lists the facts behind "written by" (both families).
func printWriters(w io.Writer, wr *detect.Writers) {
	if wr == nil {
		return
	}
	if wr.Conflict != "" {
		printLine(w, "  - %s the writer releases: %s", yellow("conflicting evidence on"), wr.Conflict)
	}
	for _, e := range wr.Evidence {
		line := join("writer: ", e.Fact, " → ", e.Releases)
		switch {
		case e.SetAside:
			line += faint(join(" (set aside: it contradicts the rest; it assumes ", e.Assumes, ")"))
		case e.Assumes != "":
			line += faint(join(" (assumes ", e.Assumes, ")"))
		}
		printLine(w, "  - %s", line)
	}
}
