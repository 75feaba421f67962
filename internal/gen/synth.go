package gen

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/ps"
)

// Defaults of a synthetic log.
const (
	// BaseTicks is 2025-01-01T00:00:00Z in .NET ticks; entry i is stamped
	// BaseTicks + i ms.
	BaseTicks = 638712864000000000
	tickStep  = 10_000 // 1 ms
	// DefaultTermEvery is the mean number of entries per term.
	DefaultTermEvery = 5000
	// Voter is the member the generated node.state voted for.
	Voter = "127.0.0.1:3262"
	// MaxEntrySize bounds SizeMax: nothing needs bigger synthetic payloads,
	// and a sparse stride or a legacy offset must stay far from overflow.
	MaxEntrySize = 1 << 30
)

// Spec describes a synthetic log: Entries entries, or as many as make the
// partition files reach TargetBytes (whichever comes first when both are
// set), with payload sizes uniform in [SizeMin, SizeMax]. The same Spec
// always produces the same bytes.
type Spec struct {
	ps.Config
	Entries          int64
	TargetBytes      int64
	SizeMin, SizeMax int64
	Seed             uint64
	// TermEvery is the mean number of entries per term (DefaultTermEvery if 0).
	TermEvery int64
}

// Result tells what Generate wrote.
type Result struct {
	Entries      int64 // = LastIndex: entries are 1..LastIndex
	Term         int64 // term of the last entry = node.state's term
	PayloadBytes int64
	FileBytes    int64 // partition files only
}

func (s Spec) check() error {
	switch {
	case s.Entries < 0 || s.TargetBytes < 0:
		return errors.New("gen: negative entry count or size")
	case s.Entries == 0 && s.TargetBytes == 0:
		return errors.New("gen: give a number of entries or a size")
	case s.SizeMin < 0 || s.SizeMax < s.SizeMin || s.SizeMax > MaxEntrySize:
		return fmt.Errorf(
			"gen: payload sizes [%d, %d] are not 0 ≤ min ≤ max ≤ %d",
			s.SizeMin,
			s.SizeMax,
			int64(MaxEntrySize),
		)
	case s.Format == format.Sparse && s.SizeMax > s.M:
		return fmt.Errorf("gen: sparse entries up to %d bytes need M ≥ %d (M is %d)", s.SizeMax, s.SizeMax, s.M)
	case s.TermEvery < 0:
		return errors.New("gen: negative TermEvery")
	}
	return nil // the format and geometry are ps.Create's to check
}

// synth draws the entries of a Spec: metadata from one stream, payload
// bytes from another, so each is the same whatever the other consumes.
type synth struct {
	spec  Spec
	meta  *rand.Rand
	bytes *rand.ChaCha8
	term  int64
}

func newSynth(s Spec) *synth {
	var seed [32]byte
	for i := range 8 {
		seed[i] = byte(s.Seed >> (8 * i))
	}
	payloadSeed := seed
	payloadSeed[31] = 1
	if s.TermEvery == 0 {
		s.TermEvery = DefaultTermEvery
	}
	return &synth{spec: s, meta: rand.New(rand.NewChaCha8(seed)), bytes: rand.NewChaCha8(payloadSeed), term: 1}
}

// entry draws entry i: now and then a new term, a command id on about one
// entry in four, a size in [SizeMin, SizeMax].
func (g *synth) entry(i int64) ps.Entry {
	if i > 1 && g.meta.Int64N(g.spec.TermEvery) == 0 {
		g.term++
	}
	e := ps.Entry{Index: i, Term: g.term, Ticks: BaseTicks + i*tickStep,
		Length: g.spec.SizeMin + g.meta.Int64N(g.spec.SizeMax-g.spec.SizeMin+1)}
	if g.meta.IntN(4) == 0 {
		id := g.meta.Int32N(16)
		e.CommandID = &id
	}
	return e
}

// payload is a reader of n pseudo-random bytes; it holds no buffer.
type payload struct {
	src  *rand.ChaCha8
	left int64
}

func (p *payload) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n, _ := p.src.Read(b) // ChaCha8.Read never fails
	p.left -= int64(n)
	return n, nil
}

func (g *synth) done(r Result, w *ps.LogWriter) bool {
	s := g.spec
	return (s.Entries > 0 && r.Entries >= s.Entries) || (s.TargetBytes > 0 && w.Bytes() >= s.TargetBytes)
}

// Generate writes the log of s into dir (which must not exist or be empty)
// and a node.state of a healthy node: commit = applied = last index, the
// last entry's term, a vote for Voter, checksum on.
func Generate(dir string, s Spec) (Result, error) {
	var r Result
	if err := s.check(); err != nil {
		return r, err
	}
	w, err := ps.Create(dir, s.Config)
	if err != nil {
		return r, err
	}
	g := newSynth(s)
	for !g.done(r, w) {
		e := g.entry(r.Entries + 1)
		if err := w.Append(e, &payload{src: g.bytes, left: e.Length}); err != nil {
			return r, err
		}
		r.Entries++
		r.PayloadBytes += e.Length
		r.Term = e.Term
	}
	state, err := State(r.Entries, r.Term, Voter)
	if err != nil {
		return r, err
	}
	if err := w.Close(state); err != nil {
		return r, err
	}
	r.FileBytes = w.Bytes()
	return r, nil
}
