package cmd

import (
	"runtime/debug"
	"strings"
)

// Version is set at build time with -ldflags "-X github.com/walctl/walctl/cmd.Version=…"
// (scripts/release.sh does); it wins over what the build info says.
var Version = "dev"

// version is what --version prints: Version when the build set it, else the
// module version of "go install github.com/walctl/walctl@vX", else the VCS
// revision of a checkout build (+dirty with uncommitted changes), else "dev".
func version() string {
	bi, _ := debug.ReadBuildInfo()
	return versionFrom(Version, bi)
}

func versionFrom(set string, bi *debug.BuildInfo) string {
	if set != "dev" && set != "" {
		return set
	}
	if bi == nil {
		return "dev"
	}
	rev, modified, when := "", false, ""
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		case "vcs.time":
			when = s.Value
		}
	}
	v := bi.Main.Version
	if v != "" && v != "(devel)" {
		// go install …@vX gives "vX"; since Go 1.24 a checkout build gives a
		// pseudo-version such as v0.0.0-20260101120000-abcdef123456+dirty,
		// which already names the revision. Add the revision only when the
		// version does not show it.
		if rev != "" && !containsRev(v, rev) {
			v += " (" + shortRev(rev, modified) + ")"
		}
		return v
	}
	if rev == "" {
		return "dev"
	}
	v = "devel " + shortRev(rev, modified)
	if when != "" {
		v += " " + when
	}
	return v
}

func shortRev(rev string, modified bool) string {
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified {
		rev += "+dirty"
	}
	return rev
}

func containsRev(v, rev string) bool {
	return len(rev) >= 12 && strings.Contains(v, rev[:12])
}
