package convert

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"

	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
)

// Comparison is the entry-by-entry comparison of two logs.
type Comparison struct {
	Entries    int64    `json:"entries"`
	Mismatches []string `json:"mismatches,omitempty"` // the first few, in words
	Count      int64    `json:"mismatchCount"`
	// NodeState says how the output's node state compares with the
	// input's when it is equal: "identical", or what differs on purpose
	// (the vote stored in another layout, the same member).
	NodeState string `json:"nodeState,omitempty"`

	progress func(int64)
}

// OK reports whether the logs hold the same entries.
func (c *Comparison) OK() bool { return c.Count == 0 }

const maxMismatches = 20

func (c *Comparison) add(format string, args ...any) {
	c.Count++
	if len(c.Mismatches) < maxMismatches {
		c.Mismatches = append(c.Mismatches, fmt.Sprintf(format, args...))
	}
}

// CompareLogs streams both logs in index order and compares every entry —
// the snapshot included — by index, term, timestamp, command id, flags,
// length and payload bytes, plus the snapshot file byte for byte and
// node.state byte for byte but for a vote stored in another layout, which
// must name the same member (compareNodeState). Memory stays bounded: one
// entry of each log at a time.
func CompareLogs(a, b string, ao, bo logdir.Options) (*Comparison, error) {
	return CompareLogsWith(a, b, ao, bo, nil)
}

// CompareLogsWith is CompareLogs telling progress (when not nil) of every
// entry of a compared, for a progress bar.
func CompareLogsWith(a, b string, ao, bo logdir.Options, progress func(entries int64)) (*Comparison, error) {
	la, lb, err := openBoth(a, b, ao, bo)
	if err != nil {
		return nil, err
	}
	defer la.Close()
	defer lb.Close()
	c := &Comparison{progress: progress}
	if la.First != lb.First || la.Last != lb.Last {
		c.add("index range %d–%d differs from %d–%d", la.First, la.Last, lb.First, lb.Last)
	}
	if err := c.entries(la, lb, max(la.Last, lb.Last)); err != nil {
		return nil, err
	}
	if err := c.files(a, b); err != nil {
		return nil, err
	}
	return c, nil
}

// files compares node.state and the snapshot file of the logs in a and b.
func (c *Comparison) files(a, b string) error {
	if err := c.compareNodeState(filepath.Join(a, nodestate.FileName), filepath.Join(b, nodestate.FileName)); err != nil {
		return err
	}
	if same, err := sameFile(filepath.Join(a, "snapshot"), filepath.Join(b, "snapshot")); err != nil {
		return err
	} else if !same {
		c.add("snapshot differs")
	}
	return nil
}

// sharedCompare is CompareLogs made in the walk of the write's audit
// (audit.Expect.Observe), which reads the same two logs entry by entry
// anyway: the entries before the audit's first index (the snapshot) are
// compared here in lockstep as CompareLogs does, every later one as the
// audit hands it over, and a payload the audit already compared equal
// byte for byte is not read a third time. It declines unless the audit
// reads the input with the geometry the comparison would (la), so that
// both see the same entries. done receives the finished comparison.
func sharedCompare(ao logdir.Options, progress func(int64), done func(*Comparison)) func(la, lb *logdir.Log,
	from int64) (func(ea raftlog.Entry, eb *raftlog.Entry, sameBytes bool) error, func() error) {
	return func(la, lb *logdir.Log, from int64) (func(raftlog.Entry, *raftlog.Entry, bool) error, func() error) {
		if la.Format != ao.Format || la.R != ao.R || la.M != ao.M {
			return nil, nil
		}
		c := &Comparison{progress: progress}
		if la.First != lb.First || la.Last != lb.Last {
			c.add("index range %d–%d differs from %d–%d", la.First, la.Last, lb.First, lb.Last)
		}
		head := false // the entries before from are compared on the first call, once
		extra := false
		each := func(ea raftlog.Entry, eb *raftlog.Entry, sameBytes bool) error {
			if !head {
				head = true
				if err := c.entries(la, lb, from-1); err != nil {
					return err
				}
			}
			switch {
			case ea.Index < la.First:
				return nil
			case ea.Index > la.Last: // a record on disk past the input's last index
				if eb != nil && !extra {
					extra = true
					c.add("the output has an extra entry %d", eb.Index)
				}
				return nil
			case eb == nil:
				c.add("entry %d is missing from the output", ea.Index)
				return nil
			}
			c.Entries++
			if c.progress != nil {
				c.progress(1)
			}
			if sameBytes {
				c.fields(ea, *eb)
				return nil
			}
			return c.entry(la, lb, ea, *eb)
		}
		finish := func() error {
			if !head {
				if err := c.entries(la, lb, from-1); err != nil {
					return err
				}
			}
			if err := c.files(la.Dir, lb.Dir); err != nil {
				return err
			}
			done(c)
			return nil
		}
		return each, finish
	}
}

// openBoth opens the two logs a comparison reads.
func openBoth(a, b string, ao, bo logdir.Options) (*logdir.Log, *logdir.Log, error) {
	la, err := logdir.Open(a, ao)
	if err != nil {
		return nil, nil, err
	}
	lb, err := logdir.Open(b, bo)
	if err != nil {
		la.Close()
		return nil, nil, err
	}
	return la, lb, nil
}

// entries compares the entries of la and lb up to index to in lockstep
// (to ≥ both Last: all of them, an extra one of lb included).
func (c *Comparison) entries(la, lb *logdir.Log, to int64) error {
	if to < la.First && to < lb.First {
		return nil
	}
	next, stop := iter.Pull2(lb.Seq(lb.First, min(lb.Last, to), false))
	defer stop()
	for ea, err := range la.Seq(la.First, min(la.Last, to), false) {
		if err != nil {
			return err
		}
		eb, errB, ok := next()
		if errB != nil {
			return errB
		}
		if !ok {
			c.add("entry %d is missing from the output", ea.Index)
			continue
		}
		c.Entries++
		if c.progress != nil {
			c.progress(1)
		}
		if err := c.entry(la, lb, ea, eb); err != nil {
			return err
		}
	}
	if eb, _, ok := next(); ok {
		c.add("the output has an extra entry %d", eb.Index)
	}
	return nil
}

func (c *Comparison) entry(la, lb *logdir.Log, ea, eb raftlog.Entry) error {
	if !c.fields(ea, eb) {
		return nil
	}
	return c.payload(la, ea, lb, eb)
}

// fields compares everything of ea and eb but the payload bytes; false
// when they differ (recorded).
func (c *Comparison) fields(ea, eb raftlog.Entry) bool {
	if ea.Index != eb.Index || ea.IsSnapshot != eb.IsSnapshot {
		c.add("entry %d faces entry %d", ea.Index, eb.Index)
		return false
	}
	if eb.State != raftlog.EntryOK {
		c.add("entry %d is %s in the output: %s", eb.Index, eb.State, eb.Reason)
		return false
	}
	if ea.Term != eb.Term || ea.Ticks != eb.Ticks || !raftlog.SameCommand(ea.CommandID, eb.CommandID) ||
		ea.Flags != eb.Flags ||
		ea.Length != eb.Length {
		c.add(
			"entry %d: term %d/%d, ticks %d/%d, command id %s/%s, flags %d/%d, length %d/%d",
			ea.Index,
			ea.Term,
			eb.Term,
			ea.Ticks,
			eb.Ticks,
			raftlog.CommandText(ea.CommandID),
			raftlog.CommandText(eb.CommandID),
			ea.Flags,
			eb.Flags,
			ea.Length,
			eb.Length,
		)
		return false
	}
	return true
}

// payload records a mismatch when the payloads of ea and eb differ.
func (c *Comparison) payload(la *logdir.Log, ea raftlog.Entry, lb *logdir.Log, eb raftlog.Entry) error {
	at, err := logdir.PayloadDiff(la, ea, lb, eb)
	if err != nil {
		return err
	}
	if at >= 0 {
		c.add("entry %d: payload bytes differ from byte %d on", ea.Index, at)
	}
	return nil
}

// sameFile compares two files by content; two absent files are the same.
func sameFile(a, b string) (bool, error) {
	ha, errA := fileHash(a)
	hb, errB := fileHash(b)
	switch {
	case os.IsNotExist(errA) && os.IsNotExist(errB):
		return true, nil
	case os.IsNotExist(errA) || os.IsNotExist(errB):
		return false, nil
	case errA != nil:
		return false, errA
	case errB != nil:
		return false, errB
	}
	return bytes.Equal(ha, hb), nil
}

func fileHash(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
