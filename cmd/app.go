// Package cmd holds walctl's commands: one file per command, each a thin
// layer that parses flags, calls the packages that know the formats, and
// prints tables or JSON.
package cmd

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fatih/color"
	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/internal/progress"
	"github.com/walctl/walctl/internal/termtext"
	"github.com/walctl/walctl/txn"
)

// Main runs walctl with args and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	return MainFS(args, stdout, stderr, txn.OS)
}

// MainFS is Main with the file system every write goes through (package
// txn): tests pass a txn.FaultFS to crash a write after any step.
func MainFS(args []string, stdout, stderr io.Writer, fsys txn.FS) int {
	return mainWith(args, stdout, stderr, detectTerminal(stdout), fsys)
}

// mainWith is Main for stdout in a known mode (tests use it for a terminal
// of a given width).
func mainWith(args []string, stdout, stderr io.Writer, mode termMode, fsys txn.FS) int {
	out := &outWriter{w: stdout, mode: mode}
	app := newApp(out, stderr)
	app.Metadata = map[string]any{fsKey: fsys}
	if len(args) > 1 && args[len(args)-1] == completionFlag {
		// cli's own completion reads os.Args; walctl's reads args.
		app.Metadata["completion"] = args[:len(args)-1]
	}
	args, err := normalizeArgs(app, args)
	if err != nil {
		return report(stderr, err)
	}
	return report(stderr, app.Run(args))
}

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:  "walctl",
		Usage: "inspect, verify, convert and repair DotNext.Net.Cluster Raft logs",
		Description: "walctl reads the on-disk Raft logs of DotNext.Net.Cluster (the legacy and 5.4+ Table " +
			"partition formats, the sparse format, and the 5.22+/6.x WriteAheadLog) from the files alone. " +
			"Read-only commands never change a byte; writes happen only when asked, atomically, with a backup.\n" +
			"Flags may stand before or after the directory; --no-color and --quiet also before the command. " +
			"On a terminal the output fits its width; in a pipe tables are tab-separated, one row per line.",
		Version:              version(),
		Writer:               stdout,
		ErrWriter:            stderr,
		HideHelpCommand:      false,
		EnableBashCompletion: true,
		Flags: []cli.Flag{
			&cli.BoolFlag{
				Name:  "no-color",
				Usage: "never colour the output (also: NO_COLOR set, or stdout not a terminal)",
			},
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
			completionCommand(),
			manCommand(),
		},
		// A word that is no command (cli would print "No help topic").
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError{msg: fmt.Sprintf("%q is not a walctl command", c.Args().First()),
					hint: "the commands are " + strings.Join(appCommands(), ", ")}
			}
			return cli.ShowAppHelp(c)
		},
		ExitErrHandler: func(*cli.Context, error) {}, // errors are reported by Main
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return flagUsageError(nil, err)
		},
	}
	for _, cmd := range app.Commands {
		cmd := cmd
		cmd.OnUsageError = func(c *cli.Context, err error, _ bool) error { return flagUsageError(cmd, err) }
		if action := cmd.Action; action != nil {
			cmd.Action = func(c *cli.Context) error { return forCommand(cmd.Name, action(c)) }
		}
		cmd.BashComplete = func(c *cli.Context) { complete(c, cmd) }
	}
	app.BashComplete = func(c *cli.Context) { complete(c, nil) }
	return app
}

func init() {
	cli.HelpPrinter = printHelp
}

// printHelp prints cli's help text; on a terminal each line is wrapped to
// the width, a flag's or command's description continuing under itself.
func printHelp(w io.Writer, templ string, data any) {
	var buf bytes.Buffer
	cli.HelpPrinterCustom(&buf, templ, data, nil)
	m := modeOf(w)
	if !m.tty {
		w.Write(buf.Bytes())
		return
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		hang := helpHang(line)
		if hang > m.width/2 {
			hang = len(line) - len(strings.TrimLeft(line, " ")) + 6
		}
		for _, l := range termtext.Wrap(line, m.width, hang) {
			b.WriteString(l + "\n")
		}
	}
	io.WriteString(w, b.String())
}

// helpHang is where a help line's description starts: after the first gap
// of two or more spaces that follows the line's first word (a flag list or
// command name), else two past the line's indent.
func helpHang(line string) int {
	body := strings.TrimLeft(line, " ")
	indent := len(line) - len(body)
	if k := strings.Index(body, "  "); k > 0 {
		rest := strings.TrimLeft(body[k:], " ")
		if rest != "" {
			return indent + len(body) - len(rest)
		}
	}
	return indent + 2
}

// complete prints the completions of the command line being completed.
func complete(c *cli.Context, cmd *cli.Command) {
	args, _ := c.App.Metadata["completion"].([]string)
	io.WriteString(c.App.Writer, completeValues(c.App, cmd, args))
}

// forCommand names the command in a usage error, for the hint.
func forCommand(name string, err error) error {
	if u, ok := err.(usageError); ok && u.cmd == "" {
		u.cmd = name
		return u
	}
	return err
}

// configureColor turns colour on only for a terminal, never with NO_COLOR or --no-color.
func configureColor(c *cli.Context, stdout io.Writer) {
	_, noColor := os.LookupEnv("NO_COLOR")
	color.NoColor = !modeOf(stdout).tty || noColor || c.Bool("no-color")
}

// appCommands lists the names of walctl's commands (for docs tests).
func appCommands() []string {
	var names []string
	for _, c := range newApp(io.Discard, io.Discard).Commands {
		names = append(names, c.Name)
	}
	return names
}

// barOf makes the progress bars of one long operation (a library asks for
// one once it knows the total): on a terminal only, never with --json or
// --quiet.
func barOf(c *cli.Context, what string) func(total int64) *progress.Bar {
	return func(total int64) *progress.Bar { return barFor(c, total, what) }
}

// bars is barFor for a library that makes its own bars.
func bars(c *cli.Context) progress.Maker {
	return func(what string, total int64) *progress.Bar { return barFor(c, total, what) }
}

// barFor is a progress bar over total units of work.
func barFor(c *cli.Context, total int64, what string) *progress.Bar {
	return progress.New(c.App.ErrWriter, !c.Bool("json") && !c.Bool("quiet"), total, what)
}
