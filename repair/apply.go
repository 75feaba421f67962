package repair

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/txn"
)

// JournalOptions are the settings an in-place write keeps in its journal
// (txn.Journal.Options): one of the three, to plan again on the backup.
type JournalOptions struct {
	Repair  *Options          `json:"repair,omitempty"`
	WAL     *WALRepairOptions `json:"walRepair,omitempty"`
	Convert *ConvertOptions   `json:"convert,omitempty"`
}

// OptionsOf reads the settings of the write journaled in j.
func OptionsOf(j *txn.Journal) (*JournalOptions, error) {
	var o JournalOptions
	if err := json.Unmarshal(j.Options, &o); err != nil || (o.Repair == nil && o.WAL == nil && o.Convert == nil) {
		return nil, fmt.Errorf("%s: the journal does not say how the interrupted walctl %s was set up", j.Dir, j.Op)
	}
	return &o, nil
}

// Result is what Apply did.
type Result struct {
	Backup  string `json:"backup"`
	Steps   int    `json:"steps"`
	Resumed bool   `json:"resumed"`
	// Plan is the plan that was carried out (computed on the backup).
	Plan *Plan `json:"-"`
}

// errChanged: the directory changed between the plan and the backup.
func errChanged(dir, backup, cmd string) error {
	return fmt.Errorf("%s changed while walctl was planning (the plan computed on the backup %s differs): "+
		"stop the node and run walctl %s again", dir, backup, cmd)
}

// Apply carries out plan on dir through one transaction (package txn): dir
// is copied to the backup, the plan is computed again on the backup (it
// must be the same: nothing changed in between), every file of the plan is
// rebuilt from the backup into the stage, the stage is audited by w.Auditor
// and only then published into dir. w carries the command line, the
// auditor, the lock and the file system; Apply sets the rest.
func Apply(plan *Plan, dir string, o Options, w txn.Config) (*Result, error) {
	if plan.Nothing() {
		return &Result{Plan: plan}, nil
	}
	w.Op, w.Options, w.Backup = "repair", JournalOptions{Repair: &o}, o.Backup
	w.Need = txn.Allocated(dir, stepFiles(plan)...)
	tx, err := txn.Begin(dir, w)
	if err != nil {
		return nil, err
	}
	defer tx.Close()
	again, err := planOn(tx.Backup(), o)
	if err != nil {
		return nil, err
	}
	defer again.Close()
	if !sameSteps(plan, again) {
		return nil, errChanged(dir, tx.Backup(), "repair")
	}
	src := newPayloads(tx.Backup())
	defer src.close()
	for i := range again.Steps {
		if err := stageStep(tx, &again.Steps[i], again.src, src); err != nil {
			return nil, fmt.Errorf("step %d (%s %s): %w", i+1, again.Steps[i].Kind, again.Steps[i].File, err)
		}
	}
	res, err := tx.Commit()
	if err != nil {
		return nil, err
	}
	again.Dir = dir // computed on the backup, carried out on dir
	return &Result{Backup: res.Backup, Steps: len(again.Steps), Plan: again}, nil
}

// stepFiles names the files a plan writes.
func stepFiles(p *Plan) []string {
	var names []string
	for _, st := range p.Steps {
		if st.Kind != StepRemove {
			names = append(names, st.File)
		}
	}
	return names
}

func planOn(dir string, o Options) (*Plan, error) {
	l, err := logdir.Open(dir, o.Log.Open())
	if err != nil {
		return nil, err
	}
	defer l.Close()
	return MakePlan(l, o)
}

// stageStep writes one step of a plan (computed on the backup) into the
// transaction.
func stageStep(tx *txn.Tx, st *Step, s *source, src *payloads) error {
	switch st.Kind {
	case StepRemove:
		return tx.Remove(st.File)
	case StepNodeState, StepCheckpoint, StepState:
		return tx.WriteBytes(st.File, st.state)
	case StepPatch:
		return stagePatch(tx, st)
	case StepMetadataPage:
		b, err := patchedPage(tx.Backup(), *st)
		if err != nil {
			return err
		}
		return tx.WriteBytes(st.File, b)
	}
	return stageRecipe(tx, st.File, *st.recipe, s, src)
}

// stageRecipe builds the partition of r from the source into the stage.
func stageRecipe(tx *txn.Tx, name string, r recipe, s *source, src *payloads) error {
	spec, err := r.spec(s)
	if err != nil {
		return err
	}
	return tx.WriteFile(name, func(w io.Writer) error { return spec.write(w, src) })
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

// Replan computes again, on the backup of the finished write j, the plan of
// a repair or the conversion it carried out, for its report. It returns
// one of the two; the error when the backup cannot be read.
func Replan(j *txn.Journal) (*Plan, *Conversion, error) {
	o, err := OptionsOf(j)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case o.Repair != nil:
		p, err := planOn(j.Backup, *o.Repair)
		if p != nil {
			p.Dir = j.Dir
			p.Close() // for the report only: no step runs
		}
		return p, nil, err
	case o.WAL != nil:
		p, err := walPlanOn(j.Backup, *o.WAL)
		if p != nil {
			p.Dir = j.Dir
		}
		return p, nil, err
	}
	c, err := convertPlanOn(j.Backup, *o.Convert)
	if c != nil {
		c.Dir = j.Dir
	}
	return nil, c, err
}
