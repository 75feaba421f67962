package wal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/walctl/walctl/format/partition"
)

// Bounds on what the detector will take as a page or chunk size: powers of
// two, 4096 at least; a metadata page is cached whole, so it is capped lower.
const (
	minPageSize     = 4096
	maxMetaPageSize = 1 << 20
	maxChunkSize    = 1 << 30 // Options.ChunkSize is a .NET int
)

// Detection effort bounds: the detector scores a sample of slots and hashes
// a bounded number of payload bytes, so its cost does not grow with the log.
const (
	detectSampleHalf = 1024
	detectHashBudget = 64 << 20
)

// ErrNotWAL is returned when a directory has none of the WAL's files.
var ErrNotWAL = errors.New("wal: not a WriteAheadLog directory (no metadata/, data/, checkpoint or state)")

// dirScan is everything listed or read from a log directory before decoding.
type dirScan struct {
	fsys        fs.FS
	st          *store
	meta, data  pageDir
	cp          Checkpoint
	stateHead   []byte
	stateSize   int64 // -1 when missing
	snap        snapshotDir
	nodeState   bool     // a PersistentState node.state in the root
	rootNumeric []string // numeric files in the root (PersistentState partitions)
}

func scanDir(fsys fs.FS, o Options) (*dirScan, error) {
	sc := &dirScan{fsys: fsys, st: newStore(fsys), stateSize: -1}
	sc.meta = listPages(fsys, "metadata")
	sc.data = listPages(fsys, "data")
	if size := fileSize(fsys, "checkpoint"); size >= 0 {
		sc.cp = DecodeCheckpoint(readHead(fsys, "checkpoint", CheckpointV1), size)
	} else {
		sc.cp = Checkpoint{Form: -2, Valid6x: true, HasL: true, Version: 1}
	}
	if size := fileSize(fsys, "state"); size >= 0 {
		sc.stateSize = size
		sc.stateHead = readHead(fsys, "state", StateSize)
	}
	sc.nodeState = fileSize(fsys, "node.state") >= 0
	if ents, err := fs.ReadDir(fsys, "."); err == nil {
		for _, e := range ents {
			if _, _, ok := parsePageName(e.Name()); ok && !e.IsDir() {
				sc.rootNumeric = append(sc.rootNumeric, e.Name())
			}
		}
	} else {
		return nil, fmt.Errorf("wal: %w", err)
	}
	if !sc.meta.exists && !sc.data.exists && !sc.cp.Present && sc.stateSize < 0 {
		return nil, ErrNotWAL
	}
	sc.snap = scanSnapshots(fsys, o.SnapshotDir)
	if len(sc.snap.files) == 0 {
		if rec, ok := readRecord(fsys); ok {
			sc.snap.recorded = &rec
		}
	}
	return sc, nil
}

// scanSnapshots handles an absolute snapshot directory outside the log root.
func scanSnapshots(fsys fs.FS, dir string) snapshotDir {
	if dir == "" || !filepath.IsAbs(dir) {
		return findSnapshotDir(fsys, filepath.ToSlash(dir))
	}
	d := scanSnapshotDir(os.DirFS(dir), ".")
	d.dir = dir
	for i := range d.files {
		d.files[i].File = filepath.Join(dir, d.files[i].File)
	}
	return d
}

// IsWAL reports whether dir looks like a WriteAheadLog root (spec §10.1):
// metadata/ and data/ directories, a checkpoint or state file, and no
// PersistentState node.state.
func IsWAL(dir string) bool {
	fsys := os.DirFS(dir)
	meta, data := listPages(fsys, "metadata"), listPages(fsys, "data")
	if !meta.exists || !data.exists || fileSize(fsys, "node.state") >= 0 {
		return false
	}
	return fileSize(fsys, "checkpoint") >= 0 || fileSize(fsys, "state") >= 0
}

// Detect finds the layout parameters of the WAL in dir (spec §10.4).
// Options that are set are taken as given.
func Detect(dir string, o Options) (Params, error) {
	sc, err := scanDir(os.DirFS(dir), o)
	if err != nil {
		return Params{}, err
	}
	defer sc.st.close()
	return detect(sc, o)
}

// sizeVote returns the most common file size among the pages that is a power
// of two within [lo, hi] (ties: the larger), and how many files have another
// non-zero size.
func sizeVote(d *pageDir, lo, hi int64) (size int64, votes, others int) {
	count := map[int64]int{}
	for _, n := range d.nums {
		s := d.pages[n].size
		if s >= lo && s <= hi && s&(s-1) == 0 {
			count[s]++
		}
	}
	for s, c := range count {
		if c > votes || (c == votes && s > size) {
			size, votes = s, c
		}
	}
	for _, n := range d.nums {
		if s := d.pages[n].size; s != 0 && s != size {
			others++
		}
	}
	return size, votes, others
}

// pickSize chooses the size of one kind of page file: the option's
// (given), else the size most files have (sizeVote), else 4096; ev says
// why, in words.
func pickSize(d *pageDir, hi, given int64, what, none string) (size int64, ev string, votes, others int) {
	size, votes, others = sizeVote(d, minPageSize, hi)
	switch {
	case given > 0:
		return given, fmt.Sprintf("%s %d set by options", what, given), votes, others
	case votes == 0:
		return minPageSize, none, votes, others
	case others > 0:
		return size, fmt.Sprintf("%s %d (%d files; %d of another size)", what, size, votes, others), votes, others
	}
	return size, fmt.Sprintf("%s %d (all %d files)", what, size, votes), votes, others
}

// startParams fixes chunk size, page size and snapshot directory, the
// parameters read from file sizes and names (spec §10.4 steps 1 and 3).
func startParams(sc *dirScan, o Options) (Params, []string, partition.Confidence) {
	p := Params{CheckpointForm: sc.cp.Form, SnapshotDir: sc.snap.dir}
	var ev []string
	conf := VeryHigh
	var e string
	var votes, others int
	p.PageSize, e, votes, _ = pickSize(&sc.meta, maxMetaPageSize, o.PageSize, "metadata page size",
		"no full-size metadata page: page size 4096 assumed")
	ev = append(ev, e)
	p.ChunkSize, e, votes, others = pickSize(&sc.data, maxChunkSize, o.ChunkSize, "chunk size",
		"no data chunk of a power-of-two size: chunk size 4096 assumed")
	ev = append(ev, e)
	switch {
	case o.ChunkSize > 0:
	case votes == 0:
		conf = Low
	case others > 0:
		conf = Medium
	}
	if s := sc.snap.newest(); s != nil {
		ev = append(ev, fmt.Sprintf("snapshot %s: S = %d", s.File, s.Index))
	}
	return p, ev, conf
}

// candidate is one slot layout of spec §10.4 step 4.
type candidate struct {
	recordSize int64
	slotSize   int64
	hash       HashAlg
}

func (c candidate) String() string {
	if c.hash == HashNone {
		return fmt.Sprintf("%d-byte record in %d-byte slots", c.recordSize, c.slotSize)
	}
	return fmt.Sprintf("%d-byte record + %s in %d-byte slots", c.recordSize, c.hash.LibraryName(), c.slotSize)
}

// interpScore counts what one record interpretation makes of the scored slots.
type interpScore struct {
	valid    int // structurally valid, payload inside existing chunks
	chained  int // Offset equal to the previous entry's End
	ticks    int // 40-byte record: plausible UTC ticks
	boundary int // starts at a chunk boundary after a gap (fixed #292 placement)
	verify   [len(hashNames)]int
}

// viewScore scores the slots of one slot size.
type viewScore struct {
	slotSize int64
	n        int  // non-zero slots scored
	fallback bool // scored every existing slot: the live range had < 3
	interp   [2]interpScore
}

// recordSizes are the interpretations tried in a view: 32 then 40 bytes.
var recordSizes = [2]int64{RecordSize6, RecordSize5}

// liveBounds returns (S, T] as the checkpoint gives it to a 6.x reader (or
// to every reader for the 8-byte and empty forms). A torn file whose version
// a 6.x reader rejects gives no range; scoring then falls back to all slots.
func liveBounds(sc *dirScan) (s, t int64) {
	if snap := sc.snap.newest(); snap != nil && snap.Index > 0 {
		s = clampIndex(snap.Index)
	}
	t = s
	if sc.cp.Valid6x {
		t = max(s, sc.cp.C)
		if sc.cp.HasL {
			t = max(t, sc.cp.L)
		}
	}
	return s, clampIndex(t)
}

func scoreView(sc *dirScan, dr *dataReader, pageSize, slotSize, s, t int64, budget *int64) viewScore {
	v := viewScore{slotSize: slotSize}
	sr := newSlotReader(sc.st, &sc.meta, pageSize, slotSize, RecordSize6)
	var scored []slot
	collect := func(from, to int64, limit int) {
		sr.walk(from, to, func(sl slot) bool {
			if !sl.zero {
				scored = append(scored, sl)
			}
			return len(scored) < limit
		}, nil)
	}
	if t-s <= 2*detectSampleHalf {
		collect(s+1, t, 2*detectSampleHalf)
	} else {
		collect(s+1, s+detectSampleHalf, detectSampleHalf)
		collect(t-detectSampleHalf+1, t, 2*detectSampleHalf)
	}
	if len(scored) < 3 {
		v.fallback = true
		scored = scored[:0]
		if top := sc.meta.maxPage(); top >= 0 {
			collect(0, sr.firstIndexOf(top+1)-1, 2*detectSampleHalf)
		}
	}
	for k, r := range recordSizes {
		if r > slotSize {
			continue
		}
		v.interp[k] = scoreInterp(scored, dr, r, slotSize, s, budget)
	}
	v.n = len(scored)
	return v
}

// scoreInterp scores the slots read with one record size.
func scoreInterp(scored []slot, dr *dataReader, recordSize, slotSize, s int64, budget *int64) interpScore {
	var sc interpScore
	prevIndex, prevEnd := int64(-2), int64(-1)
	for _, sl := range scored {
		rec, _ := DecodeRecord(sl.raw[:], recordSize)
		ok := recordProblem(rec) == nil && (rec.Flags&FlagHasID != 0 || rec.ID == 0) &&
			inData(dr, rec.Offset, rec.Length, sl.index > 0 && sl.index <= s)
		ticks := recordSize == RecordSize5 && plausibleTicks(rec.Timestamp)
		if recordSize == RecordSize5 && !ticks && rec.Timestamp != 0 {
			ok = false
		}
		if !ok {
			prevIndex = -2
			continue
		}
		sc.valid++
		if ticks {
			sc.ticks++
		}
		if sl.index == prevIndex+1 {
			switch {
			case rec.Offset == prevEnd:
				sc.chained++
			case rec.Offset > prevEnd && rec.Offset%dr.chunkSize == 0:
				sc.boundary++
			}
		}
		prevIndex, prevEnd = sl.index, rec.Offset+rec.Length
		if slotSize > recordSize && *budget > 0 {
			*budget -= rec.Length
			verifyAll(&sc, sl, recordSize, dr)
		}
	}
	return sc
}

// inData reports whether a payload lies in the data area: inside existing
// chunks, or for slots ≤ S (whose chunks the cleaner may have deleted) at
// least below the end of the last chunk.
func inData(dr *dataReader, offset, length int64, belowSnapshot bool) bool {
	if !belowSnapshot {
		return dr.covered(offset, length)
	}
	limit := (dr.data.maxPage() + 1) * dr.chunkSize
	return offset >= 0 && length >= 0 && offset <= limit && length <= limit-offset
}

// verifyAll checks the stored hash of one slot against every algorithm,
// reading the payload once.
func verifyAll(sc *interpScore, sl slot, recordSize int64, dr *dataReader) {
	r, _ := DecodeRecord(sl.raw[:], recordSize)
	view := dr.locate(r.Offset, r.Length)
	if view.avail != r.Length {
		return
	}
	var hs []hasher
	var ws []io.Writer
	for _, h := range hashAlgs {
		d := newHasher(h)
		hs = append(hs, d)
		ws = append(ws, d)
	}
	if dr.copySpans(view.spans, io.MultiWriter(ws...)) != nil {
		return
	}
	for k, h := range hashAlgs {
		hs[k].Write(sl.raw[:recordSize])
		stored := sl.raw[recordSize : recordSize+h.Size()]
		if bytes.Equal(hs[k].sum(), stored) {
			sc.verify[h]++
		}
	}
}

// detect runs spec §10.4.
func detect(sc *dirScan, o Options) (Params, error) {
	p, ev, chunkConf := startParams(sc, o)
	hashOpt, hashDetect, ok := ParseHash(o.Hash)
	if !ok {
		return p, fmt.Errorf("wal: unknown hash algorithm %q", o.Hash)
	}
	if o.Layout != "" && RecordSizeOf(o.Layout) == 0 {
		return p, fmt.Errorf("wal: unknown record layout %q (want %q or %q)", o.Layout, Layout6, Layout5)
	}
	if o.SlotSize != 0 && o.SlotSize != 32 && o.SlotSize != 64 {
		return p, fmt.Errorf("wal: unsupported slot size %d (32 or 64)", o.SlotSize)
	}
	if err := checkSizes(p); err != nil {
		return p, err
	}
	s, t := liveBounds(sc)
	dr := &dataReader{st: sc.st, data: &sc.data, chunkSize: p.ChunkSize}
	budget := int64(detectHashBudget)
	views := map[int64]viewScore{}
	for _, size := range []int64{32, 64} {
		views[size] = scoreView(sc, dr, p.PageSize, size, s, t, &budget)
	}
	allowed := func(c candidate) bool {
		return (o.Layout == "" || RecordSizeOf(o.Layout) == c.recordSize) &&
			(o.SlotSize == 0 || o.SlotSize == c.slotSize) &&
			(hashDetect || hashOpt == c.hash)
	}
	choice, conf, why := decide(views, allowed)
	p.RecordSize, p.SlotSize, p.Hash = choice.recordSize, choice.slotSize, choice.hash
	p.Layout = Layout6
	view := views[choice.slotSize]
	is := view.interp[0]
	if choice.recordSize == RecordSize5 {
		p.Layout = Layout5
		is = view.interp[1]
		p.Timestamps = TicksZero
		if 2*is.ticks > is.valid {
			p.Timestamps = TicksUTC
		}
		why = append(
			why,
			fmt.Sprintf(
				"timestamps: %d of %d valid slots hold plausible UTC ticks (%s)",
				is.ticks,
				is.valid,
				map[string]string{TicksUTC: "5.x writer", TicksZero: "6.x writer with IgnoreTimestamp=false"}[p.Timestamps],
			),
		)
	}
	p.FixedPlacements = is.boundary
	if is.boundary > 0 {
		why = append(
			why,
			fmt.Sprintf(
				"%d entries start at a chunk boundary after a gap (fixed #292 placement: a 6.6.5+ writer, or records walctl repair corrected)",
				is.boundary,
			),
		)
	}
	if o.Layout != "" || o.SlotSize != 0 || !hashDetect {
		why = append(why, "candidates restricted by options")
	}
	p.Evidence = append(ev, why...)
	p.Confidence = lowest(conf, chunkConf)
	p.Writers = writerRange(p, sc.cp.Form)
	return p, nil
}

// checkSizes rejects page and chunk sizes the address math cannot use.
func checkSizes(p Params) error {
	if p.PageSize < minPageSize || p.PageSize > maxMetaPageSize || p.PageSize&(p.PageSize-1) != 0 {
		return fmt.Errorf(
			"wal: unsupported metadata page size %d (a power of two in [4096, %d])",
			p.PageSize,
			maxMetaPageSize,
		)
	}
	if p.ChunkSize < minPageSize || p.ChunkSize > maxChunkSize || p.ChunkSize&(p.ChunkSize-1) != 0 {
		return fmt.Errorf(
			"wal: unsupported chunk size %d (a power of two in [4096, %d]; the library's address math needs a power of two)",
			p.ChunkSize,
			maxChunkSize,
		)
	}
	return nil
}

func lowest(a, b partition.Confidence) partition.Confidence { return min(a, b) }

// scoredCand is a candidate with its score: v is the number of verifying
// slots (hashed candidates) or of chained steps (hash-less ones).
type scoredCand struct {
	c        candidate
	v        int
	s        interpScore
	n        int
	fallback bool
}

// decide picks a candidate per spec §10.4 step 6 (6a–6d).
func decide(views map[int64]viewScore, allowed func(candidate) bool) (candidate, partition.Confidence, []string) {
	var hashed, plain []scoredCand
	for _, h := range hashAlgs {
		for k, r := range recordSizes {
			c := candidate{recordSize: r, slotSize: 64, hash: h}
			if allowed(c) {
				vw := views[64]
				hashed = append(hashed, scoredCand{c, vw.interp[k].verify[h], vw.interp[k], vw.n, vw.fallback})
			}
		}
	}
	for _, c := range []candidate{{RecordSize6, 32, HashNone}, {RecordSize5, 64, HashNone}} {
		if allowed(c) {
			vw := views[c.slotSize]
			k := 0
			if c.recordSize == RecordSize5 {
				k = 1
			}
			plain = append(plain, scoredCand{c, vw.interp[k].chained, vw.interp[k], vw.n, vw.fallback})
		}
	}
	if len(hashed)+len(plain) == 0 {
		return candidate{
				RecordSize6,
				32,
				HashNone,
			}, Low, []string{
				"options exclude every layout: 32-byte records assumed",
			}
	}
	if len(hashed)+len(plain) == 1 {
		var c scoredCand
		if len(hashed) == 1 {
			c = hashed[0]
		} else {
			c = plain[0]
		}
		return c.c, VeryHigh, []string{
			fmt.Sprintf("layout set by options: %s (valid on %d of %d slots)", c.c, c.s.valid, c.n),
		}
	}
	scope := "live"
	if views[64].fallback || views[32].fallback {
		scope = "every existing"
	}
	// 6a/6b/6c: a hash is proven only by slots that verify.
	if len(hashed) > 0 {
		sort.SliceStable(hashed, func(i, j int) bool { return hashed[i].v > hashed[j].v })
		h1 := hashed[0]
		v2 := 0
		if len(hashed) > 1 {
			v2 = hashed[1].v
		}
		all := h1.n > 0 && (h1.v == h1.n || (h1.fallback && 10*h1.v >= 9*h1.n))
		switch {
		case all && v2 < h1.v:
			conf := VeryHigh
			if h1.v < 2 {
				conf = High
			}
			return h1.c, conf, []string{
				fmt.Sprintf(
					"%s: the hash verifies on all %d non-zero %s slots; every other algorithm on at most %d",
					h1.c,
					h1.n,
					scope,
					v2,
				),
			}
		case h1.v >= 2 && 2*h1.v > h1.n && h1.v >= 2*v2+2:
			return h1.c, High, []string{
				fmt.Sprintf(
					"%s: the hash verifies on %d of %d non-zero %s slots (the others are damaged entries); every other algorithm on at most %d",
					h1.c,
					h1.v,
					h1.n,
					scope,
					v2,
				),
			}
		case h1.v >= 1:
			var list []string
			for _, c := range hashed {
				if c.v > 0 {
					list = append(list, fmt.Sprintf("%s on %d", c.c, c.v))
				}
			}
			return h1.c, Low, []string{
				fmt.Sprintf("hash ambiguous (%s of %d slots): set the hash explicitly", strings.Join(list, ", "), h1.n),
			}
		}
	}
	if len(plain) == 0 {
		// The hash is forced by options but verifies nowhere: pick its
		// record size by structure, so the mismatches are still reported.
		for _, c := range hashed {
			c.v = c.s.chained
			plain = append(plain, c)
		}
	}
	return decidePlain(plain, scope)
}

// decidePlain is step 6d: no hash verifies anywhere.
func decidePlain(plain []scoredCand, scope string) (candidate, partition.Confidence, []string) {
	if len(plain) == 0 {
		return candidate{
				RecordSize6,
				32,
				HashNone,
			}, Low, []string{
				"no hash verifies and options exclude the hash-less layouts",
			}
	}
	if plain[0].n == 0 && (len(plain) < 2 || plain[1].n == 0) {
		return plain[0].c, Low, []string{
			"no written slot: the layout cannot be told from the files (6.x default assumed)",
		}
	}
	var fit []int
	for k, c := range plain {
		if c.n > 0 && c.s.valid == c.n {
			fit = append(fit, k)
		}
	}
	confOf := func(chained int) partition.Confidence {
		switch {
		case chained >= 2:
			return VeryHigh
		case chained == 1:
			return High
		}
		return Low
	}
	describe := func(c int) string {
		p := plain[c]
		return fmt.Sprintf(
			"%s: valid on %d of %d non-zero %s slots, %d chained steps",
			p.c,
			p.s.valid,
			p.n,
			scope,
			p.s.chained,
		)
	}
	switch len(fit) {
	case 1:
		k := fit[0]
		return plain[k].c, confOf(plain[k].v), []string{"no hash verifies", describe(k)}
	case 2:
		a, b := plain[fit[0]], plain[fit[1]]
		switch {
		case a.v > b.v:
			return a.c, confOf(a.v), []string{"no hash verifies", describe(fit[0]), describe(fit[1])}
		case b.v > a.v:
			return b.c, confOf(b.v), []string{"no hash verifies", describe(fit[1]), describe(fit[0])}
		}
		// Equal chains: the 40-byte record wins if most of its slots hold ticks.
		for _, k := range fit {
			if p := plain[k]; p.c.recordSize == RecordSize5 && 2*p.s.ticks > p.s.valid {
				return p.c, confOf(
						p.v,
					), []string{
						"no hash verifies",
						describe(k),
						"equal chains; UTC ticks in most slots mark a 5.x writer",
					}
			}
		}
		return a.c, Low, []string{
			"no hash verifies",
			describe(fit[0]),
			describe(fit[1]),
			"ambiguous: set the layout explicitly",
		}
	}
	// No candidate explains every slot: a damaged slot must not hide the layout.
	order := make([]int, len(plain))
	for k := range order {
		order[k] = k
	}
	sort.SliceStable(order, func(i, j int) bool { return plain[order[i]].v > plain[order[j]].v })
	lead := plain[order[0]]
	c2 := 0
	if len(order) > 1 {
		c2 = plain[order[1]].v
	}
	ev := []string{"no hash verifies"}
	for _, k := range order {
		ev = append(ev, describe(k))
	}
	if lead.v >= 2 && 2*lead.s.valid > lead.n && lead.v >= 2*c2+2 {
		return lead.c, High, append(ev, "the slots it does not explain are damaged entries")
	}
	return lead.c, Low, append(ev, "no layout explains the slots: set the layout explicitly")
}
