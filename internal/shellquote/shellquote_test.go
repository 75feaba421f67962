package shellquote

import (
	"os/exec"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "''"},
		{"/var/lib/node/log", "/var/lib/node/log"},
		{"--to", "--to"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"журнал", "журнал"},
		{"$HOME", "'$HOME'"},
		{"a\nb", "'a\nb'"},
		{"*", "'*'"},
		{"~x", "'~x'"},
		{"a\u00a0b", "'a\u00a0b'"},
	}
	for _, c := range cases {
		if got := Quote(c.in); got != c.want {
			t.Errorf("Quote(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// A POSIX shell reads Join's output back as the same arguments.
func TestJoinRoundTripsThroughSh(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	args := []string{
		"convert",
		"--to",
		"v2",
		"/tmp/a b/it's",
		"журнал",
		"$(x)",
		"`y`",
		"a\\b",
		"\"q\"",
		"t\tab",
		"",
		"!x",
	}
	out, err := exec.Command(sh, "-c", `for a in `+Join(args...)+`; do printf '%s\0' "$a"; done`).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(got) != len(args) {
		t.Fatalf("sh read %d arguments, want %d: %q", len(got), len(args), got)
	}
	for i := range args {
		if got[i] != args[i] {
			t.Errorf("argument %d: sh read %q, want %q", i, got[i], args[i])
		}
	}
}
