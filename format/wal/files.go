package wal

import (
	"errors"
	"io"
	"io/fs"
	"math"
	"path"
	"sort"
	"strings"
	"sync"
)

// pageFile is one canonical page file of metadata/ or data/.
type pageFile struct {
	num  uint32
	name string // relative path, e.g. "data/4"
	size int64
}

// pageDir is the content of metadata/ or data/ (top level only).
type pageDir struct {
	dir     string // "metadata" or "data"
	exists  bool
	pages   map[uint32]pageFile
	nums    []uint32 // sorted page numbers
	odd     []string // numeric but non-canonical names ("007", "+7")
	foreign []string // names that are not numbers at all, and subdirectories
}

func (d *pageDir) get(n uint32) (pageFile, bool) {
	p, ok := d.pages[n]
	return p, ok
}

// maxPage is the highest page number, or -1.
func (d *pageDir) maxPage() int64 {
	if len(d.nums) == 0 {
		return -1
	}
	return int64(d.nums[len(d.nums)-1])
}

// parsePageName mirrors uint.TryParse(name, null) (NumberStyles.Integer):
// surrounding white space and a sign are accepted. canonical is true only
// for the decimal form the library itself creates.
func parsePageName(name string) (n uint32, canonical, ok bool) {
	v, neg, digits, ok := parseInteger(name, math.MaxUint32)
	if !ok || neg && v != 0 {
		return 0, false, false
	}
	canonical = name == digits && (len(digits) == 1 || digits[0] != '0')
	return uint32(v), canonical, true
}

// parseInteger reads an integer as .NET does with NumberStyles.Integer:
// white space around it, one sign, decimal digits, a magnitude of at most
// limit. digits is the number as written, without its sign and space.
func parseInteger(s string, limit uint64) (v uint64, neg bool, digits string, ok bool) {
	s = strings.Trim(s, " \t\n\v\f\r")
	switch {
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	case strings.HasPrefix(s, "-"):
		s, neg = s[1:], true
	}
	if s == "" {
		return 0, false, "", false
	}
	for _, c := range s {
		d := uint64(c - '0')
		if c < '0' || c > '9' || v > (limit-d)/10 { // the check before the product: no wrap-around
			return 0, false, "", false
		}
		v = v*10 + d
	}
	return v, neg, s, true
}

func listPages(fsys fs.FS, dir string) pageDir {
	d := pageDir{dir: dir, pages: map[uint32]pageFile{}}
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return d
	}
	d.exists = true
	for _, e := range ents {
		name := e.Name()
		n, canonical, ok := parsePageName(name)
		switch {
		case e.IsDir() || !ok:
			d.foreign = append(d.foreign, path.Join(dir, name))
			continue
		case !canonical:
			d.odd = append(d.odd, path.Join(dir, name))
			continue
		}
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			d.foreign = append(d.foreign, path.Join(dir, name))
			continue
		}
		d.pages[n] = pageFile{num: n, name: path.Join(dir, name), size: info.Size()}
		d.nums = append(d.nums, n)
	}
	sort.Slice(d.nums, func(i, j int) bool { return d.nums[i] < d.nums[j] })
	return d
}

// store reads files of the log directory on demand. It keeps a few handles
// open so that streaming over many chunks does not reopen files per read,
// and never more than maxHandles, so a log with thousands of chunk files
// does not exhaust the process's open-file limit.
type store struct {
	fsys    fs.FS
	mu      sync.Mutex
	handles map[string]fs.File
	order   []string
}

const maxHandles = 16

var errNotReaderAt = errors.New("wal: file system does not support positional reads")

func newStore(fsys fs.FS) *store { return &store{fsys: fsys, handles: map[string]fs.File{}} }

func (s *store) file(name string) (io.ReaderAt, error) {
	if f, ok := s.handles[name]; ok {
		return f.(io.ReaderAt), nil
	}
	f, err := s.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	ra, ok := f.(io.ReaderAt)
	if !ok {
		f.Close()
		return nil, errNotReaderAt
	}
	if len(s.order) >= maxHandles {
		old := s.order[0]
		s.order = s.order[1:]
		s.handles[old].Close()
		delete(s.handles, old)
	}
	s.handles[name] = f
	s.order = append(s.order, name)
	return ra, nil
}

// readAt fills b from name at off and returns how many bytes were read
// (short at end of file). Errors other than EOF are returned.
func (s *store) readAt(name string, b []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ra, err := s.file(name)
	if err != nil {
		return 0, err
	}
	n, err := ra.ReadAt(b, off)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return n, err
}

func (s *store) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.handles {
		f.Close()
	}
	s.handles = map[string]fs.File{}
	s.order = nil
}

// fileSize returns the size of a regular file, or -1 when it does not exist
// or is not a regular file.
func fileSize(fsys fs.FS, name string) int64 {
	info, err := fs.Stat(fsys, name)
	if err != nil || !info.Mode().IsRegular() {
		return -1
	}
	return info.Size()
}

// readHead reads up to n bytes from the start of a file.
func readHead(fsys fs.FS, name string, n int) []byte {
	f, err := fsys.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	b := make([]byte, n)
	m, _ := io.ReadFull(f, b)
	return b[:m]
}
