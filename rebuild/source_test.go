package rebuild_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/walctl/walctl/format"
	"github.com/walctl/walctl/format/ps"
	"github.com/walctl/walctl/internal/gen"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/rebuild"
)

// A Source decodes the partition after the one asked for ahead of its use;
// whatever the order partitions are asked for in (in order, backwards,
// skipping, again), each is the partition a fresh Source decodes.
func TestSourcePartsInAnyOrder(t *testing.T) {
	for _, f := range []format.Format{format.Legacy, format.V2, format.Sparse} {
		t.Run(string(f), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "log")
			var m int64
			if f == format.Sparse {
				m = 64
			}
			if _, err := gen.Generate(dir, gen.Spec{Config: ps.Config{Format: f, R: 8, M: m}, Entries: 45,
				SizeMin: 1, SizeMax: 64}); err != nil {
				t.Fatal(err)
			}
			l, err := logdir.Open(dir, logdir.Options{Format: f, R: 8, M: m})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			want := map[int64]*rebuild.Part{}
			for _, n := range []int64{0, 1, 2, 3, 4, 5} {
				fresh, err := rebuild.NewSource(l, l.State.LastIndex)
				if err != nil {
					t.Fatal(err)
				}
				if want[n], err = fresh.Part(n); err != nil {
					t.Fatal(err)
				}
			}
			for _, order := range [][]int64{{0, 1, 2, 3, 4, 5}, {5, 4, 3, 2, 1, 0}, {0, 2, 4, 1, 3, 5}, {1, 1, 2, 0, 5, 5}} {
				s, err := rebuild.NewSource(l, l.State.LastIndex)
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range order {
					got, err := s.Part(n)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want[n]) {
						t.Errorf("order %v: partition %d %s differs from a fresh decode", order, n,
							fmt.Sprint(got.Decoded.Slots[:1]))
					}
				}
			}
		})
	}
}
