//go:build !unix

package logdir

// HeldBy cannot probe advisory locks on this platform.
func HeldBy(l *Log) string { return "" }
