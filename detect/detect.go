// Package detect tells which DotNext log format a directory or a file is in,
// and infers the settings no file records (records per partition R, sparse
// max entry size M), with a confidence and the evidence in words
// (spec/persistent-state.md §8 and §12, spec/write-ahead-log.md §10).
package detect

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/format/wal"
)

// Confidence re-exports the codecs' scale.
type Confidence = partition.Confidence

// Overrides are the user's answers where detection cannot decide.
type Overrides struct {
	Format format.Format // "" (detect it), or one of format.Logs
	R      int64         // 0 = infer
	M      int64         // 0 = infer
	WAL    wal.Options
}

// FileResult is the verdict on one partition file.
type FileResult struct {
	Name       string        `json:"name"`
	Size       int64         `json:"size"`
	Format     format.Format `json:"format"`
	Confidence string        `json:"confidence"`
	Evidence   []string      `json:"evidence"`
	Dissent    bool          `json:"dissent,omitempty"` // disagrees with the directory's format
	Damage     []string      `json:"damage,omitempty"`
	R          int64         `json:"recordsPerPartition,omitempty"`
	M          int64         `json:"maxEntrySize,omitempty"`
	conf       Confidence    `json:"-"`
	probe      partition.Probe
}

// Result is the verdict on a directory.
type Result struct {
	Dir        string        `json:"dir"`
	Format     format.Format `json:"format"`
	Confidence string        `json:"confidence"`
	R          int64         `json:"recordsPerPartition"`
	M          int64         `json:"maxEntrySize"`
	Evidence   []string      `json:"evidence"`
	Candidates []int64       `json:"candidates,omitempty"` // R values that fit when R is undetermined
	Files      []FileResult  `json:"files"`
	// NeedFlags names the flags the user must add when confidence is low.
	NeedFlags []string `json:"needFlags,omitempty"`
	// WAL holds the WriteAheadLog's layout parameters when Format is wal.
	WAL *WALParams `json:"wal,omitempty"`
	// Conflicts are facts that contradict R or M given by the user.
	Conflicts []string `json:"conflicts,omitempty"`
	// Writers names the releases that can have written the log, with the
	// facts behind them (both families; WAL.Writers repeats the releases).
	Writers *Writers `json:"writers,omitempty"`
	// DamageSeen lists damage the probes saw (walctl verify tells what it
	// does): detection names the format regardless.
	DamageSeen []string `json:"damageSeen,omitempty"`

	conf    Confidence
	Listing *Listing         `json:"-"`
	State   *nodestate.State `json:"-"`

	decided   bool                     // Begin decided alone, or Finish ran
	stateSum  nodestate.ChecksumStatus // node.state's checksum, for Finish
	stateSize int64                    // node.state's size, -1 without one
}

// Conf is the directory confidence as a value.
func (r *Result) Conf() Confidence { return r.conf }

// Directory detects the format of a log directory.
func Directory(dir string, o Overrides) (*Result, error) {
	res, err := Begin(dir, o)
	if err != nil || res.Decided() {
		return res, err
	}
	files, err := Classify(res.Listing.Partitions)
	if err != nil {
		return nil, err
	}
	res.Finish(files, o)
	return res, nil
}

// Begin is Directory up to the probes of the partition files: the listing
// and node.state. A WriteAheadLog and the 3.1–3.3 layout are decided then
// (Decided); otherwise the caller probes every partition file (Probe, in
// Listing.Partitions order) and hands the results to Finish. Directory does
// both; a reader that opens every file anyway probes it on that open.
func Begin(dir string, o Overrides) (*Result, error) {
	l, err := List(dir)
	if err != nil {
		return nil, err
	}
	res := &Result{Dir: dir, Listing: l, Files: []FileResult{}}
	if (l.NodeState == "" && len(l.WALMarkers) > 0) || o.Format == format.WAL {
		res.decided = true
		return res.detectWAL(o)
	}
	if len(l.MetaFiles) > 0 {
		res.decided = true
		res.Format, res.conf = format.Meta3x, partition.High
		res.Evidence = append(
			res.Evidence,
			fmt.Sprintf(
				"%d N.meta side files: the DotNext 3.1–3.3 layout, which walctl does not decode",
				len(l.MetaFiles),
			),
		)
		res.Confidence = res.conf.String()
		return res, nil
	}
	res.stateSum, res.stateSize = nodestate.ChecksumAbsent, -1
	if l.NodeState != "" {
		b, size, err := ReadHead(l.NodeState, nodestate.Size)
		res.stateSize = size
		if err != nil {
			return nil, err
		}
		s := nodestate.Decode(b)
		res.State = &s
		if size == nodestate.Size {
			res.stateSum = nodestate.Status(b)
		}
		res.Evidence = append(
			res.Evidence,
			fmt.Sprintf(
				"node.state (%d bytes): LastIndex %d, CommitIndex %d, snapshot index %d",
				size,
				s.LastIndex,
				s.CommitIndex,
				s.Snapshot.Index,
			),
		)
	} else {
		res.Evidence = append(res.Evidence, "no node.state: indexes cannot be checked against it")
	}
	return res, nil
}

// Decided reports whether Begin decided the directory without probing its
// partition files (a WriteAheadLog, the 3.1–3.3 layout), or Finish has run.
func (r *Result) Decided() bool { return r.decided }

// Finish decides the directory from its partition files' results, one per
// Listing.Partitions entry in that order: the format vote, R and M, the
// writers and the damage seen.
func (r *Result) Finish(files []FileResult, o Overrides) {
	r.decided = true
	r.Files = files
	r.vote(o)
	r.inferGeometry(o)
	r.Writers = r.writers(r.stateSum)
	r.seeDamage(r.stateSize, r.stateSum)
	r.Confidence = r.conf.String()
}

// File detects the format of one partition file on its own.
func File(path string) (*FileResult, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	var n int64 = -1
	if canonical.MatchString(info.Name()) {
		fmt.Sscan(info.Name(), &n)
	}
	fr, err := classify(PartitionFile{Number: n, Name: info.Name(), Path: path, Size: info.Size()})
	return &fr, err
}

// maxProbes bounds the files probed at once (each probe holds 256 KiB of
// read windows): memory must not grow with the number of cores.
const maxProbes = 8

// Classify opens and classifies partition files ps on all cores (each probe
// reads its file alone), as Directory does: the results for Finish, in
// order; the first error in file order wins. At most
// min(GOMAXPROCS, maxProbes) files are open and probed at once.
func Classify(ps []PartitionFile) ([]FileResult, error) {
	out := make([]FileResult, len(ps))
	errs := make([]error, len(ps))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(ps), maxProbes) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = classify(ps[i])
			}
		}()
	}
	for i := range ps {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// classify runs every codec's probe on one file and keeps the best.
func classify(p PartitionFile) (FileResult, error) {
	fr := FileResult{Name: p.Name, Size: p.Size}
	if p.Size == 0 {
		return emptyFile(fr), nil
	}
	h, err := os.Open(p.Path)
	if err != nil {
		return fr, err
	}
	defer h.Close()
	num := p.Number
	if num < 0 {
		num = 1 // a lone file of unknown number: assume it is not partition 0
	}
	r, release := partition.OpenFile(h, p.Size, false)
	defer release()
	return probeFile(fr, partition.File{R: r, Size: p.Size, Name: p.Name, Number: num}), nil
}

// Probe classifies partition file p, open as f (f.Size = p.Size), as
// Directory does: the result for Finish.
func Probe(p PartitionFile, f partition.File) FileResult {
	fr := FileResult{Name: p.Name, Size: p.Size}
	if p.Size == 0 {
		return emptyFile(fr)
	}
	return probeFile(fr, f)
}

func emptyFile(fr FileResult) FileResult {
	fr.Format, fr.conf = format.Empty, partition.None
	fr.Evidence = []string{"0-byte file: no format information (created but never flushed)"}
	fr.Confidence = "n/a"
	return fr
}

// probeFile runs the codec table's probes on an open, non-empty file; fr
// holds its name and size.
func probeFile(fr FileResult, f partition.File) FileResult {
	probes := ps.ProbeAll(f)
	best := pick(probes)
	fr.probe = best
	if !best.Explains() {
		fr.Format, fr.conf, fr.Confidence = format.Unknown, partition.Low, partition.Low.String()
		fr.Evidence = []string{"no format explains this file's bytes"}
		for _, pr := range probes {
			fr.Damage = append(fr.Damage, pr.Damage...)
		}
		return fr
	}
	fr.Format, fr.conf, fr.Confidence = best.Format, best.Confidence, best.Confidence.String()
	fr.Evidence, fr.Damage, fr.R, fr.M = best.Evidence, best.Damage, best.R, best.M
	for _, pr := range probes {
		if pr.Explains() && pr.Format != best.Format {
			fr.Evidence = append(
				fr.Evidence,
				fmt.Sprintf("also fits %s (%s): %v", pr.Format, pr.Confidence, pr.Evidence),
			)
		}
	}
	return fr
}

// pick prefers higher confidence, then exact R, then fewer damage words
// (the hypothesis that explains more bytes), then the Table format (the
// library's default since 5.4).
func pick(ps []partition.Probe) partition.Probe {
	best := ps[0]
	for _, p := range ps[1:] {
		if better(p, best) {
			best = p
		}
	}
	return best
}

func better(a, b partition.Probe) bool {
	if a.Confidence != b.Confidence {
		return a.Confidence > b.Confidence
	}
	if (a.R > 0) != (b.R > 0) {
		return a.R > 0
	}
	return len(a.Damage) < len(b.Damage)
}

// vote chooses the directory format: the consensus of the files, weighted by
// confidence; files that disagree are marked as dissenting.
func (r *Result) vote(o Overrides) {
	weight := map[format.Format]int{}
	top := map[format.Format]Confidence{}
	for _, f := range r.Files {
		if f.Format == format.Empty || f.Format == format.Unknown {
			continue
		}
		weight[f.Format] += int(f.conf) * int(f.conf)
		if f.conf > top[f.Format] {
			top[f.Format] = f.conf
		}
	}
	if o.Format != "" {
		r.Format, r.conf = o.Format, partition.VeryHigh
		r.Evidence = append(r.Evidence, "format given by --format")
	} else {
		formats := make([]format.Format, 0, len(weight))
		for k := range weight {
			formats = append(formats, k)
		}
		sort.Slice(formats, func(i, j int) bool {
			if weight[formats[i]] != weight[formats[j]] {
				return weight[formats[i]] > weight[formats[j]]
			}
			return formats[i] < formats[j]
		})
		if len(formats) == 0 {
			r.Format, r.conf = format.Unknown, partition.Low
			switch {
			case len(r.Files) == 0:
				r.Evidence = append(r.Evidence, "no partition files")
			default:
				r.Evidence = append(r.Evidence, "no partition file has a recognisable format")
			}
			return
		}
		r.Format, r.conf = formats[0], top[formats[0]]
		agree := 0
		for _, f := range r.Files {
			if f.Format == r.Format {
				agree++
			}
		}
		r.Evidence = append(r.Evidence, fmt.Sprintf("%d of %d partition files are %s", agree, len(r.Files), r.Format))
		if len(formats) > 1 && top[formats[1]] >= partition.High && r.conf < partition.VeryHigh {
			r.conf--
			r.Evidence = append(r.Evidence, fmt.Sprintf("files that look like %s with %s confidence lower the verdict", formats[1], top[formats[1]]))
		}
	}
	for i := range r.Files {
		f := &r.Files[i]
		if f.Format != r.Format && f.Format != format.Empty {
			f.Dissent = true
		}
	}
}

// SingleFile wraps File as a Result, for `walctl detect FILE`.
func SingleFile(path string) (*Result, error) {
	fr, err := File(path)
	if err != nil {
		return nil, err
	}
	r := &Result{Dir: path, Format: fr.Format, conf: fr.conf, R: fr.R, M: fr.M, Files: []FileResult{*fr}}
	if fr.Format == format.Empty {
		r.Format, r.conf = format.Unknown, partition.Low
	}
	r.Evidence = append(r.Evidence, "a single file: no node.state or sibling partitions to confirm")
	r.Confidence = r.conf.String()
	return r, nil
}

// WALParams are a WriteAheadLog's layout parameters, none of which the files
// record (spec/write-ahead-log.md §0.3).
type WALParams struct {
	ChunkSize      int64  `json:"chunkSize"`
	PageSize       int64  `json:"metadataPageSize"`
	SlotSize       int64  `json:"slotSize"`
	RecordSize     int64  `json:"recordSize"`
	Layout         string `json:"layout"`
	Timestamps     string `json:"timestamps,omitempty"`
	Hash           string `json:"hash"`
	CheckpointForm int    `json:"checkpointBytes"`
	Writers        string `json:"writers"`
	SnapshotDir    string `json:"snapshotDir"`
}

// detectWAL names a WriteAheadLog directory and its layout parameters.
func (r *Result) detectWAL(o Overrides) (*Result, error) {
	r.Format = format.WAL
	r.Evidence = append(r.Evidence, fmt.Sprintf("no node.state; WriteAheadLog files present: %v", r.Listing.WALMarkers))
	p, err := wal.Detect(r.Dir, o.WAL)
	if err != nil {
		return nil, err
	}
	r.WAL = &WALParams{ChunkSize: p.ChunkSize, PageSize: p.PageSize, SlotSize: p.SlotSize, RecordSize: p.RecordSize,
		Layout: p.Layout, Timestamps: p.Timestamps, Hash: p.Hash.String(), CheckpointForm: p.CheckpointForm,
		Writers: p.Writers, SnapshotDir: p.SnapshotDir}
	r.Evidence = append(r.Evidence, p.Evidence...)
	r.Writers = walWriters(p, p.CheckpointForm)
	r.conf = p.Confidence // one scale: the codecs' (partition.Confidence)
	if r.conf <= partition.Low {
		r.conf = partition.Low
		r.NeedFlags = append(r.NeedFlags, "--chunk-size N", "--hash ALG", "--wal-layout 6|5")
	}
	r.Confidence = r.conf.String()
	return r, nil
}
