package finding

// The registry: every finding code walctl emits, with its forms (severity,
// message, fix) and what it means. A new code is one define call here; the
// emitters use the variable, FINDINGS.md is generated from this file (go
// test ./finding -update), and the executable-advice test runs every Run
// fix it prints.
//
// Message templates name facts in braces ({index}); the emitter supplies
// them. Fix texts may too ({minTerm}, {from}). Run commands hold only the
// placeholders of Placeholders (DIR, T, N, R, REPLICA, V, NEWDIR); an
// emitter that knows one (diff the node's directory and the replica, the
// upgrade gate the release) gives it as a fact of that name, and the
// command it prints is whole.

func run(cmd, text string) Fix   { return Fix{Kind: Run, Command: cmd, Text: text} }
func noLocal(text string) Fix    { return Fix{Kind: NoLocalRepair, Text: text} }
func operator(text string) Fix   { return Fix{Kind: Operator, Text: text} }
func noneNeeded(text string) Fix { return Fix{Kind: NoneNeeded, Text: text} }
func ptr(f Fix) *Fix             { return &f }

// lost is the fix of damage that took fields walctl never guesses (a wrong
// term or vote can make the node vote twice): what names them.
func lost(what string) Fix {
	return noLocal(what + " are gone and walctl does not guess them: " + rebuild)
}

// Texts shared by several fixes.
const (
	repairCmd  = "walctl repair --apply DIR"
	dropCmd    = "walctl repair --apply --allow-drop-committed DIR"
	setTermCmd = "walctl repair --apply --set-term T DIR"
	// dropTermCmd: both, for a raise that drops committed entries and brings in a higher term
	dropTermCmd = "walctl repair --apply --allow-drop-committed --set-term T DIR"
	healCmd     = "walctl repair --from REPLICA --apply DIR"
	rebuild     = "restore DIR from a backup, or rebuild the node from the cluster: stop it, move DIR aside and start " +
		"it with an empty log directory, so that the leader sends its snapshot and entries again (walctl diff DIR " +
		"PEER_DIR shows what a peer holds)"
	dropText = "drops entry {from} and every later entry, committed ones included, so that the leader sends them " +
		"again: run it only when a majority of the cluster still holds them (walctl diff DIR PEER_DIR), or " +
		"restore DIR from a backup instead"
	truncText = "truncates the log before entry {from}; nothing committed is lost"
	termText  = "T is the cluster's current term + 1 (at least {minTerm}): above every term this node may have " +
		"voted in, so it cannot vote twice"
)

// TermRule is the rule for choosing T (--set-term T) on a log whose highest
// term is maxTerm, in the words of every fix that asks for a new term; repair
// says it with its refusals that ask for one.
func TermRule(maxTerm int64) string { return Render(termText, F{"minTerm": maxTerm + 1}) }

// What node.state damage takes with it, for lost.
const (
	stateFields    = "LastIndex, CommitIndex, the term and the vote"
	positionFields = "the log position, the term and the vote"
)

// The repairs several forms share: one action, one sentence.
var (
	stubZeroSlots = run(repairCmd, "writes stub records over those zero slots only; nothing else in the "+
		"file changes")
	rebuildFooter       = run(repairCmd, "rebuilds the footer from the inline records")
	checkpointFromSlots = run(repairCmd, "rewrites the checkpoint from the slots")
)

// dropFix is the pair of fixes of damage that ends the log at entry {from}:
// truncation when it is uncommitted, --allow-drop-committed when it is not.
func dropFix(f Form) Form {
	f.Fix = run(repairCmd, truncText)
	f.Committed = ptr(run(dropCmd, dropText))
	return f
}

// healFix is dropFix for damage a replica can heal (entries lost from this
// node's PersistentState files while the other nodes hold them): a
// committed entry is rebuilt from a replica by walctl repair --from.
func healFix(f Form, what string) Form {
	f = dropFix(f)
	f.Committed = ptr(run(healCmd, what+" (the payload bytes still here are kept where they equal the "+
		"replica's); without a replica there is no safe local repair: "+dropCmd+" "+dropText))
	return f
}

// PersistentState: node.state and the snapshot.
var (
	NodeStateMissing = define("node-state-missing", PersistentState,
		"`node.state` is missing: DotNext creates a fresh one (term 0, no vote, CommitIndex and LastIndex 0) "+
			"and ignores every entry.",
		Form{Severity: Error, Text: "node.state is missing: DotNext creates a fresh one (term 0, no vote, " +
			"CommitIndex 0, LastIndex 0) and ignores every entry on disk",
			Fix: lost(stateFields)})

	NodeStateZeroed = define("node-state-zeroed", PersistentState,
		"`node.state` is all zero bytes while the partitions hold entries with a term above 0 (a lost write, "+
			"or a file cleared by hand): DotNext opens the log at LastIndex 0, CommitIndex 0, term 0 and no vote — "+
			"it forgets its whole log, its term and its vote, and may vote twice in a term.",
		Form{Severity: Error, Text: "node.state is {size} zero bytes, but the partitions hold entries {onDisk} " +
			"with terms up to {maxTerm}: DotNext opens the log at LastIndex 0, CommitIndex 0, term 0 and no vote " +
			"(it reads the fields as stored, spec §6.1) — it forgets every entry, its term and its vote, and may " +
			"vote a second time in a term up to {maxTerm}",
			Fix: lost(stateFields)},
		// A longer file: DotNext reads only its first 128 bytes, and they are zero.
		Form{Name: "oversized", Severity: Error, Text: "node.state is {size} bytes and its first 128, the only " +
			"ones DotNext reads, are zero, but the partitions hold entries {onDisk} with terms up to {maxTerm}: " +
			"DotNext opens the log at LastIndex 0, CommitIndex 0, term 0 and no vote (it reads the fields as " +
			"stored, spec §6.1) — it forgets every entry, its term and its vote, and may vote a second time in " +
			"a term up to {maxTerm}",
			Fix: lost(stateFields)})

	NodeStateSize = define("node-state-size", PersistentState,
		"`node.state` is not 128 bytes. Shorter: DotNext reads the missing bytes as zero without an error "+
			"(measured: term 0, vote forgotten) — a double-vote hazard, and below 24 bytes the log position is gone "+
			"too. Longer: DotNext reads the first 128 bytes and ignores the rest.",
		Form{Severity: Error, Text: "node.state is {size} bytes, not 128: DotNext reads the missing bytes as zero " +
			"without an error ({effect}; the indexes{snapshot} in the surviving bytes are kept), so the node may " +
			"vote a second time in a term up to {maxTerm}",
			Fix: run("walctl repair --apply --set-term T --clear-vote DIR",
				"rewrites node.state at 128 bytes with the indexes and snapshot metadata of its surviving bytes, term "+
					"T and no vote; "+termText)},
		Form{Name: "short", Severity: Error, Text: "node.state is {size} bytes, not 128: CommitIndex, LastApplied " +
			"and LastIndex (bytes 0–23) are gone with the term and the vote; DotNext reads them as zero and opens " +
			"the log at LastIndex 0, ignoring entries {onDisk}",
			Fix: lost(positionFields)},
		Form{Name: "cut-snapshot", Severity: Error, Text: "node.state is {size} bytes, not 128: the metadata of " +
			"snapshot {snapshotIndex} (bytes 32–71) is cut, with the term and the vote; DotNext reads the missing " +
			"bytes as zero",
			Fix: lost("the snapshot's term and length")},
		Form{Name: "oversized", Severity: Warning, Text: "node.state is {size} bytes, not 128: DotNext reads the " +
			"first 128 bytes and ignores the rest (spec §6.1, source: one read of 128 bytes), so term {term}, " +
			"vote {vote} and the indexes are read intact",
			Fix: run(repairCmd, "cuts node.state to its 128 bytes; nothing in them changes")})

	NodeStateChecksum = define("node-state-checksum", PersistentState,
		"The word-wise FNV-1a checksum at byte 120 does not match bytes 0–119: with IntegrityCheck on, DotNext ≥ 4.2 "+
			"throws InternalStateBrokenException from InitializeAsync (measured). A flipped bit may sit in any "+
			"field, so none of them is trusted.",
		Form{Severity: Error, Text: "node.state checksum (bytes 120–127) does not match bytes 0–119: with " +
			"IntegrityCheck on, DotNext ≥ 4.2 throws InternalStateBrokenException from InitializeAsync (measured); " +
			"a flipped bit may sit in any field, so the term, the vote and CommitIndex are not trusted",
			Fix: run("walctl repair --apply --set-term T --clear-vote DIR",
				"rewrites node.state with term T, no vote and a new checksum; CommitIndex is lowered to the "+
					"snapshot index (the leader sends the commit index again) unless you add --commit-index N, the "+
					"cluster's commit index; "+termText)})

	NegativeIndex = define("negative-index", PersistentState,
		"`node.state` holds a negative index or term, which the library never writes (e.g. a file of 0xFF "+
			"bytes): its fields are garbage.",
		Form{Severity: Error, Text: "node.state holds {fields}, which the library never writes: its fields are " +
			"garbage{checksum}",
			Fix: lost(positionFields)})

	OldVoteLayout = define("old-vote-layout", PersistentState,
		"`node.state` stores the vote in the ClusterMemberId layout before 4.8.0 (port before length, as DotNext "+
			"4.0–4.7.x write it): those releases read the member right, 4.8.0 and later (every 5.x, 6.x) read a "+
			"vote for another member, an id no member has (spec/persistent-state.md §6.2).",
		Form{Severity: Info, Text: "node.state stores the vote for {member} (term {term}) in the ClusterMemberId " +
			"layout before 4.8.0 (port before length): DotNext {oldReleases} reads it right, {newReleases} reads it " +
			"as a vote for another member",
			Fix: noneNeeded("while the node runs DotNext 4.0–4.7.x; before it moves to 4.8.0 or later (or a " +
				"5.4+/6.x format), walctl upgrade --to-version V --apply DIR stores the vote in V's layout (node.state " +
				"only; conversions do it on the way)")})

	SnapshotShort = define("snapshot-short", PersistentState,
		"`node.state` says the snapshot is longer than the `snapshot` file: the state machine restores a cut "+
			"snapshot.",
		Form{Severity: Error, Text: "node.state says the snapshot is {length} bytes at offset {snapOffset}, but " +
			"the snapshot file has {size}: the state machine restores a cut snapshot",
			Fix: noLocal("the snapshot's bytes are gone: " + rebuild)})

	SnapshotOffset48 = define("snapshot-offset-48", PersistentState,
		"Snapshot metadata Offset 48 (InlineSnapshotBuilder quirk): the library reads the payload from byte 48.",
		Form{Severity: Warning, Text: "snapshot metadata Offset is 48 (InlineSnapshotBuilder quirk): the library " +
			"reads the payload from byte 48 although it was written from 0",
			Fix: operator("nothing while the state machine restores the snapshot; if it fails to, the first 48 " +
				"bytes are skipped: rebuild the node from the cluster so that the leader installs a snapshot")})
)

// PersistentState: the directory.
var (
	PartitionMissing = define("partition-missing", PersistentState,
		"A partition file that holds entries between the snapshot and LastIndex is missing: DotNext throws "+
			"MissingPartitionException (from InitializeAsync when the entries are committed).",
		healFix(Form{Severity: Error, Text: "partition file {files} is missing: entries {entries} are not on this " +
			"node; DotNext throws MissingPartitionException \"Index value is {from}\"{when}"},
			"rebuilds the committed entries and their partition file from REPLICA, a node that holds them"))

	PartitionNotRegular = define("partition-not-regular", PersistentState,
		"A partition's name holds a directory, named pipe (FIFO), device or socket instead of a regular file: "+
			"its entries cannot be read (walctl does not open it; DotNext reads partitions as files).",
		Form{Severity: Error, Text: "{file} is a {kind}, not a partition file, where partition {number} should " +
			"hold entries {entries}: walctl does not open it (a named pipe blocks the reader) and DotNext cannot " +
			"read entries from it",
			Fix: operator("move {file} out of DIR and put the partition file back from a backup; without one, " +
				"the entries are gone from this node: after moving it out, walctl repair --apply " +
				"--allow-drop-committed DIR drops them (only when a majority of the cluster holds them)")},
		Form{Name: "stale", Severity: Warning, Text: "{file} is a {kind}, not a partition file (it would be " +
			"partition {number}, which holds no live entry)",
			Fix: operator("move {file} out of DIR: it is not part of the log")})

	LastIndexBeyondDisk = define("last-index-beyond-disk", PersistentState,
		"node.state's LastIndex lies in partitions that do not exist; none of those entries is committed.",
		Form{Severity: Warning, Text: "partition file {files} is missing: entries {entries} are not on this node; " +
			"none of them is committed; the library throws MissingPartitionException when it reads them",
			Fix: run(repairCmd, "lowers LastIndex to the last entry on disk")})

	// sealFix is the fix of every form of unsealed-partition.
	sealFix = run(repairCmd, "seals the partition from its inline records — before the node runs DotNext 5.7.3 "+
		"or later")

	UnsealedPartition = define("unsealed-partition", PersistentState,
		"A Table partition that is not sealed and does not hold LastIndex: DotNext ≥ 5.7.3 reads all its entries "+
			"as empty (the 5.4–5.7.2 → 5.7.3+ upgrade hazard, or a 5.7.3+ crash with the last append still "+
			"buffered). A warning when `--target-version` names 5.4.0–5.7.2, which read the partition by its chained "+
			"records: only a later upgrade to 5.7.3+ loses the entries.",
		Form{Severity: Error, Text: "partition {number} is not sealed and does not hold LastIndex {last}: DotNext " +
			"≥ 5.7.3 reads entries {entries} as empty (Term 0, Length 0){lost}",
			Fix: sealFix},
		Form{Name: "target", Severity: Warning, Text: "partition {number} is not sealed and does not hold " +
			"LastIndex {last}: DotNext ≥ 5.7.3 reads entries {entries} as empty (Term 0, Length 0){lost}; DotNext " +
			"{target} (--target-version) reads them by their chained records, so only a later upgrade to 5.7.3+ " +
			"loses them",
			Fix: sealFix},
		Form{Name: "file", Severity: Error, Text: "unsealed partition wholly before LastIndex {last} ({indexes}): " +
			"DotNext ≥ 5.7.3 does not scan it and reads every entry of it as empty (Term 0, Length 0), committed " +
			"ones included; 5.4–5.7.2 scan it",
			Fix: sealFix})

	ZeroLeadingSlots = define("zero-leading-slots", PersistentState,
		"An unsealed Table partition whose never-written slots before its first entry (the slots at or below an "+
			"installed snapshot's index) are zero bytes, not the stub records `{Term 0, Timestamp 0, Length 0, "+
			"Offset 552+40j, Flags 0, Id 0}` DotNext 5.7.3+ keeps in memory. DotNext 5.4.0–5.7.2 scan every "+
			"unsealed partition from its first slot and stop at the first record whose End is ≤ 0: every entry of "+
			"the partition reads back as Term 0, Length 0 and the replay skips it — committed entries lost without "+
			"an exception (spec §4.7, measured on 5.4.0, 5.7.1, 5.7.2); 5.7.3+ read it right. Error when "+
			"`--target-version` names 5.4.0–5.7.2 or, without it, when the log's writer can be one of them; "+
			"warning (a downgrade hazard) otherwise; info when no live entry follows, or when a sealed partition "+
			"mixes zero slots and stub records.",
		Form{Severity: Error, Text: "{slots}: {effect}. {why}",
			Fix: stubZeroSlots},
		Form{Name: "downgrade", Severity: Warning, Text: "{slots}: {effect}. {why}",
			Fix: stubZeroSlots},
		Form{Name: "harmless", Severity: Info, Text: "{slots}: no live entry follows them, so no release loses " +
			"anything",
			Fix: noneNeeded("")},
		Form{Name: "unsealed", Severity: Info, Text: "never-written {slots} before the first entry (slot {first}) " +
			"{verb} zero bytes at {at}–{last}, not stub records: DotNext 5.7.3+ reads them as stubs, 5.4.0–5.7.2 " +
			"stop their scan of this unsealed partition at the first one and read every entry of it as empty " +
			"(Term 0, Length 0)",
			Fix: stubZeroSlots},
		Form{Name: "sealed", Severity: Info, Text: "{zero} never-written leading slots are zero bytes and {stored} " +
			"are stub records: DotNext reads the footer of this sealed partition; a rewrite that unseals it makes " +
			"5.4.0–5.7.2 rescan it and stop at the first zero slot",
			Fix: noneNeeded("the footer is read")})

	PartitionFormatDissent = define("partition-format-dissent", PersistentState,
		"One partition file looks like another format than the rest of the directory.",
		Form{Severity: Warning, Text: "partition {file} looks like {format} ({confidence}), not {dirFormat} like " +
			"the directory",
			Fix: operator("if {file} is not part of the log, move it out of DIR (walctl detect DIR/{file} shows " +
				"what it looks like)")})

	NonCanonicalName = define("non-canonical-name", PersistentState,
		"A file name the library parses as a partition number but is not canonical (`007`, `+7`): the library "+
			"opens or creates another file.",
		Form{Severity: Warning, Text: "file {file} parses as a partition number but is not canonical: the library " +
			"opens or creates another file for it",
			Fix: operator("move {file} out of DIR: the library never reads it under this name")})

	EntriesBeyondLastIndex = define("entries-beyond-last-index", PersistentState,
		"Records on disk after LastIndex (appended before node.state was flushed, or a rolled-back suffix): the "+
			"library ignores them.",
		Form{Severity: Info, Text: "records up to index {lastOnDisk} are on disk after LastIndex {last} (appended " +
			"before node.state was flushed, or a rolled-back suffix): the library ignores them",
			Fix: noneNeeded("the library ignores them and overwrites them with its next appends")})

	GeometryConflict = define("geometry-conflict", PersistentState,
		"The R (or M) given on the command line contradicts the files (a footer or prologue proves another R, or "+
			"a partition uses more slots). Read-only commands report it; `repair` and `convert` refuse such a "+
			"setting before writing (exit 2) unless `--override-evidence`.",
		Form{Severity: Error, Text: "{conflict}: the log was not written with these settings; DotNext opened with " +
			"them misplaces every index",
			Fix: operator("run walctl detect DIR and give the R (and M) it finds, or the node's configured values; " +
				"repair and convert refuse such settings before writing, unless --override-evidence")})

	PartitionNumberOverflow = define("partition-number-overflow", PersistentState,
		"A partition number so large that its first index overflows.",
		Form{Severity: Error, Text: "partition number {number} × R {r} overflows a log index",
			Fix: operator("move {file} out of DIR: no index of this log can lie in it")})

	LogInUse = define("log-in-use", AnyLog,
		"Another process holds a lock on the log's files: stop the node first.",
		Form{Severity: Warning, Text: "another process holds a lock on {file}: the node seems to be running, so " +
			"files may change under walctl",
			Fix: operator("stop the node before verifying or repairing")})
)

// PersistentState: legacy partitions.
var (
	PartitionShorterThanPrologue = define("partition-shorter-than-prologue", PersistentState,
		"Legacy partition shorter than R×40 bytes (4.x and 5.4.0–5.7.1 crashes leave it at 0 bytes): DotNext "+
			"4.0.0–4.2.x zero-fill it on open and read on, but 4.3.0 and later (every 5.x) throw "+
			"UnauthorizedAccessException from the constructor and cannot open the directory — an upgrade from 4.2.x "+
			"fails on such a log (spec/persistent-state.md §3.3, measured with 4.2.0, 4.15.3, 5.3.0, 5.7.1, 5.26.2).",
		Form{Severity: Error, Text: "file is {size} bytes, shorter than its {prologue}-byte prologue (R = {r}): " +
			"DotNext {zeroFill} zero-fill it on open and read on, but {throws} (every 5.x) throw " +
			"UnauthorizedAccessException from the PersistentState constructor and cannot open the directory at all " +
			"— an upgrade from 4.2.x fails on this log",
			Fix: run(repairCmd, "extends the file with zeros to its {prologue}-byte prologue")})

	TornTail = define("torn-tail", PersistentState,
		"The last record or payload is cut by the end of the file: the library silently delivers a short payload.",
		dropFix(Form{Severity: Error, Text: "{detail}: DotNext returns the short payload without an error"}),
		Form{Name: "stale", Severity: Info, Text: "{detail} (above LastIndex: not an entry of the log)",
			Fix: noneNeeded("the library never reads it")},
		Form{Name: "beyond", Severity: Warning, Text: "{detail} (in a partition wholly after LastIndex: not an " +
			"entry of the log)",
			Fix: noneNeeded("the library never reads it")})

	InvalidRecord = define("invalid-record", PersistentState,
		"Bytes where a record should be are not a valid record (negative length, unknown flags, timestamp out of "+
			"range, wrong offset).",
		dropFix(Form{Severity: Error, Text: "{detail}"}),
		Form{Name: "stale", Severity: Warning, Text: "{detail} (above LastIndex; the next open still takes its End " +
			"into the write address)",
			Fix: run(repairCmd, "rewrites the partition without the stale record")},
		Form{Name: "above-last", Severity: Info, Text: "{detail} (above LastIndex: not an entry of the log)",
			Fix: noneNeeded("the library never reads it")},
		Form{Name: "beyond", Severity: Warning, Text: "{detail} (in a partition wholly after LastIndex: not an " +
			"entry of the log)",
			Fix: noneNeeded("the library never reads it")})

	PayloadOverlap = define("payload-overlap", AnyLog,
		"Two live payload ranges share bytes: addresses never go back within a log, so one of the records is "+
			"damaged.",
		dropFix(Form{Severity: Error, Text: "payload of slot {slot} [{start}, {end}) overlaps the payload of slot " +
			"{prevSlot} ending at {reach}"}),
		Form{Name: "stale", Severity: Info, Text: "payload of slot {slot} [{start}, {end}) overlaps the payload of " +
			"slot {prevSlot} ending at {reach} (above LastIndex: not an entry of the log)",
			Fix: noneNeeded("the library never reads it")},
		dropFix(Form{Name: "wal", Severity: Error, Text: "entry {index}'s payload starts at address {address}, " +
			"inside entry {prev}'s payload (which ends at {prevEnd}): addresses never go back within a log, so " +
			"one of the two records is damaged"}))

	ProloguePayloadBehindZeroRecords = define("prologue-payload-behind-zero-records", PersistentState,
		"Payload bytes behind an all-zero legacy prologue (a crash before the prologue flush): lost entries "+
			"when node.state counts them, else residue.",
		dropFix(Form{Severity: Error, Text: "{bytes} payload bytes from {at} but every prologue record is zero: " +
			"appends whose prologue never reached the disk (crash before the flush); node.state counts entries " +
			"here, and DotNext reads them as Term 0, Length 0"}),
		Form{Name: "unknown", Severity: Warning, Text: "{bytes} payload bytes from {at} but every prologue record " +
			"is zero: appends whose prologue never reached the disk (crash before the flush)",
			Fix: operator("check node.state (walctl inspect DIR): without it nothing tells whether these are " +
				"entries of the log")},
		Form{Name: "stale", Severity: Info, Text: "{bytes} payload bytes from {at} but every prologue record is " +
			"zero: appends whose prologue never reached the disk (crash before the flush), wholly after LastIndex",
			Fix: noneNeeded("the library ignores them and overwrites them")})

	UnreferencedTail = define("unreferenced-tail", PersistentState,
		"Bytes after the last payload that no record points to (unflushed appends or a lost record).",
		Form{Severity: Warning, Text: "{bytes} bytes after the last payload end {at} are referenced by no " +
			"record (unflushed appends or a lost record)",
			Fix: noneNeeded("the library overwrites them with its next appends")},
		Form{Name: "stale", Severity: Info, Text: "{bytes} bytes after the last payload end {at} are referenced " +
			"by no record (unflushed appends, after LastIndex)",
			Fix: noneNeeded("the library overwrites them with its next appends")})

	SlotZeroWritten = define("slot-zero-written", PersistentState,
		"Index 0 (slot 0 of partition 0) holds a record; the library never writes it.",
		Form{Severity: Warning, Text: "slot 0 of partition 0 (index 0) is never written by the library, yet holds " +
			"{record}",
			Fix: run(repairCmd, "rewrites the partition with an empty slot 0")})

	InvalidGeometry = define("invalid-geometry", PersistentState,
		"R (or M) outside what the library accepts.",
		Form{Severity: Error, Text: "{detail}",
			Fix: operator("give the node's configured records per partition (and max entry size): walctl detect " +
				"DIR shows what the files tell")})

	LengthOverSlot = define("length-over-slot", PersistentState,
		"Sparse record Length above M: the library delivers bytes up to EOF silently.",
		dropFix(Form{Severity: Error, Text: "record claims {length} bytes, more than M = {m}: the library does not " +
			"check and silently delivers {avail} bytes running into the following slots or up to EOF ({record})"}),
		Form{Name: "stale", Severity: Info, Text: "record claims {length} bytes, more than M = {m} (above " +
			"LastIndex: not an entry of the log)",
			Fix: noneNeeded("the library never reads it")})

	MisplacedRecord = define("misplaced-record", PersistentState,
		"Sparse record whose Offset is not its slot start + 40.",
		dropFix(Form{Severity: Error, Text: "record {record} of the slot at {at} should have Offset {want}; the " +
			"library still reads {avail} bytes from its Offset"}),
		Form{Name: "stale", Severity: Info, Text: "record {record} of the slot at {at} should have Offset {want} " +
			"(above LastIndex: not an entry of the log)",
			Fix: noneNeeded("the library never reads it")})

	MissingRecord = define("missing-record", PersistentState,
		"Sparse slot with payload bytes but a zero record (5.4–5.7.1 cached append, #244 T1): read back as empty.",
		healFix(Form{Severity: Error, Text: "slot {slot} has a zero record but payload bytes from {at} (a cached " +
			"append of DotNext 5.4.0–5.7.1 whose record never reached the disk, #244 T1): the library reads it as an " +
			"empty entry with term 0"},
			"rebuilds the entry from REPLICA, a node that holds it: its term is gone from this node"),
		Form{Name: "stale", Severity: Info, Text: "slot {slot} has a zero record but payload bytes from {at} " +
			"(above LastIndex: not an entry of the log)",
			Fix: noneNeeded("the library never reads it")})

	StaleSlotBytes = define("stale-slot-bytes", PersistentState,
		"Leftover bytes after a payload inside its sparse slot.",
		Form{Severity: Info, Text: "non-zero bytes at {at} after the payload of slot {slot}: left by an earlier, " +
			"longer entry in the same slot; never read",
			Fix: noneNeeded("never read")})

	BytesPastLastSlot = define("bytes-past-last-slot", PersistentState,
		"Data beyond R×(M+40): written with another R or M?",
		Form{Severity: Warning, Text: "{bytes} bytes past the end of slot {slot} (R×(M+40) = {end}): written with " +
			"another R or M?",
			Fix: operator("check R and M (walctl detect DIR; the node's configuration): with the right ones the " +
				"bytes are not there")})
)

// PersistentState: Table (v2) partitions.
var (
	BadGeometry = define("bad-geometry", PersistentState,
		"R outside [2, 53687091].",
		Form{Severity: Error, Text: "records per partition {r} is outside the library's range [{min}, {max}]",
			Fix: operator("give the node's configured records per partition: walctl detect DIR shows what the " +
				"files tell")})

	ShortHeader = define("short-header", PersistentState,
		"Table file shorter than its 512-byte header: 5.7.3+ extends it to 512 on open and reads every slot "+
			"empty; 5.4–5.7.2 do not scan it.",
		Form{Severity: Warning, Text: "file is {size} bytes, shorter than the 512-byte header: DotNext ≥ 5.7.3 " +
			"extends it to 512 bytes on open and reads {indexes} as empty; 5.4–5.7.2 leave it alone and do not " +
			"scan it (slots read as zero records)",
			Fix: run(repairCmd, "rewrites the partition with its header and the entries it holds")},
		Form{Name: "harmless", Severity: Info, Text: "file is {size} bytes of zeros, shorter than the 512-byte " +
			"header, and holds no live entry: DotNext ≥ 5.7.3 extends it to 512 bytes on open",
			Fix: noneNeeded("it holds nothing")})

	HeaderNotClean = define("header-not-clean", PersistentState,
		"Header bytes 1–511 not zero (and no T2 record), or byte 0 neither 0 nor 1.",
		Form{Severity: Warning, Text: "{detail}",
			Fix: run(repairCmd, "rewrites the partition with a clean header")})

	T2HeaderOverwritten = define("t2-header-overwritten", PersistentState,
		"#244 T2: the first entry after an installed snapshot was written at offset 0 over the header; 5.7.3+ reads "+
			"the entries as empty and later throws IntegrityException.",
		Form{Severity: Error, Text: "{n} entries are chained from offset 0 over the header (record at 0 with " +
			"Offset 40, byte 0 = {b0} = low byte of Term {term}; #244 T2: first append into a fresh partition at " +
			"slot k > 0 with a zeroed table); placed at slots {firstSlot}–{lastSlot} ({how}). {effect}",
			Fix: run(repairCmd, "re-lays the partition from offset 512")})

	TornSeal = define("torn-seal", PersistentState,
		"Byte 0 says sealed but there is no valid footer: the library takes the last R×40 bytes as the footer "+
			"(garbage terms, lengths, timestamps) or throws IntegrityException.",
		Form{Severity: Error, Text: "header byte 0 = {b0} says sealed, but the last {footerBytes} bytes (from " +
			"{at}) are not this partition's footer (torn seal): DotNext reads them as the footer anyway and " +
			"returns garbage for {indexes}; the inline chain below is what was written",
			Fix: rebuildFooter},
		Form{Name: "short", Severity: Error, Text: "header byte 0 = {b0} says sealed, but the file ({size} bytes) " +
			"is shorter than 512 + 40×R = {need} (torn seal): DotNext 5.7.0+ throws IntegrityException \"Partition " +
			"has invalid binary format or broken\" on open (5.4–5.6: ArgumentOutOfRangeException or a footer read " +
			"inside the file); the inline chain below is what was written",
			Fix: rebuildFooter})

	FooterMismatch = define("footer-mismatch", PersistentState,
		"A footer record disagrees with the inline record (e.g. zeroed): the library reads the footer.",
		Form{Severity: Error, Text: "{detail}",
			Fix: rebuildFooter},
		Form{Name: "inline", Severity: Warning, Text: "{detail}",
			Fix: run(repairCmd, "rewrites the partition from its intact footer")})

	T3GarbageFooter = define("t3-garbage-footer", PersistentState,
		"#244 T3: a footer record breaks the chain and no inline record backs it.",
		dropFix(Form{Severity: Error, Text: "footer record of slot {slot} at {at} is {record}: it breaks the chain " +
			"and no valid inline record backs it (#244 T3 or damage); DotNext reads Term {term}, Length {length} " +
			"for this slot"}))

	T1MissingInlineRecords = define("t1-missing-inline-records", PersistentState,
		"#244 T1: a payload without its 40-byte inline record: its term, length and command id are lost (a "+
			"warning in a sealed partition whose footer still holds them).",
		healFix(Form{Severity: Error, Text: "the record of slot {slot} is missing (40 zero bytes at {at}) but " +
			"payload bytes follow (#244 T1): its term, length and command id are lost, and later slots of this " +
			"partition cannot be located"},
			"rebuilds these entries from REPLICA, a node that holds them: their terms are gone from this node"),
		Form{Name: "sealed", Severity: Warning, Text: "the inline records of slots {slots} are zero (#244 T1): " +
			"DotNext reads the intact footer, but a rewrite that unseals this partition would rescan it and lose " +
			"them",
			Fix: run(repairCmd, "rewrites the inline records from the footer")},
		Form{Name: "stale", Severity: Warning, Text: "the record of slot {slot} is missing (40 zero bytes at {at}) " +
			"but payload bytes follow (#244 T1), in a partition wholly after LastIndex",
			Fix: noneNeeded("the library never reads it")})

	ZeroRecordInChain = define("zero-record-in-chain", PersistentState,
		"A zero window between records (unsealed) or a stub between entries in a footer.",
		Form{Severity: Warning, Text: "40 zero bytes at {at} between records (slot {slot}): either the missing " +
			"record of an empty entry (#244 T1) or a stub the library never writes between entries; DotNext ≥ " +
			"5.7.3 reads it as an empty entry, 5.4–5.7.2 stop their scan there",
			Fix: run(repairCmd, "rewrites the partition with a stub record there")},
		Form{Name: "footer", Severity: Warning, Text: "footer holds a stub for slot {slot} between written slots: " +
			"the library never leaves an unused slot between entries",
			Fix: run(repairCmd, "rewrites the partition from its inline records")})

	MoreThanRRecords = define("more-than-r-records", PersistentState,
		"The inline chain goes on after R records: R is wrong, or the bytes are not the partition's.",
		Form{Severity: Error, Text: "the chain goes on after {r} records at {at}: R is wrong, or the bytes are not " +
			"this partition's",
			Fix: operator("check R first (walctl detect DIR; the node's recordsPerPartition) and verify again with " +
				"the right one; with the right R the chain ends within the partition")})

	TrailingBytes = define("trailing-bytes", PersistentState,
		"Unexplained bytes after R records.",
		Form{Severity: Warning, Text: "{bytes} unexplained bytes after the last of {r} records (from {at})",
			Fix: run(repairCmd, "rewrites the partition without them")})

	Slot0NotEmpty = define("slot0-not-empty", PersistentState,
		"Bytes 512–551 of partition 0 (the slot of index 0) are not zero.",
		Form{Severity: Warning, Text: "bytes 512–551 of partition 0 are not zero: index 0 is never written there",
			Fix: run(repairCmd, "rewrites the partition with slot 0 zero")})

	StaleBytes = define("stale-bytes", PersistentState,
		"Bytes after the record of LastIndex, or before the footer.",
		Form{Severity: Info, Text: "{detail}", Fix: noneNeeded("the library never reads them")})

	StaleFooter = define("stale-footer", PersistentState,
		"A complete footer after the chain of an unsealed file.",
		Form{Severity: Info, Text: "a complete footer of {n} records follows the chain at {at} but the partition " +
			"is not sealed: a crash between the footer and header writes, or a partition unsealed for a rewrite",
			Fix: noneNeeded("the library reads the inline chain of an unsealed partition")})

	TrailingZeros = define("trailing-zeros", PersistentState,
		"Zero bytes after the chain.",
		Form{Severity: Info, Text: "{detail}", Fix: noneNeeded("")})

	BeyondLastIndex = define("beyond-last-index", PersistentState,
		"Records in a partition wholly after LastIndex.",
		Form{Severity: Info, Text: "partition wholly after LastIndex {last} holds {n} records: they are not " +
			"entries of the log (left by a crash or a rewrite)",
			Fix: noneNeeded("the library ignores them and overwrites them")})
)

// The replay: Raft's invariants over the whole log.
var (
	RecordZeroed = define("record-zeroed", AnyLog,
		"An index between the snapshot and LastIndex has no record on disk: the library reads it as Term 0, "+
			"Length 0 (an error when committed: the replay skips it).",
		Form{Severity: Warning, Text: "uncommitted entry {index} has no record on disk (zero or placeholder slot): " +
			"DotNext reads it as Term 0, Length 0",
			Group: "uncommitted entries {range} ({count}) have no record on disk (zero or placeholder slots): " +
				"DotNext reads them as Term 0, Length 0",
			Fix: run(repairCmd, truncText)},
		Form{Name: "committed", Severity: Error, Text: "committed entry {index} has no record on disk (zero or " +
			"placeholder slot): DotNext reads it as Term 0, Length 0 and skips it when applying",
			Group: "committed entries {range} ({count}) have no record on disk (zero or placeholder slots): DotNext " +
				"reads them as Term 0, Length 0 and skips them when applying",
			Fix: run(healCmd, "rebuilds the entries from REPLICA, a node that holds them (the payload bytes still "+
				"here are kept where they equal the replica's): the records are gone from this node; without a "+
				"replica there is no safe local repair: "+dropCmd+" "+dropText)},
		Form{Name: "committed-wal", Severity: Error, Text: "committed entry {index} has no record on disk (zero or " +
			"placeholder slot): DotNext reads it as Term 0, Length 0 and skips it when applying",
			Group: "committed entries {range} ({count}) have no record on disk (zero or placeholder slots): DotNext " +
				"reads them as Term 0, Length 0 and skips them when applying",
			Fix: run(dropCmd, dropText)})

	TermDecreased = define("term-decreased", AnyLog,
		"An entry's term is lower than an earlier entry's (or the snapshot's): terms never decrease in a Raft log.",
		Form{Severity: Error, Text: "entry {index} has term {term}, lower than term {maxTerm} of entry {maxAt}: " +
			"terms never decrease in a Raft log",
			Group: "entries {range} ({count}) have terms {term}, lower than term {maxTerm} of entry {maxAt}: terms " +
				"never decrease in a Raft log",
			Vary: []string{"term"},
			Fix:  noLocal("walctl cannot tell which entries are wrong: " + rebuild)})

	TermAboveCurrent = define("term-above-current", AnyLog,
		"An entry's term is above the node's current term (the state file was not flushed after a term change, "+
			"or a writer that does not keep it): DotNext opens the node at the lower term, and it may vote a "+
			"second time in a term it already voted in. A warning: the library itself leaves it after a crash "+
			"(fixtures crash-midwrite-*, wal-crash*).",
		Form{Severity: Warning, Text: "entry {index} has term {term}, above the current term {current} in " +
			"{stateFile}: DotNext opens the node at term {current}, and it may vote a second time in a term up to " +
			"{term} it already voted in",
			Group: "entries {range} ({count}) have terms {term}, above the current term {current} in {stateFile}: " +
				"DotNext opens the node at term {current}, and it may vote a second time in a term up to {maxTerm} " +
				"it already voted in",
			Vary: []string{"term"},
			Fix:  run(setTermCmd, "writes term T and no vote to {stateFile}; "+termText)})

	TermReset = define("term-reset", AnyLog,
		"The state file holds term 0 while entries on disk have terms above 0: the term was reset (a zeroed or "+
			"cut file; DotNext itself rewrites a cut WriteAheadLog `state` as 37 zero bytes on open). DotNext opens "+
			"the node at term 0 without a vote, so it may grant a second vote in a term it already voted in.",
		Form{Severity: Error, Text: "{stateFile} holds term 0{vote}, but entries {entries} on disk have terms up " +
			"to {maxTerm}: the term was reset (a zeroed or cut file; DotNext rewrites a cut WriteAheadLog state " +
			"as 37 zero bytes on open) — DotNext opens the node at term 0 and may grant a second vote in a term up " +
			"to {maxTerm} it already voted in",
			Fix: run(setTermCmd, "writes term T and no vote to {stateFile}; "+termText)})

	IndexGap = define("index-gap", AnyLog,
		"Indexes missing between the snapshot and LastIndex.",
		Form{Severity: Error, Text: "indexes {missing} are missing between {prev} and {next}",
			Fix: noLocal("the entries are gone from this node: " + rebuild)},
		Form{Name: "open", Severity: Error, Text: "indexes {missing} are missing after {prev}",
			Fix: noLocal("the entries are gone from this node: " + rebuild)})

	IndexOutOfOrder = define("index-out-of-order", AnyLog,
		"An index that does not follow its predecessor by one.",
		Form{Severity: Error, Text: "index {index} follows {prev}: indexes must increase by one",
			Fix: noLocal("walctl cannot tell which entries are wrong: " + rebuild)})

	CommitBeyondLastIndex = define("commit-beyond-last-index", AnyLog,
		"The commit index is above the last index: entries the node claims committed do not exist.",
		Form{Severity: Error, Text: "commit index {commit} is above the last index {last}: entries the node " +
			"claims committed do not exist",
			Fix: run(dropCmd, "lowers CommitIndex to LastIndex {last}: the committed entries after it are gone from "+
				"this node; run it only when a majority of the cluster holds them (the leader sends them again)")},
		// node.state was not flushed after its CommitIndex: the records are on disk, so repair raises LastIndex.
		Form{Name: "raise", Severity: Error, Text: "commit index {commit} is above the last index {last}, but " +
			"the records of {range} are on disk (node.state's LastIndex was not flushed): DotNext opens the log at " +
			"LastIndex {last}, without the committed entries after it",
			Fix: run(repairCmd, "raises LastIndex to CommitIndex {commit}: the records on disk become the log's "+
				"entries again; nothing is dropped")},
		Form{Name: "raise-term", Severity: Error, Text: "commit index {commit} is above the last index {last}; " +
			"the records of {range} are on disk, with terms up to {maxTerm}, above node.state's term {term}: " +
			"DotNext opens the log at LastIndex {last}, without the committed entries after it",
			Fix: run(setTermCmd, "raises LastIndex to CommitIndex {commit} and writes term T and no vote (the "+
				"records carry a term the node has not reached: it could vote twice in it); "+termText)},
		// Only part of the records up to CommitIndex are on disk and intact: repair raises LastIndex as far as
		// they go and lowers CommitIndex to it.
		Form{Name: "raise-part", Severity: Error, Text: "commit index {commit} is above the last index {last}; " +
			"the records of {range} are on disk (node.state's LastIndex was not flushed), those of {lost} are not: " +
			"DotNext opens the log at LastIndex {last}, without the committed entries after it",
			Fix: run(dropCmd, "raises LastIndex to {to}, where the intact records end, and lowers CommitIndex to it: "+
				"the committed entries {lost} are gone from this node; run it only when a majority of the cluster "+
				"holds them (the leader sends them again)")},
		Form{Name: "raise-part-term", Severity: Error, Text: "commit index {commit} is above the last index {last}; " +
			"the records of {range} are on disk, with terms up to {maxTerm}, above node.state's term {term}, those " +
			"of {lost} are not: DotNext opens the log at LastIndex {last}, without the committed entries after it",
			Fix: run(dropTermCmd, "raises LastIndex to {to}, where the intact records end, lowers CommitIndex to "+
				"it and writes term T and no vote (the records carry a term the node has not reached: it could vote "+
				"twice in it): the committed entries {lost} are gone from this node; run it only when a majority of "+
				"the cluster holds them; "+termText)})

	AppliedBeyondCommit = define("applied-beyond-commit", PersistentState,
		"LastApplied above CommitIndex (the library never persists that).",
		Form{Severity: Warning, Text: "last applied {applied} is above the commit index {commit} (the library " +
			"never persists that)",
			Fix: run(repairCmd, "lowers LastApplied to CommitIndex")})

	SnapshotBeyondCommit = define("snapshot-beyond-commit", PersistentState,
		"The snapshot index is above the commit index: a snapshot covers only committed entries (after a snapshot "+
			"installation DotNext writes CommitIndex = LastApplied = the snapshot index, spec §6.3).",
		Form{Severity: Error, Text: "snapshot index {snapshot} is above the commit index {commit}: a snapshot " +
			"covers only committed entries (DotNext writes CommitIndex = the snapshot index when it installs one)",
			Fix: run(repairCmd, "raises CommitIndex to the snapshot index")})
)

// WriteAheadLog (5.22+ / 6.x).
var (
	CheckpointMissing = define("checkpoint-missing", WriteAheadLog,
		"The checkpoint file is missing: the library creates an empty one and opens the log at S.",
		Form{Severity: Error, Text: "the checkpoint file is missing: the library creates an empty one and opens " +
			"the log at S = {s}, discarding entries {entries}",
			Fix: run("walctl repair --apply --commit-index N DIR", "writes the checkpoint with N, the cluster's "+
				"commit index: it is not on disk, and a guessed one could commit entries the cluster never committed")},
		Form{Name: "empty-log", Severity: Warning, Text: "the checkpoint file is missing: the library creates an " +
			"empty one and opens the log at S = {s}; no slot after S holds an entry",
			Fix: noneNeeded("the library creates it")})

	CheckpointEmpty = define("checkpoint-empty", WriteAheadLog,
		"A 0-byte checkpoint while entries are in the files (never flushed, or lost).",
		Form{Severity: Warning, Text: "the checkpoint is empty (nothing flushed), but entries {entries} are in the " +
			"files: the library opens the log at S = {s} and ignores them",
			Fix: run("walctl repair --apply --commit-index N DIR", "writes the checkpoint with N, the cluster's "+
				"commit index, if those entries were committed; without it the library opens an empty log and the "+
				"leader sends them again")})

	CheckpointTorn = define("checkpoint-torn", WriteAheadLog,
		"The checkpoint has a size the library never writes (torn or cut write). Repaired from its surviving "+
			"bytes when the slots confirm them, else with `--commit-index N`.",
		Form{Severity: Error, Text: "{detail}",
			Fix: run("walctl repair --apply --commit-index N DIR", "writes the checkpoint with N, the cluster's "+
				"commit index: the surviving bytes do not give one the slots confirm")},
		Form{Name: "recovered", Severity: Error, Text: "{detail}",
			Fix: run(repairCmd, "rewrites the {form} checkpoint with C = {c}{l}")})

	CheckpointVersionUnsupported = define("checkpoint-version-unsupported", WriteAheadLog,
		"The version field is neither 0 nor 1: 6.x throws UnsupportedCheckpointVersionException.",
		Form{Severity: Error, Text: "checkpoint version field is {version}: every 6.x release throws " +
			"UnsupportedCheckpointVersionException at open (its message reports version 0)",
			Fix: run("walctl repair --apply --commit-index N DIR", "rewrites the checkpoint with N, the cluster's "+
				"commit index: the damaged file's C cannot be trusted")})

	CheckpointLastBelowCommit = define("checkpoint-last-below-commit", WriteAheadLog,
		"A version-1 checkpoint with L < C.",
		Form{Severity: Error, Text: "checkpoint L = {l} is below C = {c}, which the library never writes",
			Fix: checkpointFromSlots})

	CheckpointNegative = define("checkpoint-negative", WriteAheadLog,
		"A negative C or L.",
		Form{Severity: Error, Text: "checkpoint holds a negative index (C = {c}, L = {l}): the library takes " +
			"max(C, S), so the log opens at S = {s}",
			Fix: checkpointFromSlots})

	CheckpointMixedForm = define("checkpoint-mixed-form", WriteAheadLog,
		"A 12-byte file starting with version 1, or a 20-byte file with version 0.",
		Form{Severity: Warning, Text: "{detail}",
			Fix: run(repairCmd, "rewrites the checkpoint in one form")})

	CheckpointV1 = define("checkpoint-v1", WriteAheadLog,
		"A 20-byte version-1 checkpoint: 6.0–6.7.x cannot open the directory.",
		Form{Severity: Info, Text: "version-1 checkpoint (6.8.0+): 6.0.0–6.7.x cannot open this directory " +
			"(UnsupportedCheckpointVersionException); a downgrade needs the 12-byte form",
			Fix: noneNeeded("for 6.8.0+; before a downgrade to 6.0–6.7.x: walctl repair --apply --target-version V " +
				"DIR writes the 12-byte form")})

	CheckpointPastEnd = define("checkpoint-past-end", WriteAheadLog,
		"(S, T] ends with slots never written: the library reads phantom entries.",
		Form{Severity: Error, Text: "the checkpoint (C = {c}{l}) points past the last written entry {last}: slots " +
			"{slots} were never written. {effect}",
			Fix: run(repairCmd, "lowers the checkpoint to the last written entry {last}; entries committed before are "+
				"kept")})

	CommitBelowSnapshot = define("commit-below-snapshot", WriteAheadLog,
		"C < S on disk; the library uses max(C, S).",
		Form{Severity: Info, Text: "C = {c} is below S = {s}; the library uses max(C, S)",
			Fix: noneNeeded("")})

	StateMissing = define("state-missing", WriteAheadLog,
		"No state file: the library recreates it with term 0 and no vote.",
		Form{Severity: Error, Text: "the state file is missing: the library creates it with term 0 and no vote, so " +
			"the node may vote twice in a term up to {maxTerm} it already voted in",
			Fix: run(setTermCmd, "writes state with term T and no vote: the term and the vote are lost; "+termText)})

	StateTruncated = define("state-truncated", WriteAheadLog,
		"State shorter than 37 bytes: the library silently zeroes term and vote (and writes the zeros back).",
		Form{Severity: Error, Text: "the state file is {size} bytes, not 37: {lib} silently zeroes it on open and " +
			"writes 37 zero bytes back (term 0, vote forgotten), although the log holds entries of term {maxTerm}",
			Fix: run(setTermCmd, "writes state with term T and no vote: the term and the vote are lost; "+termText)})

	StateOversized = define("state-oversized", WriteAheadLog,
		"State longer than 37 bytes (the rest is ignored).",
		Form{Severity: Warning, Text: "the state file is {size} bytes; the library reads the first 37 and ignores " +
			"the rest",
			Fix: noneNeeded("the library reads the first 37 bytes")})

	DirectoryMissing = define("directory-missing", WriteAheadLog,
		"metadata/ or data/ is missing.",
		Form{Severity: Error, Text: "the log has no {dir}/ directory: the library creates an empty one and loses " +
			"every entry it held",
			Fix: noLocal("restore {dir}/ from a backup; without one, " + rebuild)})

	ForeignFiles = define("foreign-files", WriteAheadLog,
		"PersistentState files (node.state, numeric partitions) in the root.",
		Form{Severity: Warning, Text: "the root also holds PersistentState files (node.state or numeric partition " +
			"files): two log formats share this directory",
			Fix: operator("move the PersistentState files out of DIR; the WriteAheadLog never reads them")})

	PageNameNoncanonical = define("page-name-noncanonical", WriteAheadLog,
		"A numeric page name like 007 or +7 that the library never reads.",
		Form{Severity: Warning, Text: "{file} parses as a page number but is not canonical: the library counts " +
			"it, then opens or creates the canonical file and never reads this one",
			Fix: operator("move {file} out of {dir}/ (the library never reads it)")})

	PageDirForeignFile = define("page-dir-foreign-file", WriteAheadLog,
		"A non-numeric file or directory inside metadata/ or data/.",
		Form{Severity: Warning, Text: "{file} is not a page file (its name is not a number); the library ignores it",
			Fix: operator("move {file} out of {dir}/; the library ignores it")})

	PageGap = define("page-gap", WriteAheadLog,
		"Page numbers with gaps.",
		Form{Severity: Warning, Text: "{dir}/ has no {pages} between {below} and {above} (live entries in them are " +
			"reported separately)",
			Fix: noneNeeded("no live entry lies in the gap (those that do are reported with their own code)")})

	PageFileEmpty = define("page-file-empty", WriteAheadLog,
		"A 0-byte page file holding no live data (interrupted creation).",
		Form{Severity: Warning, Text: "{file} is 0 bytes, not {want}, but holds no live {what}: the library grows " +
			"it with zeros when it maps it (an interrupted creation)",
			Fix: noneNeeded("the library grows it on open")})

	MetadataPageOversized = define("metadata-page-oversized", WriteAheadLog,
		"A metadata page larger than the page size: SharedMemory open fails.",
		Form{Severity: Error, Text: "{file} is {size} bytes, larger than the {want}-byte page: SharedMemory open " +
			"fails with ArgumentOutOfRangeException (capacity)",
			Fix: operator("open the log with its real metadata page size; if the excess is garbage, cut {file} " +
				"to {want} bytes while the node is stopped")})

	MetadataTruncated = define("metadata-truncated", WriteAheadLog,
		"A metadata page shorter than the page size: an error when it cuts live slots.",
		dropFix(Form{Severity: Error, Text: "{file} is {size} bytes, not {want}: {what}. {lib} grows the file back " +
			"with zeros on open and silently reads the cut record from its surviving bytes (the rest zero) and the " +
			"missing slots as Term 0, Length 0 no-ops{lost}"}),
		Form{Name: "idle", Severity: Warning, Text: "{file} is {size} bytes, not {want}, but holds no live entry: " +
			"the library grows it with zeros on open",
			Fix: noneNeeded("the library grows it on open")})

	MetadataPageMissing = define("metadata-page-missing", WriteAheadLog,
		"A metadata page holding live slots does not exist.",
		dropFix(Form{Severity: Error, Text: "metadata page {pages} does not exist but holds live {entries}: {lib} " +
			"throws MissingPageException (\"WAL page {page} doesn't exist on the disk\") when it reads them{applied}"}))

	DataChunkOversized = define("data-chunk-oversized", WriteAheadLog,
		"A data chunk larger than the chunk size: SharedMemory open fails.",
		Form{Severity: Error, Text: "{file} is {size} bytes, larger than the {want}-byte chunk: SharedMemory open " +
			"fails with ArgumentOutOfRangeException (capacity); a log is opened with the chunk size it was written " +
			"with",
			Fix: operator("verify with the log's real chunk size (walctl verify --chunk-size N DIR) and configure " +
				"the node with it; if the excess is garbage, cut {file} to {want} bytes while the node is stopped")})

	DataChunkShort = define("data-chunk-short", WriteAheadLog,
		"A data chunk shorter than the chunk size: an error when it holds live payload bytes.",
		dropFix(Form{Severity: Error, Text: "{file} is {size} bytes, not {want}, and holds the payloads of {list} " +
			"({committedCount} committed): the library grows it with zeros on open and silently delivers zeros for " +
			"the missing bytes"}),
		Form{Name: "idle", Severity: Warning, Text: "{file} is {size} bytes, not {want}, but holds no live " +
			"payload byte: the library grows it with zeros when it maps it (an interrupted creation)",
			Fix: noneNeeded("the library grows it on open")})

	DataChunkMissing = define(
		"data-chunk-missing",
		WriteAheadLog,
		"A data chunk holding live payload bytes does not exist.",
		dropFix(
			Form{Severity: Error, Text: "{file} does not exist but holds the payloads of {list} ({committedCount} " +
				"committed): {effect}"},
		),
	)

	PagesBelowSnapshot = define("pages-below-snapshot", WriteAheadLog,
		"Metadata pages holding only slots ≤ S (not cleaned yet).",
		Form{Severity: Warning, Text: "{pages} only slots ≤ S = {s}: not cleaned yet; DotNext 6.8.0+ deletes such " +
			"pages at the first flush after open (measured with 6.12.0), ≤ 6.7.x only after a newer snapshot",
			Fix: noneNeeded("the library deletes them (6.8.0+ at its first flush after open)")})

	ChunksBelowSnapshot = define("chunks-below-snapshot", WriteAheadLog,
		"Data chunks holding only bytes before entry S+1's payload.",
		Form{Severity: Info, Text: "{chunks} only bytes before entry {first}'s payload (entries ≤ S = {s}); the " +
			"cleaner deletes such chunks after a later snapshot (6.8.0+ does not delete data chunks at open)",
			Fix: noneNeeded("the cleaner deletes them after a later snapshot")})

	ChunksBeyondEnd = define("chunks-beyond-end", WriteAheadLog,
		"Data chunks past the last byte any live or tail entry uses.",
		Form{Severity: Warning, Text: "{chunks} past the end of the last entry's payload (address {end}): stale, " +
			"pre-created or an unflushed tail; the library overwrites such chunks with the next appends",
			Fix: noneNeeded("the library overwrites them with its next appends")})

	ManyChunkFiles = define("many-chunk-files", WriteAheadLog,
		"The library holds every page file open (measured with 6.12.0: 3,907 metadata pages + 191 data chunks "+
			"fail to open under `ulimit -n` 1024 and 4096, open under 4200), and the log needs more than the usual "+
			"limit of 1024: page files + ~100. The finding counts metadata pages (one per 128 entries after the "+
			"snapshot, 64 with 64-byte slots) and data chunks apart; the fix is a higher `LimitNOFILE` / "+
			"`ulimit -n`, or a snapshot (the cleaner deletes pages and chunks below it), and a larger ChunkSize "+
			"only when data chunks are most of the files.",
		Form{Severity: Warning, Text: "the log has {files} and DotNext holds every one open (SharedMemory maps " +
			"them), so the node needs an open-file limit of about {limit} (the page files + ~{reserve} for the " +
			"runtime), above the usual {usual}: DotNext 6.12.0 fails to open a 4,098-file log with IOException " +
			"\"Too many open files\" under ulimit -n 1024 and 4096 and opens it under 4200 (measured). The metadata " +
			"pages hold {perPage} entries each from the snapshot on; the data chunks are {chunk} bytes each",
			Fix: operator("{advice}")})

	SlotZero = define("slot-zero", WriteAheadLog,
		"An all-zero slot inside (S, T] followed by written slots: the library reads no-ops.",
		dropFix(Form{Severity: Error, Text: "{slots} all zero although later entries are written: {lib} silently " +
			"reads them as Term 0, Length 0 no-ops ({how}); the records were lost"}),
		Form{Name: "lone", Severity: Warning, Text: "entry {index}'s slot is all zero: either a no-op appended with " +
			"term 0 at address 0 or a slot never written; the library reads Term 0, Length 0",
			Fix: noneNeeded("a no-op entry reads the same")})

	RecordInvalid = define("record-invalid", WriteAheadLog,
		"A record with a negative Length, an address ≥ 2^63, an overflowing End, unknown flags or out-of-range "+
			"ticks.",
		dropFix(Form{Severity: Error, Text: "entry {index}'s record is invalid ({problem}): {record}; {lib} uses it " +
			"as it is"}))

	CommandIDWithoutFlag = define("command-id-without-flag", WriteAheadLog,
		"A command id stored without the has-id flag.",
		Form{Severity: Warning, Text: "entry {index} stores command id {id} without the has-id flag (the writer " +
			"never does this); the library ignores the id",
			Fix: noneNeeded("the library ignores the id")})

	FlagConfiguration5x = define("flag-configuration-5x", WriteAheadLog,
		"The configuration flag in a 5.x-written log.",
		Form{Severity: Warning, Text: "entry {index} has the configuration flag 0x2, which no 5.x writer sets; 5.x " +
			"ignores it",
			Fix: noneNeeded("5.x ignores the flag")})

	TermOrder = define("term-order", WriteAheadLog,
		"An entry's term is lower than its predecessor's (or the snapshot's); the library does not check it.",
		Form{Severity: Warning, Text: "entry {index} has term {term}, lower than entry {prev}'s term {prevTerm} " +
			"(Raft terms never decrease along a log; the library does not check it)",
			Fix: noLocal("walctl cannot tell which entry is wrong: " + rebuild)},
		Form{Name: "snapshot", Severity: Warning, Text: "entry {index} has term {term}, lower than the snapshot's " +
			"term {prevTerm}",
			Fix: noLocal("walctl cannot tell which is wrong: " + rebuild)})

	HashMismatch = define("hash-mismatch", WriteAheadLog,
		"The hash of a committed entry does not match.",
		Form{Severity: Error, Text: "the {hash} hash of committed entry {index} does not match; {where} most " +
			"likely changed. {lib} throws HashMismatchException from InitializeAsync (it verifies (S, T] = ({s}, " +
			"{t}]); reads still return the changed bytes",
			Fix: run(dropCmd, dropText)})

	HashMismatchUncommitted = define("hash-mismatch-uncommitted", WriteAheadLog,
		"The hash of an uncommitted entry in (C, T] does not match (repairable by truncation).",
		Form{Severity: Error, Text: "the {hash} hash of uncommitted entry {index} does not match; {where} most " +
			"likely changed. {lib} throws HashMismatchException from InitializeAsync (it verifies (S, T] = ({s}, " +
			"{t}]); reads still return the changed bytes",
			Fix: run(repairCmd, truncText)})

	Padding292 = define("padding-292", WriteAheadLog,
		"DotNext bug #292: the entry's record covers the zero bytes a 6.0.0–6.5.x writer (or 5.x, for entries "+
			"without a memory block) skipped up to a chunk boundary, then the appended payload; the files show such "+
			"a writer (12-byte checkpoint or 5.x slots), 0 < skipped < appended ≤ chunk size and every skipped byte "+
			"is zero. Library reaction (measured, 6.0.0–6.12.2): no exception; every release delivers "+
			"`[zeros][payload]` to the state machine, and a configured hash covers the padding.",
		Form{Severity: Error, Text: "{detail}",
			Fix: run(repairCmd, "rewrites only the records of padded entries: Offset = the chunk boundary, Length = "+
				"the appended length{hashNote}; no data byte moves")},
		Form{Name: "uncommitted", Severity: Warning, Text: "{detail}",
			Fix: run(repairCmd, "rewrites only the records of padded entries: Offset = the chunk boundary, Length = "+
				"the appended length{hashNote}; no data byte moves")})

	Padding292Unproven = define("padding-292-unproven", WriteAheadLog,
		"An entry laid out like a #292-padded one, but the files do not show a padding writer (a 20-byte "+
			"checkpoint, or none): not called damage; the message says what evidence is missing. If it is padded, "+
			"the library delivers `[zeros][payload]`.",
		Form{Severity: Warning, Text: "entry {index} is laid out like a #292-padded entry (its record says Offset " +
			"{offset}, Length {length}: {bytes} zero bytes up to the chunk boundary {boundary}, then {trueLength} " +
			"bytes that fit one chunk), but {missing}; walctl does not call it damage. If it is padded, DotNext " +
			"delivers all {length} bytes instead of the {trueLength} appended ones",
			Fix: noLocal("walctl repair corrects padding only where the files prove a padding writer; if DotNext " +
				"6.0.0–6.5.x or 5.x wrote this entry before an upgrade, rebuild the node from a replica that holds the " +
				"appended payload (walctl diff DIR PEER_DIR shows the entries that differ)")})

	ResumeAddressBeyondChunks = define("resume-address-beyond-chunks", WriteAheadLog,
		"End(T), where the next append writes, lies past the last chunk.",
		dropFix(Form{Severity: Error, Text: "the next append resumes at End({index}) = {end}, past the last data " +
			"chunk (which ends at {limit})"}))

	UncommittedEntries = define("uncommitted-entries", WriteAheadLog,
		"Entries in (max(C, S), T] are uncommitted.",
		Form{Severity: Info, Text: "{entries} uncommitted (C = {c}, T = {t}): {lib} keeps them after reopening " +
			"but applies them only once a leader commits them; a new leader may overwrite them",
			Fix: noneNeeded("")})

	TailBeyondEnd = define("tail-beyond-end", WriteAheadLog,
		"A consistent chain of entries after T that the library ignores.",
		Form{Severity: Info, Text: "{entries} follow T = {t} as a consistent chain, but they are not part of the " +
			"log: {lib} ignores them on open and overwrites them with the next appends",
			Fix: noneNeeded("the library ignores them")})

	SnapshotNameInvalid = define("snapshot-name-invalid", WriteAheadLog,
		"A *-* file in the snapshot directory that is not <index>-<term>.",
		Form{Severity: Error, Text: "{file} matches the restore mask *-* but is not <index>-<term>: " +
			"SimpleStateMachine.RestoreAsync throws (FormatException or ArgumentOutOfRangeException), and 6.7.1+ " +
			"already fail in the constructor",
			Fix: operator("move {file} out of the snapshot directory while the node is stopped")})

	SnapshotTmpFile = define("snapshot-tmp-file", WriteAheadLog,
		"An abandoned <random>.tmp snapshot file (6.6.5+).",
		Form{Severity: Warning, Text: "{file} is an abandoned temporary snapshot (6.6.5+): never committed, " +
			"harmless garbage",
			Fix: operator("delete {file} while the node is stopped")})

	SnapshotStale = define("snapshot-stale", WriteAheadLog,
		"Snapshot files older than the newest one.",
		Form{Severity: Info, Text: "{files} older than the newest snapshot {newest} and not reclaimed yet (6.8.0+ " +
			"reclaims such files at the first flush after open)",
			Fix: noneNeeded("the library reclaims them")})

	SnapshotRecorded = define("snapshot-recorded", WriteAheadLog,
		"The log starts after a snapshot that is not in the snapshot directory: walctl convert --no-snapshot "+
			"recorded its index and term in `walctl.snapshot`; the node's own state machine must restore it.",
		Form{Severity: Info, Text: "the log starts after snapshot {index} (term {term}), which {file} records " +
			"(written by walctl convert --no-snapshot): the node's state machine must restore that snapshot before " +
			"the WriteAheadLog opens, else DotNext reads slots 1–{index} as entries",
			Fix: noneNeeded("when the node's state machine restores snapshot {index}; SimpleStateMachine needs the " +
				"file {snapshotDir}/{index}-{term}")})

	Layout5xNeedsSwitch = define("layout-5x-needs-switch", WriteAheadLog,
		"40-byte records: 6.x needs IgnoreTimestamp=false to read them.",
		Form{Severity: Warning, Text: "5.x layout (40-byte records with UTC ticks, 64-byte slots): DotNext 6.x " +
			"reads it correctly only with the AppContext switch DotNext.IO.WriteAheadLog.IgnoreTimestamp=false and " +
			"no hash; with default options 6.12.0 opens it without an error and silently misreads every entry " +
			"(32-byte slots)",
			Fix: operator("before 6.x opens this log, set the AppContext switch " +
				"DotNext.IO.WriteAheadLog.IgnoreTimestamp=false (runtimeconfig) and HashAlgorithm None, and keep " +
				"them; or convert it: walctl convert --to wal --out NEWDIR DIR writes the 6.x layout")},
		Form{Name: "6x", Severity: Warning, Text: "legacy 40-byte records (written by 6.x with " +
			"IgnoreTimestamp=false): a process without that AppContext switch reads 32-byte slots and silently " +
			"misreads every entry",
			Fix: operator("keep DotNext.IO.WriteAheadLog.IgnoreTimestamp=false in every process that opens this " +
				"log")})

	LayoutAmbiguous = define("layout-ambiguous", WriteAheadLog,
		"The layout was detected with low confidence.",
		Form{Severity: Warning, Text: "the layout was detected with low confidence ({params}): {evidence}",
			Fix: operator("give the node's settings: --wal-layout, --hash and --chunk-size")})
)

// The fixes of replica-local-damage.
const (
	replicaHeal = "rebuilds only the entries DIR lost, from REPLICA, which holds them intact without damage of its " +
		"own: DIR's intact entries are kept and nothing of REPLICA changes; stop the node first"
	walHeal = "walctl repair --from rebuilds PersistentState logs only; for this WriteAheadLog this drops the " +
		"damaged entries and those after them ({sourceDir} and a majority must hold them) and the leader " +
		"re-replicates them"
	noHealer = "no other node holds these entries intact without damage of its own: heal the other nodes first, " +
		"then rebuild DIR from one of them (walctl repair --from REPLICA --apply DIR)"
)

// walctl diff (replicas).
var (
	LogMatchingViolation = define("log-matching-violation", Replicas,
		"Two nodes hold entries with the same index and term but different content: Raft's Log Matching property "+
			"says that cannot happen, so one of them is corrupt (a payload changed and its hash recomputed, or a "+
			"format without checksums). The leader never repairs it. A violation that #292 padding explains is "+
			"reported as `replica-padded-292` instead (its `cause` names it), one that a node's own damaged copy "+
			"explains as `replica-local-damage`.",
		Form{Severity: Error, Text: "{detail}",
			Fix: noLocal("the leader never repairs this (its consistency check compares terms only): find the node " +
				"whose payload is wrong (walctl verify, the application's checksums) and rebuild it from {source}")})

	ReplicaPadded292 = define("replica-padded-292", Replicas,
		"A node holds entries with DotNext #292 padding (see `padding-292`): it delivers `[zeros][payload]` where "+
			"another node holds the appended payload; the node is never the source.",
		Form{Severity: Error, Text: "{detail}",
			Fix: run(repairCmd, "corrects only the padded records, no data byte moves; every node that holds "+
				"padded entries needs it ({dirs}), and the logs then agree")})

	ReplicaLocalDamage = define("replica-local-damage", Replicas,
		"A node's own copy of entries the other nodes hold intact is damaged or missing — its own read finds them "+
			"damaged or unusable (a slot the library reads as Term 0, Length 0, a missing partition file), or its "+
			"files show a DotNext defect's signature (#244 T1/T2/T3): local damage, no history diverged. An error "+
			"when a damaged index is committed, else a warning. The message names the indexes and the defect; #292 "+
			"padding is `replica-padded-292`. The facts (first conflict, consistent, …) stay what the library reads.",
		Form{Severity: Error, Text: "{detail}", Fix: run(healCmd, replicaHeal)},
		Form{Name: "uncommitted", Severity: Warning, Text: "{detail}", Fix: run(healCmd, replicaHeal)},
		Form{Name: "wal", Severity: Error, Text: "{detail}", Fix: run(dropCmd, walHeal)},
		Form{Name: "wal-uncommitted", Severity: Warning, Text: "{detail}", Fix: run(dropCmd, walHeal)},
		Form{Name: "no-healer", Severity: Error, Text: "{detail}", Fix: noLocal(noHealer)},
		Form{Name: "no-healer-uncommitted", Severity: Warning, Text: "{detail}", Fix: noLocal(noHealer)})

	ReplicaDivergentCommitted = define("replica-divergent-committed", Replicas,
		"A node's intact committed entries differ from the majority log: two replicas committed different entries.",
		Form{Severity: Error, Text: "{detail}",
			Fix: noLocal("two replicas committed different entries: stop the cluster, decide which history to " +
				"keep, and rebuild the others from it (safest source: {source})")})

	ReplicaDivergentUncommitted = define("replica-divergent-uncommitted", Replicas,
		"A stale uncommitted suffix that the leader overwrites when the node rejoins.",
		Form{Severity: Warning, Text: "{detail}",
			Fix: noneNeeded("the leader overwrites them when the node rejoins")})

	ReplicaMissingCommitted = define("replica-missing-committed", Replicas,
		"A node lacks entries at or below its own commit index.",
		Form{Severity: Warning, Text: "{detail}",
			Fix: operator("run walctl verify {dir}; rebuild it from {source} if its log is damaged")})

	ReplicaBehind = define("replica-behind", Replicas,
		"A node lacks entries above its commit index (it is behind).",
		Form{Severity: Info, Text: "{detail}", Fix: noneNeeded("the leader sends them when the node rejoins")})

	ReplicaEntryDamaged = define("replica-entry-damaged", Replicas,
		"The node's own decoder flagged entries that no intact copy on another node explains as local damage; "+
			"they are compared as read.",
		Form{Severity: Warning, Text: "{detail}", Fix: operator("run walctl verify {dir}")})

	ReplicaPayloadUnreadable = define("replica-payload-unreadable", Replicas,
		"A payload's file is missing; the entry differs from every other node's.",
		Form{Severity: Warning, Text: "{detail}",
			Fix: operator("check the files of {dir} (permissions, missing data files) and run walctl verify {dir}")})

	ReplicaUnorderedEntries = define("replica-unordered-entries", Replicas,
		"Entries came out of index order and were skipped.",
		Form{Severity: Warning, Text: "{detail}", Fix: operator("run walctl verify {dir}")})

	ReplicaSnapshot = define("replica-snapshot", Replicas,
		"The node starts after a snapshot: indexes it covers are compared only where the others hold entries, the "+
			"snapshot index by its term.",
		Form{Severity: Info, Text: "{detail}", Fix: noneNeeded("")})
)

// The upgrade gate (verify --target-version V, walctl upgrade): what
// release V makes of the log compared with its writer. The gate gives V
// (and {target}) as facts, so that its commands name the release.
const (
	upgradeCmd    = "walctl upgrade --to-version V --apply DIR"
	upgradeOutCmd = "walctl upgrade --to-version V --out NEWDIR --apply DIR"
	upgradePSCmd  = "walctl upgrade --to-version V --out-records-per-partition R --out NEWDIR --apply DIR"
	planFirst     = "{how}; walctl upgrade --to-version {V} DIR shows the plan first"
	toPS          = "writes a PersistentState log; the application must use PersistentState"
	otherFindings = "nothing for DotNext {target}; the writer's release needs the repair the other findings name"
)

// upgradeForms are the forms of a gate error with one message: the fixes
// an upgrade plan carries out (in place, into NEWDIR, or as a
// PersistentState log for a release without a WriteAheadLog).
func upgradeForms(text string) []Form {
	return []Form{
		{Severity: Error, Text: text, Fix: run(upgradeCmd, planFirst)},
		{Name: "out", Severity: Error, Text: text, Fix: run(upgradeOutCmd, "{how}")},
		{Name: "to-ps", Severity: Error, Text: text, Fix: run(upgradePSCmd, toPS)},
	}
}

var (
	TargetCannotOpen = define("target-cannot-open", Target,
		"V cannot open or initialize the log, its writer can: 6.x has no PersistentState; before 5.22.0 there is "+
			"no WriteAheadLog; 4.3.0+ throw UnauthorizedAccessException for a legacy-read partition shorter than "+
			"R×40; a sealed Table file too short for V's check; 6.0–6.7.x reject the 20-byte checkpoint "+
			"(UnsupportedCheckpointVersionException); metadata pages of another size; InitializeAsync failing "+
			"because V's applier meets a metadata page that does not exist (5.x reading a 6.x checkpoint as "+
			"`version | C << 32`, 6.x reading a 5.x log in 32-byte slots).",
		upgradeForms("DotNext {target} cannot open this {log}: {error}; the log's writer ({writer}) opens it")...)

	TargetEntriesDiffer = define("target-entries-differ", Target,
		"V reads committed entries otherwise than the writer: empty (Term 0, Length 0) or failing (e.g. 5.7.3+ "+
			"loading an unsealed non-last partition as stubs; ≤ 5.3.x reading Table/sparse partitions as legacy; "+
			"5.4.0–5.7.2 stopping at zero leading slots), with another term, length, command id or payload (6.x "+
			"without `IgnoreTimestamp=false` reading 5.x records; a legacy read of Table bytes), another commit "+
			"index (5.x reading a 6.x checkpoint), or — also an error — as written where the writer's release loses "+
			"them (V recovers entries the node skipped so far). The message names the entries and the cause.",
		append(upgradeForms("DotNext {target} reads this {log} otherwise than its writer ({writer}): {what}"),
			Form{Name: "lost", Severity: Error, Text: "DotNext {target} reads committed entries {entries} as empty " +
				"(Term 0, Length 0) or fails to read them, where the log's writer ({writer}) reads them as written: " +
				"the state machine loses them without an error.{cause}",
				Fix: run(upgradeCmd, planFirst)},
			Form{Name: "changed", Severity: Error, Text: "DotNext {target} reads committed entries {entries} with " +
				"another term, length, command id or payload than the log's writer ({writer}), silently.{cause}",
				Fix: run(upgradeCmd, planFirst)},
			Form{Name: "recovered", Severity: Error, Text: "DotNext {target} reads committed entries {entries} as " +
				"written, where the log's writer ({writer}) reads them empty or fails: a node that moves to {target} " +
				"applies entries it skipped so far.{cause}",
				Fix: operator("nothing for DotNext {target}: the writer's release loses them, which the other " +
					"findings' fixes (walctl repair) address")},
			Form{Name: "writer-fails", Severity: Error, Text: "DotNext {target} opens this {log}, which the log's " +
				"writer ({writer}) cannot open ({error}): {target} reads its committed entries where the writer " +
				"reads none",
				Fix: operator(otherFindings)})...)

	TargetVoteDiffers = define("target-vote-differs", Target,
		"V reads the vote as another member: the ClusterMemberId layout changed in 4.8.0 (port and length "+
			"swapped). Measured: IsVotedFor is then false for every member, so the node grants no vote at all in "+
			"that term (not a second vote: one voter fewer).",
		Form{Severity: Error, Text: "DotNext {target} reads the vote of term {term} as a vote for {read}, where " +
			"the log's writer ({writer}) reads {written}: {target} reads ClusterMemberIds in the layout " +
			"{readerLayout}, node.state holds the vote in the layout {stored} (spec §6.2). Measured in the 4.2.0 ↔ " +
			"4.15.3/5.x cross reads: IsVotedFor is then false for every member (DotNext grants a vote only when no " +
			"vote is stored or the stored one is the candidate), so the node grants no vote at all in term {term}, " +
			"not even again to the member it chose: no second vote, but one voter fewer in that election",
			Fix: run(upgradeCmd, planFirst)},
		Form{Name: "none", Severity: Error, Text: "DotNext {target} reads no vote in term {term}, the log's writer " +
			"({writer}) a vote for {written}: the node can vote twice in that term",
			Fix: run(upgradeCmd, planFirst)},
		Form{Name: "extra", Severity: Error, Text: "DotNext {target} reads a vote in term {term} that the log's " +
			"writer ({writer}) does not",
			Fix: run(upgradeCmd, planFirst)})

	TargetUnsealsPartition = define("target-unseals-partition", Target,
		"V (5.4.0–5.6.x) reads the log right, but its first open rewrites a sealed Table partition: the replay "+
			"applies a zero-length committed entry at the commit index or the partition's last index, FlushAsync "+
			"compares a relative index with an absolute one and runs FlushAndUnsealAsync (header byte 0 cleared, "+
			"bytes 512–551 zeroed, size unchanged; 5.4.0 source, measured on 5.26.2/table-snapshot). The next open "+
			"— V again, 5.7.0–5.7.2 or 5.7.3+ — reads that partition's entries as empty: a restart or a downgrade "+
			"and back loses them.",
		Form{Severity: Warning, Text: "{detail}",
			Fix: operator("run DotNext 5.7.0 or later instead of {target}; a node that ran {target} needs its " +
				"partition {file} checked (walctl verify) before any restart")})

	TargetModifiesFiles = define("target-modifies-files", Target,
		"V's open changes a file without a loss: 5.7.3+ extend a Table file shorter than 512 bytes to 512; "+
			"4.0.0–4.2.x zero-fill a legacy-read file shorter than R×40.",
		Form{Severity: Info, Text: "DotNext {target} changes partition {file} when it opens the log: {what} " +
			"({why}); it reads the entries as judged above",
			Fix: noneNeeded("")})

	TargetOption = define("target-option", Target,
		"A setting V needs to read the log as judged: `UseLegacyBinaryFormat = true` for a legacy log under "+
			"5.4.0+ (a warning when the writer predates 5.4.0 and had no such option); the AppContext switch "+
			"`DotNext.IO.WriteAheadLog.IgnoreTimestamp=false` for a 40-byte-record WriteAheadLog under 6.x.",
		Form{Severity: Info, Text: "DotNext {target} reads these legacy partitions only with " +
			"UseLegacyBinaryFormat = true, as the node was configured: its default, the Table format, misreads them",
			Fix: operator("configure DotNext {target} with UseLegacyBinaryFormat = true (or convert the log: " +
				"walctl convert --to v2)")},
		Form{Name: "new", Severity: Warning, Text: "the log was written by {writer}, which has no format option: " +
			"DotNext {target} reads these legacy partitions only with UseLegacyBinaryFormat = true (its default, " +
			"the Table format, misreads them)",
			Fix: operator("configure DotNext {target} with UseLegacyBinaryFormat = true (or convert the log: " +
				"walctl convert --to v2)")},
		Form{Name: "wal", Severity: Info, Text: "DotNext {target} and this log: {option}",
			Fix: operator("configure every node that runs DotNext {target} with that setting; nothing beyond it")})

	TargetWriterUnsure = define("target-writer-unsure", Target,
		"The files allow writers whose releases read the log differently from each other; the findings judge for "+
			"the newest of them.",
		Form{Severity: Warning, Text: "the files allow writers {writer}, and they do not all read this log alike: " +
			"{differ} read it otherwise than {judged}, for which the findings above judge",
			Fix: operator("give --from-version with the release the node runs now")})

	TargetHost = define("target-host", Target,
		"V reads the metadata pages right only on some hosts: 6.6.5–6.8.0 size them as the OS page (dotNext #299).",
		Form{Severity: Info, Text: "DotNext {target} reads these metadata pages right {host}",
			Fix: operator("run it on a host with 4 KiB pages, or choose 6.8.1 or later")})
)
