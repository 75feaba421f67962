package gen_test

import (
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/ps"
	"testing"

	"github.com/walctl/walctl/cmd"
	"github.com/walctl/walctl/internal/gen"
	"github.com/walctl/walctl/logdir"
)

// TestVerifyCommandClean runs the verify command itself (cmd.Verify, which
// only an external test package may import) on a generated log of each
// format: verdict ok, no finding at all, every entry committed.
func TestVerifyCommandClean(t *testing.T) {
	for _, s := range []gen.Spec{
		{Config: ps.Config{Format: format.Legacy, R: 7}, Entries: 30, SizeMin: 0, SizeMax: 300, Seed: 11, TermEvery: 5},
		{Config: ps.Config{Format: format.V2, R: 7}, Entries: 27, SizeMin: 0, SizeMax: 300, Seed: 12, TermEvery: 5},
		{Config: ps.Config{Format: format.Sparse, R: 7, M: 512}, Entries: 30, SizeMin: 0, SizeMax: 300, Seed: 13, TermEvery: 5},
	} {
		t.Run(string(s.Format), func(t *testing.T) {
			dir := t.TempDir()
			res, err := gen.Generate(dir, s)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := cmd.Verify(dir, logdir.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if doc.Verdict != "ok" || len(doc.Findings) > 0 || doc.Format != s.Format {
				t.Fatalf("verify: %s %s, findings %+v", doc.Format, doc.Verdict, doc.Findings)
			}
			if sum := doc.Summary; sum.Entries != res.Entries || sum.Commit != res.Entries || sum.LastTerm != res.Term {
				t.Fatalf("summary %+v, generated %+v", sum, res)
			}
		})
	}
}
