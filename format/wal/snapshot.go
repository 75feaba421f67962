package wal

import (
	"fmt"
	"io/fs"
	"math"
	"path"
	"sort"
	"strings"

	"github.com/walctl/walctl/raftlog"
)

// SnapshotRecordFile records, in the log root, the snapshot a log starts after when
// no snapshot file holds it: walctl convert --no-snapshot writes it, so
// that walctl reads the output at the index the node's own state machine
// restores. The WriteAheadLog keeps no snapshot itself (the state machine
// does, spec §6.1) and the library never reads this file. Layout, ASCII:
//
//	"index <S> term <T>\n"    S, T decimal int64, S ≥ 1
const SnapshotRecordFile = "walctl.snapshot"

// EncodeSnapshotRecord is the content of RecordFile for snapshot index s, term t.
func EncodeSnapshotRecord(s, t int64) []byte { return []byte(fmt.Sprintf("index %d term %d\n", s, t)) }

// readRecord reads SnapshotRecordFile; ok is false when it is missing or not one
// line of the layout above.
func readRecord(fsys fs.FS) (raftlog.SnapshotMeta, bool) {
	b, err := fs.ReadFile(fsys, SnapshotRecordFile)
	if err != nil || len(b) > 64 {
		return raftlog.SnapshotMeta{}, false
	}
	var s, t int64
	var rest string
	n, _ := fmt.Sscanf(string(b), "index %d term %d%s", &s, &t, &rest)
	if n != 2 || s < 1 || t < 0 || string(EncodeSnapshotRecord(s, t)) != string(b) {
		return raftlog.SnapshotMeta{}, false
	}
	return raftlog.SnapshotMeta{Index: s, Term: t}, true
}

// DefaultSnapshotDir is the conventional SimpleStateMachine directory
// (<root>/db in the library's examples and tests, spec §1.3).
const DefaultSnapshotDir = "db"

// snapshotDir is what SimpleStateMachine.RestoreAsync would see (spec §6.2).
type snapshotDir struct {
	dir    string // relative to the log root, slash-separated
	exists bool
	files  []raftlog.SnapshotMeta // valid <index>-<term> files, by index
	bad    []string               // *-* names RestoreAsync throws on
	tmp    []string               // abandoned <random>.tmp files (6.6.5+)
	// recorded is the snapshot SnapshotRecordFile names, when no file holds one
	// (File is "": there are no snapshot bytes).
	recorded *raftlog.SnapshotMeta
}

// newest is the snapshot the state machine restores: the largest index.
func (d snapshotDir) newest() *raftlog.SnapshotMeta {
	if len(d.files) == 0 {
		if d.recorded != nil {
			s := *d.recorded
			return &s
		}
		return nil
	}
	s := d.files[len(d.files)-1]
	return &s
}

// parseLong mirrors long.Parse with NumberStyles.Integer.
func parseLong(s string) (int64, bool) {
	v, neg, _, ok := parseInteger(s, math.MaxInt64+1)
	switch {
	case !ok:
		return 0, false
	case neg:
		return int64(-v), true // -2^63 wraps to itself, which is right
	case v > math.MaxInt64:
		return 0, false
	}
	return int64(v), true
}

// parseSnapshotName splits "<index>-<term>" like the library (exactly two
// parts around '-', each a long).
func parseSnapshotName(name string) (index, term int64, ok bool) {
	parts := strings.Split(name, "-")
	if len(parts) != 2 {
		return 0, 0, false
	}
	index, ok1 := parseLong(parts[0])
	term, ok2 := parseLong(parts[1])
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	return index, term, true
}

func scanSnapshotDir(fsys fs.FS, dir string) snapshotDir {
	d := snapshotDir{dir: dir}
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return d
	}
	d.exists = true
	for _, e := range ents {
		name := e.Name()
		rel := path.Join(dir, name)
		if e.IsDir() {
			continue
		}
		if strings.HasSuffix(name, ".tmp") && !strings.Contains(name, "-") {
			d.tmp = append(d.tmp, rel)
			continue
		}
		if !strings.Contains(name, "-") {
			continue
		}
		index, term, ok := parseSnapshotName(name)
		if !ok {
			d.bad = append(d.bad, rel)
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		d.files = append(d.files, raftlog.SnapshotMeta{Index: index, Term: term, Length: info.Size(), File: rel})
	}
	sort.SliceStable(d.files, func(i, j int) bool { return d.files[i].Index < d.files[j].Index })
	return d
}

// findSnapshotDir picks the snapshot directory: the configured one, else
// "db", else the first other subdirectory holding <index>-<term> files,
// else "db" (which then does not exist: S = 0).
func findSnapshotDir(fsys fs.FS, configured string) snapshotDir {
	if configured != "" {
		return scanSnapshotDir(fsys, path.Clean(configured))
	}
	if d := scanSnapshotDir(fsys, DefaultSnapshotDir); d.exists {
		return d
	}
	ents, _ := fs.ReadDir(fsys, ".")
	for _, e := range ents {
		if !e.IsDir() || e.Name() == "metadata" || e.Name() == "data" {
			continue
		}
		if d := scanSnapshotDir(fsys, e.Name()); len(d.files) > 0 {
			return d
		}
	}
	return snapshotDir{dir: DefaultSnapshotDir}
}
