package cmd

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/detect"
	"github.com/walctl/walctl/format/wal"
)

func detectCommand() *cli.Command {
	return &cli.Command{
		Name:      "detect",
		Usage:     "tell which log format each directory or partition file is in, with confidence and evidence",
		ArgsUsage: "PATH...",
		Flags:     formatFlags()[3:],
		// detect takes the WAL overrides too; partition overrides make no sense here.
		Action: runDetect,
	}
}

func runDetect(c *cli.Context) error {
	if c.NArg() == 0 {
		return usageError{msg: "detect needs at least one log directory or partition file", hint: "walctl detect DIR"}
	}
	var results []*detect.Result
	unsure := false
	for _, path := range c.Args().Slice() {
		r, err := detectPath(path, detect.Overrides{WAL: wal.Options{ChunkSize: c.Int64("chunk-size"), Hash: c.String("hash"), Layout: c.String("wal-layout"), SnapshotDir: c.String("snapshot-dir")}})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if r.Conf() <= detect.Confidence(1) {
			unsure = true
		}
		results = append(results, r)
	}
	w := c.App.Writer
	if c.Bool("json") {
		var err error
		if len(results) == 1 {
			err = writeJSON(w, results[0])
		} else {
			err = writeJSON(w, results)
		}
		if err != nil {
			return err
		}
	} else {
		for i, r := range results {
			if i > 0 {
				fmt.Fprintln(w)
			}
			printDetection(w, r)
		}
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
	fmt.Fprintf(w, "%s: %s (confidence %s)", bold(r.Dir), bold(r.Format), r.Confidence)
	if r.R > 0 {
		fmt.Fprintf(w, ", R = %d", r.R)
	}
	if r.M > 0 {
		fmt.Fprintf(w, ", M = %d", r.M)
	}
	if p := r.WAL; p != nil {
		fmt.Fprintf(w, ", chunk size %d, %d-byte records in %d-byte slots, hash %s, written by %s", p.ChunkSize, p.RecordSize, p.SlotSize, p.Hash, p.Writers)
	}
	if wr := r.Writers; wr != nil && wr.Releases != "" {
		fmt.Fprintf(w, ", written by %s", wr.Releases)
	}
	fmt.Fprintln(w)
	for _, e := range r.Evidence {
		fmt.Fprintf(w, "  - %s\n", e)
	}
	printWriters(w, r.Writers)
	if len(r.DamageSeen) > 0 {
		fmt.Fprintf(w, "  - %s: %s\n", red("damage seen — run walctl verify "+r.Dir), strings.Join(r.DamageSeen, "; "))
	}
	if len(r.Candidates) > 0 {
		fmt.Fprintf(w, "  - R candidates: %v\n", r.Candidates)
	}
	if len(r.NeedFlags) > 0 {
		fmt.Fprintf(w, "  - %s: add %s\n", yellow("unsure"), strings.Join(r.NeedFlags, " "))
	}
	if len(r.Files) == 0 {
		return
	}
	fmt.Fprintln(w)
	t := newTable(w, "FILE", "SIZE", "FORMAT", "CONFIDENCE", "EVIDENCE")
	wrapLongText(t)
	for _, f := range r.Files {
		format := f.Format
		if f.Dissent {
			format += " " + yellow("(dissents)")
		}
		ev := strings.Join(f.Evidence, "; ")
		if len(f.Damage) > 0 {
			ev = red("damage: "+strings.Join(f.Damage, "; ")) + "; " + ev
		}
		t.Append([]string{f.Name, fmt.Sprint(f.Size), format, f.Confidence, ev})
	}
	t.Render()
}

// printWriters lists the facts behind "written by" of a PersistentState log.
func printWriters(w io.Writer, wr *detect.Writers) {
	if wr == nil {
		return
	}
	if wr.Conflict != "" {
		fmt.Fprintf(w, "  - %s the writer releases: %s\n", yellow("conflicting evidence on"), wr.Conflict)
	}
	for _, e := range wr.Evidence {
		line := fmt.Sprintf("writer: %s → %s", e.Fact, e.Releases)
		switch {
		case e.SetAside:
			line += faint(" (set aside: it contradicts the rest; it assumes " + e.Assumes + ")")
		case e.Assumes != "":
			line += faint(" (assumes " + e.Assumes + ")")
		}
		fmt.Fprintf(w, "  - %s\n", line)
	}
}
