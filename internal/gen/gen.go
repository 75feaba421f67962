// Package gen generates synthetic PersistentState logs (legacy, v2 Table or
// sparse partitions plus node.state) of any size, without the .NET
// library, for tests and benchmarks: Generate draws the entries of a Spec
// and writes them with the production log writer (format/ps.LogWriter). It
// is test and benchmark support, not a user command, and no production
// package imports it.
package gen

import "github.com/walctl/walctl/format/nodestate"

// DefaultR is the records per partition the generator uses unless told.
const DefaultR = 10000

// State is the node.state of a healthy node whose whole log is committed
// and applied: commit = applied = last, the given term, a vote for voter
// ("address:port", "" for none).
func State(last, term int64, voter string) (nodestate.State, error) {
	s := nodestate.State{CommitIndex: last, LastApplied: last, LastIndex: last, Term: term}
	if voter != "" {
		id, err := nodestate.IPMemberID(voter)
		if err != nil {
			return s, err
		}
		s.VoteFlag, s.Vote = 1, id
	}
	return s, nil
}
