package cmd

import (
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/format"
)

// Every flag of walctl's commands is defined here, once: a name means one
// thing on every command that takes it, and --help, the man page and shell
// completion come from these definitions. A command's options name the
// flags it takes (flagsNamed); what a value may be is checked where the
// options read it.

type flagKind int

const (
	boolKind flagKind = iota
	stringKind
	int64Kind
	intKind
)

// flagDef is one flag: its name (the long one), a one-letter alias, its
// kind, its usage ({the} and {of} stand for "the input's " and " of the
// input" when convert names an input setting --in-…, else for ""), the
// default it shows, and whether the command needs it.
type flagDef struct {
	name, alias string
	kind        flagKind
	usage       string
	value       int64  // a number flag's default
	text        string // a string flag's default, or the default a number flag shows instead of its value
	required    bool
}

// The input settings (inputOptions), in the order a command lists them.
var inputFlags = []string{flagFormat, flagR, flagM, flagChunkSize, flagHash, flagWALLayout, flagSnapshotDir}

var flagDefs = []flagDef{
	// The input settings: where detection is unsure (inputOptions).
	{
		name:  flagFormat,
		kind:  stringKind,
		usage: "{the}log format, when detection is unsure: legacy|v2|sparse|wal (table = v2)",
	},
	{name: flagR, alias: "R", kind: int64Kind, usage: "{the}records per partition (R), when detection is unsure"},
	{
		name:  flagM,
		alias: "M",
		kind:  int64Kind,
		usage: "sparse format: {the}MaxLogEntrySize (M), when detection is unsure",
	},
	{name: flagChunkSize, kind: int64Kind, usage: "WriteAheadLog: {the}data chunk size (Options.ChunkSize), when " +
		"detection is unsure"},
	{name: flagHash, kind: stringKind, usage: "WriteAheadLog: {the}integrity hash none|crc32|crc64|xxhash32|xxhash64|" +
		"xxhash3, when detection is unsure"},
	{name: flagWALLayout, kind: stringKind, usage: "WriteAheadLog: {the}record layout 6 (32-byte records) or 5 " +
		"(40-byte records with ticks)"},
	{name: flagSnapshotDir, kind: stringKind, usage: "WriteAheadLog: the state machine's snapshot directory{of} " +
		"(default db)"},

	// Output and the write.
	{name: "json", kind: boolKind, usage: "print one JSON document"},
	{name: "force", kind: boolKind, usage: "go on although another process holds the log's files; inspect " +
		"--payload raw: write the bytes to a terminal too"},
	{name: "apply", kind: boolKind, usage: "carry out the plan (each write copies DIR to a backup first); without " +
		"it nothing is changed"},
	{name: "backup", kind: stringKind, usage: "where DIR is copied before it is written in place (must not exist " +
		"or be empty; default: a new sibling DIR.walctl-backup-<UTC time>)"},
	{name: "out", kind: stringKind, usage: "the new directory a conversion writes (must not exist or be empty); it " +
		"appears only once complete"},
	{name: "override-evidence", kind: boolKind, usage: "write although a setting contradicts exact evidence in the " +
		"files (a prologue, a footer, a hash that verifies), because that evidence is itself damaged; the write is " +
		"still audited"},

	// Releases.
	{name: "target-version", kind: stringKind, usage: "the DotNext.Net.Cluster release that will open the log " +
		"(e.g. 5.7.2). verify: an error for everything it reads otherwise than the writer; repair of a " +
		"WriteAheadLog: the checkpoint form it reads; convert: the output's checkpoint form (--to wal; 5.x also " +
		"the 40-byte layout) and vote layout (before 4.8.0: port first), and v2|sparse need 5.4.0+"},
	{name: "from-version", kind: stringKind, usage: "the release that wrote the log (the node's current one); " +
		"default: judged from the files (walctl detect's \"written by\")"},
	{name: "to-version", kind: stringKind, required: true, usage: "the DotNext.Net.Cluster release the node moves " +
		"to (major.minor.patch)"},

	// verify, inspect, diff.
	{name: "recursive", alias: "r", kind: boolKind, usage: "verify every log directory below each ROOT"},
	{name: "entries", kind: boolKind, usage: "list entries"},
	{name: "jsonl", kind: boolKind, usage: "with --entries: one JSON object per entry and line (the objects of " +
		"--json's entries), streamed"},
	{name: "from-index", kind: int64Kind, usage: "first index to list"},
	{name: "to-index", kind: int64Kind, value: -1, text: "the last entry", usage: "last index to list"},
	{name: "term", kind: int64Kind, value: -1, text: "every term", usage: "list only entries of this term"},
	{name: "limit", kind: int64Kind, usage: "list at most K entries (0 = all)"},
	{name: "payload", kind: stringKind, text: "auto", usage: "payload view: " + strings.Join(payloadFlagValues, "|") +
		" (redacted = length + sha256 only, for bug reports; raw = the payload bytes alone, one after another, " +
		"never to a terminal without --force)"},
	{name: "context", kind: intKind, value: 3, usage: "rows shown before and after each divergence"},

	// repair.
	{name: "commit-index", kind: int64Kind, usage: "the cluster's commit index, for a node.state (or WriteAheadLog " +
		"checkpoint) that cannot be trusted (from a healthy peer, or walctl diff); without it an untrusted commit " +
		"index is lowered to the snapshot index"},
	{name: "allow-drop-committed", kind: boolKind, usage: "allow dropping entries at or below CommitIndex (only " +
		"when a majority of the cluster still holds them)"},
	{name: "set-term", kind: int64Kind, usage: "the term to write to node.state (a WriteAheadLog's state) when its " +
		"own is lost, untrusted or behind the log's terms: the cluster's current term + 1"},
	{name: "clear-vote", kind: boolKind, usage: "write node.state without a vote (with --set-term above the stored " +
		"term, or when the vote is lost)"},
	{name: "from", kind: stringKind, usage: "heal DIR from the replica REPLICA (a stopped node's log, any format): " +
		"DIR's damaged or missing committed entries are rebuilt from REPLICA's at the same indexes, in DIR's own " +
		"format; refused where REPLICA disagrees with an intact committed entry of DIR, lacks an entry, or DIR's " +
		"term or commit index would have to move"},

	// convert and upgrade: the output.
	{
		name:  "to",
		kind:  stringKind,
		usage: "output format: " + format.Names(format.Logs, "|") + " (required; table = v2)",
	},
	{name: "in-place", kind: boolKind, usage: "convert DIR itself (after copying it to the backup)"},
	{name: "out-records-per-partition", kind: int64Kind, usage: "the output's records per partition when it is a " +
		"PersistentState log (partitions are renumbered; convert's default: the input's); a WriteAheadLog written " +
		"as one needs it: the recordsPerPartition the application passes"},
	{name: "out-max-entry-size", kind: int64Kind, usage: "the output's MaxLogEntrySize when it is sparse (convert's " +
		"default: the input's when it is sparse)"},
	{name: "out-wal-layout", kind: stringKind, usage: "--to wal: record layout 6 (32-byte records, the 6.x default) " +
		"or 5 (40-byte records: 5.x, or 6.x with IgnoreTimestamp=false)"},
	{name: "out-chunk-size", kind: int64Kind, usage: "--to wal: data chunk size in bytes, the node's WriteAheadLog " +
		"ChunkSize (default 4096, the library's)"},
	{name: "out-hash", kind: stringKind, usage: "--to wal: per-entry hash none|crc32|crc64|xxhash32|xxhash64|" +
		"xxhash3 (default none, the library's)"},
	{name: "out-checkpoint-bytes", kind: intKind, usage: "--to wal: checkpoint form 8 (5.x), 12 (6.0–6.7) or 20 " +
		"(6.8+, the default)"},
	{name: "copy-snapshot", kind: boolKind, usage: "--to wal: copy the input's snapshot to " +
		"<out-snapshot-dir>/<index>-<term> (SimpleStateMachine's naming); the default"},
	{name: "no-snapshot", kind: boolKind, usage: "--to wal: leave the input's snapshot out (the node's own state " +
		"machine restores it); walctl.snapshot records its index and term"},
	{name: "out-snapshot-dir", kind: stringKind, usage: "a log written as a WriteAheadLog: the snapshot directory " +
		"inside the new directory, where its snapshot is copied as <index>-<term> (default db)"},
}

// flagsNamed are the flags of the given names, in that order; prefix
// ("in-") names convert's input settings.
func flagsNamed(prefix string, names ...string) []cli.Flag {
	out := make([]cli.Flag, 0, len(names))
	for _, name := range names {
		for _, d := range flagDefs {
			if d.name == name {
				out = append(out, d.flag(prefix))
			}
		}
	}
	return out
}

// flag makes a new cli.Flag of d (every app gets its own: cli keeps state
// in them).
func (d flagDef) flag(prefix string) cli.Flag {
	name, the, of, aliases := prefix+d.name, "", "", []string(nil)
	if prefix != "" {
		the, of = "the input's ", " of the input"
	} else if d.alias != "" {
		aliases = []string{d.alias}
	}
	usage := strings.NewReplacer("{the}", the, "{of}", of).Replace(d.usage)
	switch d.kind {
	case stringKind:
		return &cli.StringFlag{Name: name, Aliases: aliases, Usage: usage, Value: d.text, Required: d.required}
	case int64Kind:
		return &cli.Int64Flag{Name: name, Aliases: aliases, Usage: usage, Value: d.value, DefaultText: d.text}
	case intKind:
		return &cli.IntFlag{Name: name, Aliases: aliases, Usage: usage, Value: int(d.value), DefaultText: d.text}
	}
	return &cli.BoolFlag{Name: name, Aliases: aliases, Usage: usage}
}
