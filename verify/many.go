package verify

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/format/wal"
	"github.com/walctl/walctl/internal/progress"
	"github.com/walctl/walctl/internal/termtext"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/txn"
)

// The verdicts of a log in a verification of several: OK and Damaged, or
// why it was not verified.
const (
	Unsure     = "unsure"     // detection needs a flag
	Unreadable = "unreadable" // any other error
)

// Rank orders the verdicts from best to worst; it is also their exit code
// (unreadable counts as unsure: 2).
var Rank = map[string]int{OK: 0, Damaged: 1, Unsure: 2, Unreadable: 3}

// ManyReport is the verification of several logs: one result per log, and
// the worst verdict.
type ManyReport struct {
	Roots   []string       `json:"roots,omitempty"`
	Verdict string         `json:"verdict"`
	Counts  map[string]int `json:"counts"`
	Logs    []LogResult    `json:"logs"`
}

// LogResult is one log's verification: the single-log report's fields, or
// the error that kept walctl from verifying it.
type LogResult struct {
	Dir      string           `json:"dir"`
	Format   format.Format    `json:"format"`
	Verdict  string           `json:"verdict"` // ok, damaged, unsure, unreadable
	Errors   int              `json:"errors"`
	Warnings int              `json:"warnings"`
	Findings raftlog.Findings `json:"findings,omitempty"`
	Summary  *raftlog.Summary `json:"summary,omitempty"`
	Error    string           `json:"error,omitempty"`
	Hint     string           `json:"hint,omitempty"`
}

// Many verifies every dir with the same settings; bar, when set, makes the
// progress bar of one log.
func Many(dirs []string, o logdir.Options, bar func(dir string, total int64) *progress.Bar) *ManyReport {
	rep := &ManyReport{Verdict: OK, Counts: map[string]int{}, Logs: []LogResult{}}
	for _, dir := range dirs {
		r := one(dir, o, bar)
		rep.Logs = append(rep.Logs, r)
		rep.Counts[r.Verdict]++
		if Rank[r.Verdict] > Rank[rep.Verdict] {
			rep.Verdict = r.Verdict
		}
	}
	return rep
}

func one(dir string, o logdir.Options, bar func(string, int64) *progress.Bar) LogResult {
	if err := txn.Check(dir); err != nil {
		// Another walctl writes it, or an interrupted write is pending: not
		// verified, and the note says what to do.
		return LogResult{Dir: dir, Format: format.Unknown, Verdict: Unreadable, Error: termtext.OneLine(err.Error())}
	}
	vo := Options{Options: o}
	if bar != nil {
		vo.Progress = func(total int64) *progress.Bar { return bar(dir, total) }
	}
	v, err := Dir(dir, vo)
	if err != nil {
		r := LogResult{Dir: dir, Format: format.Unknown, Verdict: Unreadable, Error: termtext.OneLine(err.Error())}
		var unsure *logdir.ErrUnsure
		if errors.As(err, &unsure) {
			r.Verdict = Unsure
			if unsure.Detection != nil && unsure.Detection.Format != "" {
				r.Format = unsure.Detection.Format
			}
			r.Hint = "add " + strings.Join(unsure.Flags(), " ")
		}
		return r
	}
	r := LogResult{Dir: dir, Format: v.Format, Verdict: v.Verdict, Findings: v.Findings, Summary: &v.Summary}
	r.Errors, r.Warnings = v.Findings.Counts()
	return r
}

// FindLogs walks root for log directories: a directory holding node.state,
// or a WriteAheadLog root. It does not descend into a log (a WAL's metadata/
// is no log), into walctl's own backups (DIR.walctl-backup-<time>) or into its
// temp and staging folders (.walctl*). Unreadable directories are returned
// too, so that the verification reports them.
func FindLogs(root string) ([]string, error) {
	if _, err := os.Stat(root); err != nil {
		return nil, err
	}
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() && p != root {
				dirs = append(dirs, p)
				return fs.SkipDir
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if p != root && (strings.HasPrefix(name, ".walctl") || strings.Contains(name, ".walctl-backup-")) {
			return fs.SkipDir
		}
		if isLogDir(p) {
			dirs = append(dirs, p)
			return fs.SkipDir
		}
		return nil
	})
	sort.Strings(dirs)
	return dirs, err
}

func isLogDir(dir string) bool {
	if fi, err := os.Stat(filepath.Join(dir, nodestate.FileName)); err == nil && !fi.IsDir() {
		return true
	}
	return wal.IsWAL(dir)
}
