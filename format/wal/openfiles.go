package wal

import (
	"fmt"
	"io/fs"
	"os"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/raftlog"
)

// The open-file limit (spec §2.2 and §8, "Open-file limit at open",
// VERIFIED with 6.12.0, SharedMemory): DotNext holds every page file of
// metadata/ and data/ open. A 500,000-entry log of 3,907 metadata pages and
// 191 data chunks (4,098 files) fails to open with IOException "Too many open
// files" under `ulimit -n` 1024 and 4096 and opens under 4200.
const (
	// UsualOpenFileLimit is the soft `ulimit -n` (and systemd LimitNOFILE)
	// most Linux hosts start a process with.
	UsualOpenFileLimit = 1024
	// OpenFileReserve is what the .NET process holds besides the page files,
	// rounded up from the measurement above (4,098 files need more than
	// 4,096 and at most 4,200).
	OpenFileReserve = 100
)

// OpenFiles counts the page files DotNext keeps open for a log.
type OpenFiles struct {
	MetadataPages int `json:"metadataPages"`
	DataChunks    int `json:"dataChunks"`
}

// Files is the number of page files the library holds open.
func (o OpenFiles) Files() int { return o.MetadataPages + o.DataChunks }

// Limit is the open-file limit the node needs to open the log.
func (o OpenFiles) Limit() int { return o.Files() + OpenFileReserve }

// OverUsual reports whether the log needs more than the usual limit of 1024.
func (o OpenFiles) OverUsual() bool { return o.Limit() > UsualOpenFileLimit }

// ChunksDominate reports whether the data chunks outnumber the metadata
// pages: only then does a larger ChunkSize (which changes nothing but the
// number of chunks) bring the count down much.
func (o OpenFiles) ChunksDominate() bool { return o.DataChunks > o.MetadataPages }

func (o OpenFiles) String() string {
	return fmt.Sprintf(
		"%d page files (%d metadata %s + %d data %s)",
		o.Files(),
		o.MetadataPages,
		plural(o.MetadataPages, "page", "pages"),
		o.DataChunks,
		plural(o.DataChunks, "chunk", "chunks"),
	)
}

// plural picks the singular or the plural form for n things (or subjects:
// " is" / " are").
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// OpenFiles counts the page files of the log.
func (l *Log) OpenFiles() OpenFiles {
	return OpenFiles{MetadataPages: len(l.sc.meta.nums), DataChunks: len(l.sc.data.nums)}
}

// CountOpenFiles counts the page files of the WriteAheadLog in dir without
// decoding it (for a log walctl has just written).
func CountOpenFiles(dir string) OpenFiles {
	fsys := os.DirFS(dir)
	return countPages(fsys)
}

func countPages(fsys fs.FS) OpenFiles {
	meta, data := listPages(fsys, "metadata"), listPages(fsys, "data")
	return OpenFiles{MetadataPages: len(meta.nums), DataChunks: len(data.nums)}
}

// openFileFinding is the many-chunk-files warning: the numbers apart, the
// limit the log needs, and the fixes that work for this log (spec §2.2).
func (l *Log) openFileFinding(c *checkPass) {
	of := l.OpenFiles()
	if !of.OverUsual() {
		return
	}
	per := l.slots.perPage
	file := "metadata"
	if of.ChunksDominate() {
		file = "data"
	}
	c.add(finding.ManyChunkFiles, "", file, -1, raftlog.NoIndex, finding.F{"files": of.String(), "limit": of.Limit(),
		"reserve": OpenFileReserve, "usual": UsualOpenFileLimit, "perPage": per, "chunk": l.Params.ChunkSize,
		"advice": l.openFileFix(of)})
}

// openFileFix names what brings the open files under the node's limit: the
// limit itself, a snapshot (the cleaner deletes the pages and chunks below
// it), and a larger ChunkSize only when the data chunks are most of the files.
func (l *Log) openFileFix(of OpenFiles) string {
	n := of.Limit()
	fix := fmt.Sprintf(
		"raise the node's open-file limit to at least %d (systemd LimitNOFILE=%d, or ulimit -n %d in the shell that starts it); or take a snapshot: the cleaner deletes the metadata pages and data chunks below it, leaving one metadata page per %d entries after the snapshot",
		n,
		n,
		n,
		l.slots.perPage,
	)
	if !of.ChunksDominate() {
		return fix + fmt.Sprintf(
			" (a larger ChunkSize would not help: %d of the %d files are metadata pages, whose size no option changes)",
			of.MetadataPages,
			of.Files(),
		)
	}
	const mib = 1 << 20
	if l.Params.ChunkSize < mib {
		chunks := (int64(of.DataChunks)*l.Params.ChunkSize + mib - 1) / mib
		return fix + fmt.Sprintf(
			"; or rewrite the data area with 1 MiB chunks (walctl convert --to wal --out-chunk-size 1048576 --out NEWDIR DIR, then configure ChunkSize = 1048576): about %d data chunks instead of %d",
			chunks,
			of.DataChunks,
		)
	}
	return fix + "; or rewrite the data area with a larger ChunkSize (walctl convert --to wal --out-chunk-size N --out NEWDIR DIR, then configure that ChunkSize)"
}
