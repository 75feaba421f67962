package finding

import (
	"fmt"
	"sort"
	"strings"
)

const header = `# walctl finding codes

<!-- Generated from finding/registry.go by "go test ./finding -update": edit the registry, not this file. -->

Every finding ¦walctl verify¦ (and ¦repair¦, ¦convert¦, ¦diff¦) reports has one of these stable
codes. Severity: ¦error¦ = the library fails, loses or corrupts a committed entry (now or after an upgrade to
5.7.3+), or the node may vote twice in a term; ¦warning¦ = suspicious, nothing committed at risk; ¦info¦ =
worth knowing. A code whose severity depends on the case (a committed entry or not, a partition after LastIndex)
lists each.

Each finding carries its fix, in one of four kinds (¦fixKind¦ in ¦--json¦, the command alone in ¦fixCommand¦):

- **command**: a walctl command with the exact flags it needs; ¦walctl repair¦ accepts it and it removes the
  finding (a test runs every such fix on every fixture and its damaged variants). Placeholders:
`

const kinds = `- **no local repair**: nothing on this node can restore what is lost; the text says what to do instead (a
  backup, or rebuilding the node from the cluster).
- **operator**: a step outside walctl (configuration, moving a file that is not part of the log); ¦walctl repair¦
  leaves the finding alone.
- **none**: nothing to do.

When several findings share one code and cause (e.g. a record lost at entries 6–9), verify shows one row with the
index range and the count; ¦--json¦ lists every index in ¦indexes¦.
`

// gateIntro introduces the upgrade gate's codes (¦ stands for a backquote).
const gateIntro = `With ¦--target-version V¦, verify adds what release V makes of the log compared with the log's
writer (the release ¦--from-version¦ names, else the newest release detect's "written by" allows). The error
codes say that V reads the log otherwise than its writer; a log whose writer reads it damaged counts as read
right when V sees the same damage (that damage has its own findings). Package ¦upgrade¦ (models:
¦format/psread¦, ¦wal.Log.ReadBy¦; ground truth: every ¦readback-by-<V>.json¦ of the fixtures). The gate
names the release in its commands: ¦V¦ below is the one ¦--target-version¦ gives.
`

// Markdown renders FINDINGS.md from the registry: every code with its
// severity, what it means and what the library does, and its fix. The file
// is generated (go test ./finding -update), so that it cannot drift.
func Markdown() string {
	var b strings.Builder
	// ¦ stands for a backquote, which a raw string cannot hold.
	b.WriteString(strings.ReplaceAll(header, "¦", "`"))
	keys := make([]string, 0, len(Placeholders))
	for k := range Placeholders {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  `%s` is %s.\n", k, Placeholders[k])
	}
	b.WriteString(strings.ReplaceAll(kinds, "¦", "`"))
	sections := []struct {
		family       Family
		title, intro string
	}{
		{PersistentState, "PersistentState logs (legacy, v2/Table, sparse, node.state)", ""},
		{AnyLog, "Either format (the replay of the entries, the lock)", ""},
		{WriteAheadLog, "WriteAheadLog (5.22+ / 6.x)", ""},
		{Target, "Upgrade gate (¦verify --target-version V¦, ¦upgrade¦)", gateIntro},
		{Replicas, "walctl diff (replicas)", ""},
	}
	for _, sec := range sections {
		fmt.Fprintf(&b, "\n## %s\n\n", strings.ReplaceAll(sec.title, "¦", "`"))
		if sec.intro != "" {
			fmt.Fprintf(&b, "%s\n", strings.ReplaceAll(sec.intro, "¦", "`"))
		}
		b.WriteString("| code | severity | meaning | fix |\n|---|---|---|---|\n")
		for _, d := range All() {
			if d.Family != sec.family {
				continue
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", d.Code, severityWords(d), cell(d.Meaning), cell(fixWords(d)))
		}
	}
	return b.String()
}

func severityWords(d *Def) string {
	var s []string
	for _, v := range d.Severities() {
		s = append(s, string(v))
	}
	return strings.Join(s, "/")
}

// fixWords lists the distinct fixes of a code's forms, each with the case
// it is for when they differ.
func fixWords(d *Def) string {
	type entry struct{ when, fix string }
	var out []entry
	seen := map[string]int{}
	add := func(when string, f Fix) {
		s := docFix(f)
		if i, ok := seen[s]; ok {
			if out[i].when != "" && when != "" && !strings.Contains(out[i].when, when) {
				out[i].when += ", " + when
			}
			return
		}
		seen[s] = len(out)
		out = append(out, entry{when, s})
	}
	for _, f := range d.Forms {
		when := string(f.Severity)
		if f.Name != "" {
			when += " (" + f.Name + ")"
		}
		add(when, f.Fix)
		if f.Committed != nil {
			add(when+", committed entry", *f.Committed)
		}
	}
	if len(out) == 1 {
		return out[0].fix
	}
	parts := make([]string, len(out))
	for i, e := range out {
		parts[i] = "*" + e.when + "*: " + e.fix
	}
	return strings.Join(parts, "<br>")
}

// docFix is a fix for the table: the command in code font, facts shown as
// ⟨name⟩.
func docFix(f Fix) string {
	text := placeholderWords(Render(f.Text, docFacts))
	switch f.Kind {
	case Run:
		if text == "" {
			return "`" + f.Command + "`"
		}
		return "`" + f.Command + "` — " + text
	case NoLocalRepair:
		return "no local repair: " + text
	case NoneNeeded:
		if text == "" {
			return "none needed"
		}
		return "none needed: " + text
	}
	return text
}

// docFacts word the facts of fix texts that FINDINGS.md can name in
// general: the gate's release is the V of its commands.
var docFacts = F{"target": "V", "V": "V", "how": "makes V read the log as its writer does"}

func placeholderWords(s string) string {
	for {
		p := Unresolved(s)
		if p == "" {
			return s
		}
		s = strings.Replace(s, p, "⟨"+p[1:len(p)-1]+"⟩", 1)
	}
}

func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
