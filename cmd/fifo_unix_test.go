//go:build unix

package cmd

import "syscall"

// mkfifo makes a named pipe: opening one for reading blocks until a writer
// comes, so walctl must never open one.
func mkfifo(path string) error { return syscall.Mkfifo(path, 0o644) }
