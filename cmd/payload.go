package cmd

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
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
// The hash state and the read buffer are reused from entry to entry (they
// cost more than the hashing of a small payload when made anew); head is
// the caller's own.
func digest(r io.Reader, keep int64) (sum string, n int64, head []byte, err error) {
	d := digesters.Get().(*digester)
	defer digesters.Put(d)
	d.h.Reset()
	for {
		k, rerr := r.Read(d.buf)
		if k > 0 {
			d.h.Write(d.buf[:k])
			if take := min(int64(k), keep-int64(len(head))); take > 0 {
				head = append(head, d.buf[:take]...)
			}
			n += int64(k)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			err = rerr
			break
		}
	}
	var x [2 * sha256.Size]byte
	hex.Encode(x[:], d.h.Sum(d.sum[:0]))
	return string(x[:]), n, head, err
}

// digester is digest's reusable state.
type digester struct {
	h   hash.Hash
	buf []byte
	sum [sha256.Size]byte
}

// digesters are digest's states: one per concurrent caller, not one per
// entry.
var digesters = sync.Pool{New: func() any { return &digester{h: sha256.New(), buf: make([]byte, 32<<10)} }}

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
