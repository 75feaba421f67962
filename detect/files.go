package detect

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
)

// canonical matches the partition names the library itself creates: decimal,
// no sign, no padding (spec §1.3). Anything else the library would map to
// another file name, so walctl reports it instead of reading it.
var canonical = regexp.MustCompile(`^(0|[1-9][0-9]{0,18})$`)

// numericish matches what the library's long.TryParse would accept as a
// partition name although it is not canonical ("007", "+7", " 7", "-1").
var numericish = regexp.MustCompile(`^\s*[+-]?[0-9]+\s*$`)

// PartitionFile is a canonical partition file found in a directory.
type PartitionFile struct {
	Number int64
	Name   string
	Path   string
	Size   int64
}

// NotRegular is a canonical partition name that holds something else than a
// regular file (a directory, a named pipe, a device, a socket).
type NotRegular struct {
	Number int64
	Name   string
	Kind   string // "directory", "named pipe (FIFO)", …
}

// Listing is what a PersistentState-looking directory contains.
type Listing struct {
	Dir          string
	Partitions   []PartitionFile // sorted by number
	NodeState    string          // path, "" if absent
	Snapshot     string          // path of "snapshot", "" if absent
	MetaFiles    []string        // 3.1–3.3 "N.meta" side files
	NonCanonical []string        // names the library parses as numbers but are not canonical
	WALMarkers   []string        // checkpoint, state, metadata/, data/
	NotRegular   []NotRegular    // partition names that are not regular files
	Other        []string
}

// List reads a directory without opening any file for writing.
func List(dir string) (*Listing, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	l := &Listing{Dir: dir}
	for _, e := range ents {
		name := e.Name()
		path := filepath.Join(dir, name)
		switch {
		case name == "node.state":
			l.NodeState = path
		case name == "snapshot":
			l.Snapshot = path
		case name == "checkpoint" || name == "state" || (e.IsDir() && (name == "metadata" || name == "data")):
			l.WALMarkers = append(l.WALMarkers, name)
		case canonical.MatchString(name):
			n, err := strconv.ParseInt(name, 10, 64)
			if err != nil {
				l.NonCanonical = append(l.NonCanonical, name)
				continue
			}
			info, err := os.Stat(path)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			if !info.Mode().IsRegular() {
				l.NotRegular = append(l.NotRegular, NotRegular{Number: n, Name: name, Kind: KindOf(info.Mode())})
				continue
			}
			l.Partitions = append(l.Partitions, PartitionFile{Number: n, Name: name, Path: path, Size: info.Size()})
		case filepath.Ext(name) == ".meta" && canonical.MatchString(name[:len(name)-5]):
			l.MetaFiles = append(l.MetaFiles, name)
		case numericish.MatchString(name):
			l.NonCanonical = append(l.NonCanonical, name)
		default:
			l.Other = append(l.Other, name)
		}
	}
	sort.Slice(l.Partitions, func(i, j int) bool { return l.Partitions[i].Number < l.Partitions[j].Number })
	return l, nil
}

// KindOf names a file mode that is not a regular file, as the operator
// knows it.
func KindOf(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&os.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeCharDevice != 0:
		return "character device"
	case m&os.ModeDevice != 0:
		return "block device"
	case m&os.ModeSymlink != 0:
		return "symbolic link"
	case m.IsRegular():
		return "regular file"
	}
	return "special file"
}

// ReadHead reads at most n bytes from the start of the regular file at path
// and returns them with the file's size. Anything but a regular file is an
// error: opening a named pipe would block walctl forever, and reading a
// device or a huge file whole would exhaust memory.
func ReadHead(path string, n int64) ([]byte, int64, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, 0, err
	}
	if !info.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s: not a regular file (a %s): replace it with the log's file or remove it",
			path, KindOf(info.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	b := make([]byte, min(n, info.Size()))
	m, err := io.ReadFull(f, b)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF { // EOF: the file shrank
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	return b[:m], info.Size(), nil
}
