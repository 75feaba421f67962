package cmd

import (
	"fmt"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/convert"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/release"
)

// Every command keeps its settings in an options struct of its own
// (detectOptions, verifyOptions, …, in the command's file) with two
// methods: flags, the names of the flags it takes (their definitions are
// flagDefs), and read, which reads and checks them: the one place where a
// value is refused. newCommand runs read before the command. The settings
// several commands share are here: those that read a log (inputOptions)
// and the release flags.

// options are a command's settings.
type options interface {
	flags() []cli.Flag
	read(c *cli.Context) error
}

// newCommand is the command name with settings o: its flags are o's, and
// it reads them (o.read) before run.
func newCommand[O options](o O, name, usage, args string, run func(*cli.Context, O) error) *cli.Command {
	return &cli.Command{Name: name, Usage: usage, ArgsUsage: args, Flags: o.flags(),
		Action: func(c *cli.Context) error {
			if err := o.read(c); err != nil {
				return err
			}
			return run(c, o)
		}}
}

// inputOptions are the settings that read a log where detection is unsure
// (they never overrule the files): --format, --records-per-partition (-R)
// and --max-entry-size (-M) for a PersistentState log, --chunk-size,
// --hash, --wal-layout and --snapshot-dir for a WriteAheadLog. convert
// spells them --in-… (its output's settings are --out-…).
type inputOptions struct {
	prefix string // "" or "in-"
	// ps: the PersistentState settings too (detect takes only the
	// WriteAheadLog's: its partition evidence is what it shows).
	ps bool
	// log is what read made of the flags.
	log logdir.Options
	// typed are the settings as typed (--name value), which verify carries
	// into its fix commands.
	typed []string
}

// The names of the input settings, unprefixed.
const (
	flagFormat      = "format"
	flagR           = "records-per-partition"
	flagM           = "max-entry-size"
	flagChunkSize   = "chunk-size"
	flagHash        = "hash"
	flagWALLayout   = "wal-layout"
	flagSnapshotDir = "snapshot-dir"
)

func (o *inputOptions) flags() []cli.Flag {
	if !o.ps {
		return flagsNamed(o.prefix, inputFlags[3:]...)
	}
	return flagsNamed(o.prefix, inputFlags...)
}

// read reads the settings, refusing values the library itself would reject.
func (o *inputOptions) read(c *cli.Context) error {
	p := o.prefix
	flag := func(name string) string { return "--" + p + name }
	l := logdir.Options{R: c.Int64(p + flagR), M: c.Int64(p + flagM)}
	if f := c.String(p + flagFormat); f != "" {
		var ok bool
		if l.Format, ok = format.Parse(f); !ok {
			return usageError{msg: fmt.Sprintf("%s %q is not a log format", flag(flagFormat), f),
				hint: "use legacy, v2 (the 5.4+ Table format), sparse or wal"}
		}
	}
	if c.IsSet(p+flagR) && (l.R < ps.MinR || l.R > ps.MaxR) {
		return usageError{msg: fmt.Sprintf("%s %d is out of range", flag(flagR), l.R),
			hint: "DotNext accepts " + ps.RRange + "; use the value the node was configured with"}
	}
	if c.IsSet(p+flagM) && l.M < 1 {
		return usageError{msg: fmt.Sprintf("%s %d is out of range", flag(flagM), l.M),
			hint: "M is the node's MaxLogEntrySize, a positive number of bytes"}
	}
	if l.M > 0 && l.Format != "" && l.Format != format.Sparse {
		return usageError{msg: fmt.Sprintf("%s applies to the sparse format, not %s %s", flag(flagM), flag(flagFormat),
			l.Format), hint: "drop one of the two flags"}
	}
	if l.M > 0 && l.Format == "" {
		l.Format = format.Sparse
	}
	l.WAL = wal.Options{ChunkSize: c.Int64(p + flagChunkSize), Hash: c.String(p + flagHash),
		Layout: c.String(p + flagWALLayout), SnapshotDir: c.String(p + flagSnapshotDir)}
	if err := checkWALFlags(c, p, l.WAL); err != nil {
		return err
	}
	if l.Format == format.WAL && l.R > 0 {
		return usageError{msg: flag(flagR) + " does not apply to a WriteAheadLog", hint: "drop " + flag(flagR)}
	}
	o.log, o.typed = l, nil
	for _, name := range inputFlags {
		if c.IsSet(p + name) {
			o.typed = append(o.typed, "--"+name, c.String(p+name))
		}
	}
	return nil
}

// readOne is read for a command that takes one log directory.
func (o *inputOptions) readOne(c *cli.Context) error {
	if _, err := oneDir(c); err != nil {
		return err
	}
	return o.read(c)
}

// checkpointFor is the checkpoint form the release target reads (0 when
// no release is given: the form on disk is kept, or the library's default).
func checkpointFor(target release.Version) (int, error) {
	if target.IsZero() {
		return 0, nil
	}
	form, err := convert.CheckpointFormFor(target)
	return form, flagErr(err)
}

// checkWALFlags refuses WriteAheadLog settings (those of the flags named
// prefix+chunk-size, prefix+hash and prefix+wal-layout) that no log has.
func checkWALFlags(c *cli.Context, prefix string, w wal.Options) error {
	flag := func(name string) string { return "--" + prefix + name }
	if c.IsSet(prefix+flagChunkSize) && w.ChunkSize < 1 {
		return usageError{msg: fmt.Sprintf("%s %d is out of range", flag(flagChunkSize), w.ChunkSize),
			hint: "use the node's WriteAheadLog ChunkSize in bytes (default: the OS page size, 4096)"}
	}
	if _, _, ok := wal.ParseHash(w.Hash); !ok {
		return usageError{msg: fmt.Sprintf("%s %q is not a hash algorithm", flag(flagHash), w.Hash),
			hint: "use none, crc32, crc64, xxhash32, xxhash64 or xxhash3"}
	}
	if l := w.Layout; l != "" && l != wal.Layout5 && l != wal.Layout6 {
		return usageError{msg: fmt.Sprintf("%s %q is not a record layout", flag(flagWALLayout), l),
			hint: "use 6 (32-byte records, the 6.x default) or 5 (40-byte records, 5.x or the IgnoreTimestamp=false switch)"}
	}
	return nil
}

// hashNames are the values of a hash flag.
var hashNames = []string{"none", "crc32", "crc64", "xxhash32", "xxhash64", "xxhash3"}

// renamed are flags a command no longer has, by the name it now has: a
// command line that uses one is refused with the new name (never read in
// another sense). convert names its output's settings --out-… and its
// input's --in-…; inspect's index range is --from-index/--to-index.
var renamed = map[string]map[string]string{
	"convert": {
		"R": "--out-records-per-partition", flagR: "--out-records-per-partition (the input's: " +
			"--in-records-per-partition)",
		"M": "--out-max-entry-size", flagM: "--out-max-entry-size (the input's: --in-max-entry-size)",
		flagHash:           "--out-hash (the input's: --in-hash)",
		flagChunkSize:      "--out-chunk-size (the input's: --in-chunk-size)",
		flagWALLayout:      "--out-wal-layout (the input's: --in-wal-layout)",
		"checkpoint-bytes": "--out-checkpoint-bytes",
		flagSnapshotDir:    "--out-snapshot-dir (the input's: --in-snapshot-dir)",
	},
	"inspect": {"from": "--from-index", "to": "--to-index"},
}

// renamedError is the usage error for a flag that command renamed, or nil.
func renamedError(command, name string) error {
	now, ok := renamed[command][name]
	if !ok {
		return nil
	}
	why := "convert's output settings are --out-…, its input's --in-…"
	if command == "inspect" {
		why = "it selects indexes"
	}
	return usageError{cmd: command, msg: fmt.Sprintf("%s is now %s: %s", dashed(name), now, why)}
}

// oneDir returns the single DIR argument of a command.
func oneDir(c *cli.Context) (string, error) {
	if c.NArg() != 1 {
		return "", usageError{
			msg:  fmt.Sprintf("%s takes one log directory, got %d arguments", c.Command.Name, c.NArg()),
			hint: fmt.Sprintf("walctl %s [flags] DIR", c.Command.Name),
		}
	}
	return c.Args().First(), nil
}

// releaseFlag reads a release flag (--target-version, --to-version,
// --from-version) through release.ParseTarget: major.minor.patch inside
// the releases walctl models, or a usage error naming them. The one place
// every command parses a release; the arithmetic and the range are package
// release's.
func releaseFlag(c *cli.Context, name string) (release.Version, error) {
	if !c.IsSet(name) {
		return release.Version{}, nil
	}
	v, err := release.ParseTarget(c.String(name))
	if err != nil {
		return v, usageError{msg: "--" + name + ": " + err.Error(),
			hint: fmt.Sprintf("give a DotNext.Net.Cluster release as major.minor.patch, %s, e.g. 5.7.2, 5.26.2 or "+
				"6.12.0", release.Covered)}
	}
	return v, nil
}
