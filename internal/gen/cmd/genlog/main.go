// Command genlog writes a synthetic DotNext PersistentState log (legacy, v2
// Table or sparse) with walctl's own codecs, for benchmarks and large-log
// tests. It is a developer tool, not part of walctl:
//
//	go run ./internal/gen/cmd/genlog -format v2 -entries 100000 -size-min 100 -size-max 700 -R 10000 -out DIR
//	go run ./internal/gen/cmd/genlog -format legacy -mb 1024 -out DIR
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/internal/gen"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("genlog", flag.ContinueOnError)
	var s gen.Spec
	var mb int64
	var out string
	s.Format = format.V2
	fs.Func("format", "partition format: legacy, v2 (default) or sparse", func(v string) error {
		s.Format = format.Format(v) // ps.Create refuses anything else
		return nil
	})
	fs.Int64Var(&s.Entries, "entries", 0, "number of entries (0: as many as -mb needs)")
	fs.Int64Var(&mb, "mb", 0, "stop once the partition files hold this many MiB (0: -entries only)")
	fs.Int64Var(&s.SizeMin, "size-min", 100, "smallest payload in bytes")
	fs.Int64Var(&s.SizeMax, "size-max", 700, "largest payload in bytes")
	fs.Int64Var(&s.R, "R", gen.DefaultR, "records per partition")
	fs.Int64Var(&s.M, "M", 0, "sparse: max entry size (default: -size-max)")
	fs.Uint64Var(&s.Seed, "seed", 1, "seed of the pseudo-random entries")
	fs.Int64Var(&s.TermEvery, "term-every", gen.DefaultTermEvery, "mean number of entries per term")
	fs.StringVar(&out, "out", "", "log directory to create (must not exist or be empty)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if out == "" || fs.NArg() > 0 {
		return fmt.Errorf("usage: genlog -format legacy|v2|sparse (-entries N | -mb SIZE_MB) -out DIR")
	}
	if mb < 0 || mb > 1<<40 {
		return fmt.Errorf("-mb %d out of range", mb)
	}
	s.TargetBytes = mb << 20
	if s.Format == format.Sparse && s.M == 0 {
		s.M = s.SizeMax
	}
	start := time.Now()
	r, err := gen.Generate(out, s)
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	fmt.Printf(
		"%s: %s log, %d entries (indexes 1–%d, last term %d), %d payload bytes, %d partition bytes, %.1fs (%.0f MiB/s)\n",
		out,
		s.Format,
		r.Entries,
		r.Entries,
		r.Term,
		r.PayloadBytes,
		r.FileBytes,
		secs,
		float64(r.FileBytes)/(1<<20)/max(secs, 1e-9),
	)
	return nil
}
