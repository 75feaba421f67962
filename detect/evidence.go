package detect

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/wal"
)

// Contradiction is a setting given on the command line that exact evidence
// in the files rules out (spec/persistent-state.md §8 and §12,
// spec/write-ahead-log.md §10.4): a legacy prologue or a sealed footer
// proves R, a sparse stride proves M, the files' structure proves the
// format, the data chunks prove the chunk size, a hash that verifies proves
// the hash and the record layout. Writing with a contradicted setting
// misplaces every index.
type Contradiction struct {
	Flag     string `json:"flag"`     // the setting as given, e.g. "--records-per-partition 3"
	File     string `json:"file"`     // the evidence: a file or folder of the log
	Proves   string `json:"proves"`   // what the evidence proves, in words
	Evidence string `json:"evidence"` // the detector's sentence about the file
}

func (c Contradiction) String() string {
	s := fmt.Sprintf("%s contradicts %s: %s", c.Flag, c.File, c.Proves)
	if c.Evidence != "" {
		s += " (" + c.Evidence + ")"
	}
	return s
}

// Contradictions checks the settings o (as the user gave them: format, R,
// M, WriteAheadLog chunk size, hash and layout) against the exact evidence
// in dir. Detection runs without o, so that the files speak for themselves.
// A setting that is left zero is not checked. Only evidence inside the
// files counts: for R every file that gives one (the same files that make
// a geometry-conflict finding when the log is opened with o), else the R
// detection computes with confidence from node.state's LastIndex and the
// partition holding it; for the other settings what the detector is highly
// sure of. Where the files prove nothing (R of a log whose only partition
// is 0, an empty WAL's layout) the setting is the user's answer and is not
// contradicted.
func Contradictions(dir string, o Overrides) ([]Contradiction, error) {
	if o.Format == "" && o.R == 0 && o.M == 0 && o.WAL.ChunkSize == 0 && o.WAL.Hash == "" && o.WAL.Layout == "" {
		return nil, nil
	}
	det, err := Directory(dir, Overrides{})
	if err != nil {
		return nil, err
	}
	if det.Format == format.WAL {
		return walContradictions(dir, det, o)
	}
	var out []Contradiction
	if o.Format == format.WAL && det.Listing.NodeState != "" {
		out = append(out, Contradiction{Flag: "--format wal", File: "node.state",
			Proves: "the directory holds a PersistentState node.state, so it is not a WriteAheadLog"})
	}
	out = append(out, formatContradictions(det, o)...)
	fm := det.Format
	if o.Format != "" && o.Format != format.WAL {
		fm = o.Format
	}
	out = append(out, geometryContradictions(det, fm, o)...)
	return out, nil
}

// formatContradictions: a file that one format explains with very high
// confidence (a sealed footer, a chain of Table records, a legacy prologue
// with chained payloads, sparse stride records) and no other format
// explains at all proves the directory's format.
func formatContradictions(det *Result, o Overrides) []Contradiction {
	want := o.Format
	if want == "" && o.M > 0 {
		want = format.Sparse
	}
	if want == "" || want == format.WAL {
		return nil
	}
	var out []Contradiction
	for _, f := range det.Files {
		if f.Format == want || f.Format == format.Empty || f.Format == format.Unknown ||
			f.Confidence != partitionVeryHigh ||
			alsoFits(f, want) {
			continue
		}
		out = append(out, Contradiction{Flag: flagOf(o, want), File: "partition " + f.Name,
			Proves: fmt.Sprintf(
				"its bytes are %s (%s confidence), which %s does not explain",
				f.Format,
				f.Confidence,
				want,
			),
			Evidence: first(f.Evidence)})
	}
	return out
}

var partitionVeryHigh = "very-high"

func flagOf(o Overrides, fm format.Format) string {
	if o.Format == "" {
		return fmt.Sprintf("--max-entry-size %d (the sparse format)", o.M)
	}
	return "--format " + string(fm)
}

func alsoFits(f FileResult, fm format.Format) bool {
	for _, e := range f.Evidence {
		if strings.HasPrefix(e, "also fits "+string(fm)+" ") {
			return true
		}
	}
	return false
}

// rEvidence is detection's sentence about R.
func rEvidence(ev []string) string {
	for i := len(ev) - 1; i >= 0; i-- {
		if strings.HasPrefix(ev[i], "R = ") {
			return ev[i]
		}
	}
	return ""
}

// evidenceName names the structure that proves R in a file of format.
func evidenceName(fm format.Format) string {
	if fm == format.Legacy {
		return "prologue (the lowest payload offset / 40)"
	}
	return "sealed footer"
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// geometryContradictions checks R and M against the files that prove them:
// a legacy prologue or sealed footer (R), a file using more slots than R,
// a sparse stride (M).
func geometryContradictions(det *Result, fm format.Format, o Overrides) []Contradiction {
	var out []Contradiction
	if o.R > 0 {
		// Files that disagree on R make detection list candidates; the
		// user's R then still contradicts the files that prove another one
		// (one of them is damaged): only --override-evidence says which.
		for _, f := range det.Files {
			if f.Format != fm {
				continue
			}
			c := Contradiction{
				Flag:     fmt.Sprintf("--records-per-partition %d", o.R),
				File:     "partition " + f.Name,
				Evidence: first(f.Evidence),
			}
			switch {
			case f.R > 0 && f.R != o.R: // the same evidence that makes a geometry-conflict finding
				c.Proves = fmt.Sprintf("its %s proves R = %d", evidenceName(f.Format), f.R)
			case f.probe.UsedSlots > o.R:
				c.Proves = fmt.Sprintf("it uses %d slots, and a partition holds at most R", f.probe.UsedSlots)
			default:
				continue
			}
			out = append(out, c)
		}
		// No file proves R, but detection computed it with confidence from
		// the partition holding node.state's LastIndex (§8 step 2): a
		// write with another R would misplace every index just the same.
		if len(out) == 0 && det.R > 0 && det.R != o.R && len(det.Candidates) == 0 && det.Conf() >= partition.Medium {
			out = append(
				out,
				Contradiction{
					Flag: fmt.Sprintf("--records-per-partition %d", o.R),
					File: "node.state and the partition files",
					Proves: fmt.Sprintf(
						"R = %d (%s confidence)",
						det.R,
						det.Confidence,
					),
					Evidence: rEvidence(det.Evidence),
				},
			)
		}
	}
	if o.M > 0 && fm == format.Sparse {
		for _, f := range det.Files {
			if f.Format == format.Sparse && f.M > 0 && f.M != o.M && f.Confidence != "low" && f.Confidence != "medium" {
				out = append(
					out,
					Contradiction{Flag: fmt.Sprintf("--max-entry-size %d", o.M), File: "partition " + f.Name,
						Proves: fmt.Sprintf(
							"its records sit %d bytes apart: M = %d",
							f.M+40,
							f.M,
						), Evidence: first(f.Evidence)},
				)
			}
		}
	}
	return out
}

// walContradictions checks the settings against a WriteAheadLog: the
// directory itself (no node.state, WAL files), the chunk size every data
// file shares, and the layout and hash the slots prove (a hash that
// verifies, or chained records that only one layout explains).
func walContradictions(dir string, det *Result, o Overrides) ([]Contradiction, error) {
	var out []Contradiction
	// isWAL: a PersistentState setting the WriteAheadLog's own files refute.
	isWAL := func(set bool, flag, proves string) {
		if set {
			out = append(out, Contradiction{Flag: flag, File: strings.Join(det.Listing.WALMarkers, ", "),
				Proves: "the directory is a WriteAheadLog" + proves})
		}
	}
	isWAL(o.Format != "" && o.Format != format.WAL, "--format "+string(o.Format),
		" (no node.state; checkpoint, state, metadata/, data/)")
	isWAL(o.R > 0, fmt.Sprintf("--records-per-partition %d", o.R), ", which has no partitions")
	isWAL(o.M > 0, fmt.Sprintf("--max-entry-size %d", o.M), ", which has no sparse partitions")
	if size, n := chunkSize(dir); o.WAL.ChunkSize > 0 && n > 0 && size != o.WAL.ChunkSize {
		out = append(out, Contradiction{Flag: fmt.Sprintf("--chunk-size %d", o.WAL.ChunkSize), File: "data/",
			Proves: fmt.Sprintf(
				"all %d chunk files are %d bytes, and the library writes every chunk at its ChunkSize",
				n,
				size,
			)})
	}
	if o.WAL.Hash == "" && o.WAL.Layout == "" {
		return out, nil
	}
	p, err := wal.Detect(dir, wal.Options{SnapshotDir: o.WAL.SnapshotDir})
	if err != nil || (p.Confidence != wal.VeryHigh && p.Confidence != wal.High) {
		return out, nil // the slots prove nothing: the flags are the user's answer
	}
	ev := slotEvidence(p.Evidence)
	if h, auto, ok := wal.ParseHash(o.WAL.Hash); ok && !auto && h != p.Hash {
		out = append(out, Contradiction{Flag: "--hash " + o.WAL.Hash, File: "metadata/",
			Proves: fmt.Sprintf("the slots prove hash %s", p.Hash), Evidence: ev})
	}
	if o.WAL.Layout != "" && o.WAL.Layout != p.Layout {
		out = append(out, Contradiction{Flag: "--wal-layout " + o.WAL.Layout, File: "metadata/",
			Proves: fmt.Sprintf("the slots prove %d-byte records (layout %s)", p.RecordSize, p.Layout), Evidence: ev})
	}
	return out, nil
}

// chunkSize returns the size every non-empty file in dir/data shares when
// it is a power of two of at least 4096, and how many files have it; n is
// 0 when the files disagree or there are none (no evidence then).
func chunkSize(dir string) (size int64, n int) {
	ents, err := os.ReadDir(filepath.Join(dir, "data"))
	if err != nil {
		return 0, 0
	}
	sizes := map[int64]int{}
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || info.Size() == 0 {
			continue
		}
		sizes[info.Size()]++
	}
	if len(sizes) != 1 {
		return 0, 0
	}
	for s, c := range sizes {
		if s >= 4096 && s&(s-1) == 0 {
			return s, c
		}
	}
	return 0, 0
}

// slotEvidence picks the detector's sentences about the slots.
func slotEvidence(ev []string) string {
	var out []string
	for _, e := range ev {
		if strings.Contains(e, "slots") {
			out = append(out, e)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}
