package partition

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzWriteBehind: whatever the mix of Write and WriteAt calls (appends,
// patches behind, jumps over holes, writes larger than the buffer), the file
// equals the one plain WriteAt calls in the same order leave. The Writer
// first writes a scratch file and is Reset onto the one compared, as the
// log writer reuses one Writer for every partition file.
func FuzzWriteBehind(f *testing.F) {
	f.Add([]byte{0, 0, 10, 0, 0, 10, 1, 0, 1})     // appends, then patch byte 0 (v2 seal)
	f.Add([]byte{1, 200, 50, 1, 0, 40, 1, 90, 40}) // legacy: payloads first, prologue last
	f.Add([]byte{1, 0, 40, 1, 40, 255, 1, 9, 3})   // sparse: holes between slots
	f.Add(bytes.Repeat([]byte{0, 0, 255}, 50))     // runs longer than the buffer
	f.Fuzz(func(t *testing.T, ops []byte) {
		dir := t.TempDir()
		gf, err := os.Create(filepath.Join(dir, "got"))
		if err != nil {
			t.Fatal(err)
		}
		scratch, err := os.Create(filepath.Join(dir, "scratch"))
		if err != nil {
			t.Fatal(err)
		}
		got := NewWriteBehind(scratch, 97) // small, so that runs overflow it
		if _, err := got.Write(bytes.Repeat([]byte{9}, 150)); err != nil || got.Flush() != nil {
			t.Fatal(err)
		}
		got.Reset(gf)
		want, err := os.Create(filepath.Join(dir, "want"))
		if err != nil {
			t.Fatal(err)
		}
		var pos, last int64
		for i := 0; i+2 < len(ops) && i < 3*64; i += 3 {
			data := bytes.Repeat([]byte{byte(i/3 + 1)}, int(ops[i+2]))
			off := pos
			if ops[i]%2 == 1 {
				off = (last + int64(ops[i+1])*7) % 4096
				if _, err := got.WriteAt(data, off); err != nil {
					t.Fatal(err)
				}
			} else {
				if _, err := got.Write(data); err != nil {
					t.Fatal(err)
				}
				pos += int64(len(data))
			}
			if _, err := want.WriteAt(data, off); err != nil {
				t.Fatal(err)
			}
			last = off
		}
		if err := got.Flush(); err != nil {
			t.Fatal(err)
		}
		gf.Close()
		want.Close()
		a, _ := os.ReadFile(filepath.Join(dir, "got"))
		b, _ := os.ReadFile(filepath.Join(dir, "want"))
		if !bytes.Equal(a, b) {
			t.Fatalf("write-behind left %d bytes, plain WriteAt %d; they differ", len(a), len(b))
		}
	})
}
