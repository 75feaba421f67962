//go:build !linux

package txn

// startWriteback: no way to start a file's writeback early here; the fsync
// of Tx.syncWritten writes it all.
func startWriteback(File) {}
