package txn

import (
	"io"
	"sync"
)

// aheadWriter is the io.WriterAt that WriteFile's write-behind buffer
// flushes into: it copies each write into one of two buffers and returns,
// and another goroutine writes the buffers to the file in order. Writing a
// megabyte into the page cache is a copy the kernel makes on the calling
// core; this way the next megabyte of the file is being laid out (payloads
// read, records encoded) on one core while the last one is being written on
// the other.
//
// The file sees the same writes in the same order. A failed write is
// sticky: later writes are dropped, and wait returns the first error. wait
// must be called before the file is synced or closed.
type aheadWriter struct {
	f    io.WriterAt
	jobs chan aheadJob
	free chan []byte
	done chan struct{}

	mu  sync.Mutex
	err error
}

type aheadJob struct {
	b   []byte
	off int64
}

// aheadBuffers are the two buffers of an aheadWriter, kept from file to
// file (a transaction writes its files one after another).
type aheadBuffers [2][]byte

// newAheadWriter starts the writing goroutine of f over bufs.
func newAheadWriter(f io.WriterAt, bufs *aheadBuffers) *aheadWriter {
	w := &aheadWriter{f: f, jobs: make(chan aheadJob, 1), free: make(chan []byte, 2), done: make(chan struct{})}
	for _, b := range bufs {
		w.free <- b[:0]
	}
	go func() {
		defer close(w.done)
		for j := range w.jobs {
			if w.failed() == nil {
				if _, err := f.WriteAt(j.b, j.off); err != nil {
					w.mu.Lock()
					w.err = err
					w.mu.Unlock()
				}
			}
			w.free <- j.b[:0]
		}
	}()
	return w
}

func (w *aheadWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// WriteAt queues a copy of p for writing at off.
func (w *aheadWriter) WriteAt(p []byte, off int64) (int, error) {
	if err := w.failed(); err != nil {
		return 0, err
	}
	b := append(<-w.free, p...)
	w.jobs <- aheadJob{b: b, off: off}
	return len(p), nil
}

// wait writes what is queued, stops the goroutine, gives the buffers back
// to bufs and returns the first write error.
func (w *aheadWriter) wait(bufs *aheadBuffers) error {
	close(w.jobs)
	<-w.done
	for i := range bufs {
		bufs[i] = <-w.free
	}
	return w.failed()
}
