// Command walctl inspects, verifies, converts and repairs the on-disk Raft
// logs of DotNext.Net.Cluster.
package main

import (
	"os"
	"runtime/debug"
	"runtime/pprof"

	"github.com/walctl/walctl/cmd"
)

func main() {
	tuneGC()
	// WALCTL_CPUPROFILE=FILE writes a CPU profile of the run (for
	// performance reports: go tool pprof walctl FILE).
	if path := os.Getenv("WALCTL_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			code := cmd.Main(os.Args, os.Stdout, os.Stderr)
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(code)
		}
	}
	os.Exit(cmd.Main(os.Args, os.Stdout, os.Stderr))
}

// tuneGC trades a little of the 64 MiB memory budget for less collection
// work: the live heap is a few MiB (one partition's metadata), so collect at
// 5× that, but never let the heap pass 36 MiB: the whole-file buffers (up to
// 16 MiB, partition.OpenFile) live outside the heap, and a write's audit
// reads its input while the output is staged; at 40 MiB a 256 MiB convert
// peaked at 62 MiB of RSS, at 36 MiB at 58. GOGC or GOMEMLIMIT in the
// environment win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(36 << 20)
	}
}
