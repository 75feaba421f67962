package psread

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/nodestate"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/release"
)

// fuzzReleases are one release of every reader class of the model.
var fuzzReleases = []string{"4.2.0", "4.15.3", "5.4.0", "5.7.1", "5.26.2", "6.0.0"}

// FuzzRead: any partition bytes, node.state and geometry give a view for
// every release without a panic; entries read inside the file; After keeps
// the sizes the changes name; and reading is deterministic.
func FuzzRead(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(fixtures.Root(), "*", "*", "wal", "[0-9]*"))
	for i, p := range paths {
		if i%3 != 0 {
			continue // a third of them covers every shape
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		st, _ := os.ReadFile(filepath.Join(filepath.Dir(p), nodestate.FileName))
		f.Add(b, st, uint8(i%3), uint8(4), uint16(1024), uint8(filepath.Base(p)[0]-'0'))
	}
	f.Fuzz(func(t *testing.T, data, state []byte, fm, r uint8, m uint16, number uint8) {
		d := &Dir{
			Format: []format.Format{format.Legacy, format.V2, format.Sparse}[fm%3],
			R:      int64(r%16) + 1,
			M:      int64(m%4096) + 1,
			State:  state,
			Files:  []File{{Number: int64(number % 4), Name: "p", Size: int64(len(data)), R: bytes.NewReader(data)}},
		}
		for _, s := range fuzzReleases {
			v := d.Read(release.MustParse(s))
			again := d.Read(release.MustParse(s))
			if v.OpenError != again.OpenError || len(v.Changes) != len(again.Changes) {
				t.Fatalf("%s: not deterministic", s)
			}
			base := int64(number%4) * d.R
			for i := base; i < base+d.R && v.OpenError == ""; i++ {
				e := v.Entry(i)
				if e.Err == "" && (e.N < 0 || (e.N > 0 && e.Offset+e.N > int64(len(data)))) {
					t.Fatalf("%s: entry %d delivers %d bytes at %d of a %d-byte file", s, i, e.N, e.Offset, len(data))
				}
				if _, err := d.Payload(e); err != nil {
					t.Fatalf("%s: payload of %d: %v", s, i, err)
				}
			}
			after := v.After()
			for _, c := range v.Changes {
				if after.Files[0].Size != c.size {
					t.Fatalf("%s: After size %d, change %+v", s, after.Files[0].Size, c)
				}
			}
			after.Read(release.MustParse("5.26.2")).Entry(base)
		}
	})
}
