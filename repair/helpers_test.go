package repair_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walctl/walctl/cmd"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/rebuild"
	"github.com/walctl/walctl/repair"
)

// run executes walctl and returns stdout, stderr and the exit code.
func run(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := cmd.Main(append([]string{"walctl", "--no-color"}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

// openPlan opens dir with the fixture's own detection and plans a repair.
func openPlan(t testing.TB, dir string, o repair.Options) *repair.Plan {
	t.Helper()
	l, err := logdir.Open(dir, o.Log.Open())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p, err := repair.MakePlan(l, o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// settingsOf are the options a fixture's log is read with.
func settingsOf(p *repair.Plan) logdir.Options {
	return logdir.Options{Format: p.Format, R: p.R, M: p.M, Force: true}
}

// sourceOf returns the healthy fixture a "<source>+<damage>" copy was made from.
func sourceOf(t *testing.T, f fixtures.Fixture) (fixtures.Fixture, bool) {
	i := strings.Index(f.Name, "+")
	if i < 0 {
		return fixtures.Fixture{}, false
	}
	return fixtures.Load(t, filepath.Join(fixtures.Root(), f.Name[:i])), true
}

func asFlagError(err error, target **rebuild.FlagError) bool { return errors.As(err, target) }
