package wal

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestExplore(t *testing.T) {
	if os.Getenv("WAL_EXPLORE") == "" {
		t.Skip()
	}
	dirs, _ := filepath.Glob("../../testdata/fixtures/*/wal*/wal")
	more, _ := filepath.Glob("../../testdata/fixtures/replicas/*/*/node?")
	for _, d := range append(dirs, more...) {
		l, err := Open(d, Options{})
		if err != nil {
			fmt.Println(d, "ERR", err)
			continue
		}
		fmt.Printf("== %s\n  %s conf=%s writers=%s reader=%s S=%d C=%d L=%d T=%d open=%q\n", d, l.Params, l.Params.Confidence, l.Params.Writers, l.Reader, l.S, l.C, l.L, l.T, l.OpenError)
		for _, e := range l.Params.Evidence {
			fmt.Println("   ev:", e)
		}
		for _, f := range l.Check() {
			fmt.Printf("   %s %s %s@%d #%d: %s\n      fix: %s\n", f.Severity, f.Code, f.File, f.Offset, f.Index, f.Message, f.Fix)
		}
		fmt.Printf("   extent %+v\n", l.Extent())
	}
}
