package convert

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/release"
	"github.com/walctl/walctl/verify"
)

// Options steer a conversion.
type Options struct {
	To      format.Format `json:"to"`          // legacy, v2 or sparse
	R       int64         `json:"r,omitempty"` // records per partition of the output (0: the input's)
	M       int64         `json:"m,omitempty"` // sparse: max entry size of the output (0: the input's)
	InPlace bool          `json:"inPlace"`
	// OverrideEvidence: geometry-conflict findings do not refuse the input
	// (--override-evidence; the write is still audited against the files).
	OverrideEvidence bool               `json:"overrideEvidence,omitempty"`
	Out              string             `json:"-"` // the new directory (when not in place)
	Backup           string             `json:"-"` // in place: where the input is copied first ("" = default)
	Log              rebuild.LogOptions `json:"log"`
	// Target is the release that will open the output (zero: not given);
	// it decides the vote's layout (see outputVoteLayout).
	Target release.Version `json:"targetVersion,omitzero"`
	// Scanned, when set, is the scan of the input gathered while it was
	// opened (InputScan): Plan takes it instead of scanning the input
	// itself when it covers the live indexes.
	Scanned *InputScan `json:"-"`
}

// OutPartition is one partition file of the output.
type OutPartition struct {
	Number int64         `json:"number"`
	File   string        `json:"file"`
	Keeps  raftlog.Range `json:"keeps"`
	Sealed bool          `json:"sealed,omitempty"`
}

// Conversion is what a conversion writes.
type Conversion struct {
	// Progress, when set, is told how many slots each written partition
	// held (the total is Work); a progress bar's Add.
	Progress   func(slots int64) `json:"-"`
	Dir        string            `json:"dir"`
	From       format.Format     `json:"from"`
	To         format.Format     `json:"to"`
	R          int64             `json:"recordsPerPartition"`
	M          int64             `json:"maxEntrySize,omitempty"`
	NewR       int64             `json:"newRecordsPerPartition"`
	NewM       int64             `json:"newMaxEntrySize,omitempty"`
	Snapshot   int64             `json:"snapshotIndex"`
	LastIndex  int64             `json:"lastIndex"`
	Entries    int64             `json:"entries"`
	Stale      int64             `json:"staleSlotsKept"`
	Partitions []OutPartition    `json:"partitions"`
	Copied     []string          `json:"copied"`
	Removed    []string          `json:"removed,omitempty"`
	Notes      []string          `json:"notes,omitempty"`
	// Vote says in which layout the output's node.state stores the vote
	// (nil without a vote); when Rewritten, node.state is not in Copied.
	Vote *VoteLayout `json:"vote,omitempty"`

	Checked // the output verified and compared with the input, by the audit

	src     *rebuild.Source
	recipes []rebuild.Recipe
	state   []byte // the output's node.state when it is not a copy
	// shared is the comparison made in the audit's walk (Expect), for
	// Check to take instead of reading both logs again.
	shared *sharedResult
	// verified is the verification of the output made on the audit's open
	// of it (Expect), for Check to take instead of opening it again.
	verified *verifiedOutput
}

// OutOptions open the output as it was written, in the new format and
// geometry, decoded even where detection alone would be unsure of them.
func (c *Conversion) OutOptions() logdir.Options {
	return logdir.Options{Format: c.To, R: c.NewR, M: c.NewM, Force: true}
}

// InOptions read the input (or its backup) in the format and geometry the
// plan found, for Check: the same whether the conversion runs whole or is
// finished after an interruption.
func (c *Conversion) InOptions() logdir.Options {
	return logdir.Options{Format: c.From, R: c.R, M: c.M, Force: true}
}

// verifiedOutput is verify's report on the log in the directory dir.
type verifiedOutput struct {
	dir string
	rep *verify.Report
}

// sharedResult is a comparison of the logs in the directories in and out.
type sharedResult struct {
	in, out string
	cmp     *Comparison
}

// InputError says why a log cannot be converted as it is.
type InputError struct {
	Dir     string
	Reasons []string
}

func (e *InputError) Error() string {
	return fmt.Sprintf("%s cannot be converted as it is: %s", e.Dir, strings.Join(e.Reasons, "; "))
}

// PlanConvert checks that every live entry of l can be carried over and lays
// out the output: the entries (snapshot index, LastIndex] renumbered into
// partitions of the new R, each written by the target codec's writer, every
// Table partition but the one holding LastIndex sealed; the snapshot file
// copied unchanged, node.state too unless the vote must change layout for
// the releases that read the output (planVote).
func Plan(l *logdir.Log, o Options) (*Conversion, error) {
	if !l.Format.Partitioned() {
		return nil, fmt.Errorf("%s: walctl convert handles the PersistentState formats (legacy, v2, sparse), not %q",
			l.Dir, l.Format)
	}
	c := &Conversion{Dir: l.Dir, From: l.Format, R: l.R, M: l.M}
	if err := c.target(l, o); err != nil {
		return nil, err
	}
	if err := c.checkInput(l, o.OverrideEvidence); err != nil {
		return nil, err
	}
	var err error
	if c.src, err = rebuild.NewSource(l, c.LastIndex); err != nil {
		return nil, err
	}
	var maxLen int64
	if sc := o.Scanned; sc.covers(c.Snapshot+1, c.LastIndex) {
		maxLen, c.Entries = sc.maxLen, sc.count
	} else if maxLen, err = c.scan(); err != nil {
		return nil, err
	}
	if c.To == format.Sparse && maxLen > c.NewM {
		return nil, &rebuild.FlagError{
			Msg:  fmt.Sprintf("an entry of %d bytes does not fit the sparse format with M = %d", maxLen, c.NewM),
			Hint: fmt.Sprintf("give --out-max-entry-size %d or more (and configure the node with it)", maxLen),
		}
	}
	if err := c.layout(); err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(filepath.Join(l.Dir, nodestate.FileName))
	if err != nil {
		return nil, err
	}
	if c.Vote, c.state = planVote(raw, l.Format, c.To, o.Target); c.state == nil {
		c.Copied = append(c.Copied, nodestate.FileName)
	}
	if _, err := os.Stat(filepath.Join(l.Dir, "snapshot")); err == nil {
		c.Copied = append(c.Copied, "snapshot")
	}
	if o.InPlace {
		c.removals(l)
	}
	return c, nil
}

// target settles the output format and geometry.
func (c *Conversion) target(l *logdir.Log, o Options) error {
	to, ok := format.Parse(strings.ToLower(string(o.To)))
	if !ok || !to.Partitioned() {
		return &rebuild.FlagError{
			Msg:  fmt.Sprintf("--to %q is not a format walctl writes", o.To),
			Hint: "use --to legacy, --to v2 or --to sparse",
		}
	}
	if err := checkTarget(to, o.Target); err != nil {
		return err
	}
	c.To, c.NewR, c.NewM = to, l.R, 0
	if o.R != 0 {
		c.NewR = o.R
	}
	if c.NewR < ps.MinR || c.NewR > ps.MaxR {
		return &rebuild.FlagError{
			Msg:  fmt.Sprintf("--out-records-per-partition %d is out of range", c.NewR),
			Hint: "DotNext accepts " + ps.RRange,
		}
	}
	if to != format.Sparse {
		if o.M != 0 {
			return &rebuild.FlagError{
				Msg:  "--out-max-entry-size applies to --to sparse only",
				Hint: "drop --out-max-entry-size",
			}
		}
		return nil
	}
	c.NewM = o.M
	if c.NewM == 0 && l.Format == format.Sparse {
		c.NewM = l.M
	}
	if c.NewM < 1 {
		return &rebuild.FlagError{
			Msg:  "the sparse format needs a max entry size",
			Hint: "add --out-max-entry-size M: the MaxLogEntrySize the node will be configured with",
		}
	}
	if _, ok := partition.MulOK(c.NewR, c.NewM+record.Size); !ok {
		return &rebuild.FlagError{
			Msg:  "R × (M + 40) overflows a file offset",
			Hint: "use a smaller --out-max-entry-size or --out-records-per-partition",
		}
	}
	return nil
}

// blocking are the findings whose damage a conversion would carry over.
var blocking = map[finding.Code]bool{
	finding.NodeStateMissing:        true,
	finding.NodeStateSize:           true,
	finding.NodeStateChecksum:       true,
	finding.NodeStateZeroed:         true,
	finding.NegativeIndex:           true,
	finding.SnapshotShort:           true,
	finding.GeometryConflict:        true,
	finding.PartitionNumberOverflow: true,
	finding.PartitionMissing:        true,
}

// checkInput refuses logs whose node.state or snapshot is damaged: they are
// copied unchanged, so the output would be damaged too.
func (c *Conversion) checkInput(l *logdir.Log, override bool) error {
	var why []string
	for _, f := range l.Findings {
		if f.Severity == raftlog.Error && blocking[f.Code] && !(override && f.Code == finding.GeometryConflict) {
			why = append(why, string(f.Code)+": "+f.Message)
		}
	}
	if l.State == nil {
		return &InputError{Dir: l.Dir, Reasons: append(why, "node.state is missing")}
	}
	if l.Snapshot != nil {
		c.Snapshot = l.Snapshot.Index
	}
	c.LastIndex = l.State.LastIndex
	st := l.State
	switch {
	case st.CommitIndex > st.LastIndex:
		why = append(why, fmt.Sprintf("CommitIndex %d is above LastIndex %d", st.CommitIndex, st.LastIndex))
	case c.Snapshot > st.CommitIndex:
		why = append(why, fmt.Sprintf("the snapshot index %d is above CommitIndex %d", c.Snapshot, st.CommitIndex))
	case !rebuild.Sane(st.LastIndex) || !rebuild.Sane(st.CommitIndex) || !rebuild.Sane(c.Snapshot):
		why = append(why, "node.state holds a negative or impossibly large index")
	}
	if len(why) > 0 {
		return &InputError{Dir: l.Dir, Reasons: append(why, "run walctl repair first")}
	}
	return nil
}

// scan checks that every live index has a trusted record and returns the
// longest payload. It reads one input partition at a time.
func (c *Conversion) scan() (int64, error) {
	var maxLen int64
	for i := c.Snapshot + 1; i <= c.LastIndex; i++ {
		sl, _, err := c.src.SlotAt(i)
		if err != nil {
			return 0, err
		}
		if sl.Kind != partition.Written {
			code, why := rebuild.BadSlot(sl)
			if !c.src.Has(c.src.PartitionOf(i)) {
				code, why = finding.PartitionMissing, "its partition file is missing"
			}
			return 0, &InputError{
				Dir:     c.Dir,
				Reasons: []string{fmt.Sprintf("entry %d (%s): %s", i, code, why), "run walctl repair first"},
			}
		}
		maxLen = max(maxLen, sl.Rec.Length)
		c.Entries++
	}
	return maxLen, nil
}

// layout builds one recipe per output partition.
func (c *Conversion) layout() error {
	if c.LastIndex <= c.Snapshot {
		return nil
	}
	r := c.NewR
	firstP, lastP := (c.Snapshot+1)/r, c.LastIndex/r
	for n := firstP; n <= lastP; n++ {
		first := n * r
		from, to := max(first, c.Snapshot+1), min(first+r-1, c.LastIndex)
		if n == firstP && c.Snapshot >= first {
			var err error
			if from, err = rebuild.StaleRun(c.src, first, c.Snapshot); err != nil {
				return err
			}
			c.Stale = c.Snapshot + 1 - from
		}
		seal := c.To == format.V2 && (n < lastP || to == first+r-1)
		rc := rebuild.Recipe{
			Format: c.To,
			Geom:   partition.Geometry{R: r, M: c.NewM},
			Number: n,
			From:   from,
			To:     to,
			Seal:   seal,
		}
		c.recipes = append(c.recipes, rc)
		c.Partitions = append(
			c.Partitions,
			OutPartition{
				Number: n,
				File:   strconv.FormatInt(n, 10),
				Keeps:  raftlog.Range{From: from, To: to},
				Sealed: seal,
			},
		)
	}
	if c.Stale > 0 {
		c.Notes = append(
			c.Notes,
			fmt.Sprintf(
				"%d slot(s) at or below the snapshot index %d are kept as the input holds them (not entries of the log; the library left them there)",
				c.Stale,
				c.Snapshot,
			),
		)
	}
	return nil
}

// removals lists the input partition files an in-place conversion deletes.
func (c *Conversion) removals(l *logdir.Log) {
	keep := map[string]bool{}
	for _, p := range c.Partitions {
		keep[p.File] = true
	}
	for _, p := range l.Partitions {
		if !keep[p.File] {
			c.Removed = append(c.Removed, p.File)
		}
	}
}

// Work is the number of slots ApplyConvert writes: the unit of Progress.
func (c *Conversion) Work() int64 {
	var n int64
	for _, r := range c.recipes {
		n += max(r.To-r.From+1, 0)
	}
	return n
}
