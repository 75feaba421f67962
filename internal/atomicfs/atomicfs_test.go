package atomicfs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// A crash after every step leaves the old or the new content, never a mix,
// and Cleanup removes what the crash left behind.
func TestWriteFileCrashAtEveryStep(t *testing.T) {
	steps := []Step{StepTempWritten, StepTempSynced, StepRenamed, StepDirSynced}
	for _, s := range steps {
		t.Run(string(s), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f")
			os.WriteFile(path, []byte("old"), 0o644)
			Fault = func(step Step, _ string) error {
				if step == s {
					return ErrInjected
				}
				return nil
			}
			defer func() { Fault = nil }()
			err := WriteBytes(path, []byte("new content"), 0o644)
			if !errors.Is(err, ErrInjected) {
				t.Fatalf("err = %v", err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != "old" && string(got) != "new content" {
				t.Fatalf("mixed content %q", got)
			}
			if err := Cleanup(dir); err != nil {
				t.Fatal(err)
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 1 {
				t.Errorf("left behind: %v", ents)
			}
			Fault = nil
			if err := WriteBytes(path, []byte("new content"), 0o644); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(path); string(got) != "new content" {
				t.Errorf("re-run wrote %q", got)
			}
		})
	}
}

func TestCopyTreeRefusesNonEmpty(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(src, "a"), []byte("1"), 0o644)
	os.MkdirAll(filepath.Join(src, "sub"), 0o755)
	os.WriteFile(filepath.Join(src, "sub", "b"), []byte("2"), 0o644)
	if err := CopyTree(src, dst); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "sub", "b")); string(b) != "2" {
		t.Fatalf("copy: %q", b)
	}
	if err := CopyTree(src, dst); err == nil {
		t.Fatal("second copy into a non-empty dir must fail")
	}
}
