package logdir

import "github.com/walctl/walctl/raftlog"

// fixes maps a finding code to what the operator should run. One table, so
// that every command proposes the same repair for the same problem.
var fixes = map[string]string{
	"node-state-missing":                   "no safe repair: restore node.state from a backup, or rebuild the node from the cluster",
	"node-state-size":                      "walctl repair --apply --set-term T --clear-vote [--commit-index N] DIR (the lost term/vote cannot be read back; take T from the cluster; CommitIndex is lowered to the snapshot index unless N, the cluster's, is given)",
	"node-state-checksum":                  "walctl repair --apply --set-term T --clear-vote [--commit-index N] DIR (a flipped bit may sit in any field, so term, vote and CommitIndex are not trusted; T ≥ the cluster's current term; CommitIndex is lowered to the snapshot index unless N, the cluster's, is given)",
	"snapshot-short":                       "no safe repair: the snapshot bytes are gone; reinstall a snapshot from the leader",
	"snapshot-offset-48":                   "none needed unless the state machine fails to restore",
	"partition-missing":                    "walctl repair --from REPLICA --apply DIR rebuilds the committed entries from a replica that holds them (walctl diff names one); without a replica no safe repair: a majority must still hold them (then walctl repair --apply --allow-drop-committed DIR and let the leader re-replicate)",
	"last-index-beyond-disk":               "walctl repair --apply DIR (lowers LastIndex to the last entry on disk)",
	"unsealed-partition":                   "walctl repair --apply DIR (seals the partition from its inline records) — run it before upgrading to DotNext ≥ 5.7.3",
	"zero-leading-slots":                   "walctl repair --apply DIR (writes stub records over those zero slots only; nothing else in the file changes)",
	"partition-format-dissent":             "inspect the file; if it is not part of the log move it out of the directory",
	"non-canonical-name":                   "rename or remove the file: the library maps it to another partition number",
	"entries-beyond-last-index":            "none needed: the library ignores them and overwrites them",
	"geometry-conflict":                    "run walctl detect DIR and use the R (and M) it finds, or the node's configured values (repair and convert refuse such settings before writing, unless --override-evidence)",
	"partition-number-overflow":            "remove the file: its number cannot be a partition of this log",
	"torn-tail":                            "walctl repair --apply DIR (truncates the torn last entry; if it is committed a majority must hold it)",
	"torn-seal":                            "walctl repair --apply DIR (rebuilds the footer from the inline records)",
	"footer-mismatch":                      "walctl repair --apply DIR (rebuilds the footer from the inline records)",
	"t3-garbage-footer":                    "walctl repair --apply DIR (rebuilds the footer from the inline records)",
	"t1-missing-inline-records":            "walctl repair --from REPLICA --apply DIR rebuilds these entries from a replica that holds them (walctl diff names one; the payload bytes still here are kept where they equal its); no safe local repair: their terms are gone (truncate with walctl repair --apply --allow-drop-committed DIR if a majority holds them)",
	"t2-header-overwritten":                "walctl repair --apply DIR (re-lays the partition from offset 512)",
	"short-header":                         "walctl repair --apply DIR",
	"header-not-clean":                     "walctl repair --apply DIR",
	"partition-shorter-than-prologue":      "walctl repair --apply DIR (extends the file to its R×40-byte prologue)",
	"missing-record":                       "walctl repair --from REPLICA --apply DIR rebuilds the entry from a replica that holds it (walctl diff names one; the payload still here is kept where it equals the replica's); no safe local repair: its term is gone",
	"length-over-slot":                     "no safe repair: the entry's true length is unknown; truncate with walctl repair --apply --allow-drop-committed DIR if a majority holds it",
	"invalid-record":                       "no safe repair of this record; walctl repair --apply DIR truncates the log before it if it is uncommitted",
	"record-zeroed":                        "walctl repair --from REPLICA --apply DIR rebuilds the entry from a replica that holds it (walctl diff names one); no safe local repair: the record is gone (if uncommitted, walctl repair --apply DIR truncates the log before it)",
	"term-decreased":                       "no safe repair: the log is corrupt; rebuild the node from the cluster",
	"term-above-current":                   "walctl repair --apply --set-term T DIR with the cluster's current term",
	"index-gap":                            "no safe repair: entries are missing; rebuild the node from the cluster",
	"commit-beyond-last-index":             "walctl repair --apply --allow-drop-committed DIR (committed entries are missing: a majority must hold them; the leader re-replicates)",
	"snapshot-beyond-commit":               "walctl repair --apply DIR",
	"applied-beyond-commit":                "walctl repair --apply DIR",
	"prologue-payload-behind-zero-records": "none needed if these entries are beyond LastIndex (a crash before the prologue flush)",
	"old-vote-layout": "none while the node runs DotNext 4.0–4.7.x; before it moves to 4.8.0+ " +
		"(or a 5.4+/6.x format): walctl upgrade --to-version V --apply DIR stores the vote in V's layout " +
		"(node.state only; conversions do it on the way)",
}

// Fix returns the proposed fix for a finding code.
func Fix(code string) string {
	if f, ok := fixes[code]; ok {
		return f
	}
	return "see walctl verify's README section for this code"
}

// finding builds a finding with the fix filled in.
func finding(sev raftlog.Severity, code, file string, off, idx int64, msg string) raftlog.Finding {
	return raftlog.Finding{Severity: sev, Code: code, File: file, Offset: off, Index: idx, Message: msg, Fix: Fix(code)}
}

// WithFixes fills in the Fix of findings that have none.
func WithFixes(fs raftlog.Findings) raftlog.Findings {
	for i := range fs {
		if fs[i].Fix == "" {
			fs[i].Fix = Fix(fs[i].Code)
		}
	}
	return fs
}
