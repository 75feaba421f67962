package repair

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/walctl/walctl/internal/atomicfs"
	"github.com/walctl/walctl/logdir"
)

// JournalName is the file that marks an interrupted repair or in-place
// conversion inside the log directory. The library ignores it (not a number).
const JournalName = ".walctl-journal"

// Journal records an Apply in progress: the backup it rebuilds from and the
// options, so that running it again finishes the same work.
type Journal struct {
	Command string          `json:"command"` // "repair" or "convert"
	Backup  string          `json:"backup"`
	Started time.Time       `json:"started"`
	Repair  *Options        `json:"repair,omitempty"`
	Convert *ConvertOptions `json:"convert,omitempty"`
}

// Pending returns the journal of an interrupted run in dir, or nil.
func Pending(dir string) (*Journal, error) {
	b, err := os.ReadFile(filepath.Join(dir, JournalName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var j Journal
	if err := json.Unmarshal(b, &j); err != nil || j.Backup == "" {
		return nil, fmt.Errorf("%s: unreadable journal of an interrupted walctl run (%v): restore the directory from its backup", filepath.Join(dir, JournalName), err)
	}
	return &j, nil
}

func writeJournal(dir string, j *Journal) error {
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	return atomicfs.WriteBytes(filepath.Join(dir, JournalName), b, 0o644)
}

// Result is what Apply did.
type Result struct {
	Backup  string `json:"backup"`
	Steps   int    `json:"steps"`
	Resumed bool   `json:"resumed"`
	// Plan is the plan that was carried out (computed on the backup).
	Plan *Plan `json:"-"`
}

// Apply carries out plan on dir: it cleans temp files of earlier runs,
// copies dir to the backup, computes the plan again on the backup (it must
// be the same: the directory did not change in between), journals, and
// rebuilds every file of the plan from the backup with an atomic replacement.
// If dir holds the journal of an interrupted run, that run is finished
// instead (from its backup, with its options) and plan is not used.
func Apply(plan *Plan, dir string, o Options) (*Result, error) {
	if j, err := Pending(dir); err != nil || j != nil {
		if err != nil {
			return nil, err
		}
		return resume(dir, j, "repair")
	}
	if plan.Nothing() {
		return &Result{Plan: plan}, nil
	}
	if err := atomicfs.Cleanup(dir); err != nil {
		return nil, err
	}
	backup, err := takeBackup(dir, o.Backup)
	if err != nil {
		return nil, err
	}
	again, err := planOn(backup, o)
	if err != nil {
		return nil, err
	}
	if !sameSteps(plan, again) {
		return nil, fmt.Errorf("%s changed while walctl was planning (the plan computed on the backup %s differs): stop the node and run walctl repair again", dir, backup)
	}
	j := &Journal{Command: "repair", Backup: backup, Started: time.Now().UTC(), Repair: &o}
	if err := writeJournal(dir, j); err != nil {
		return nil, err
	}
	return finish(dir, backup, again, false)
}

// resume finishes an interrupted run from its journal.
func resume(dir string, j *Journal, want string) (*Result, error) {
	if j.Command != want {
		return nil, fmt.Errorf("%s: an interrupted walctl %s is pending (journal %s): run walctl %s again to finish it, or restore the directory from %s", dir, j.Command, JournalName, j.Command, j.Backup)
	}
	if info, err := os.Stat(j.Backup); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("%s: the backup %s of the interrupted walctl %s is gone: the directory is half rewritten; restore it from another copy", dir, j.Backup, j.Command)
	}
	if j.Command == "convert" {
		return resumeConvert(dir, j)
	}
	o := *j.Repair
	plan, err := planOn(j.Backup, o)
	if err != nil {
		return nil, err
	}
	return finish(dir, j.Backup, plan, true)
}

func planOn(dir string, o Options) (*Plan, error) {
	l, err := logdir.Open(dir, o.Log.Open())
	if err != nil {
		return nil, err
	}
	defer l.Close()
	return MakePlan(l, o)
}

// finish runs every step of plan (computed on backup) into dir, then removes
// the journal and the temp files.
func finish(dir, backup string, plan *Plan, resumed bool) (*Result, error) {
	if err := atomicfs.Cleanup(dir); err != nil {
		return nil, err
	}
	src := newPayloads(backup)
	defer src.close()
	for i := range plan.Steps {
		if err := runStep(dir, backup, &plan.Steps[i], plan.src, src); err != nil {
			return nil, fmt.Errorf("step %d (%s %s): %w", i+1, plan.Steps[i].Kind, plan.Steps[i].File, err)
		}
	}
	if err := atomicfs.Remove(filepath.Join(dir, JournalName)); err != nil {
		return nil, err
	}
	plan.Dir = dir // computed on the backup, carried out on dir
	return &Result{Backup: backup, Steps: len(plan.Steps), Resumed: resumed, Plan: plan}, nil
}

func runStep(dir, backup string, st *Step, s *source, src *payloads) error {
	path := filepath.Join(dir, st.File)
	switch st.Kind {
	case StepRemove:
		return atomicfs.Remove(path)
	case StepNodeState:
		return atomicfs.WriteBytes(path, st.state, modeOf(filepath.Join(backup, st.File), 0o644))
	case StepPatch:
		return stepPatch(dir, backup, st)
	}
	return writeRecipe(path, *st.recipe, s, src)
}

// writeRecipe builds the partition of r from the source and replaces path
// with it atomically.
func writeRecipe(path string, r recipe, s *source, src *payloads) error {
	spec, err := r.spec(s)
	if err != nil {
		return err
	}
	mode := r.Mode
	if mode == 0 {
		mode = 0o644
	}
	return atomicfs.WriteFile(path, mode, func(w io.Writer) error { return spec.write(w, src) })
}

func modeOf(path string, def os.FileMode) os.FileMode {
	if info, err := os.Stat(path); err == nil {
		return info.Mode().Perm()
	}
	return def
}

// sameSteps compares two plans' file operations.
func sameSteps(a, b *Plan) bool {
	if len(a.Steps) != len(b.Steps) {
		return false
	}
	for i := range a.Steps {
		x, y := a.Steps[i], b.Steps[i]
		if x.Kind != y.Kind || x.File != y.File || x.What != y.What {
			return false
		}
	}
	return true
}

// takeBackup copies dir to the backup folder: the one given (which must not
// exist or be empty) or a new sibling named after dir and the UTC time.
func takeBackup(dir, given string) (string, error) {
	target := given
	if target == "" {
		var err error
		if target, err = defaultBackup(dir); err != nil {
			return "", err
		}
	}
	abs, err := filepath.Abs(target)
	if err != nil {
		return "", err
	}
	if in, err := filepath.Abs(dir); err != nil {
		return "", err
	} else if abs == in || strings.HasPrefix(abs, in+string(filepath.Separator)) {
		return "", &FlagError{Msg: fmt.Sprintf("the backup %s is inside the log directory %s", abs, in), Hint: "give a --backup folder outside the log directory"}
	}
	if err := atomicfs.CopyTree(dir, abs); err != nil {
		return "", err
	}
	return abs, atomicfs.SyncDir(filepath.Dir(abs))
}

func defaultBackup(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	base := abs + ".walctl-backup-" + time.Now().UTC().Format("20060102T150405Z")
	for n := 1; ; n++ {
		name := base
		if n > 1 {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			return name, nil
		}
	}
}

// Resume finishes the interrupted run whose journal is in dir (see Pending),
// whatever command it was.
func Resume(dir string) (*Result, error) {
	j, err := Pending(dir)
	if err != nil {
		return nil, err
	}
	if j == nil {
		return nil, fmt.Errorf("%s: no interrupted walctl run to finish", dir)
	}
	return resume(dir, j, j.Command)
}
