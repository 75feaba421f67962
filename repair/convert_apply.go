package repair

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/walctl/walctl/internal/atomicfs"
	"github.com/walctl/walctl/logdir"
)

// ApplyConvert writes the conversion c of dir. With o.Out the output is
// built in a temp sibling of o.Out and renamed to it only once complete and
// fsynced: o.Out appears whole or not at all. In place, dir is first copied
// to the backup and every output file is rebuilt from that copy, journaled
// like a repair, so that an interrupted run finishes when started again.
func ApplyConvert(c *Conversion, dir string, o ConvertOptions) (*Result, error) {
	if o.InPlace {
		return convertInPlace(c, dir, o)
	}
	return &Result{}, convertOut(c, dir, o.Out)
}

func convertInPlace(c *Conversion, dir string, o ConvertOptions) (*Result, error) {
	if j, err := Pending(dir); err != nil || j != nil {
		if err != nil {
			return nil, err
		}
		return resume(dir, j, "convert")
	}
	if err := atomicfs.Cleanup(dir); err != nil {
		return nil, err
	}
	backup, err := takeBackup(dir, o.Backup)
	if err != nil {
		return nil, err
	}
	again, err := convertPlanOn(backup, o)
	if err != nil {
		return nil, err
	}
	if !sameConversion(c, again) {
		return nil, fmt.Errorf("%s changed while walctl was planning (the conversion computed on the backup %s differs): stop the node and run walctl convert again", dir, backup)
	}
	j := &Journal{Command: "convert", Backup: backup, Started: time.Now().UTC(), Convert: &o}
	if err := writeJournal(dir, j); err != nil {
		return nil, err
	}
	return finishConvert(dir, backup, again, false)
}

func resumeConvert(dir string, j *Journal) (*Result, error) {
	c, err := convertPlanOn(j.Backup, *j.Convert)
	if err != nil {
		return nil, err
	}
	return finishConvert(dir, j.Backup, c, true)
}

func convertPlanOn(dir string, o ConvertOptions) (*Conversion, error) {
	l, err := logdir.Open(dir, o.Log.Open())
	if err != nil {
		return nil, err
	}
	defer l.Close()
	o.InPlace = true
	return PlanConvert(l, o)
}

// finishConvert rebuilds every output partition in dir from the backup and
// removes the input partitions the output does not have.
func finishConvert(dir, backup string, c *Conversion, resumed bool) (*Result, error) {
	if err := atomicfs.Cleanup(dir); err != nil {
		return nil, err
	}
	if err := c.writePartitions(dir, backup); err != nil {
		return nil, err
	}
	if err := c.writeState(dir, backup); err != nil {
		return nil, err
	}
	for _, name := range c.Removed {
		if err := atomicfs.Remove(filepath.Join(dir, name)); err != nil {
			return nil, err
		}
	}
	if err := atomicfs.Remove(filepath.Join(dir, JournalName)); err != nil {
		return nil, err
	}
	return &Result{Backup: backup, Steps: len(c.recipes) + len(c.Removed) + c.stateSteps(), Resumed: resumed}, nil
}

func (c *Conversion) writePartitions(dir, srcRoot string) error {
	src := newPayloads(srcRoot)
	defer src.close()
	for _, r := range c.recipes {
		if err := writeRecipe(filepath.Join(dir, r.name()), r, c.src, src); err != nil {
			return fmt.Errorf("partition %d: %w", r.Number, err)
		}
		if c.Progress != nil {
			c.Progress(max(r.To-r.From+1, 0))
		}
	}
	return nil
}

func (r recipe) name() string { return fmt.Sprint(r.Number) }

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

// convertOut builds the output in <out>.walctl-tmp-<random>, fsyncs it and
// renames it to out.
func convertOut(c *Conversion, dir, out string) error {
	out, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	if err := checkOut(dir, out); err != nil {
		return err
	}
	if err := removeStaleTemps(out); err != nil {
		return err
	}
	tmp, err := tempSibling(out)
	if err != nil {
		return err
	}
	if err := c.fill(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	return publish(tmp, out)
}

// checkOut refuses an output that exists with content, or the input itself.
func checkOut(dir, out string) error {
	in, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if in == out {
		return &FlagError{Msg: "--out is the input directory", Hint: "use --in-place to convert a directory in place"}
	}
	ents, err := os.ReadDir(out)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case len(ents) > 0:
		return &FlagError{Msg: fmt.Sprintf("%s exists and is not empty", out), Hint: "give a new directory with --out"}
	}
	return nil
}

const tempMark = ".walctl-tmp-"

// removeStaleTemps deletes output temp folders an interrupted conversion left.
func removeStaleTemps(out string) error {
	matches, err := filepath.Glob(out + tempMark + "*")
	if err != nil {
		return err
	}
	for _, m := range matches {
		if err := os.RemoveAll(m); err != nil {
			return err
		}
	}
	return nil
}

func tempSibling(out string) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	tmp := out + tempMark + hex.EncodeToString(b[:])
	return tmp, os.Mkdir(tmp, 0o755)
}

// fill writes every output file into tmp.
func (c *Conversion) fill(tmp, dir string) error {
	for _, name := range c.Copied {
		if err := copyFile(filepath.Join(dir, name), filepath.Join(tmp, name)); err != nil {
			return err
		}
	}
	if err := c.writeState(tmp, dir); err != nil {
		return err
	}
	return c.writePartitions(tmp, dir)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	return atomicfs.WriteFile(to, modeOf(from, 0o644), func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// publish makes tmp durable and renames it to out, reporting each step to
// the fault hook as a crash point.
func publish(tmp, out string) error {
	if err := atomicfs.SyncDir(tmp); err != nil {
		return err
	}
	if err := fault(atomicfs.StepTempSynced, out); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	if err := fault(atomicfs.StepRenamed, out); err != nil {
		return err
	}
	if err := atomicfs.SyncDir(filepath.Dir(out)); err != nil {
		return err
	}
	return fault(atomicfs.StepDirSynced, out)
}

func fault(step atomicfs.Step, path string) error {
	if atomicfs.Fault == nil {
		return nil
	}
	return atomicfs.Fault(step, path)
}
