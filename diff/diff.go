// Package diff compares the logs of several Raft replicas, offline: it aligns
// them by index, compares entries by content (term, command id, length and
// payload SHA-256 — never file offsets, since replicas holding the same log
// are not byte-identical), and says where they stop agreeing, which node
// stands where, and which node is the safest source for re-replication.
//
// The logs are streamed in lockstep, one entry per log at a time; memory is
// bounded by the context windows kept for display, not by the log length.
// The package prints nothing: cmd/diff.go renders the Report.
package diff

import (
	"errors"
	"fmt"
	"io"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// Log is what diff reads of one replica. *logdir.Log satisfies it.
type Log interface {
	// Entries yields the entries from..to in increasing index order.
	Entries(from, to int64, yield func(raftlog.Entry) bool) error
	// Payload returns the payload bytes present on disk for e.
	Payload(e raftlog.Entry) (io.Reader, error)
}

// Replica is one node's log with what its node state declares.
type Replica struct {
	Name        string // unique among the replicas compared ("node1")
	Dir         string
	Format      format.Format
	State       *raftlog.NodeState // nil: no node state (term 0, commit 0)
	Snapshot    *raftlog.SnapshotMeta
	First, Last int64 // the index range Entries is asked for
	Log         Log
	// Findings are the node's own findings on its files (logdir's): where
	// they name a DotNext defect, damage in that file is attributed to it.
	Findings raftlog.Findings
}

// FromLogdir describes an opened log directory as a Replica.
func FromLogdir(name string, l *logdir.Log) Replica {
	return Replica{Name: name, Dir: l.Dir, Format: l.Format, State: l.State, Snapshot: l.Snapshot,
		First: l.First, Last: l.Last, Log: &dirLog{Log: l}, Findings: l.Findings}
}

// Options tune the report; zero values mean the defaults.
type Options struct {
	// Context is the number of rows kept before and after each divergence
	// (default 3; a negative value keeps none).
	Context int
	// MaxWindows bounds the windows kept for display (default 20); the
	// rest are only counted.
	MaxWindows int
	// MaxDetails bounds the violation and overwrite lists (default 100);
	// counts stay exact.
	MaxDetails int
}

func (o Options) withDefaults() Options {
	switch {
	case o.Context == 0:
		o.Context = 3
	case o.Context < 0:
		o.Context = 0
	}
	o.Context = min(o.Context, 1000)
	if o.MaxWindows <= 0 {
		o.MaxWindows = 20
	}
	if o.MaxDetails <= 0 {
		o.MaxDetails = 100
	}
	return o
}

// Report is the comparison of the replicas. Field names of the facts are
// those of the replica fixtures' expect.json.
type Report struct {
	Nodes     []Node `json:"nodes"`
	Agreement        // of all the nodes
	// Padded292ViolationCount: the violations #292 padding explains (the
	// entries agree once the padding is taken off).
	Padded292ViolationCount int64       `json:"padded292Violations"`
	Violations              []Violation `json:"violations"`
	// Padded292 lists, per node, the indexes where it holds a #292-padded
	// copy of the entry (expect.json's shape); absent when none.
	Padded292   map[string][]int64 `json:"padded292,omitempty"`
	LastIndex   map[string]int64   `json:"lastIndex"`
	CommitIndex map[string]int64   `json:"commitIndex"`
	Behind      []Behind           `json:"behind"`
	Divergent   []Divergent        `json:"divergent"`
	// Overwritten lists the entries a re-replication from the reference
	// log replaces (physicallyOverwritten false: they are still on disk).
	Overwritten      []Overwrite      `json:"overwritten"`
	OverwrittenTotal int64            `json:"overwrittenTotal"`
	Source           Source           `json:"source"`
	Pairs            []Pair           `json:"pairs"`
	Windows          []Window         `json:"windows"`
	WindowsOmitted   int64            `json:"windowsOmitted"`
	Notes            []string         `json:"notes"`
	Findings         raftlog.Findings `json:"findings"`
	// Differences classifies every difference: local damage on one node,
	// a node behind, or a divergence. The facts above are what the library
	// reads from each log; the classes say what happened.
	Differences []Difference `json:"differences"`
	// Damaged244 lists, per node, the indexes of local damage whose files
	// show a DotNext #244 signature (expect.json's shape); absent when none.
	Damaged244 map[string][]int64 `json:"damaged244,omitempty"`
}

// OK reports whether the replicas are consistent, free of Log Matching
// violations, of #292-padded entries and of local damage (the command's
// exit 0).
func (r *Report) OK() bool {
	return r.Consistent && r.LogMatchingViolations == 0 && len(r.Padded292) == 0 && !r.LocalDamage()
}

// LocalDamage reports whether some node holds damage of its own.
func (r *Report) LocalDamage() bool {
	for _, n := range r.Nodes {
		if n.LocalDamageTotal > 0 {
			return true
		}
	}
	return false
}

// Node is one replica's state and where it stands against the reference log.
type Node struct {
	Name        string        `json:"name"`
	Dir         string        `json:"dir"`
	Format      format.Format `json:"format"`
	Term        int64         `json:"term"`
	Vote        *string       `json:"vote"`
	CommitIndex int64         `json:"commitIndex"`
	LastIndex   int64         `json:"lastIndex"`
	Entries     int64         `json:"entries"`
	Snapshot    *SnapshotRef  `json:"snapshot"`
	// Standing: "identical", or any of "divergent", "behind", "corrupt",
	// "padded-292", "damaged".
	Standing  []string `json:"standing"`
	Missing   []Range  `json:"missing"`
	Diverging []Span   `json:"diverging"`
	// Corrupt lists indexes where the node holds an entry of the reference's
	// term with different content (a Log Matching violation).
	Corrupt      []int64 `json:"corrupt"`
	CorruptTotal int64   `json:"corruptTotal"`
	// Padded292 lists indexes where the node holds the reference entry with
	// #292 padding: it delivers [zeros][payload] (walctl repair --apply
	// corrects the records).
	Padded292      []int64 `json:"padded292"`
	Padded292Total int64   `json:"padded292Total"`
	// Damaged counts entries the node's own decoder found damaged; they are
	// compared as read.
	Damaged int64 `json:"damaged"`
	// LocalDamage lists the indexes where the node's own copy is damaged
	// (or missing inside its own log) while the reference entry is intact
	// elsewhere; LocalDamageTotal counts them.
	LocalDamage      []DamageSpan `json:"localDamage"`
	LocalDamageTotal int64        `json:"localDamageTotal"`
	// AgreedPrefix: the longest prefix 1..k that matches the reference log;
	// AgreedCommitted: the same, bounded by the node's commit index.
	AgreedPrefix    int64 `json:"agreedPrefix"`
	AgreedCommitted int64 `json:"agreedCommitted"`
}

// SnapshotRef is the snapshot a node's log starts after.
type SnapshotRef struct {
	Index int64 `json:"index"`
	Term  int64 `json:"term"`
}

// Range is an inclusive range of indexes.
type Range struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// String writes r as every walctl message does (raftlog.Range's words).
func (r Range) String() string { return raftlog.Range(r).String() }

// Span is a range of a node's entries that differ from the reference log.
type Span struct {
	From      int64  `json:"from"`
	To        int64  `json:"to"`
	Committed bool   `json:"committed"` // the entries are at or below the node's commit index
	Reason    string `json:"reason"`
}

// Behind is a range of indexes a node lacks (expect.json's shape).
type Behind struct {
	Node        string `json:"node"`
	LastIndex   int64  `json:"lastIndex"`
	MissingFrom int64  `json:"missingFrom"`
	MissingTo   int64  `json:"missingTo"`
}

// Divergent is a range of a node's entries that differ from the reference
// log (expect.json's shape).
type Divergent struct {
	Node      string `json:"node"`
	FromIndex int64  `json:"fromIndex"`
	ToIndex   int64  `json:"toIndex"`
	Committed bool   `json:"committed"`
	Reason    string `json:"reason"`
}

// Overwrite is one entry a re-replication replaces.
type Overwrite struct {
	Node                  string `json:"node"`
	Index                 int64  `json:"index"`
	OldTerm               int64  `json:"oldTerm"`
	OldSHA256             string `json:"oldSha256"`
	NewTerm               int64  `json:"newTerm"`
	NewSHA256             string `json:"newSha256"`
	PhysicallyOverwritten bool   `json:"physicallyOverwritten"`
}

// Violation is one index where entries of the same term differ.
type Violation struct {
	Index    int64     `json:"index"`
	Term     int64     `json:"term"`
	Variants []Variant `json:"variants"`
	// Cause names #292 padding when it explains the violation, else "".
	Cause string `json:"cause,omitempty"`
}

// Variant is one content held by some nodes at an index.
type Variant struct {
	Nodes     []string `json:"nodes"`
	Length    int64    `json:"length"`
	CommandID *int32   `json:"commandId"`
	SHA256    string   `json:"sha256"`
}

// Source is the node to re-replicate from, and why.
type Source struct {
	Node   string `json:"node"`
	Reason string `json:"reason"`
}

// Pair holds the facts for two of the nodes.
type Pair struct {
	A            string `json:"a"`
	B            string `json:"b"`
	CommonPrefix int64  `json:"commonPrefix"`
	Agreement           // of the two
}

// Agreement is how far a set of nodes (all of them, or a pair) agree.
type Agreement struct {
	// Identical: every log holds the same entries at the same indexes.
	Identical bool `json:"identical"`
	// Consistent: no conflict — every log is a prefix of another or equal.
	Consistent bool `json:"consistent"`
	// SharedCommittedPrefix: the largest k ≤ every node's commit index such
	// that entries 1..k are identical on all nodes.
	SharedCommittedPrefix int64 `json:"sharedCommittedPrefix"`
	// FirstDifferingIndex: the first index where the nodes differ, a
	// missing entry included; nil when the logs are identical.
	FirstDifferingIndex *int64 `json:"firstDifferingIndex"`
	// FirstConflictIndex: the first index where two nodes both hold an
	// entry and the entries differ; nil if none.
	FirstConflictIndex *int64 `json:"firstConflictIndex"`
	// LogMatchingViolations counts the indexes where two nodes hold entries
	// of the same term with different content.
	LogMatchingViolations int64 `json:"logMatchingViolations"`
}

// Window is a run of rows around one or more divergences.
type Window struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
	Rows []Row `json:"rows"`
}

// Row is one index (or a range of indexes without entries) across nodes.
// An elided row stands for Elided rows left out of a long divergence.
type Row struct {
	Index   int64  `json:"index"`
	To      int64  `json:"to"`
	Differs bool   `json:"differs"`
	Elided  int64  `json:"elided,omitempty"`
	Cells   []Cell `json:"cells,omitempty"`
}

// Cell kinds.
const (
	KindEntry    = "entry"
	KindSnapshot = "snapshot" // the snapshot, compared by term only
	KindCovered  = "covered"  // inside the node's snapshot: not compared
	KindMissing  = "missing"
)

// Cell statuses against the reference log.
const (
	StatusAgree     = "agree"
	StatusMissing   = "missing"
	StatusDivergent = "divergent"
	StatusCorrupt   = "corrupt"    // same term as the reference, different content
	StatusPadded    = "padded-292" // the reference entry with #292 padding
	StatusNone      = ""           // nothing to compare: nobody holds the index

	// StatusDamaged: the node's own copy is damaged or missing inside its
	// own log while the reference is an intact entry: local damage.
	StatusDamaged = "damaged"
)

// Cell is one node's entry at a row.
type Cell struct {
	Kind      string `json:"kind"`
	Term      int64  `json:"term,omitempty"`
	Length    int64  `json:"length,omitempty"`
	CommandID *int32 `json:"commandId,omitempty"`
	SHA256    string `json:"sha256,omitempty"`
	Committed bool   `json:"committed,omitempty"`
	Damaged   bool   `json:"damaged,omitempty"`
	// Padded292: the record covers #292 padding; TrueSHA256 is the
	// appended payload's (SHA256 is what the library delivers).
	Padded292  bool   `json:"padded292,omitempty"`
	TrueSHA256 string `json:"trueSha256,omitempty"`
	Status     string `json:"status"`
}

// ErrTooFew is returned when fewer than two replicas are given.
var ErrTooFew = errors.New("diff needs at least two logs")

// Compare streams the replicas in lockstep and returns the comparison.
// It fails only when a log cannot be read at all; damaged entries are
// compared as read and reported.
func Compare(replicas []Replica, o Options) (*Report, error) {
	if len(replicas) < 2 {
		return nil, ErrTooFew
	}
	seen := map[string]bool{}
	for _, r := range replicas {
		if r.Name == "" || seen[r.Name] {
			return nil, fmt.Errorf("diff: replica names must be unique and non-empty, got %q twice or empty", r.Name)
		}
		if r.Log == nil {
			return nil, fmt.Errorf("diff: replica %s has no log", r.Name)
		}
		seen[r.Name] = true
	}
	e := newEngine(replicas, o.withDefaults())
	defer e.close()
	if err := e.run(); err != nil {
		return nil, err
	}
	return e.report(), nil
}
