package txn

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// preparer records the Preparer calls and what the input held at Prepare.
type preparer struct {
	t        *testing.T
	calls    []string
	prepared map[string]string // the input's content when Prepare ran
	fail     error
}

func (p *preparer) Prepare(input string) {
	p.calls = append(p.calls, "prepare "+input)
	p.prepared = content(p.t, input)
}

func (p *preparer) Release() { p.calls = append(p.calls, "release") }

func (p *preparer) Audit(input, output string) error {
	p.calls = append(p.calls, "audit "+input)
	if !same(content(p.t, input), p.prepared) {
		p.t.Error("the input changed between Prepare and the audit")
	}
	return p.fail
}

// TestPreparer: a Preparer auditor (as txn.All forwards it) is prepared
// once with the input when the transaction has begun, before anything is
// staged, audited on the same input, and released when the transaction
// ends — committed, refused by the audit, or abandoned — in place and with
// --out.
func TestPreparer(t *testing.T) {
	for _, c := range []struct {
		name  string
		out   bool
		fail  error
		stage bool // stage and commit (else abandon after Begin)
		want  []string
	}{
		{"in place, committed", false, nil, true, []string{"prepare", "audit", "release"}},
		{"in place, refused", false, errors.New("entry 3 lost"), true, []string{"prepare", "audit", "release"}},
		{"in place, abandoned", false, nil, false, []string{"prepare", "release"}},
		{"--out, committed", true, nil, true, []string{"prepare", "audit", "release"}},
		{"--out, abandoned", true, nil, false, []string{"prepare", "release"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := makeLog(t)
			abs, _ := filepath.Abs(dir)
			p := &preparer{t: t, fail: c.fail}
			cfg := Config{Op: "test", Args: []string{"test", dir}, Auditor: All(p, AuditFunc(accept))}
			var tx *Tx
			var err error
			if c.out {
				tx, err = BeginOut(dir, filepath.Join(t.TempDir(), "o"), cfg)
			} else {
				tx, err = Begin(dir, cfg)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.calls) != 1 || p.calls[0] != "prepare "+abs {
				t.Fatalf("after Begin: %q, want prepare %s", p.calls, abs)
			}
			if entries, _ := os.ReadDir(tx.Dir()); len(entries) != 0 {
				t.Fatal("files staged before Prepare")
			}
			if c.stage {
				if err := tx.WriteFile("2", func(w io.Writer) error { _, err := io.WriteString(w, "p2"); return err }); err != nil {
					t.Fatal(err)
				}
				if _, err := tx.Commit(); !errors.Is(err, c.fail) {
					t.Fatalf("Commit: %v, want %v", err, c.fail)
				}
			}
			tx.Close()
			tx.Close() // twice: released once
			var got []string
			for _, call := range p.calls {
				got = append(got, firstWord(call))
			}
			if len(got) != len(c.want) {
				t.Fatalf("calls %q, want %q", p.calls, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("calls %q, want %q", p.calls, c.want)
				}
			}
		})
	}
}

func firstWord(s string) string {
	for i, r := range s {
		if r == ' ' {
			return s[:i]
		}
	}
	return s
}
