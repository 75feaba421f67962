//go:build !unix

package partition

// wholeAlloc: without mmap, ReadWhole's buffers come from the heap.
func wholeAlloc(int) []byte { return nil }

func wholeFree([]byte) {}
