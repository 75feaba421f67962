package progress

import (
	"bytes"
	"os"
	"testing"
)

// Never on a pipe, never when disabled: the bar must not pollute output
// that scripts read.
func TestNoBarOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	if New(&buf, true, 100, "x") != nil {
		t.Error("a bar on a non-file writer")
	}
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	if New(w, true, 100, "x") != nil {
		t.Error("a bar on a pipe")
	}
	var b *Bar
	b.Add(5) // a nil bar is valid
	b.Done()
}
