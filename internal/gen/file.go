package gen

import (
	"io"
	"os"
)

// writeBehind is the size of the one buffer a LogWriter lends to the
// partition file it has open: the codecs' writers hand over records and
// payloads of a few hundred bytes, and one system call per entry would make
// generating a GiB slower than reading it.
const writeBehind = 1 << 20

// seqFile is an *os.File behind one write-behind buffer. It is an io.Writer
// (appending at its own position) and an io.WriterAt; writes that continue
// the buffered run are coalesced, any other write flushes the run first, so
// the file sees the writes in the same order and holes stay holes.
type seqFile struct {
	f     *os.File
	buf   []byte
	start int64 // file offset of buf[0]
	pos   int64 // where the next Write goes
	err   error // sticky: a failed flush leaves the file incomplete
}

var (
	_ io.Writer   = (*seqFile)(nil)
	_ io.WriterAt = (*seqFile)(nil)
)

// createFile creates path (never overwriting a file) behind buf, which the
// caller lends for as long as the seqFile is open; a nil buf writes through.
func createFile(path string, buf []byte) (*seqFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	return &seqFile{f: f, buf: buf[:0]}, nil
}

func (s *seqFile) Write(p []byte) (int, error) {
	n, err := s.WriteAt(p, s.pos)
	s.pos += int64(n)
	return n, err
}

func (s *seqFile) WriteAt(p []byte, off int64) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	contiguous := off == s.start+int64(len(s.buf))
	if !contiguous || len(s.buf)+len(p) > cap(s.buf) {
		if err := s.flush(); err != nil {
			return 0, err
		}
		s.start = off
	}
	if len(p) > cap(s.buf) {
		n, err := s.f.WriteAt(p, off)
		s.start = off + int64(n)
		if err != nil {
			s.err = err
		}
		return n, err
	}
	s.buf = append(s.buf, p...)
	return len(p), nil
}

func (s *seqFile) flush() error {
	if len(s.buf) == 0 {
		return s.err
	}
	_, err := s.f.WriteAt(s.buf, s.start)
	s.start += int64(len(s.buf))
	s.buf = s.buf[:0]
	if err != nil && s.err == nil {
		s.err = err
	}
	return s.err
}

// Close flushes and closes the file.
func (s *seqFile) Close() error {
	err := s.flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}
