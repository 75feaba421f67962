package legacy

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
)

// memFile is an in-memory file that grows on WriteAt, like an *os.File.
type memFile struct{ b []byte }

func (m *memFile) WriteAt(p []byte, off int64) (int, error) {
	if end := off + int64(len(p)); end > int64(len(m.b)) {
		m.b = append(m.b, make([]byte, end-int64(len(m.b)))...)
	}
	return copy(m.b[off:], p), nil
}

func fileOf(b []byte, number int64) partition.File {
	return partition.File{R: bytes.NewReader(b), Size: int64(len(b)), Name: strconv.FormatInt(number, 10), Number: number}
}

// partitionFiles returns the canonical partition files of a log directory.
func partitionFiles(t *testing.T, wal string) map[int64][]byte {
	t.Helper()
	canonical := regexp.MustCompile(`^(0|[1-9][0-9]*)$`)
	ents, err := os.ReadDir(wal)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64][]byte{}
	for _, e := range ents {
		if !canonical.MatchString(e.Name()) {
			continue
		}
		n, _ := strconv.ParseInt(e.Name(), 10, 64)
		b, err := os.ReadFile(filepath.Join(wal, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[n] = b
	}
	return out
}

func sortedKeys(m map[int64][]byte) []int64 {
	var ks []int64
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

// nodeStateLastIndex reads LastIndex (int64 LE at 16, spec §6.1) from
// node.state; -1 when the file is too short.
func nodeStateLastIndex(t *testing.T, wal string) int64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(wal, "node.state"))
	if err != nil || len(b) < 24 {
		return -1
	}
	return int64(binary.LittleEndian.Uint64(b[16:]))
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func hasIssue(d partition.Decoded, code finding.Code, sev partition.Severity) bool {
	for _, i := range d.Issues {
		if i.Code == code && (sev == "" || i.Severity == sev) {
			return true
		}
	}
	return false
}

func countSeverity(d partition.Decoded, sev partition.Severity) int {
	n := 0
	for _, i := range d.Issues {
		if i.Severity == sev {
			n++
		}
	}
	return n
}

// reencode writes the usable slots of d again with the Writer. same is false
// when the writer would lay out a record differently (rewrites, gaps), in
// which case the bytes cannot be expected to match.
func reencode(t testing.TB, d partition.Decoded, src []byte, g partition.Geometry) (out []byte, same bool) {
	t.Helper()
	var m memFile
	w, err := NewWriter(&m, d.Number, g)
	if err != nil {
		t.Fatal(err)
	}
	same = true
	for _, s := range d.Slots {
		if s.Kind == partition.Unwritten {
			continue
		}
		if s.Kind != partition.Written {
			return nil, false
		}
		if s.Rec.Offset != w.addr {
			same = false
		}
		var payload []byte
		if s.Rec.Length > 0 {
			payload = src[s.Rec.Offset : s.Rec.Offset+s.Rec.Length]
		}
		if err := w.Append(s.Slot, s.Rec, bytes.NewReader(payload)); err != nil {
			t.Fatalf("re-encode slot %d: %v", s.Slot, err)
		}
	}
	if err := w.Close(false); err != nil {
		t.Fatal(err)
	}
	if int64(len(m.b)) != w.Size() {
		t.Fatalf("Size() = %d, wrote %d bytes", w.Size(), len(m.b))
	}
	return m.b, same
}
