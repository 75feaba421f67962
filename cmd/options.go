package cmd

import (
	"fmt"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/release"
)

// logOptions turns the override flags into logdir options, rejecting values
// the library itself would reject.
func logOptions(c *cli.Context) (logdir.Options, error) {
	o := logdir.Options{R: c.Int64("records-per-partition"), M: c.Int64("max-entry-size")}
	if f := c.String("format"); f != "" {
		var ok bool
		if o.Format, ok = format.Parse(f); !ok {
			return o, usageError{msg: fmt.Sprintf("--format %q is not a log format", f), hint: "use legacy, v2 (the 5.4+ Table format), sparse or wal"}
		}
	}
	if c.IsSet("records-per-partition") && (o.R < 2 || o.R > 53_687_091) {
		return o, usageError{msg: fmt.Sprintf("--records-per-partition %d is out of range", o.R), hint: "DotNext accepts 2 ≤ R ≤ 53687091; use the value the node was configured with"}
	}
	if c.IsSet("max-entry-size") && o.M < 1 {
		return o, usageError{msg: fmt.Sprintf("--max-entry-size %d is out of range", o.M), hint: "M is the node's MaxLogEntrySize, a positive number of bytes"}
	}
	if o.M > 0 && o.Format != "" && o.Format != format.Sparse {
		return o, usageError{msg: fmt.Sprintf("--max-entry-size applies to the sparse format, not --format %s", o.Format), hint: "drop one of the two flags"}
	}
	if o.M > 0 && o.Format == "" {
		o.Format = format.Sparse
	}
	o.WAL = wal.Options{ChunkSize: c.Int64("chunk-size"), Hash: c.String("hash"), Layout: c.String("wal-layout"), SnapshotDir: c.String("snapshot-dir")}
	if c.IsSet("chunk-size") && o.WAL.ChunkSize < 1 {
		return o, usageError{msg: fmt.Sprintf("--chunk-size %d is out of range", o.WAL.ChunkSize), hint: "use the node's WriteAheadLog ChunkSize in bytes (default: the OS page size, 4096)"}
	}
	if _, _, ok := wal.ParseHash(o.WAL.Hash); !ok {
		return o, usageError{msg: fmt.Sprintf("--hash %q is not a hash algorithm", o.WAL.Hash), hint: "use none, crc32, crc64, xxhash32, xxhash64 or xxhash3"}
	}
	if l := o.WAL.Layout; l != "" && l != "5" && l != "6" {
		return o, usageError{msg: fmt.Sprintf("--wal-layout %q is not a record layout", l), hint: "use 6 (32-byte records, the 6.x default) or 5 (40-byte records, 5.x or the IgnoreTimestamp=false switch)"}
	}
	if o.Format == format.WAL && o.R > 0 {
		return o, usageError{msg: "--records-per-partition does not apply to a WriteAheadLog", hint: "drop --records-per-partition"}
	}
	return o, nil
}

// oneDir returns the single DIR argument of a command.
func oneDir(c *cli.Context) (string, error) {
	if c.NArg() != 1 {
		return "", usageError{msg: fmt.Sprintf("%s takes one log directory, got %d arguments", c.Command.Name, c.NArg()),
			hint: fmt.Sprintf("walctl %s [flags] DIR", c.Command.Name)}
	}
	return c.Args().First(), nil
}

// targetVersion reads --target-version, the DotNext.Net.Cluster release that
// will open the log (zero when the flag is not given). The one place every
// command parses it; the arithmetic and the range are package release's.
func targetVersion(c *cli.Context) (release.Version, error) {
	return releaseFlag(c, "target-version")
}

// releaseFlag reads a release flag (--target-version, --to-version,
// --from-version) through release.ParseTarget: major.minor.patch inside
// the releases walctl models, or a usage error naming them.
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
