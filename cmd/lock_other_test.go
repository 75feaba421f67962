//go:build !unix

package cmd

import "testing"

// lock: walctl detects a running node through flock, which exists on Unix only.
func lock(t *testing.T, path string) func() {
	t.Skip("no advisory locks on this platform")
	return nil
}
