package cmd

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/walctl/walctl/internal/termtext"
)

// payloadModes are the views of a payload in a table or JSON.
var payloadModes = []string{"none", "hex", "base64", "utf8", "json", "auto", "redacted"}

// payloadFlagValues are the values of --payload: the views, and raw (the
// bytes alone).
var payloadFlagValues = append(append([]string{}, payloadModes...), "raw")

// previewBytes is how much of a payload the human table shows.
const previewBytes = 48

// payloadView renders payload bytes for one mode. full is the whole payload
// (JSON output) or a prefix (table preview).
func payloadView(mode string, b []byte) (string, bool) {
	switch mode {
	case "hex":
		return hex.EncodeToString(b), true
	case "base64":
		return base64.StdEncoding.EncodeToString(b), true
	case "utf8":
		return strings.ToValidUTF8(string(b), "\uFFFD"), true
	case "json":
		if json.Valid(b) {
			return string(b), true
		}
		return "", false
	case "auto":
		switch {
		case len(b) == 0:
			return "", true
		case json.Valid(b):
			return string(b), true
		case utf8.Valid(b) && printable(b):
			return string(b), true
		default:
			return hex.EncodeToString(b), true
		}
	}
	return "", false
}

func printable(b []byte) bool {
	for _, r := range string(b) {
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' {
			return false
		}
	}
	return true
}

// digest reads r fully into a SHA-256, keeping at most keep bytes of it.
func digest(r io.Reader, keep int64) (sum string, n int64, head []byte, err error) {
	h := sha256.New()
	var buf bytes.Buffer
	w := io.MultiWriter(h, &limitWriter{w: &buf, n: keep})
	cb := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(cb)
	// Hide r's WriteTo (io.MultiReader has one): it would allocate its own
	// 32 KiB buffer for every entry.
	n, err = io.CopyBuffer(w, struct{ io.Reader }{r}, *cb)
	return hex.EncodeToString(h.Sum(nil)), n, buf.Bytes(), err
}

// copyBuffers are the copy buffers of digest: one per concurrent caller,
// not one per entry.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

type limitWriter struct {
	w io.Writer
	n int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(int64(len(p)), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

// preview is the payload column of inspect --entries: the first
// previewBytes of the payload in the chosen view, escaped for the terminal
// (control characters, DEL, C1 and invalid UTF-8 written out as \x1b, \r,
// \u0085, \xff; a newline as ⏎), "…" when there is more.
func preview(mode string, head []byte, total int64) string {
	if mode == "none" {
		return ""
	}
	if mode == "redacted" {
		return fmt.Sprintf("(%d bytes)", total)
	}
	cut := head
	if int64(len(cut)) > previewBytes {
		cut = cut[:previewBytes]
	}
	more := total > int64(len(cut))
	if more && (mode == "utf8" || mode == "json" || mode == "auto") {
		cut = dropPartialRune(cut)
	}
	s, ok := payloadView(mode, cut)
	switch {
	case mode == "utf8":
		s = string(cut) // the bytes themselves: invalid ones are shown as \xNN, not U+FFFD
	case !ok:
		s, _ = payloadView("hex", cut)
	}
	s = termtext.Escape(strings.ReplaceAll(s, "\n", "⏎"))
	if more {
		s += "…"
	}
	return s
}

// dropPartialRune removes a UTF-8 sequence that the preview's cut split.
func dropPartialRune(b []byte) []byte {
	for k := 1; k <= utf8.UTFMax && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < 0x80 {
			return b // ASCII: nothing split
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-k:]) {
				return b[:len(b)-k]
			}
			return b
		}
	}
	return b
}
