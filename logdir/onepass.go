package logdir

import (
	"errors"

	"github.com/walctl/walctl/detect"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/ps"
)

// One pass over the partition files. Detection probes every file before
// the scan can decode any (the format and R are the directory's verdict,
// which every file may sway), so a plain open reads each file twice. onePass
// reads each once: it probes the first file alone, takes the format and
// geometry it proves (or the user gave) as a guess, and scans the log with
// it, probing every other file on the open its decode reads. Then detection
// decides from all the probes; when it decides the guess, the scan's answer
// is the one a plain open gives (a decode depends on the file's bytes, the
// format, R, M and node.state only), else the scan is dropped and the log
// opened again with the verdict (the probes are not run again).

// onePassOutcome says how open read a log's partition files.
type onePassOutcome int

const (
	pass1       onePassOutcome = iota // once: detection confirmed the guess
	passNoGuess                       // no partition file, or the first proved no format and geometry to guess
	passDropped                       // the guess was not the verdict: the scan was dropped, the log opened again
)

// errGuessWrong drops a scan whose guess detection did not confirm.
var errGuessWrong = errors.New("logdir: the one-pass guess was not the verdict")

// guess is the format and geometry a one-pass scan decodes with.
type guess struct {
	format format.Format
	r, m   int64
}

// speculation is a one-pass scan in progress: the probes its decodes make,
// and the detection that confirms it.
type speculation struct {
	det    *detect.Result // Begun, finished by confirm
	o      Options
	g      guess
	probes []detect.FileResult // one per partition file; [0] made before the scan
}

// probe classifies partition file i on the open its decode reads (the
// first was probed before the scan).
func (sp *speculation) probe(i int, pf detect.PartitionFile, f partition.File) {
	if i > 0 {
		sp.probes[i] = detect.Probe(pf, f)
	}
}

// confirm finishes the detection with every file's probe and reports
// whether its verdict is the guess, and one the PersistentState reader
// opens (as open would have decided).
func (sp *speculation) confirm() bool {
	det := sp.det
	det.Finish(sp.probes, sp.o.overrides())
	return det.Format == sp.g.format && det.R == sp.g.r && det.M == sp.g.m && psAdmits(det, sp.o)
}

// onePass opens a PersistentState log detected as far as det (Begin) with
// one read of each partition file (see above). With an outcome other than
// pass1 it has not opened the log but finished det, and open decides with
// it (the guess was not the verdict, or there was none to make).
func onePass(dir string, det *detect.Result, o Options, fr *fusedReplay) (*Log, onePassOutcome, error) {
	files := det.Listing.Partitions
	if len(files) == 0 {
		det.Finish([]detect.FileResult{}, o.overrides())
		return nil, passNoGuess, nil
	}
	probes := make([]detect.FileResult, len(files))
	first, err := detect.Classify(files[:1])
	if err != nil {
		return nil, pass1, err
	}
	probes[0] = first[0]
	g, ok := guessOf(probes[0], o)
	if !ok {
		rest, err := detect.Classify(files[1:])
		if err != nil {
			return nil, pass1, err
		}
		copy(probes[1:], rest)
		det.Finish(probes, o.overrides())
		return nil, passNoGuess, nil
	}
	sp := &speculation{det: det, o: o, g: g, probes: probes}
	guessed := *det // the scan reads the format, R and M, and the listing
	guessed.Format, guessed.R, guessed.M = g.format, g.r, g.m
	l, err := openPS(dir, &guessed, o.Target, fr, sp)
	switch {
	case err == nil:
		return l, pass1, nil
	case errors.Is(err, errGuessWrong):
		fr.restart()
		return nil, passDropped, nil
	}
	// An error on the way (a file that cannot be read): detection, then
	// the scan, decide which error a plain open meets first.
	fr.restart()
	again, err := detect.Directory(dir, o.overrides())
	if err != nil {
		return nil, pass1, err
	}
	*det = *again
	return nil, passDropped, nil
}

// guessOf is the format and geometry the first partition file proves, or
// the user gave; ok is false when they are not enough to decode with.
func guessOf(first detect.FileResult, o Options) (guess, bool) {
	g := guess{format: first.Format, r: first.R}
	if first.Format == format.Sparse {
		g.m = first.M
	}
	if o.Format != "" {
		g.format = o.Format
	}
	if o.R > 0 {
		g.r = o.R
	}
	if o.M > 0 {
		g.m = o.M
	}
	if _, err := ps.Codec(g.format); err != nil {
		return guess{}, false
	}
	return g, g.r >= 2 && (g.format != format.Sparse || g.m >= 1)
}
