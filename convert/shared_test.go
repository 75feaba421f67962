package convert_test

import (
	"reflect"
	"testing"

	"github.com/walctl/walctl/audit"
	"github.com/walctl/walctl/convert"
	"github.com/walctl/walctl/internal/fixtures"
	"github.com/walctl/walctl/logdir"
	"github.com/walctl/walctl/txn"
	"github.com/walctl/walctl/verify"
)

// A conversion's comparison made in the audit's walk (Expect's Observe)
// is the comparison CompareLogs makes reading both logs on its own, for
// every healthy fixture and every other format; Check takes it instead of
// reading the logs again.
func TestSharedCompareIsCompareLogs(t *testing.T) {
	shared := 0
	eachConversion(t, "", func(t *testing.T, f fixtures.Fixture, o convert.Options) {
		var took *convert.Comparison
		c, o, in, proofIn := applyAudited(t, f, o, func(c *convert.Conversion) { took = convert.SharedComparison(c) })
		if took == nil {
			t.Fatal("the audit's walk made no comparison")
		}
		if c.Comparison != took || convert.SharedComparison(c) != nil {
			t.Fatal("Check did not take the audit's comparison")
		}
		outOpts := logdir.Options{Format: c.To, R: c.NewR, M: c.NewM, Force: true}
		want, err := convert.CompareLogs(proofIn, o.Out, in, outOpts)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*took, *want) || !took.OK() || took.Entries != c.Entries+snap(c) {
			t.Errorf("shared comparison %+v, CompareLogs %+v (conversion: %d entries)", *took, *want,
				c.Entries)
		}
		shared++
	})
	if shared == 0 {
		t.Fatal("no conversion compared")
	}
}

// applyAudited converts f's log into a new folder through an auditor that
// proves the write (audit.Prove), shows the conversion to seen right after
// the proof, then runs Check as walctl convert does. It returns the
// conversion, the options it ran with, the input's open settings and the
// input the auditor was given.
func applyAudited(t *testing.T, f fixtures.Fixture, o convert.Options, seen func(*convert.Conversion)) (
	*convert.Conversion, convert.Options, logdir.Options, string) {
	t.Helper()
	c := planOf(t, f.WAL, o)
	o.Out = t.TempDir() + "/out"
	in := logdir.Options{Format: c.From, R: c.R, M: c.M, Force: true}
	var proofIn string
	exp := c.Expect(o)
	cfg := txn.Config{Auditor: txn.AuditFunc(func(input, output string) error {
		proofIn = input
		if _, err := audit.Prove(input, output, exp); err != nil {
			return err
		}
		seen(c)
		return c.Check(input, output, in, o.Out, nil)
	})}
	if _, err := convert.Apply(c, f.WAL, o, cfg); err != nil {
		t.Fatal(err)
	}
	return c, o, in, proofIn
}

// snap is 1 when c's input has a snapshot (compared as an entry too).
func snap(c *convert.Conversion) int64 {
	if c.Snapshot > 0 {
		return 1
	}
	return 0
}

// A conversion's verification of its output made on the audit's open of
// it (Expect's Checked) is the report verify.Written gives reading the
// output on its own, for every healthy fixture and every other format;
// Check takes it instead of opening the output again. Where the audit
// could not open the output by detection alone, Check verifies it itself.
func TestSharedVerifyIsVerifyWritten(t *testing.T) {
	shared := 0
	eachConversion(t, "", func(t *testing.T, f fixtures.Fixture, o convert.Options) {
		var took *verify.Report
		c, o, _, _ := applyAudited(t, f, o, func(c *convert.Conversion) { took = convert.SharedVerify(c) })
		if convert.SharedVerify(c) != nil {
			t.Fatal("Check left the audit's verification")
		}
		if took != nil {
			shared++
			if c.Verify != took {
				t.Fatal("Check did not take the audit's verification")
			}
		}
		outOpts := logdir.Options{Format: c.To, R: c.NewR, M: c.NewM, Force: true}
		want, err := verify.Written(o.Out, o.Out, outOpts, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Verify; !reflect.DeepEqual(*got, *want) || !got.OK() {
			t.Errorf("the conversion's verification %+v, verify.Written %+v", *got, *want)
		}
	})
	if shared == 0 {
		t.Fatal("no conversion verified its output on the audit's open")
	}
}
