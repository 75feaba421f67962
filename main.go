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
// 5× that, but never let the heap pass 40 MiB. GOGC or GOMEMLIMIT in the
// environment win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(40 << 20)
	}
}
