package v2

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/internal/fixtures"
)

// fixtureRoot is the copy of the library-written fixtures inside the module.
const fixtureRoot = "../../testdata/fixtures"

// entryJSON is one entry of a manifest's appended list or of a readback.
type entryJSON struct {
	Index          int64  `json:"index"`
	Term           int64  `json:"term"`
	Kind           string `json:"kind"`
	TimestampTicks *int64 `json:"timestampTicks"`
	CommandID      *int32 `json:"commandId"`
	IsSnapshot     bool   `json:"isSnapshot"`
	Length         int64  `json:"length"`
	PayloadLength  *int64 `json:"payloadLength"`
	SHA256         string `json:"sha256"`
	AppendPath     string `json:"appendPath"`
}

type readbackJSON struct {
	Library struct {
		Version string `json:"informationalVersion"`
	} `json:"library"`
	State struct {
		LastEntryIndex int64 `json:"lastEntryIndex"`
	} `json:"state"`
	Entries            []entryJSON `json:"entries"`
	FilesChangedByOpen []struct {
		Path       string `json:"path"`
		SizeBefore int64  `json:"sizeBefore"`
		SizeAfter  int64  `json:"sizeAfter"`
	} `json:"filesChangedByOpen"`
}

type manifestJSON struct {
	Library struct {
		Version string `json:"informationalVersion"`
	} `json:"library"`
	Settings struct {
		Format string `json:"format"`
		R      int64  `json:"recordsPerPartition"`
	} `json:"settings"`
	Appended []entryJSON  `json:"appended"`
	Readback readbackJSON `json:"readback"`
	Damage   *struct {
		Name  string `json:"name"`
		File  string `json:"file"`
		Index *int64 `json:"index"`
	} `json:"damage"`
}

type expectJSON struct {
	Note            string  `json:"note"`
	Verdict         string  `json:"verdict"`
	Damage          string  `json:"damage"`
	Repairable      bool    `json:"repairable"`
	CommittedIntact []int64 `json:"committedIntact"`
}

// fixture is one <version>/<scenario> folder whose settings.format is "table".
type fixture struct {
	name      string // "5.26.2/table-basic"
	dir       string
	manifest  manifestJSON
	expect    expectJSON
	readbacks []readbackJSON // the manifest's own readback, then readback-by-*.json
}

func (fx *fixture) geometry() partition.Geometry {
	return partition.Geometry{R: fx.manifest.Settings.R}
}

func (fx *fixture) expectNote() string { return fx.expect.Note }

// injected reports whether the fixture is a copy with one injected damage.
func (fx *fixture) injected() bool { return strings.Contains(fx.name, "+") }

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// tableFixtures loads every Table fixture (both library versions).
func tableFixtures(t testing.TB) []*fixture {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(fixtureRoot, "5.*", "*", "manifest.json"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures under %s: %v", fixtureRoot, err)
	}
	var out []*fixture
	for _, m := range dirs {
		dir := filepath.Dir(m)
		fx := &fixture{dir: dir, name: filepath.Base(filepath.Dir(dir)) + "/" + filepath.Base(dir)}
		readJSON(t, m, &fx.manifest)
		if fx.manifest.Settings.Format != "table" {
			continue
		}
		readJSON(t, filepath.Join(dir, "expect.json"), &fx.expect)
		fx.readbacks = append(fx.readbacks, fx.manifest.Readback)
		others, _ := filepath.Glob(filepath.Join(dir, "readback-by-*.json"))
		for _, o := range others {
			var rb readbackJSON
			readJSON(t, o, &rb)
			if fixtures.ReadsOnlyLegacy(rb.Library.Version) {
				continue // a pre-5.4 reader reads a Table log as legacy: the upgrade gate's case, not this codec's
			}
			fx.readbacks = append(fx.readbacks, rb)
		}
		out = append(out, fx)
	}
	if len(out) < 20 {
		t.Fatalf("only %d Table fixtures found", len(out))
	}
	return out
}

// otherFixtures loads the legacy and sparse partition files (not Table).
func otherPartitionFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"legacy-*", "sparse-*", "crash-midwrite-legacy"} {
		dirs, _ := filepath.Glob(filepath.Join(fixtureRoot, "5.*", pattern, "wal"))
		for _, d := range dirs {
			files = append(files, partitionFiles(t, d)...)
		}
	}
	return files
}

// partitionFiles lists the canonical partition files of a log directory.
func partitionFiles(t testing.TB, wal string) []string {
	t.Helper()
	ents, err := os.ReadDir(wal)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range ents {
		if _, err := strconv.ParseInt(e.Name(), 10, 64); err == nil && !e.IsDir() {
			files = append(files, filepath.Join(wal, e.Name()))
		}
	}
	sort.Slice(files, func(i, j int) bool { return numberOf(files[i]) < numberOf(files[j]) })
	return files
}

func numberOf(path string) int64 {
	n, _ := strconv.ParseInt(filepath.Base(path), 10, 64)
	return n
}

// memFile holds a small file in memory as a partition.File.
func memFile(name string, number int64, b []byte) partition.File {
	return partition.File{R: bytes.NewReader(b), Size: int64(len(b)), Name: name, Number: number}
}

func openFile(t testing.TB, path string) (partition.File, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return memFile(filepath.Base(path), numberOf(path), b), b
}

// lastIndexOf reads LastIndex from node.state (int64 LE at offset 16).
func lastIndexOf(t testing.TB, wal string) int64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(wal, "node.state"))
	if err != nil || len(b) < 24 {
		t.Fatalf("node.state of %s: %v (%d bytes)", wal, err, len(b))
	}
	return int64(binary.LittleEndian.Uint64(b[16:]))
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// payloadSHA hashes [off, off+n) of a file.
func payloadSHA(t testing.TB, f partition.File, off, n int64) string {
	t.Helper()
	h := sha256.New()
	if n > 0 {
		if _, err := io.Copy(h, io.NewSectionReader(f.R, off, n)); err != nil {
			t.Fatalf("payload [%d,+%d): %v", off, n, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// decodedLog is every partition of a fixture decoded with its true geometry.
type decodedLog struct {
	files   map[int64]partition.File
	decoded map[int64]partition.Decoded
}

func decodeFixture(t testing.TB, fx *fixture, lastIndex int64) decodedLog {
	t.Helper()
	dl := decodedLog{files: map[int64]partition.File{}, decoded: map[int64]partition.Decoded{}}
	for _, path := range partitionFiles(t, filepath.Join(fx.dir, "wal")) {
		f, _ := openFile(t, path)
		dl.files[f.Number] = f
		dl.decoded[f.Number] = Decode(f, fx.geometry(), lastIndex)
	}
	return dl
}

// slotOf returns the decoded slot of an absolute index.
func (dl decodedLog) slotOf(index, r int64) (partition.Slot, partition.File, bool) {
	d, ok := dl.decoded[index/r]
	if !ok {
		return partition.Slot{}, partition.File{}, false
	}
	return d.SlotAt(int64(index % r)), dl.files[index/r], true
}

func hasIssue(d partition.Decoded, code finding.Code) bool {
	for _, is := range d.Issues {
		if is.Code == code {
			return true
		}
	}
	return false
}

func worst(d partition.Decoded) partition.Severity {
	w := partition.Severity("")
	for _, is := range d.Issues {
		switch {
		case is.Severity == partition.Error:
			return partition.Error
		case is.Severity == partition.Warning:
			w = partition.Warning
		case w == "":
			w = partition.Info
		}
	}
	return w
}

func cmdID(r record.Record) string {
	if id := r.CommandID(); id != nil {
		return strconv.Itoa(int(*id))
	}
	return "none"
}

func wantID(id *int32) string {
	if id == nil {
		return "none"
	}
	return strconv.Itoa(int(*id))
}
