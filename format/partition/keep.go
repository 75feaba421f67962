package partition

import (
	"sync"
	"unsafe"
)

// Keep holds a few released slices for reuse. Unlike a sync.Pool, a
// garbage collection does not empty it: walctl runs under a soft memory
// limit, so a large convert collects every few tens of milliseconds, and a
// pool emptied that often hands nothing back — each decode then allocates
// its megabyte of slots or entries again, which brings the next collection
// sooner. It keeps at most keepCount slices of at most keepBytes each, so
// what it holds while idle stays a few megabytes whatever the log.
type Keep[T any] struct {
	mu   sync.Mutex
	free [][]T
}

const (
	keepCount = 3
	keepBytes = 2 << 20
)

// Get returns an empty slice with room for at least n elements: a kept
// one when one is large enough, else a new one.
func (k *Keep[T]) Get(n int) []T {
	k.mu.Lock()
	for i := len(k.free) - 1; i >= 0; i-- {
		if s := k.free[i]; cap(s) >= n {
			k.free = append(k.free[:i], k.free[i+1:]...)
			k.mu.Unlock()
			return s[:0]
		}
	}
	k.mu.Unlock()
	return make([]T, 0, n)
}

// Put keeps s (its elements cleared, so it holds nothing alive) when it is
// small enough and there is room; the caller keeps no reference to it.
func (k *Keep[T]) Put(s []T) {
	var zero T
	if cap(s) == 0 || uintptr(cap(s))*unsafe.Sizeof(zero) > keepBytes {
		return
	}
	clear(s[:cap(s)])
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.free) < keepCount {
		k.free = append(k.free, s[:0])
	}
}
