package v2

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/walctl/walctl/finding"
	"github.com/walctl/walctl/format/partition"
)

// damageCodes are the expect.json damage codes this codec must itself raise
// (as an error or warning issue in some partition of the fixture).
var damageCodes = []finding.Code{
	finding.FooterMismatch,
	finding.TornTail,
	finding.TornSeal,
	finding.UnsealedPartition,
	finding.T1MissingInlineRecords,
	finding.T2HeaderOverwritten,
}

// TestDecodeFixtures decodes every Table fixture with its true R and node.state
// LastIndex and checks it against the manifest: what was appended, what must
// survive (committedIntact), what the library read back for healthy logs, and
// the damage the fixture was made to show.
func TestDecodeFixtures(t *testing.T) {
	var checked int
	for _, fx := range tableFixtures(t) {
		t.Run(fx.name, func(t *testing.T) {
			r := fx.geometry().R
			dl := decodeFixture(t, fx, lastIndexOf(t, filepath.Join(fx.dir, "wal")))
			for n, d := range dl.decoded {
				if len(d.Slots) > int(r) || d.Number != n || d.Format != Format {
					t.Fatalf("partition %d: %d slots, number %d, format %q", n, len(d.Slots), d.Number, d.Format)
				}
				checkPayloadRanges(t, d)
			}
			checked += checkAppended(t, fx, dl)
			for _, i := range fx.expect.CommittedIntact {
				if s, _, ok := dl.slotOf(i, r); !ok || s.Kind != partition.Written {
					t.Errorf("committed intact index %d decodes as %v", i, s.Kind)
				}
			}
			if fx.expect.Verdict == "ok" {
				checkHealthy(t, fx, dl)
			}
			if slices.Contains(damageCodes, finding.Code(fx.expect.Damage)) {
				found := false
				for _, d := range dl.decoded {
					for _, is := range d.Issues {
						found = found || (string(is.Code) == fx.expect.Damage && is.Severity != partition.Info)
					}
				}
				if !found {
					t.Errorf("damage %q not reported", fx.expect.Damage)
				}
			}
		})
	}
	t.Logf("%d decoded entries matched the manifests", checked)
}

// checkAppended: every slot decoded as Written holds exactly what the
// library appended at that index (nothing wrong is ever trusted).
func checkAppended(t *testing.T, fx *fixture, dl decodedLog) int {
	t.Helper()
	n := 0
	for _, e := range fx.manifest.Appended {
		if e.AppendPath == "snapshot-install" {
			continue
		}
		s, f, ok := dl.slotOf(e.Index, fx.geometry().R)
		if !ok || s.Kind != partition.Written {
			continue
		}
		wantSHA := e.SHA256
		if fx.expect.Damage == "undetectable-payload-change" && *fx.manifest.Damage.Index == e.Index {
			wantSHA = payloadSHA(t, f, s.Rec.Offset, s.Avail) // a flipped payload byte nothing can see
		}
		if s.Rec.Term != e.Term || s.Rec.Length != e.Length || cmdID(s.Rec) != wantID(e.CommandID) ||
			s.Avail != e.Length || payloadSHA(t, f, s.Rec.Offset, s.Avail) != wantSHA {
			t.Errorf("index %d decodes as %v (avail %d), appended term %d length %d id %s",
				e.Index, s.Rec, s.Avail, e.Term, e.Length, wantID(e.CommandID))
		}
		n++
	}
	return n
}

// checkHealthy: a log the library reads correctly decodes without errors,
// every entry the library read back is a Written slot with the same data,
// and a partition is Sealed exactly when its byte 0 is set.
func checkHealthy(t *testing.T, fx *fixture, dl decodedLog) {
	t.Helper()
	for n, d := range dl.decoded {
		if worst(d) == partition.Error {
			t.Errorf("partition %d of a healthy log has errors: %v", n, d.Issues)
		}
		if want := dl.files[n].Size > 0 && byteAt(dl.files[n], 0) != 0; d.Sealed != want {
			t.Errorf("partition %d: Sealed = %v, byte 0 says %v", n, d.Sealed, want)
		}
	}
	for _, e := range fx.manifest.Readback.Entries {
		if e.IsSnapshot {
			continue
		}
		s, f, ok := dl.slotOf(e.Index, fx.geometry().R)
		if !ok {
			continue
		}
		if s.Kind != partition.Written || s.Rec.Term != e.Term || s.Rec.Length != e.Length ||
			payloadSHA(t, f, s.Rec.Offset, s.Avail) != e.SHA256 {
			t.Errorf(
				"index %d: decoded %v %v, library read term %d length %d",
				e.Index,
				s.Kind,
				s.Rec,
				e.Term,
				e.Length,
			)
		}
	}
}

// checkPayloadRanges: payloads of Written/Torn slots lie inside the file.
func checkPayloadRanges(t *testing.T, d partition.Decoded) {
	t.Helper()
	for _, s := range d.Slots {
		switch s.Kind {
		case partition.Written, partition.Torn:
			if s.Avail < 0 || s.Rec.Offset < 0 || s.Rec.Offset+s.Avail > d.Size || s.Avail > s.Rec.Length {
				t.Errorf(
					"partition %d slot %d: payload [%d,+%d) outside %d bytes",
					d.Number,
					s.Slot,
					s.Rec.Offset,
					s.Avail,
					d.Size,
				)
			}
		default:
			if s.Avail != 0 {
				t.Errorf("partition %d slot %d: %v with %d payload bytes", d.Number, s.Slot, s.Kind, s.Avail)
			}
		}
	}
}

// TestDecodeDamageDetails pins what the injected-damage fixtures and the
// library's own #244 damage decode to, slot by slot.
func TestDecodeDamageDetails(t *testing.T) {
	fixtures := map[string]*fixture{}
	for _, fx := range tableFixtures(t) {
		fixtures[fx.name] = fx
	}
	tests := []struct {
		fixture string
		part    int64
		sealed  bool
		kinds   []partition.Kind
		codes   []string // codes with severity
	}{
		{"5.26.2/table-basic+footer-zeroed", 0, true,
			[]partition.Kind{partition.Stub, partition.Written, partition.Written, partition.Written},
			[]string{"error " + string(finding.FooterMismatch)}},
		{"5.26.2/table-basic+torn-seal", 2, false,
			[]partition.Kind{partition.Written, partition.Written, partition.Written, partition.Unwritten},
			[]string{"error " + string(finding.TornSeal)}},
		{"5.26.2/table-basic+tail-torn", 2, false,
			[]partition.Kind{partition.Written, partition.Written, partition.Torn, partition.Unwritten},
			[]string{"error " + string(finding.TornTail)}},
		{"5.26.2/table-basic+unsealed-full", 1, false,
			[]partition.Kind{partition.Written, partition.Written, partition.Written, partition.Written},
			[]string{"error " + string(finding.UnsealedPartition)}},
		{"5.7.1/table-single-appends", 0, true,
			[]partition.Kind{partition.Stub, partition.Written, partition.Written, partition.Written},
			[]string{"warning " + string(finding.T1MissingInlineRecords)}},
		{"5.7.1/table-single-appends", 1, false,
			[]partition.Kind{partition.Stub, partition.Missing, partition.Unwritten, partition.Unwritten},
			[]string{"error " + string(finding.T1MissingInlineRecords)}},
		{"5.7.1/table-snapshot-install", 1, false,
			[]partition.Kind{partition.Unwritten, partition.Unwritten, partition.Written, partition.Written},
			[]string{"warning " + string(finding.ShortHeader), "error " + string(finding.T2HeaderOverwritten)}},
		{"5.7.1/table-cached-tail", 2, false,
			[]partition.Kind{partition.Unwritten, partition.Unwritten, partition.Unwritten, partition.Unwritten},
			[]string{"warning " + string(finding.ShortHeader)}},
		{"5.7.1/crash-midwrite-table", 2, false,
			[]partition.Kind{partition.Unwritten, partition.Unwritten, partition.Unwritten, partition.Unwritten},
			[]string{"info " + string(finding.ShortHeader)}},
		{"5.26.2/crash-midwrite-table", 2, false,
			[]partition.Kind{partition.Written, partition.Written, partition.Unwritten, partition.Unwritten},
			[]string{"info " + string(finding.BeyondLastIndex)}},
		{"5.26.2/table-cached-tail", 1, false,
			[]partition.Kind{partition.Written, partition.Written, partition.Written, partition.Unwritten},
			[]string{"error " + string(finding.UnsealedPartition)}},
		{"5.26.2/table-snapshot-install", 1, true,
			[]partition.Kind{partition.Stub, partition.Stub, partition.Written, partition.Written}, nil},
		{"5.7.1/table-snapshot", 3, false,
			[]partition.Kind{partition.Written, partition.Written, partition.Written, partition.Written},
			[]string{"error " + string(finding.UnsealedPartition)}},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			fx := fixtures[tc.fixture]
			wal := filepath.Join(fx.dir, "wal")
			f, _ := openFile(t, filepath.Join(wal, itoa(tc.part)))
			d := Decode(f, fx.geometry(), lastIndexOf(t, wal))
			if d.Sealed != tc.sealed {
				t.Errorf("Sealed = %v", d.Sealed)
			}
			for s, k := range tc.kinds {
				if d.SlotAt(int64(s)).Kind != k {
					t.Errorf("slot %d is %v, want %v (%+v)", s, d.SlotAt(int64(s)).Kind, k, d.SlotAt(int64(s)))
				}
			}
			var codes []string
			for _, is := range d.Issues {
				codes = append(codes, string(is.Severity)+" "+string(is.Code))
			}
			if !slices.Equal(codes, tc.codes) {
				t.Errorf("issues %v, want %v", d.Issues, tc.codes)
			}
		})
	}
}

func itoa(n int64) string { return string(rune('0' + n)) }

// TestDecodeHostileShapes covers what no fixture has: T3 footers, a stale
// footer, more than R records, garbage, a mid-chain zero record, stale
// bytes after LastIndex, a bad R.
func TestDecodeHostileShapes(t *testing.T) {
	e1 := exampleE1()
	t3 := append([]byte{}, exampleE2()...) // partition 0: footer slot 2 garbage, inline zero
	for i := 600; i < 640; i++ {
		t3[i] = 0 // inline record of slot 2 gone
	}
	for i := 736 + 40; i < 736+80; i++ {
		t3[i] = 0xEE // footer record of slot 2 garbage
	}
	staleFooter := append([]byte{}, e1...)
	staleFooter[0] = 0
	midZero := make([]byte, 512+48+40+48)
	put(midZero, 512, exRec(2, 8, 552), exPayload(4))
	put(midZero, 600, exRec(2, 8, 640), exPayload(5)) // zero window at 560
	garbage := append([]byte{}, unsealed(e1)...)
	garbage[608+24] ^= 0xFF // record of slot 2 no longer chains
	badByte0 := append([]byte{}, e1...)
	badByte0[0] = 7
	dirtyHeader := append([]byte{}, unsealed(e1)...)
	dirtyHeader[100] = 1

	tests := []struct {
		name      string
		bytes     []byte
		number    int64
		r         int64
		lastIndex int64
		sealed    bool
		kinds     []partition.Kind
		codes     []string
	}{
		{"T3 garbage footer", t3, 0, 4, 9, true,
			[]partition.Kind{partition.Stub, partition.Written, partition.Invalid, partition.Written},
			[]string{"error " + string(finding.T3GarbageFooter)}},
		{"stale footer", staleFooter, 1, 4, 7, false,
			[]partition.Kind{partition.Written, partition.Written, partition.Written, partition.Written},
			[]string{"info " + string(finding.StaleBytes)}},
		{"stale footer, LastIndex unknown", staleFooter, 1, 4, -1, false,
			[]partition.Kind{partition.Written, partition.Written, partition.Written, partition.Written},
			[]string{"info " + string(finding.StaleFooter)}},
		{"more than R records", unsealed(e1), 1, 3, -1, false,
			[]partition.Kind{partition.Written, partition.Written, partition.Written},
			[]string{"error " + string(finding.MoreThanRRecords)}},
		{"stale records after LastIndex", unsealed(e1), 1, 4, 5, false,
			[]partition.Kind{partition.Written, partition.Written, partition.Unwritten, partition.Unwritten},
			[]string{"info " + string(finding.StaleBytes)}},
		{"garbage record", garbage, 1, 4, 7, false,
			[]partition.Kind{partition.Written, partition.Written, partition.Invalid, partition.Unwritten},
			[]string{"error " + string(finding.InvalidRecord)}},
		{"zero record between records", midZero, 1, 4, 7, false,
			[]partition.Kind{partition.Written, partition.Stub, partition.Written, partition.Unwritten},
			[]string{"warning " + string(finding.ZeroRecordInChain)}},
		{"seal flag 7", badByte0, 1, 4, 9, true,
			[]partition.Kind{partition.Written, partition.Written, partition.Written, partition.Written},
			[]string{"warning " + string(finding.HeaderNotClean)}},
		{"dirty header", dirtyHeader, 1, 4, 7, false,
			[]partition.Kind{partition.Written, partition.Written, partition.Written, partition.Written},
			[]string{"warning " + string(finding.HeaderNotClean)}},
		{"wrong R on a sealed file", e1, 1, 8, 100, false,
			[]partition.Kind{
				partition.Written,
				partition.Written,
				partition.Written,
				partition.Written,
				partition.Unwritten,
			},
			[]string{"error " + string(finding.TornSeal), "info " + string(finding.StaleFooter)}},
		{"R out of range", e1, 1, 1, 9, false, nil, []string{"error " + string(finding.BadGeometry)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Decode(memFile("x", tc.number, tc.bytes), partition.Geometry{R: tc.r}, tc.lastIndex)
			if d.Sealed != tc.sealed {
				t.Errorf("Sealed = %v", d.Sealed)
			}
			for s, k := range tc.kinds {
				if d.SlotAt(int64(s)).Kind != k {
					t.Errorf("slot %d is %v, want %v (%+v)", s, d.SlotAt(int64(s)).Kind, k, d.SlotAt(int64(s)))
				}
			}
			var codes []string
			for _, is := range d.Issues {
				codes = append(codes, string(is.Severity)+" "+string(is.Code))
			}
			if !slices.Equal(codes, tc.codes) {
				t.Errorf("issues %v, want %v", d.Issues, tc.codes)
			}
			checkPayloadRanges(t, d)
		})
	}
}
