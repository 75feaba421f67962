// Package cmd holds walctl's commands: one file per command, each a thin
// layer that parses flags, calls the packages that know the formats, and
// prints tables or JSON.
package cmd

import (
	"io"
	"os"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/internal/progress"
	"github.com/walctl/walctl/logdir"
)

// Version is set at build time with -ldflags "-X github.com/walctl/walctl/cmd.Version=…".
var Version = "dev"

// Main runs walctl with args and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	return report(stderr, newApp(stdout, stderr).Run(args))
}

func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:  "walctl",
		Usage: "inspect, verify, convert and repair DotNext.Net.Cluster Raft logs",
		Description: "walctl reads the on-disk Raft logs of DotNext.Net.Cluster (the legacy and 5.4+ Table\n" +
			"partition formats, the sparse format, and the 5.22+/6.x WriteAheadLog) from the files alone.\n" +
			"Read-only commands never change a byte; writes happen only when asked, atomically, with a backup.",
		Version:         Version,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: false,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "no-color", Usage: "never colour the output (also: NO_COLOR set)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress bar on stderr"},
		},
		Before: func(c *cli.Context) error {
			configureColor(c, stdout)
			return nil
		},
		CustomAppHelpTemplate: cli.AppHelpTemplate + "\n" + exitHelp + "\n",
		Commands: []*cli.Command{
			detectCommand(),
			inspectCommand(),
			verifyCommand(),
			repairCommand(),
			convertCommand(),
			diffCommand(),
			upgradeCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {}, // errors are reported by Main
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return usageError{msg: err.Error()}
		},
	}
}

// configureColor turns colour on only for a terminal, never with NO_COLOR or --no-color.
func configureColor(c *cli.Context, stdout io.Writer) {
	f, ok := stdout.(*os.File)
	tty := ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
	_, noColor := os.LookupEnv("NO_COLOR")
	color.NoColor = !tty || noColor || c.Bool("no-color")
}

// formatFlags are the overrides for when detection is unsure.
func formatFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "format", Usage: "log format, when detection is unsure: legacy|v2|sparse|wal"},
		&cli.Int64Flag{Name: "records-per-partition", Aliases: []string{"R"}, Usage: "records per partition (R), when detection is unsure"},
		&cli.Int64Flag{Name: "max-entry-size", Aliases: []string{"M"}, Usage: "sparse format: MaxLogEntrySize (M), when detection is unsure"},
		&cli.BoolFlag{Name: "json", Usage: "print one JSON document"},
		&cli.Int64Flag{Name: "chunk-size", Usage: "WriteAheadLog: data chunk size (Options.ChunkSize), when detection is unsure"},
		&cli.StringFlag{Name: "hash", Usage: "WriteAheadLog: integrity hash none|crc32|crc64|xxhash32|xxhash64|xxhash3, when detection is unsure"},
		&cli.StringFlag{Name: "wal-layout", Usage: "WriteAheadLog: record layout 6 (32-byte records) or 5 (40-byte records with ticks)"},
		&cli.StringFlag{Name: "snapshot-dir", Usage: "WriteAheadLog: the state machine's snapshot directory (default db)"},
	}
}

// appCommands lists the names of walctl's commands (for docs tests).
func appCommands() []string {
	var names []string
	for _, c := range newApp(io.Discard, io.Discard).Commands {
		names = append(names, c.Name)
	}
	return names
}

// newBar returns a progress bar over the entries of a log for long
// operations: on a terminal only, never with --json or --quiet.
func newBar(c *cli.Context, l *logdir.Log, what string) *progress.Bar {
	return barFor(c, l.Last-l.First+1, what)
}

// barFor is newBar over total units of any work.
func barFor(c *cli.Context, total int64, what string) *progress.Bar {
	return progress.New(c.App.ErrWriter, !c.Bool("json") && !c.Bool("quiet"), total, what)
}
