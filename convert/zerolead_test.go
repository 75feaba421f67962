package convert_test

import (
	"bytes"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/walctl/walctl/convert"
	"github.com/walctl/walctl/format"
	v2 "github.com/walctl/walctl/format/v2"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/internal/fixtures/logtest"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/release"
)

// convert -R 30 of 5.26.2/table-snapshot (R = 4, snapshot 11, LastIndex 22)
// puts everything in partition 0, unsealed, with slots 1–11 never written;
// -R 7 seals partition 1 (indexes 7–13) with slots 7–11 never written. Both
// lay them out as stub records, and every release family reads 12–22.
func TestConvertRChangeWritesStubRecords(t *testing.T) {
	f := fixtures.Load(t, filepath.Join(fixtures.Root(), "5.26.2", "table-snapshot"))
	for _, r := range []int64{30, 7} {
		out, c := convertTo(t, f.WAL, convert.Options{To: format.V2, R: r})
		if len(c.Notes) != 0 {
			t.Errorf("R = %d: notes %q", r, c.Notes)
		}
		first := int64(12) / r
		b := logtest.MustRead(t, filepath.Join(out, strconv.FormatInt(first, 10)))
		for i := max(first*r, 1); i <= 11; i++ {
			at, stub := v2.LeadingSlot(i - first*r)
			if !bytes.Equal(b[at:at+40], stub.Bytes()) {
				t.Errorf(
					"R = %d: never-written slot of index %d at %d is %x, not the stub record",
					r,
					i,
					at,
					b[at:at+40],
				)
			}
		}
		logtest.CheckReadersSee(t, f, out, r, logtest.Indexes(12, 22))
		if verdict, errs := logtest.VerifyAs(t, out, logdir.Options{Format: format.V2, R: r,
			Target: release.MustParse("5.4.0")}); verdict != "ok" {
			t.Errorf("R = %d: verify --target-version 5.4.0: %s %+v", r, verdict, errs)
		}
	}
}
