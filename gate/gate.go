// Package gate is the upgrade gate: it answers the operator's question
// before each step of a rolling upgrade (or downgrade) of
// DotNext.Net.Cluster — "will release V open this log with every committed
// entry, the term and the vote?" (walctl verify --target-version V).
//
// Gate compares what the log's writer reads with what V reads, through the
// models of the two families (format/psread, wal.Log.ReadBy): the writer is
// the release --from-version names, else the newest release the files
// allow (walctl detect's "written by"). Every difference on a committed
// entry, the term or the vote, and every failure to open, is an error
// finding whose code starts with "target-" (package finding). It reads and
// judges; package upgrade plans and applies the change that makes the
// answer yes.
package gate

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/walctl/walctl/detect"
	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/psread"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/release"
)

// Report is the gate's answer for one directory and one release.
type Report struct {
	Target release.Version `json:"target"`
	Family string          `json:"family"` // PersistentState or WriteAheadLog
	// Writer names the releases that can have written the log, WriterFrom
	// where they come from: "files" (walctl detect) or "--from-version",
	// and JudgedAs the releases among them the gate compares with: the
	// newest reader class that opens the log (a node runs on a log its
	// release opens), else the newest.
	Writer     string `json:"writer"`
	WriterFrom string `json:"writerFrom"`
	JudgedAs   string `json:"judgedAs"`
	// Opens: V opens and initializes the log. Intact: V reads every
	// committed entry, the term and the vote as the writer does, the
	// writer's own damage included (no gate error).
	Opens  bool `json:"opens"`
	Intact bool `json:"intact"`
	// Committed is the range of committed entries compared (nil: none).
	Committed *raftlog.Range `json:"committed,omitempty"`
	// Lost, Changed and Recovered are the committed entries V reads empty
	// or fails to read, reads with another term or payload, or reads as
	// written where the writer's release does not.
	Lost      []raftlog.Range `json:"lost,omitempty"`
	Changed   []raftlog.Range `json:"changed,omitempty"`
	Recovered []raftlog.Range `json:"recovered,omitempty"`
	// VoteDiffers and OpenError: V reads the vote as another member; what
	// V throws.
	VoteDiffers bool             `json:"voteDiffers,omitempty"`
	OpenError   string           `json:"openError,omitempty"`
	Findings    raftlog.Findings `json:"findings,omitempty"`
}

// Blocked reports whether V loses or changes something the writer reads,
// or cannot open the log: what an upgrade must fix. Entries V recovers
// (reads as written where the writer does not) do not block.
func (r *Report) Blocked() bool {
	return !r.Opens || len(r.Lost) > 0 || len(r.Changed) > 0 || r.VoteDiffers
}

// Gate judges the log l for release to. from is the writer's release when
// the operator knows it (zero: the newest release the files allow).
func Gate(l *logdir.Log, to, from release.Version) (*Report, error) {
	if !release.Covered.Contains(to) {
		return nil, fmt.Errorf("DotNext %s is outside the releases walctl knows (%s)", to, release.Covered)
	}
	r := &Report{Target: to, Findings: raftlog.Findings{}}
	switch {
	case from.IsZero():
	case l.WAL() != nil && !walFamily.Contains(from):
		return nil, fmt.Errorf("--from-version %s: that release has no WriteAheadLog (%s), so it did not write "+
			"this one", from, walFamily)
	case l.WAL() == nil && !release.PersistentState.Contains(from):
		return nil, fmt.Errorf("--from-version %s: that release has no PersistentState (%s), so it did not write "+
			"this log", from, release.PersistentState)
	}
	if w := l.WAL(); w != nil {
		r.Family = "WriteAheadLog"
		gateWAL(r, l, w, from)
	} else {
		r.Family = "PersistentState"
		if err := gatePS(r, l, from); err != nil {
			return nil, err
		}
	}
	r.Intact = !r.Findings.HasErrors()
	return r, nil
}

// writerSet is the releases that can have written the log: the one
// --from-version names, or detect's "written by", or the whole family when
// the files do not tell (or conflict).
func writerSet(r *Report, l *logdir.Log, from release.Version, family release.Set) release.Set {
	switch det := l.Detection; {
	case !from.IsZero():
		r.Writer, r.WriterFrom = from.String(), "--from-version"
		return release.Of(release.Between(from, release.V(from.Major, from.Minor, from.Patch+1)))
	case det != nil && det.Writers != nil && !det.Writers.Set.Empty():
		r.Writer, r.WriterFrom = det.Writers.Releases, "files"
		return det.Writers.Set
	}
	r.Writer, r.WriterFrom = family.String()+" (the files do not tell)", "files"
	return family
}

// pickWriter is the release the gate compares with: of the reader classes
// inside set, the newest whose release opens the log — the node runs on
// it, so its release opens it — else the newest. It returns the class too.
func pickWriter(set release.Set, classes []release.Version, until release.Version,
	opens func(release.Version) bool) candidate {
	cs := candidates(set, classes, until, release.Version{})
	for i := len(cs) - 1; i >= 0; i-- {
		if opens(cs[i].v) {
			return cs[i]
		}
	}
	if len(cs) > 0 {
		return cs[len(cs)-1]
	}
	return candidate{set: set, v: set.Newest()}
}

// add adds a finding of the gate: the registry words it from facts, with
// the release V (the target, which fills the V of its command) and the
// writer.
func (r *Report) add(code finding.Code, form, file string, idx int64, facts finding.F) {
	if facts == nil {
		facts = finding.F{}
	}
	facts["target"], facts["V"], facts["writer"] = r.Target.String(), r.upgradeTarget(), r.Writer
	r.Findings.Add(raftlog.New(code, form, file, -1, idx, facts))
}

// upgradeTarget fills the V of the gate's upgrade commands: the target, and
// the writer when the operator named it (--from-version), so that upgrade
// judges the log's writer as the gate did.
func (r *Report) upgradeTarget() string {
	if r.WriterFrom == "--from-version" {
		return r.Target.String() + " --from-version " + r.Writer
	}
	return r.Target.String()
}

// psClasses are the first releases of the PersistentState readers that
// differ (psread): one release of each class is enough to ask whether
// the releases the files allow read the log alike.
var psClasses = []release.Version{release.PersistentState4, release.NodeStateChecksum, release.ShortPrologueThrows,
	release.MemberIDLengthFirst, release.TableFormat, release.ScanBoundedByR, release.Issue244Fixed}

// walClasses are the same for the WriteAheadLog (wal.ReadBy).
var walClasses = []release.Version{release.WriteAheadLogAdded, release.WALRecord32, release.Pad292Fixed,
	release.CheckpointV1, release.MetadataPageFixed}

// candidate is one reader class inside the writer set: its releases and
// the newest of them, which stands for the class.
type candidate struct {
	set release.Set
	v   release.Version
}

// candidates are the reader classes inside set, but w's.
func candidates(set release.Set, classes []release.Version, until release.Version, w release.Version) []candidate {
	var out []candidate
	for i, from := range classes {
		next := until
		if i+1 < len(classes) {
			next = classes[i+1]
		}
		in := set.Intersect(release.Of(release.Between(from, next)))
		if c := in.Newest(); !c.IsZero() && c != w {
			out = append(out, candidate{set: in, v: c})
		}
	}
	return out
}

// unsure is the warning that the writer's candidates disagree.
func (r *Report) unsure(differ []string) {
	r.add(finding.TargetWriterUnsure, "", "", raftlog.NoIndex, finding.F{"differ": strings.Join(differ, "; "),
		"judged": r.JudgedAs})
}

// psDir opens the model's view of a PersistentState log; close releases
// the files.
func psDir(l *logdir.Log) (*psread.Dir, func(), error) {
	d := &psread.Dir{Format: l.Format, R: l.R, M: l.M}
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	lst := l.Detection.Listing
	if lst.NodeState != "" {
		b, _, err := detect.ReadHead(lst.NodeState, nodestate.Size)
		if err != nil {
			return nil, closeAll, err
		}
		d.State = b
	}
	for _, pf := range lst.Partitions {
		f, err := os.Open(pf.Path)
		if err != nil {
			closeAll()
			return nil, func() {}, err
		}
		files = append(files, f)
		d.Files = append(d.Files, psread.File{Number: pf.Number, Name: pf.Name, Size: pf.Size,
			R: partition.NewCachedReader(f, pf.Size)})
	}
	return d, closeAll, nil
}

// ranges folds sorted indexes into ranges.
func ranges(idx []int64) []raftlog.Range {
	sort.Slice(idx, func(i, j int) bool { return idx[i] < idx[j] })
	var out []raftlog.Range
	for _, i := range idx {
		if n := len(out); n > 0 && out[n-1].To+1 == i {
			out[n-1].To = i
			continue
		}
		out = append(out, raftlog.Range{From: i, To: i})
	}
	return out
}

// RangeWords renders ranges as "4–7, 12" (at most six, then "and N more").
func RangeWords(rs []raftlog.Range) string {
	var parts []string
	for i, r := range rs {
		if i == 6 {
			parts = append(parts, fmt.Sprintf("and %d more ranges", len(rs)-6))
			break
		}
		parts = append(parts, r.String())
	}
	return strings.Join(parts, ", ")
}

func first(rs []raftlog.Range) int64 {
	if len(rs) == 0 {
		return raftlog.NoIndex
	}
	return rs[0].From
}

// rel shortens an absolute path inside the log directory.
func rel(dir, path string) string {
	if r, err := filepath.Rel(dir, path); err == nil {
		return r
	}
	return path
}

// walFamily is every release with the WriteAheadLog.
var walFamily = wal.Writers.Intersect(release.Of(release.Covered))
