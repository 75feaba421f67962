package wal

// Finding codes emitted by Check. They are stable identifiers; the
// comment gives the severity and what the code means.
const (
	// CodeCheckpointMissing (error when slots hold entries, else warning): the checkpoint file is missing: the library opens the log at S.
	CodeCheckpointMissing = "checkpoint-missing"
	// CodeCheckpointEmpty (warning): a 0-byte checkpoint while entries are in the files (never flushed, or lost).
	CodeCheckpointEmpty = "checkpoint-empty"
	// CodeCheckpointTorn (error): the checkpoint has a size the library never writes (torn or cut write).
	CodeCheckpointTorn = "checkpoint-torn"
	// CodeCheckpointVersionUnsupported (error): the version field is neither 0 nor 1: 6.x throws UnsupportedCheckpointVersionException.
	CodeCheckpointVersionUnsupported = "checkpoint-version-unsupported"
	// CodeCheckpointLastBelowCommit (error): a version-1 checkpoint with L < C.
	CodeCheckpointLastBelowCommit = "checkpoint-last-below-commit"
	// CodeCheckpointNegative (error): a negative C or L.
	CodeCheckpointNegative = "checkpoint-negative"
	// CodeCheckpointMixedForm (warning): a 12-byte file starting with version 1, or a 20-byte file with version 0.
	CodeCheckpointMixedForm = "checkpoint-mixed-form"
	// CodeCheckpointV1 (info): a 20-byte version-1 checkpoint: 6.0–6.7.x cannot open the directory.
	CodeCheckpointV1 = "checkpoint-v1"
	// CodeCheckpointPastEnd (error): (S, T] ends with slots never written: the library reads phantom entries.
	CodeCheckpointPastEnd = "checkpoint-past-end"
	// CodeCommitBelowSnapshot (info): C < S on disk; the library uses max(C, S).
	CodeCommitBelowSnapshot = "commit-below-snapshot"
	// CodeStateMissing (error): no state file: the library recreates it with term 0 and no vote.
	CodeStateMissing = "state-missing"
	// CodeStateTruncated (error): state shorter than 37 bytes: the library silently zeroes term and vote.
	CodeStateTruncated = "state-truncated"
	// CodeStateOversized (warning): state longer than 37 bytes (the rest is ignored).
	CodeStateOversized = "state-oversized"
	// CodeStateTermBelowLog (warning): the persisted term is below the term of a live entry.
	CodeStateTermBelowLog = "state-term-below-log"
	// CodeDirectoryMissing (error): metadata/ or data/ is missing.
	CodeDirectoryMissing = "directory-missing"
	// CodeForeignFiles (warning): PersistentState files (node.state, numeric partitions) in the root.
	CodeForeignFiles = "foreign-files"
	// CodePageNameNoncanonical (warning): a numeric page name like 007 or +7 that the library never reads.
	CodePageNameNoncanonical = "page-name-noncanonical"
	// CodePageDirForeignFile (warning): a non-numeric file or directory inside metadata/ or data/.
	CodePageDirForeignFile = "page-dir-foreign-file"
	// CodePageGap (warning): page numbers with gaps.
	CodePageGap = "page-gap"
	// CodePageFileEmpty (warning): a 0-byte page file holding no live data (interrupted creation).
	CodePageFileEmpty = "page-file-empty"
	// CodeMetadataPageOversized (error): a metadata page larger than the page size: SharedMemory open fails.
	CodeMetadataPageOversized = "metadata-page-oversized"
	// CodeMetadataTruncated (error when it cuts live slots, else warning): a metadata page shorter than the page size.
	CodeMetadataTruncated = "metadata-truncated"
	// CodeMetadataPageMissing (error): a metadata page holding live slots does not exist.
	CodeMetadataPageMissing = "metadata-page-missing"
	// CodeDataChunkOversized (error): a data chunk larger than the chunk size: SharedMemory open fails.
	CodeDataChunkOversized = "data-chunk-oversized"
	// CodeDataChunkShort (error when it holds live payload bytes, else warning): a data chunk shorter than the chunk size.
	CodeDataChunkShort = "data-chunk-short"
	// CodeDataChunkMissing (error): a data chunk holding live payload bytes does not exist.
	CodeDataChunkMissing = "data-chunk-missing"
	// CodePagesBelowSnapshot (warning): metadata pages holding only slots ≤ S (not cleaned yet).
	CodePagesBelowSnapshot = "pages-below-snapshot"
	// CodeChunksBelowSnapshot (info): data chunks holding only bytes before entry S+1's payload.
	CodeChunksBelowSnapshot = "chunks-below-snapshot"
	// CodeChunksBeyondEnd (warning): data chunks past the last byte any live or tail entry uses.
	CodeChunksBeyondEnd = "chunks-beyond-end"
	// CodeManyChunkFiles (warning): the page files the library holds open
	// need more than the usual open-file limit of 1024.
	CodeManyChunkFiles = "many-chunk-files"
	// CodeSlotZero (error (warning for a lone slot S+1)): an all-zero slot inside (S, T] followed by written slots.
	CodeSlotZero = "slot-zero"
	// CodeRecordInvalid (error): a record with a negative Length, an address ≥ 2^63, an overflowing End, unknown flags or out-of-range ticks.
	CodeRecordInvalid = "record-invalid"
	// CodeCommandIdWithoutFlag (warning): a command id stored without the has-id flag.
	CodeCommandIdWithoutFlag = "command-id-without-flag"
	// CodeFlagConfiguration5x (warning): the configuration flag in a 5.x-written log.
	CodeFlagConfiguration5x = "flag-configuration-5x"
	// CodePayloadOverlap (error): an entry's payload starts inside the previous entry's payload.
	CodePayloadOverlap = "payload-overlap"
	// CodeTermOrder (warning): an entry's term is lower than its predecessor's (or the snapshot's).
	CodeTermOrder = "term-order"
	// CodeHashMismatch (error): the hash of a committed entry does not match.
	CodeHashMismatch = "hash-mismatch"
	// CodeHashMismatchUncommitted (error): the hash of an uncommitted entry in (C, T] does not match (repairable by truncation).
	CodeHashMismatchUncommitted = "hash-mismatch-uncommitted"
	// CodePadding292 (error for a committed entry, else warning): the record of an entry written by a
	// padding writer (12-byte checkpoint or 5.x slots) covers the zero bytes skipped up to a chunk boundary
	// (DotNext bug #292): the library delivers [zeros][payload] instead of the appended payload.
	CodePadding292 = "padding-292"
	// CodePadding292Unproven (warning): an entry padded like #292, but the files do not show a padding writer
	// (a 20-byte checkpoint, or none): not called damage.
	CodePadding292Unproven = "padding-292-unproven"
	// CodeResumeAddressBeyondChunks (error): End(T), where the next append writes, lies past the last chunk.
	CodeResumeAddressBeyondChunks = "resume-address-beyond-chunks"
	// CodeUncommittedEntries (info): entries in (max(C, S), T] are uncommitted.
	CodeUncommittedEntries = "uncommitted-entries"
	// CodeTailBeyondEnd (info): a consistent chain of entries after T that the library ignores.
	CodeTailBeyondEnd = "tail-beyond-end"
	// CodeSnapshotNameInvalid (error): a *-* file in the snapshot directory that is not <index>-<term>.
	CodeSnapshotNameInvalid = "snapshot-name-invalid"
	// CodeSnapshotTmpFile (warning): an abandoned <random>.tmp snapshot file (6.6.5+).
	CodeSnapshotTmpFile = "snapshot-tmp-file"
	// CodeSnapshotStale (info): snapshot files older than the newest one.
	CodeSnapshotStale = "snapshot-stale"
	// CodeLayout5xNeedsSwitch (warning): 40-byte records: 6.x needs IgnoreTimestamp=false to read them.
	CodeLayout5xNeedsSwitch = "layout-5x-needs-switch"
	// CodeLayoutAmbiguous (warning): the layout was detected with low confidence.
	CodeLayoutAmbiguous = "layout-ambiguous"
)
