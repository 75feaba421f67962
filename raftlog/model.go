// Package raftlog is walctl's format-neutral model of a Raft log: entries, node
// state, snapshot metadata, partitions, findings, and the replay that checks a
// whole log. Codecs (format/...) translate bytes into these types; commands
// (cmd/...) print them. Nothing here knows a byte offset rule of any format.
package raftlog

import (
	"fmt"
	"time"
)

// TicksPerSecond is the number of .NET ticks (100 ns) in one second.
const TicksPerSecond = 10_000_000

// unixEpochTicks is 1970-01-01T00:00:00Z in .NET ticks since 0001-01-01.
const unixEpochTicks = 621355968000000000

// MaxTicks is DateTime.MaxValue.Ticks: a timestamp above it makes the
// library throw when it materialises the entry.
const MaxTicks = 3155378975999999999

// TicksToTime converts .NET UTC ticks to a time.Time (UTC). ok is false when
// the ticks are outside the range .NET accepts.
func TicksToTime(ticks int64) (t time.Time, ok bool) {
	if ticks < 0 || ticks > MaxTicks {
		return time.Time{}, false
	}
	d := ticks - unixEpochTicks
	return time.Unix(d/TicksPerSecond, (d%TicksPerSecond)*100).UTC(), true
}

// Location says where bytes live: a file (path relative to the log
// directory, slash-separated), the byte offset of the first byte, and how many
// bytes are present there. Payloads are read lazily through a Location, so a
// decoded log never holds payload bytes in memory.
type Location struct {
	File   string `json:"file"`
	Offset int64  `json:"offset"`
	Length int64  `json:"length"`
}

// Span is one contiguous piece of a payload. Formats whose payload may cross
// files (the WriteAheadLog's data chunks) describe it as several spans.
type Span = Location

// EntryState says how usable the record of an entry is.
type EntryState int

const (
	// EntryOK: a record that passed every structural check of its format.
	EntryOK EntryState = iota
	// EntryEmpty: a slot that holds no entry (a stub or an unwritten slot);
	// the library reads it as Term 0, Length 0.
	EntryEmpty
	// EntryDamaged: a record exists but is unusable (the reason says why);
	// what the library makes of it is in the findings.
	EntryDamaged
)

func (s EntryState) String() string {
	switch s {
	case EntryOK:
		return "ok"
	case EntryEmpty:
		return "empty"
	default:
		return "damaged"
	}
}

// Entry is one log entry as walctl decoded it from disk.
type Entry struct {
	Index     int64
	Term      int64
	Ticks     int64  // UTC .NET ticks; 0 when the format keeps none
	CommandID *int32 // nil when the entry has no command id
	Flags     uint32 // raw flag bits as stored
	Length    int64  // the length the record claims
	// Payload: where the payload bytes are. The sum of span lengths can be
	// smaller than Length when the file ends early (a torn tail).
	Payload []Span
	// Record: where the metadata record of this entry was read from.
	Record Location
	State  EntryState
	Reason string // why State is not EntryOK
	// Committed is true when Index ≤ the commit index the log declares.
	Committed bool
	// HashOK: nil when the format stores no per-entry hash, else whether it matched.
	HashOK *bool
	// IsSnapshot marks the snapshot, reported in place of the entries it covers.
	IsSnapshot bool
	// Padding292 is set when the recorded payload looks padded by DotNext
	// bug #292; nil otherwise. Payload and Length stay what the library
	// delivers (padding included).
	Padding292 *Padding
}

// Padding describes leading bytes of an entry's recorded payload that were
// never appended: DotNext bug #292 (writers 6.0.0–6.5.x, and 5.x for
// entries without a memory block) skipped to the next chunk boundary before
// writing the entry but recorded the skipped bytes as part of it. The
// library delivers [padding][payload] to the state machine.
type Padding struct {
	Bytes      int64 `json:"bytes"`      // skipped bytes (all zero) before Boundary
	Boundary   int64 `json:"boundary"`   // where the appended payload starts
	TrueOffset int64 `json:"trueOffset"` // = Boundary
	TrueLength int64 `json:"trueLength"` // Length − Bytes: what was appended
	// TruePayload: where the appended bytes are (a suffix of Payload).
	TruePayload []Span `json:"-"`
	// Proven: the files show a writer that pads. Otherwise Missing says
	// which evidence is missing, and the entry is not called damaged.
	Proven  bool   `json:"proven"`
	Missing string `json:"missing,omitempty"`
}

// PayloadAvailable is the number of payload bytes really present on disk.
func (e *Entry) PayloadAvailable() int64 {
	var n int64
	for _, s := range e.Payload {
		n += s.Length
	}
	return n
}

// Damage says why e is not intact: its record unusable, its hash failing,
// its payload cut short; "" for an intact entry.
func (e *Entry) Damage() string {
	switch {
	case e.State != EntryOK:
		return fmt.Sprintf("%s: %s", e.State, e.Reason)
	case e.HashOK != nil && !*e.HashOK:
		return "its hash does not match"
	case e.PayloadAvailable() != e.Length:
		return fmt.Sprintf("%d of its %d payload bytes exist", e.PayloadAvailable(), e.Length)
	}
	return ""
}

// SameCommand compares two optional command ids.
func SameCommand(a, b *int32) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// CommandText is a command id as shown: its number, or "-" for none.
func CommandText(id *int32) string {
	if id == nil {
		return "-"
	}
	return fmt.Sprint(*id)
}

// MemberID is a DotNext ClusterMemberId (28 raw bytes) with its decoded view.
type MemberID struct {
	Raw      [28]byte
	Endpoint string // "address:port" of the member when the id encodes an IP endpoint, else ""
	// Layout names the byte order Raw is stored in where a format has known
	// two (PersistentState node.state: "before 4.8.0", "4.8.0+", "either",
	// "unknown"); "" where only one exists (the WriteAheadLog's state).
	Layout string
	// ReadBy says what the releases on each side of a layout change read
	// from Raw (older releases first), when Layout is known and not the
	// same for all; else zero. An array keeps MemberID comparable.
	ReadBy [2]MemberReading
}

// MemberReading is what the releases of one range read from a stored
// member id.
type MemberReading struct {
	Releases string `json:"releases"` // e.g. "before 4.8.0"
	Reads    string `json:"reads"`    // the endpoint, or "another member: …"
	Voted    bool   `json:"votedMember"`
}

// NodeState is the persistent Raft node state.
type NodeState struct {
	File         string
	Term         int64
	HasVote      bool
	Vote         MemberID
	CommitIndex  int64
	LastApplied  int64 // -1 when the format keeps none
	LastIndex    int64 // -1 when the format keeps none in this file
	Snapshot     *SnapshotMeta
	Checksum     ChecksumState
	Size         int64 // file size in bytes
	ExpectedSize int64 // the size the format defines
}

// ChecksumState says whether the node state's checksum was verified.
type ChecksumState string

const (
	ChecksumOK       ChecksumState = "ok"
	ChecksumMismatch ChecksumState = "mismatch"
	ChecksumAbsent   ChecksumState = "absent" // all zero: integrity check off
	ChecksumNone     ChecksumState = "n/a"    // the format has no checksum
)

// SnapshotMeta describes the snapshot the log starts after.
type SnapshotMeta struct {
	Index     int64
	Term      int64
	Ticks     int64
	Length    int64
	Offset    int64
	Flags     uint32
	CommandID *int32
	File      string // the snapshot file when the format names one, else ""
}

// Partition is one partition (or page/chunk) file as the model sees it.
type Partition struct {
	Number     int64  `json:"number"`
	File       string `json:"file"`
	FirstIndex int64  `json:"firstIndex"`
	LastIndex  int64  `json:"lastIndex"`
	Sealed     bool   `json:"sealed"`
	Entries    int64  `json:"entries"`
	Bytes      int64  `json:"bytes"`
	Format     string `json:"format,omitempty"`
	Note       string `json:"note,omitempty"`
}
