package gen_test

// An external test package: cmd imports repair, which imports gen, so only
// gen_test may import cmd.

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/walctl/walctl/cmd"
	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/legacy"
	"github.com/walctl/walctl/format/partition"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/format/record"
	"github.com/walctl/walctl/format/sparse"
	v2 "github.com/walctl/walctl/format/v2"
	"github.com/walctl/walctl/internal/gen"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/raftlog"
	"github.com/walctl/walctl/verify"
)

// Benchmarks of the read path on generated logs (entries of 100–700 bytes,
// R = 10000): one partition decoded by each codec, and the whole-log passes
// verify and inspect make. Run with
//
//	go test -run '^$' -bench . -benchtime 20x ./internal/gen
//
// MB/s is partition-file bytes per second.

// benchLogs caches the generated logs for the whole test binary: each
// benchmark function runs several times with growing b.N.
var benchLogs struct {
	sync.Mutex
	root string
	dirs map[string]string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchLogs.root != "" {
		os.RemoveAll(benchLogs.root)
	}
	os.Exit(code)
}

// benchLog returns the directory of the log of s, generating it once.
func benchLog(b *testing.B, name string, s gen.Spec) string {
	b.Helper()
	benchLogs.Lock()
	defer benchLogs.Unlock()
	if dir, ok := benchLogs.dirs[name]; ok {
		return dir
	}
	if benchLogs.root == "" {
		root, err := os.MkdirTemp("", "walctl-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchLogs.root, benchLogs.dirs = root, map[string]string{}
	}
	dir := filepath.Join(benchLogs.root, name)
	if _, err := gen.Generate(dir, s); err != nil {
		b.Fatal(err)
	}
	benchLogs.dirs[name] = dir
	return dir
}

func benchSpec(fm format.Format) gen.Spec {
	s := gen.Spec{Config: ps.Config{Format: fm, R: gen.DefaultR}, SizeMin: 100, SizeMax: 700, Seed: 1}
	if fm == format.Sparse {
		s.M = s.SizeMax
	}
	return s
}

func geometryOf(s gen.Spec) partition.Geometry { return partition.Geometry{R: s.R, M: s.M} }

type codec func(f partition.File, g partition.Geometry, lastIndex int64) partition.Decoded

// BenchmarkDecode decodes partition 1 of a log of 2R−1 entries: a full
// partition of R entries (sealed in v2), read through a CachedReader over
// the *os.File, as logdir reads it (a fresh one per decode, as logdir opens
// each partition afresh).
func BenchmarkDecode(b *testing.B) {
	codecs := map[format.Format]codec{format.Legacy: legacy.Decode, format.V2: v2.Decode, format.Sparse: sparse.Decode}
	for _, fm := range []format.Format{format.Legacy, format.V2, format.Sparse} {
		b.Run(string(fm), func(b *testing.B) {
			s := benchSpec(fm)
			s.Entries = 2*s.R - 1
			dir := benchLog(b, "decode-"+string(fm), s)
			h, err := os.Open(filepath.Join(dir, "1"))
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			info, err := h.Stat()
			if err != nil {
				b.Fatal(err)
			}
			f := partition.File{R: partition.NewCachedReader(h, info.Size()), Size: info.Size(), Name: "1", Number: 1}
			decode := codecs[fm]
			if d := decode(f, geometryOf(s), s.Entries); len(d.Issues) > 0 || int64(len(d.Slots)) != s.R ||
				d.Slots[s.R-1].Kind != partition.Written {
				b.Fatalf("generated partition decodes with issues %v", d.Issues)
			}
			b.SetBytes(f.Size)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				f.R = partition.NewCachedReader(h, info.Size())
				decode(f, geometryOf(s), s.Entries)
			}
		})
	}
}

// replayLog is a 16 MiB log of the format, opened.
func replayLog(b *testing.B, fm format.Format) (*logdir.Log, int64) {
	s := benchSpec(fm)
	s.TargetBytes = 16 << 20
	dir := benchLog(b, "replay-"+string(fm), s)
	l, err := logdir.Open(dir, logdir.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	var size int64
	for _, p := range l.Partitions {
		size += p.Bytes
	}
	return l, size
}

func boundsOf(l *logdir.Log) raftlog.Bounds {
	s := l.State
	return raftlog.Bounds{File: s.File, Term: s.Term, Commit: s.CommitIndex, Applied: s.LastApplied, Last: s.LastIndex,
		EntriesFrom: 1, KnownGaps: l.KnownGaps()}
}

// BenchmarkReplay is the replay verify and inspect run: raftlog.Replay over
// logdir.Entries of a whole log (every partition decoded, no payload read).
func BenchmarkReplay(b *testing.B) {
	for _, fm := range []format.Format{format.Legacy, format.V2} {
		b.Run(string(fm), func(b *testing.B) {
			l, size := replayLog(b, fm)
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				rp := raftlog.NewReplay(boundsOf(l))
				if err := l.Entries(l.First, l.Last, func(e raftlog.Entry) bool { rp.Add(e); return true }); err != nil {
					b.Fatal(err)
				}
				sum, fs := rp.Finish()
				if sum.Entries != l.Last || len(fs) > 0 {
					b.Fatalf("replay: %d entries of %d, findings %v", sum.Entries, l.Last, fs)
				}
			}
		})
	}
}

// BenchmarkOpen is logdir.Open: detection, node.state and the scan that
// decodes every partition once for the partition table and the findings.
func BenchmarkOpen(b *testing.B) {
	for _, fm := range []format.Format{format.Legacy, format.V2} {
		b.Run(string(fm), func(b *testing.B) {
			l, size := replayLog(b, fm)
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				o, err := logdir.Open(l.Dir, logdir.Options{})
				if err != nil {
					b.Fatal(err)
				}
				o.Close()
			}
		})
	}
}

// BenchmarkVerify is the whole verify command without printing: Open,
// replay, findings.
func BenchmarkVerify(b *testing.B) {
	for _, fm := range []format.Format{format.Legacy, format.V2} {
		b.Run(string(fm), func(b *testing.B) {
			l, size := replayLog(b, fm)
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				doc, err := verify.Dir(l.Dir, verify.Options{Options: logdir.Options{}})
				if err != nil || doc.Verdict != "ok" {
					b.Fatalf("verify: %v %+v", err, doc)
				}
			}
		})
	}
}

// BenchmarkFloor is the least any verify of the log can do, for scale
// beside BenchmarkVerify: read every partition file, and in a Table file
// follow the inline chain (each record's Offset+Length is the next one's
// place) or in a legacy file read the prologue's records, checking nothing
// else and keeping nothing.
func BenchmarkFloor(b *testing.B) {
	for _, fm := range []format.Format{format.Legacy, format.V2} {
		b.Run(string(fm), func(b *testing.B) {
			l, size := replayLog(b, fm)
			b.SetBytes(size)
			buf := make([]byte, 8<<20)
			b.ResetTimer()
			for range b.N {
				var records int64
				for _, p := range l.Partitions {
					h, err := os.Open(filepath.Join(l.Dir, p.File))
					if err != nil {
						b.Fatal(err)
					}
					n := int64(p.Bytes)
					if fm == format.Legacy {
						n = min(n, l.R*record.Size) // the prologue
					}
					got, _ := h.ReadAt(buf[:n], 0)
					h.Close()
					records += floorRecords(fm, buf[:got])
				}
				if records < l.Last-1 {
					b.Fatalf("%d records of %d entries", records, l.Last)
				}
			}
		})
	}
}

// floorRecords counts the records BenchmarkFloor passes in b.
func floorRecords(fm format.Format, b []byte) (n int64) {
	if fm == format.Legacy {
		for off := 0; off+record.Size <= len(b); off += record.Size {
			if record.Decode(b[off:]).Length > 0 {
				n++
			}
		}
		return n
	}
	for pos := int64(v2.HeaderSize); pos+record.Size <= int64(len(b)); n++ {
		rec := record.Decode(b[pos:])
		if rec.IsZero() && pos == v2.HeaderSize {
			pos += record.Size // partition 0: index 0's empty window
			continue
		}
		if rec.Offset != pos+record.Size || rec.Length < 0 || rec.Offset+rec.Length > int64(len(b)) {
			break
		}
		pos = rec.Offset + rec.Length
	}
	return n
}

// BenchmarkGenerate is the generator's own write speed (page cache).
func BenchmarkGenerate(b *testing.B) {
	for _, fm := range []format.Format{format.Legacy, format.V2, format.Sparse} {
		b.Run(string(fm), func(b *testing.B) {
			s := benchSpec(fm)
			s.TargetBytes = 8 << 20
			b.ReportAllocs()
			var size int64
			for range b.N {
				res, err := gen.Generate(b.TempDir(), s)
				if err != nil {
					b.Fatal(err)
				}
				size = res.FileBytes
			}
			b.SetBytes(size)
		})
	}
}

// BenchmarkInspectRedacted is `walctl inspect --entries --json --payload
// redacted DIR` (every payload hashed), output discarded.
func BenchmarkInspectRedacted(b *testing.B) {
	for _, fm := range []format.Format{format.Legacy, format.V2} {
		b.Run(string(fm), func(b *testing.B) {
			l, size := replayLog(b, fm)
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				var errs bytes.Buffer
				if code := cmd.Main([]string{"walctl", "inspect", "--entries", "--json", "--payload", "redacted", l.Dir}, io.Discard, &errs); code != 0 {
					b.Fatalf("inspect exit %d: %s", code, errs.String())
				}
			}
		})
	}
}

// BenchmarkConvert is `walctl convert --to=<other> --out NEW DIR`.
func BenchmarkConvert(b *testing.B) {
	for _, fm := range []format.Format{format.Legacy, format.V2} {
		b.Run(string(fm), func(b *testing.B) {
			l, size := replayLog(b, fm)
			to := map[format.Format]format.Format{format.Legacy: format.V2, format.V2: format.Legacy}[fm]
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				out := filepath.Join(b.TempDir(), "out")
				b.StartTimer()
				var errs bytes.Buffer
				if code := cmd.Main([]string{"walctl", "convert", "--to=" + string(to), "--out", out, l.Dir}, io.Discard, &errs); code != 0 {
					b.Fatalf("convert exit %d: %s", code, errs.String())
				}
			}
		})
	}
}
