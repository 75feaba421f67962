package convert

import "github.com/walctl/walctl/raftlog"

// InputScan is Plan's scan of the input — every live index holds an intact
// record; the longest payload; the number of entries — gathered from the
// entries the open of the input replays anyway (logdir.OpenChecked's each,
// during the walk that decodes every partition), so that Plan need not
// decode every input partition once more. Plan takes it only when it saw
// exactly the live indexes, in order, each intact; anything else (a gap, a
// damaged or empty slot, another range) leaves Plan to scan the input on
// its own, which words what is wrong.
type InputScan struct {
	first, next   int64 // the first index seen (-1: none yet), the one expected next
	broken        bool  // not one run of intact entries
	maxLen, count int64
}

// NewInputScan returns an empty scan, for logdir.OpenChecked's each.
func NewInputScan() *InputScan { return &InputScan{first: -1} }

// Begin starts the scan again: logdir.OpenChecked tells begin before the
// first entry of its walk, and again when it drops a walk and starts over.
func (s *InputScan) Begin(_, _ int64) { *s = InputScan{first: -1} }

// Each takes the next entry the open replays (the snapshot is skipped).
func (s *InputScan) Each(e raftlog.Entry) {
	if s.broken || e.IsSnapshot {
		return
	}
	if (s.first >= 0 && e.Index != s.next) || e.State != raftlog.EntryOK {
		s.broken = true
		return
	}
	if s.first < 0 {
		s.first = e.Index
	}
	s.next = e.Index + 1
	s.maxLen = max(s.maxLen, e.Length)
	s.count++
}

// covers reports whether s saw every index of [from, to], and no other,
// each intact.
func (s *InputScan) covers(from, to int64) bool {
	switch {
	case s == nil || s.broken:
		return false
	case to < from:
		return s.first < 0
	}
	return s.first == from && s.next == to+1 && s.count == to-from+1
}
