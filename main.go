// Command walctl inspects, verifies, converts and repairs the on-disk Raft
// logs of DotNext.Net.Cluster.
package main

import (
	"os"

	"github.com/walctl/walctl/cmd"
)

func main() { os.Exit(cmd.Main(os.Args, os.Stdout, os.Stderr)) }
