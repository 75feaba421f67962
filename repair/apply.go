package repair

import (
	"encoding/json"
	"fmt"

	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/txn"
)

// journalOptions are the settings an in-place repair keeps in its journal
// (txn.Journal.Options): one of the two, to plan again on the backup (a
// conversion keeps its own, under "convert").
type journalOptions struct {
	Repair *Options          `json:"repair,omitempty"`
	WAL    *WALRepairOptions `json:"walRepair,omitempty"`
}

// optionsOf reads the settings of the repair journaled in j.
func optionsOf(j *txn.Journal) (*journalOptions, error) {
	var o journalOptions
	if err := json.Unmarshal(j.Options, &o); err != nil || (o.Repair == nil && o.WAL == nil) {
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
	return applyPlan(plan, dir, w, journalOptions{Repair: &o}, o.Backup,
		func(backup string) (*Plan, error) { return planOn(backup, o) })
}

// applyPlan is Apply and ApplyWAL: replan makes the plan again on the
// backup.
func applyPlan(plan *Plan, dir string, w txn.Config, jo journalOptions, backup string,
	replan func(string) (*Plan, error)) (*Result, error) {
	if plan.Nothing() {
		return &Result{Plan: plan}, nil
	}
	w.Op, w.Options, w.Backup = "repair", jo, backup
	w.Need = txn.Allocated(dir, stepFiles(plan)...)
	tx, again, err := txn.BeginAgain(dir, w, replan)
	if err != nil {
		return nil, err
	}
	defer tx.Close()
	defer again.Close()
	if !sameSteps(plan, again) {
		return nil, errChanged(dir, tx.Backup(), "repair")
	}
	var src *rebuild.Payloads
	if again.src != nil { // a PersistentState plan rebuilds partitions from the backup
		src = rebuild.NewPayloads(tx.Backup())
		defer src.Close()
	}
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
func stageStep(tx *txn.Tx, st *Step, s *rebuild.Source, src *rebuild.Payloads) error {
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
	return rebuild.Stage(tx, st.File, *st.recipe, s, src)
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

// Replan computes again, on the backup of the finished repair j, the plan
// it carried out, for its report; the error when the backup cannot be read.
func Replan(j *txn.Journal) (*Plan, error) {
	o, err := optionsOf(j)
	if err != nil {
		return nil, err
	}
	var p *Plan
	if o.Repair != nil {
		if p, err = planOn(j.Backup, *o.Repair); p != nil {
			p.Close() // for the report only: no step runs
		}
	} else {
		p, err = walPlanOn(j.Backup, *o.WAL)
	}
	if p != nil {
		p.Dir = j.Dir
	}
	return p, err
}
