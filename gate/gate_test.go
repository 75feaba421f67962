package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/release"
)

func fixtureDir(parts ...string) string {
	return filepath.Join(append([]string{fixtures.Root()}, parts...)...)
}

func judge(t *testing.T, dir string, o logdir.Options, to, from string) *Report {
	t.Helper()
	l, err := logdir.Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var fv release.Version
	if from != "" {
		fv = release.MustParse(from)
	}
	r, err := Gate(l, release.MustParse(to), fv)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func codes(r *Report, sev raftlog.Severity) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Severity == sev {
			out = append(out, string(f.Code))
		}
	}
	return out
}

// The 5.4.0–5.6.x unseal: a warning for those releases only, with what the
// next open loses; the log is read right the first time, so no error.
func TestUnsealWarning(t *testing.T) {
	dir := fixtureDir("5.26.2", "table-snapshot", "wal")
	for _, v := range []string{"5.4.0", "5.6.9"} {
		r := judge(t, dir, logdir.Options{}, v, "")
		w := codes(r, raftlog.Warning)
		if !r.Intact || len(w) != 1 || w[0] != string(finding.TargetUnsealsPartition) {
			t.Fatalf("%s: intact %v, warnings %v", v, r.Intact, w)
		}
		if msg := r.Findings[0].Message; !strings.Contains(msg, "12–13") || !strings.Contains(msg, "partition 3") {
			t.Errorf("%s: %s", v, msg)
		}
	}
	if r := judge(t, dir, logdir.Options{}, "5.7.0", ""); len(r.Findings) != 0 {
		t.Errorf("5.7.0: %+v", r.Findings)
	}
}

// --from-version names the writer: 5.26.2/table-cached-tail read by
// 5.26.2 is its writer's own read (4–5 empty), but a node that ran 5.4.0
// read 4–5, so moving it to 5.26.2 loses them. Without the flag the files
// allow 5.4.0–5.x, which read it differently: a warning says so.
func TestFromVersion(t *testing.T) {
	dir := fixtureDir("5.26.2", "table-cached-tail", "wal")
	r := judge(t, dir, logdir.Options{}, "5.26.2", "")
	if !r.Intact || len(codes(r, raftlog.Warning)) != 1 ||
		codes(r, raftlog.Warning)[0] != string(finding.TargetWriterUnsure) {
		t.Errorf("from the files: intact %v, %+v", r.Intact, r.Findings)
	}
	r = judge(t, dir, logdir.Options{}, "5.26.2", "5.4.0")
	if r.Intact || len(r.Lost) != 1 || r.Lost[0] != (raftlog.Range{From: 4,
		To: 5}) || r.WriterFrom != "--from-version" {
		t.Errorf("from 5.4.0: %+v", r)
	}
}

// A 4.2.0 node that crashed leaves a partition shorter than its prologue
// (what 4.15.3 and 5.3.0 logs show, here made from 4.2.0/legacy-basic):
// the files allow 4.2.0–4.7.x, and the gate compares with 4.2.x, the only
// ones among them that open it (they zero-fill the partition). So 4.2.0
// reads it as its writer; 4.15.3 cannot open it.
func TestWriterThatOpensTheLog(t *testing.T) {
	dir := fixtures.Copy(t, fixtureDir("4.2.0", "legacy-basic", "wal"))
	if err := os.Truncate(filepath.Join(dir, "2"), 0); err != nil {
		t.Fatal(err)
	}
	lo := logdir.Options{Format: "legacy", R: 4}
	r := judge(t, dir, lo, "4.2.0", "")
	if !r.Intact || r.JudgedAs != "4.2.0–4.2.x" || !r.Opens {
		t.Errorf("4.2.0: judged as %q, intact %v, %+v", r.JudgedAs, r.Intact, r.Findings)
	}
	r = judge(t, dir, lo, "4.15.3", "")
	if r.Opens || !strings.Contains(strings.Join(codes(r, raftlog.Error), " "), string(finding.TargetCannotOpen)) {
		t.Errorf("4.15.3: %+v", r)
	}
}

// Releases outside what walctl models are refused.
func TestGateLimits(t *testing.T) {
	l, err := logdir.Open(fixtureDir("5.26.2", "table-basic", "wal"), logdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := Gate(l, release.V(7, 0, 0), release.Version{}); err == nil || !strings.Contains(err.Error(),
		"4.0.0–6.12.x") {
		t.Errorf("7.0.0: %v", err)
	}
	if _, err := Gate(l, release.V(5, 26, 2), release.V(6, 4, 0)); err == nil || !strings.Contains(err.Error(),
		"no PersistentState") {
		t.Errorf("--from-version 6.4.0 of a PersistentState log: %v", err)
	}
}

// The WriteAheadLog step verify's fix names and the upgrade plan carries
// out, for each reason release V reads the log otherwise than its writer.
func TestWALStepFor(t *testing.T) {
	params := func(layout string, hash wal.HashAlg, page int64) *wal.Log {
		return &wal.Log{Params: wal.Params{Layout: layout, Hash: hash, PageSize: page}}
	}
	plain6, plain5 := params(wal.Layout6, wal.HashNone, 4096), params(wal.Layout5, wal.HashNone, 4096)
	cases := []struct {
		v    string
		vr   wal.ReleaseRead
		w    *wal.Log
		want WALStep
	}{
		{"5.21.0", wal.ReleaseRead{}, plain6, WALToPS},
		{"6.0.0", wal.ReleaseRead{Misread: "40-byte records read as 32"}, plain5, WALRewrite6x},
		{"5.26.0", wal.ReleaseRead{Misread: "32-byte records read as 40"}, plain6, WALRewrite},
		{"6.8.0", wal.ReleaseRead{OpenError: "page size"}, params(wal.Layout6, wal.HashNone, 16384), WALRewrite},
		{"6.4.0", wal.ReleaseRead{OpenError: "checkpoint version"}, plain6, WALCheckpoint},
		{"5.26.0", wal.ReleaseRead{}, plain6, WALRewrite5x},
		{"5.26.0", wal.ReleaseRead{}, params(wal.Layout5, wal.HashCrc32, 4096), WALRewrite5x},
		{"5.26.0", wal.ReleaseRead{}, plain5, WALCheckpoint},
		{"6.12.0", wal.ReleaseRead{}, plain6, WALCheckpoint},
	}
	for _, c := range cases {
		if got := WALStepFor(release.MustParse(c.v), c.vr, c.w); got != c.want {
			t.Errorf("%s %+v %+v: step %d, want %d", c.v, c.vr, c.w.Params, got, c.want)
		}
	}
}
