package wal

import "github.com/walctl/walctl/finding"

// Finding codes emitted by Check: the finding registry defines them (their
// severity, message and fix live there).
var (
	CodeCheckpointMissing            = finding.CheckpointMissing
	CodeCheckpointEmpty              = finding.CheckpointEmpty
	CodeCheckpointTorn               = finding.CheckpointTorn
	CodeCheckpointVersionUnsupported = finding.CheckpointVersionUnsupported
	CodeCheckpointLastBelowCommit    = finding.CheckpointLastBelowCommit
	CodeCheckpointNegative           = finding.CheckpointNegative
	CodeCheckpointMixedForm          = finding.CheckpointMixedForm
	CodeCheckpointV1                 = finding.CheckpointV1
	CodeCheckpointPastEnd            = finding.CheckpointPastEnd
	CodeCommitBelowSnapshot          = finding.CommitBelowSnapshot
	CodeStateMissing                 = finding.StateMissing
	CodeStateTruncated               = finding.StateTruncated
	CodeStateOversized               = finding.StateOversized
	CodeDirectoryMissing             = finding.DirectoryMissing
	CodeForeignFiles                 = finding.ForeignFiles
	CodePageNameNoncanonical         = finding.PageNameNoncanonical
	CodePageDirForeignFile           = finding.PageDirForeignFile
	CodePageGap                      = finding.PageGap
	CodePageFileEmpty                = finding.PageFileEmpty
	CodeMetadataPageOversized        = finding.MetadataPageOversized
	CodeMetadataTruncated            = finding.MetadataTruncated
	CodeMetadataPageMissing          = finding.MetadataPageMissing
	CodeDataChunkOversized           = finding.DataChunkOversized
	CodeDataChunkShort               = finding.DataChunkShort
	CodeDataChunkMissing             = finding.DataChunkMissing
	CodePagesBelowSnapshot           = finding.PagesBelowSnapshot
	CodeChunksBelowSnapshot          = finding.ChunksBelowSnapshot
	CodeChunksBeyondEnd              = finding.ChunksBeyondEnd
	CodeManyChunkFiles               = finding.ManyChunkFiles
	CodeSlotZero                     = finding.SlotZero
	CodeRecordInvalid                = finding.RecordInvalid
	CodeCommandIdWithoutFlag         = finding.CommandIDWithoutFlag
	CodeFlagConfiguration5x          = finding.FlagConfiguration5x
	CodePayloadOverlap               = finding.PayloadOverlap
	CodeTermOrder                    = finding.TermOrder
	CodeHashMismatch                 = finding.HashMismatch
	CodeHashMismatchUncommitted      = finding.HashMismatchUncommitted
	CodePadding292                   = finding.Padding292
	CodePadding292Unproven           = finding.Padding292Unproven
	CodeResumeAddressBeyondChunks    = finding.ResumeAddressBeyondChunks
	CodeUncommittedEntries           = finding.UncommittedEntries
	CodeTailBeyondEnd                = finding.TailBeyondEnd
	CodeSnapshotNameInvalid          = finding.SnapshotNameInvalid
	CodeSnapshotTmpFile              = finding.SnapshotTmpFile
	CodeSnapshotStale                = finding.SnapshotStale
	CodeLayout5xNeedsSwitch          = finding.Layout5xNeedsSwitch
	CodeLayoutAmbiguous              = finding.LayoutAmbiguous
)
