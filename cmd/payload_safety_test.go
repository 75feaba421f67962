package cmd

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/termtext"
	"github.com/walctl/walctl/txn"
)

// Hostile payloads of the same length as the ones they replace, so that the
// legacy log (which has no payload checksum) stays sound.
var (
	// entry 3: ESC sequences (window title, clear screen), BEL, CR and invalid UTF-8
	hostileText = padTo("\x1b]0;pwned\x07\x1b[2J\rEVIL\xff\xfe\xc3(", 37, 'A')
	// entry 9: valid JSON with a raw DEL, an 8-bit CSI (U+009B) and a bidi override
	hostileJSON = `{"k":"` + padTo("\x7f\u009b2J\u202eevil", 37-8, 'B') + `"}`
)

func padTo(s string, n int, c byte) string { return s + strings.Repeat(string(c), n-len(s)) }

// hostileLog copies 5.26.2/legacy-basic into a directory whose name holds
// an escape sequence (every command prints it) and writes the hostile
// payloads over entries 3 and 9, plus a file whose name is an escape sequence.
func hostileLog(t *testing.T) string {
	t.Helper()
	src := fixtures.Copy(t, filepath.Join(fixtures.Root(), "5.26.2", "legacy-basic", "wal"))
	dir := filepath.Join(filepath.Dir(src), "log\x1b]0;dir\x07\u009b")
	if err := os.Rename(src, dir); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ file, old, new string }{
		{"0", `{"Op":"set","Key":"key-3","Value":30}`, hostileText},
		{"2", `{"Op":"set","Key":"key-9","Value":90}`, hostileJSON},
	} {
		if len(r.old) != len(r.new) {
			t.Fatalf("payload of %d bytes replaces one of %d", len(r.new), len(r.old))
		}
		p := filepath.Join(dir, r.file)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Count(b, []byte(r.old)) != 1 {
			t.Fatalf("partition %s does not hold %s once", r.file, r.old)
		}
		if err := os.WriteFile(p, bytes.Replace(b, []byte(r.old), []byte(r.new), 1), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "evil\x1b]0;name\x07\r"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// assertSafe fails when out holds a byte a terminal acts on: a control
// character but newline and tab, DEL, a C1 control, a bidi override, or
// invalid UTF-8.
func assertSafe(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s: invalid UTF-8 reaches stdout:\n%q", what, out)
	}
	for _, r := range out {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || termtext.Unsafe(r) {
			t.Errorf("%s: %U reaches stdout:\n%q", what, r, out)
			return
		}
	}
}

// No payload view, no output mode and no command lets a payload's or a
// file name's control bytes reach stdout: they are shown escaped.
func TestHostilePayloadNeverReachesStdoutRaw(t *testing.T) {
	dir := hostileLog(t)
	if out, errs, code := runReadOnly(t, dir, "verify", dir); code != 0 {
		t.Fatalf("the hand-made log does not verify (exit %d): %s %s", code, out, errs)
	}
	for _, m := range []struct {
		name string
		mode termMode
	}{{"w80", term80}, {"w120", term120}, {"pipe", pipe}} {
		for _, view := range payloadModes {
			out, errs, code := runMode(t, m.mode, "inspect", "--entries", "--payload", view, dir)
			if code != 0 {
				t.Fatalf("%s %s: exit %d: %s", m.name, view, code, errs)
			}
			assertSafe(t, m.name+" --payload "+view, out)
			// In a pipe nothing is cut: the escaped bytes are there to read.
			if view == "utf8" && !m.mode.tty && (!strings.Contains(out, `\x1b]0;pwned\x07\x1b[2J\rEVIL\xff\xfe\xc3(`) ||
				!strings.Contains(out, `\x7f\u009b2J\u202eevil`)) {
				t.Errorf("%s: the utf8 view does not show the escaped bytes:\n%s", m.name, out)
			}
		}
		for _, args := range [][]string{{"detect", dir}, {"verify", dir}, {"inspect", dir}, {"repair", dir},
			{"verify", dir, dir}, {"diff", dir, dir}, {"verify", filepath.Join(dir, "nope")}} {
			out, errs, _ := runMode(t, m.mode, args...)
			assertSafe(t, m.name+" "+args[0], out)
			assertSafe(t, m.name+" "+args[0]+" (stderr)", errs)
		}
	}
	// Colour on: the only escapes are walctl's own colour codes.
	var out, errb bytes.Buffer
	mainWith([]string{"walctl", "inspect", "--entries", "--payload", "utf8", dir}, &out, &errb, term120, txn.OS)
	assertSafe(t, "colour", stripSGR(out.String()))

	// JSON escapes ESC and CR itself and replaces invalid UTF-8 (unchanged
	// output: the JSON contract).
	for _, args := range [][]string{{"inspect", "--json", "--entries", "--payload", "utf8", dir}, {"inspect", "--entries", "--jsonl", "--payload", "utf8", dir}} {
		out, _, code := runMode(t, term80, args...)
		if code != 0 || strings.ContainsAny(out, "\x1b\r\a") || !utf8.ValidString(out) {
			t.Errorf("%v: exit %d, raw control bytes or invalid UTF-8:\n%q", args, code, out)
		}
	}
}

// --payload raw writes the bytes themselves, and only where they cannot
// drive a terminal: refused on one without --force.
func TestPayloadRaw(t *testing.T) {
	dir := hostileLog(t)
	out, _, code := runMode(t, pipe, "inspect", "--payload", "raw", "--from-index", "3", "--to-index", "3", dir)
	if code != 0 || out != hostileText {
		t.Errorf("exit %d, got %q, want the payload %q", code, out, hostileText)
	}
	out, _, code = runMode(t, pipe, "inspect", "--payload", "raw", "--term", "3", dir)
	if code != 0 || !strings.HasSuffix(out, hostileJSON) {
		t.Errorf("exit %d, got %q, want the term-3 payloads ending in %q", code, out, hostileJSON)
	}
	out, errs, code := runMode(t, term80, "inspect", "--payload", "raw", dir)
	if code != exitError || out != "" || !strings.Contains(errs, "--force") {
		t.Errorf(
			"on a terminal: exit %d, stdout %q, stderr %q; want exit 2, nothing written, a hint naming --force",
			code,
			out,
			errs,
		)
	}
	if out, _, code := runMode(t, term80, "inspect", "--payload", "raw", "--force", "--from-index", "3", "--limit", "1", dir); code != 0 ||
		out != hostileText {
		t.Errorf("--force: exit %d, got %q", code, out)
	}
	if _, errs, code := runMode(t, pipe, "inspect", "--payload", "raw", "--json", dir); code != exitError ||
		!strings.Contains(errs, "raw") {
		t.Errorf("--payload raw --json: exit %d, %s", code, errs)
	}
}

// --jsonl streams the objects of --json's entries, one per line, the same
// bytes.
func TestInspectJSONL(t *testing.T) {
	for _, name := range []string{"5.26.2/table-basic", "6.12.0/wal-snapshot", "5.26.2/table-basic+tail-torn"} {
		dir := filepath.Join(fixtures.Root(), name, "wal")
		for _, view := range []string{"auto", "redacted", "base64"} {
			full, _, _ := runReadOnly(t, dir, "inspect", "--json", "--entries", "--payload", view, dir)
			var doc struct {
				Entries []json.RawMessage `json:"entries"`
			}
			if err := json.Unmarshal([]byte(full), &doc); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			lines, _, code := runReadOnly(t, dir, "inspect", "--entries", "--jsonl", "--payload", view, dir)
			got := strings.Split(strings.TrimSuffix(lines, "\n"), "\n")
			if code != 0 || len(got) != len(doc.Entries) || len(got) == 0 {
				t.Fatalf("%s: exit %d, %d lines for %d entries", name, code, len(got), len(doc.Entries))
			}
			for i, l := range got {
				if l != string(doc.Entries[i]) {
					t.Errorf("%s line %d:\n%s\nwant %s", name, i+1, l, doc.Entries[i])
				}
			}
		}
	}
	dir := filepath.Join(fixtures.Root(), "5.26.2", "table-basic", "wal")
	if out, _, code := run(t, "inspect", "--entries", "--jsonl", "--from-index", "4", "--limit", "2", dir); code != 0 ||
		strings.Count(out, "\n") != 2 ||
		!strings.HasPrefix(out, `{"index":4,`) {
		t.Errorf("--from 4 --limit 2: exit %d:\n%s", code, out)
	}
}
