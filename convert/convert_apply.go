package convert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/txn"
)

// Result is what Apply did: where the input was copied to (in place), and
// how many files were written or removed.
type Result struct {
	Backup string `json:"backup"`
	Steps  int    `json:"steps"`
}

// journalOptions are the settings an in-place conversion keeps in its
// journal (txn.Journal.Options), to plan again on the backup.
type journalOptions struct {
	Convert *Options `json:"convert,omitempty"`
}

// Replan computes again, on the backup of the finished conversion j, the
// conversion it carried out, for its report; the error when the backup
// cannot be read.
func Replan(j *txn.Journal) (*Conversion, error) {
	var o journalOptions
	if err := json.Unmarshal(j.Options, &o); err != nil || o.Convert == nil {
		return nil, fmt.Errorf("%s: the journal does not say how the interrupted walctl %s was set up", j.Dir, j.Op)
	}
	c, err := planOn(j.Backup, *o.Convert)
	if c != nil {
		c.Dir = j.Dir
	}
	return c, err
}

// Apply writes the conversion c of dir through one transaction
// (package txn). With o.Out the output is built in a temp sibling of o.Out,
// audited, and renamed to it: o.Out appears whole or not at all. In place,
// dir is copied to the backup, the conversion is planned again on it, every
// output partition is rebuilt from it into the stage beside the unchanged
// node.state and snapshot, audited, and published into dir.
func Apply(c *Conversion, dir string, o Options, w txn.Config) (*Result, error) {
	w.Op = "convert"
	w.Need = txn.TreeAllocated(dir)
	if !o.InPlace {
		return &Result{}, convertOut(c, dir, o.Out, w)
	}
	w.Options, w.Backup = journalOptions{Convert: &o}, o.Backup
	tx, again, err := txn.BeginAgain(dir, w, func(backup string) (*Conversion, error) { return planOn(backup, o) })
	if err != nil {
		return nil, err
	}
	defer tx.Close()
	if !sameConversion(c, again) {
		return nil, fmt.Errorf(
			"%s changed while walctl was planning (the conversion computed on the backup %s differs): "+
				"stop the node and run walctl convert again",
			dir,
			tx.Backup(),
		)
	}
	again.Progress = c.Progress
	if err := again.stagePartitions(tx, tx.Backup()); err != nil {
		return nil, err
	}
	if err := again.stageState(tx); err != nil {
		return nil, err
	}
	for _, name := range again.Removed {
		if err := tx.Remove(name); err != nil {
			return nil, err
		}
	}
	res, err := tx.Commit()
	if err != nil {
		return nil, err
	}
	return &Result{Backup: res.Backup, Steps: len(again.recipes) + len(again.Removed) + again.stateSteps()}, nil
}

// planOn plans the conversion of the log in dir (the backup of an in-place
// conversion) with the scan of its open (InputScan).
func planOn(dir string, o Options) (*Conversion, error) {
	scan := NewInputScan()
	l, _, _, err := logdir.OpenChecked(dir, o.Log.Open(), scan.Begin, scan.Each)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	o.InPlace, o.Scanned = true, scan
	return Plan(l, o)
}

// stagePartitions writes every output partition, rebuilt from the log in
// srcRoot, into the transaction.
func (c *Conversion) stagePartitions(tx *txn.Tx, srcRoot string) error {
	src := rebuild.NewPayloads(srcRoot)
	defer src.Close()
	for _, r := range c.recipes {
		if err := rebuild.Stage(tx, r.Name(), r, c.src, src); err != nil {
			return fmt.Errorf("partition %d: %w", r.Number, err)
		}
		if c.Progress != nil {
			c.Progress(max(r.To-r.From+1, 0))
		}
	}
	return nil
}

func sameConversion(a, b *Conversion) bool {
	if len(a.recipes) != len(b.recipes) || len(a.Removed) != len(b.Removed) || a.Entries != b.Entries ||
		!bytes.Equal(a.state, b.state) {
		return false
	}
	for i := range a.recipes {
		x, y := a.recipes[i], b.recipes[i]
		if x.Number != y.Number || x.From != y.From || x.To != y.To || x.Seal != y.Seal {
			return false
		}
	}
	return true
}

// convertOut writes the output into a new directory out: the files copied
// unchanged, then every partition.
func convertOut(c *Conversion, dir, out string, w txn.Config) error {
	return txn.WriteOut(dir, out, w, func(tx *txn.Tx) error {
		for _, name := range c.Copied {
			if name == nodestate.FileName && c.state != nil {
				continue // written by stageState with the vote's layout rewritten
			}
			if err := tx.CopyFile(filepath.Join(dir, name), name); err != nil {
				return err
			}
		}
		if err := c.stageState(tx); err != nil {
			return err
		}
		return c.stagePartitions(tx, dir)
	})
}
