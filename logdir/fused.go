package logdir

import (
	"reflect"

	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/raftlog"
)

// OpenChecked is Open followed by Check (each, when not nil, is told of
// every entry as it passes: a progress bar), reading every partition once: a PersistentState
// log's replay runs in the walk that builds the partition table and the
// codecs' findings, on the same decodes, instead of decoding every
// partition again after it. The replay's bounds come from node.state
// before the walk; where the walk changes them (node.state's damage judged
// against the entries on disk) the fused replay is dropped and Check walks
// again, so the answer is always Check's.
//
// begin, when not nil, is told the range of the entries before the first of
// them (a progress bar's total). When the open drops a walk whose format
// guess detection did not confirm (see onePass), begin is told again and
// each then sees the entries from the first.
func OpenChecked(dir string, o Options, begin func(first, last int64), each func(raftlog.Entry)) (*Log,
	raftlog.Summary, raftlog.Findings, error) {
	fr := &fusedReplay{each: each, begin: begin}
	l, err := open(dir, o, fr)
	if err != nil {
		return nil, raftlog.Summary{}, nil, err
	}
	if !fr.ok {
		if !fr.started && begin != nil {
			begin(l.First, l.Last)
		}
		// each has seen the dropped replay's entries already: it sees the
		// rest of the second walk's, so that a bar counts every entry once.
		seen := fr.seen
		sum, fs, err := l.Check(func(e raftlog.Entry) {
			if seen > 0 {
				seen--
			} else if each != nil {
				each(e)
			}
		})
		if err != nil {
			l.Close()
			return nil, raftlog.Summary{}, nil, err
		}
		return l, sum, fs, nil
	}
	sum, rf := fr.rp.Finish()
	fs := append(append(raftlog.Findings{}, l.Findings...), rf...)
	l.adviseCommitBeyond(fs)
	return l, sum, fs, nil
}

// fusedReplay is Check's replay run during the scan of openPS.
type fusedReplay struct {
	each        func(raftlog.Entry)
	begin       func(first, last int64)
	rp          *raftlog.Replay
	bounds      raftlog.Bounds
	hint        int64 // the LastIndex hint the scan decodes with
	first, last int64 // the entries Check replays
	lo          int64 // the first partition entry replayed (after the snapshot)
	started, ok bool
	seen        int64 // entries replayed
}

// restart forgets a replay whose scan was dropped (a one-pass guess that
// detection did not confirm): the next scan starts it again, telling begin
// again, and each sees its entries from the first.
func (fr *fusedReplay) restart() {
	if fr != nil {
		*fr = fusedReplay{each: fr.each, begin: fr.begin}
	}
}

func (fr *fusedReplay) add(e *raftlog.Entry) {
	fr.seen++
	fr.rp.Add(*e)
	if fr.each != nil {
		fr.each(*e)
	}
}

// startFused sets up the replay before the scan when node.state gives its
// bounds, and replays the snapshot entry, which Entries yields first.
func (ps *psLog) startFused(fr *fusedReplay) {
	if fr == nil || ps.State == nil {
		return
	}
	l := ps.Log
	l.stateLost, l.termLost = ps.stateLost, ps.termLost
	l.gaps = ps.predictGaps()
	ps.bounds(-1) // with node.state, Last is its LastIndex
	fr.bounds, fr.hint, fr.first, fr.last = l.Bounds(), ps.lastHint, l.First, l.Last
	l.gaps = nil
	fr.rp, fr.started = raftlog.NewReplay(fr.bounds), true
	if fr.begin != nil {
		fr.begin(fr.first, fr.last)
	}
	fr.lo = fr.first
	if s := ps.Snapshot; s != nil {
		if fr.first <= s.Index && s.Index <= fr.last {
			e := ps.snapshotEntry()
			fr.add(&e)
		}
		fr.lo = max(fr.lo, s.Index+1)
	}
	ps.fused = fr
}

// predictGaps is the gaps checkMissing will find (it needs node.state and
// the file names only), without its findings.
func (ps *psLog) predictGaps() []raftlog.Range {
	n, live := len(ps.Findings), ps.notRegularLive
	ps.checkMissing()
	gaps := ps.gaps
	ps.Findings, ps.notRegularLive, ps.gaps = ps.Findings[:n], live, nil
	return gaps
}

// prepareFused is the scan's prepare (see decodeInOrder): the entries of
// each partition that the fused replay takes, nil without a fused replay.
func (ps *psLog) prepareFused() func(int, partition.Decoded, []raftlog.Entry) []raftlog.Entry {
	fr := ps.fused
	if fr == nil || fr.lo > fr.last {
		return nil
	}
	return func(i int, d partition.Decoded, es []raftlog.Entry) []raftlog.Entry {
		return ps.slotEntries(i, d, fr.lo, fr.last, es)
	}
}

// fusedPartition replays the entries of one partition, as Entries yields
// them (made by prepareFused on the decoding goroutine).
func (ps *psLog) fusedPartition(es []raftlog.Entry) {
	if fr := ps.fused; fr != nil {
		for i := range es {
			fr.add(&es[i])
		}
	}
}

// finishFused keeps the fused replay only when the scan left everything
// it depends on as predicted: the decode hint, the entries' range and the
// replay's bounds.
func (ps *psLog) finishFused() {
	fr := ps.fused
	if fr == nil {
		return
	}
	ps.fused = nil
	l := ps.Log
	fr.ok = fr.started && ps.lastHint == fr.hint && l.First == fr.first && l.Last == fr.last &&
		reflect.DeepEqual(l.Bounds(), fr.bounds)
}
