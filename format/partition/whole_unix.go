//go:build unix

package partition

import "syscall"

// wholeAlloc takes a buffer for ReadWhole outside the Go heap (anonymous
// memory, no file behind it): a few MiB held across a decode would
// otherwise sit in the heap the collector works to keep under walctl's
// memory limit, and it would then run after every few hundred KiB
// allocated. Nil when the system refuses: the caller allocates on the heap.
func wholeAlloc(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	return b
}

// wholeFree returns a buffer of wholeAlloc (by its full capacity) to the
// system.
func wholeFree(b []byte) {
	if b != nil {
		syscall.Munmap(b[:cap(b)])
	}
}
