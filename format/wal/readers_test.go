package wal

import (
	"strings"
	"testing"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/release"
)

// ReadBy against every WriteAheadLog read-back, the writer's own and the
// other releases': whether the release opened it, the commit index it
// computed, and — the gate's question — whether it read the committed
// entries, term and vote differently from the writer exactly when the
// read-backs differ.
func TestReadByMatchesEveryReadback(t *testing.T) {
	pairs := 0
	for _, f := range fixtures.All(t, "fixturegen-wal") {
		l := openT(t, f.WAL, Options{})
		writer := release.MustParse(strings.SplitN(f.Name, "/", 2)[0])
		w := l.ReadBy(writer)
		own := fixtures.CrossRead{Version: writer.String(), Readback: f.Manifest.Readback}
		for _, c := range append([]fixtures.CrossRead{own}, fixtures.CrossReads(t, f)...) {
			pairs++
			r := l.ReadBy(release.MustParse(c.Version))
			rb := c.Readback
			name := f.Name + " by " + c.Version
			if rb.Opened() != (r.OpenError == "") {
				t.Errorf("%s: opened %v, the model says %q", name, rb.Opened(), r.OpenError)
				continue
			}
			if !rb.Opened() {
				continue
			}
			if got := rb.State.LastCommittedEntryIdx; got != r.Commit {
				t.Errorf("%s: commit index %d, the model %d (%s)", name, got, r.Commit, r.Checkpoint)
			}
			if r.InitError != "" && rb.Initialized() {
				t.Errorf("%s: the model fails InitializeAsync (%s), the library did not", name, r.InitError)
			}
			truth := fixtures.ReadsDiffer(f.Manifest.Readback, rb)
			if got := w.Differs(r); (got != "") != (len(truth) > 0) {
				t.Errorf("%s: the model says %q, the read-backs differ by %v", name, got, truth)
			}
		}
		l.Close()
	}
	if pairs < 100 {
		t.Fatalf("only %d read-backs", pairs)
	}
}

// Rules no fixture shows: no WriteAheadLog before 5.22.0; metadata pages
// larger than 4096 bytes open only in 6.6.5–6.8.0.
func TestReadByRules(t *testing.T) {
	f := fixtures.Load(t, fixtures.Root()+"/6.4.0/wal-basic")
	l := openT(t, f.WAL, Options{})
	defer l.Close()
	if r := l.ReadBy(release.MustParse("5.21.0")); !strings.Contains(r.OpenError, "no WriteAheadLog") {
		t.Errorf("5.21.0: %+v", r)
	}
	if r := l.ReadBy(release.MustParse("6.7.0")); r.OpenError != "" || r.Host == "" {
		t.Errorf("6.7.0 maps the OS page size: %+v", r)
	}
	l.Params.PageSize = 16384
	if r := l.ReadBy(release.MustParse("6.12.0")); !strings.Contains(r.OpenError, "capacity") {
		t.Errorf("16 KiB pages under 6.12.0: %+v", r)
	}
	if r := l.ReadBy(release.MustParse("6.8.0")); r.OpenError != "" || !strings.Contains(r.Host, "16384") {
		t.Errorf("16 KiB pages under 6.8.0: %+v", r)
	}
}
