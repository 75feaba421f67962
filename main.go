// Command walctl inspects, verifies, converts and repairs the on-disk Raft
// logs of DotNext.Net.Cluster.
package main

import (
	"os"
	"runtime/pprof"

	"github.com/walctl/walctl/cmd"
)

func main() {
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
