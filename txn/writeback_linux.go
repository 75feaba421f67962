package txn

import "golang.org/x/sys/unix"

// startWriteback asks the kernel to start writing f's dirty pages to disk
// now, without waiting for them (sync_file_range(2) with
// SYNC_FILE_RANGE_WRITE): the fsync that makes the file durable comes later
// (Tx.syncWritten) and then finds most of it written. It is a hint only: it
// makes nothing durable, and an error is left to that fsync.
func startWriteback(f File) {
	if fd, ok := f.(interface{ Fd() uintptr }); ok {
		_ = unix.SyncFileRange(int(fd.Fd()), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
	}
}
