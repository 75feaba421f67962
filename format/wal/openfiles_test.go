package wal

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/raftlog"
)

// pageDirFS is a WriteAheadLog directory of zero-filled page files of the
// right sizes (one shared buffer each: no disk, little memory), with a
// version-1 checkpoint at 0 and an empty state: enough for the open-file
// count, whatever the pages hold.
func pageDirFS(t *testing.T, pages, chunks int, chunkSize int64) fstest.MapFS {
	t.Helper()
	cp, err := EncodeCheckpoint(CheckpointV1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"checkpoint": {Data: cp}, "state": {Data: make([]byte, StateSize)}}
	page, chunk := make([]byte, 4096), make([]byte, chunkSize)
	for i := range pages {
		fsys[fmt.Sprintf("metadata/%d", i)] = &fstest.MapFile{Data: page}
	}
	for i := range chunks {
		fsys[fmt.Sprintf("data/%d", i)] = &fstest.MapFile{Data: chunk}
	}
	return fsys
}

func manyFiles(t *testing.T, l *Log) (raftlog.Finding, bool) {
	t.Helper()
	for _, f := range l.Check() {
		if f.Code == finding.ManyChunkFiles {
			return f, true
		}
	}
	return raftlog.Finding{}, false
}

// The open-file warning counts metadata pages and data chunks apart, names
// the limit the log needs (files + 100) and the fixes that work: the shape
// of the measured 500,000-entry log (3,907 pages, 191 chunks of 1 MiB:
// 6.12.0 fails under 1024 and 4096, opens under 4200) gets no ChunkSize
// advice; a log of 4 KiB chunks does; a log that fits 1024 gets nothing.
func TestOpenFileLimit(t *testing.T) {
	tests := []struct {
		name          string
		pages, chunks int
		chunkSize     int64
		want          []string // in message or fix; nil: no finding
		not           []string
	}{
		{name: "measured 500,000-entry log", pages: 3907, chunks: 191, chunkSize: 1 << 20,
			want: []string{"4098 page files (3907 metadata pages + 191 data chunks)", "about 4198", "LimitNOFILE=4198",
				"ulimit -n 4198", "take a snapshot", "128 entries each", "a larger ChunkSize would not help: 3907 of the 4098"},
			not: []string{"--chunk-size"}},
		{name: "chunks dominate", pages: 2, chunks: 1200, chunkSize: 4096,
			want: []string{"1202 page files (2 metadata pages + 1200 data chunks)", "about 1302", "LimitNOFILE=1302",
				"--out-chunk-size 1048576", "about 5 data chunks instead of 1200"}},
		{name: "just over: 925 files need 1025", pages: 900, chunks: 25, chunkSize: 4096,
			want: []string{"925 page files", "about 1025"}},
		{name: "924 files fit 1024", pages: 900, chunks: 24, chunkSize: 4096},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := OpenFS(pageDirFS(t, tc.pages, tc.chunks, tc.chunkSize), Options{ChunkSize: tc.chunkSize})
			if err != nil {
				t.Fatal(err)
			}
			of := l.OpenFiles()
			if of.MetadataPages != tc.pages || of.DataChunks != tc.chunks || of.Limit() != tc.pages+tc.chunks+100 {
				t.Fatalf("counted %+v (limit %d)", of, of.Limit())
			}
			f, found := manyFiles(t, l)
			if found != (tc.want != nil) || of.OverUsual() != found {
				t.Fatalf("finding %v (%+v), want one: %v", found, f, tc.want != nil)
			}
			text := f.Message + " | " + f.Fix
			for _, s := range tc.want {
				if !strings.Contains(text, s) {
					t.Errorf("lacks %q:\n%s", s, text)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(text, s) {
					t.Errorf("has %q:\n%s", s, text)
				}
			}
			if found && f.Severity != raftlog.Warning {
				t.Errorf("severity %s", f.Severity)
			}
		})
	}
}
