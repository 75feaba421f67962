package cmd

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"
)

// appFlagNames are walctl's global flags: they may stand anywhere on the
// command line. (--version and --help keep cli's rules: -v after a command
// is no request for the version.)
var appFlagNames = map[string]bool{"no-color": true, "quiet": true, "q": true}

// completionFlag is the argument cli's shell completion appends.
const completionFlag = "--generate-bash-completion"

// normalizeArgs lets flags stand anywhere, as users type them: cli (like Go's
// flag package) stops reading flags at the first positional argument, so
// "walctl verify DIR --no-color" would make DIR the last argument read and
// "--no-color" a second directory. It rewrites the command line to the order
// cli reads: the global flags (wherever they were) before the command, then
// the command's flags (with their values), then "--" when one was given, then
// the positional arguments in their order. A command flag given before the
// command ("walctl --json verify DIR") moves after it. Everything after "--"
// stays positional. A command line cli must judge as it is (no command, an
// unknown one, help, shell completion) is returned unchanged.
//
// A flag that wants a value but ends the command line is a usage error here:
// moved before the positional arguments it would take the first of them.
func normalizeArgs(app *cli.App, args []string) ([]string, error) {
	if len(args) < 2 || args[len(args)-1] == completionFlag {
		return args, nil
	}
	i := 1
	for i < len(args) && isFlag(args[i]) {
		i++
	}
	if i == len(args) || args[i] == "--" {
		return args, nil
	}
	cmd := app.Command(args[i])
	if cmd == nil {
		return args, nil
	}
	var global, flags, pos []string
	for _, a := range args[1:i] {
		if name, _ := flagName(a); !appFlagNames[name] && findFlag(cmd, name) != nil {
			flags = append(flags, a)
		} else {
			global = append(global, a) // cli reports the ones it does not know
		}
	}
	dashdash := false
	for j := i + 1; j < len(args); j++ {
		a := args[j]
		switch {
		case a == "--":
			dashdash = true
			pos = append(pos, args[j+1:]...)
			j = len(args)
		case !isFlag(a):
			pos = append(pos, a)
		default:
			name, inline := flagName(a)
			if appFlagNames[name] && findFlag(cmd, name) == nil {
				global = append(global, a)
				continue
			}
			flags = append(flags, a)
			if !inline && takesValue(findFlag(cmd, name)) {
				if j+1 == len(args) {
					return nil, usageError{cmd: cmd.Name, msg: fmt.Sprintf("%s needs a value", longName(cmd, name))}
				}
				flags = append(flags, args[j+1])
				j++
			}
		}
	}
	out := append([]string{args[0]}, global...)
	out = append(append(out, args[i]), flags...)
	if dashdash {
		out = append(out, "--")
	}
	return append(out, pos...), nil
}

func isFlag(a string) bool { return len(a) > 1 && a[0] == '-' && a != "--" }

// flagName returns the name of a flag argument ("--to=wal" → "to") and
// whether its value is inline.
func flagName(a string) (string, bool) {
	name := strings.TrimLeft(a, "-")
	if k := strings.IndexByte(name, '='); k >= 0 {
		return name[:k], true
	}
	return name, false
}

func findFlag(cmd *cli.Command, name string) cli.Flag {
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func takesValue(f cli.Flag) bool {
	v, ok := f.(interface{ TakesValue() bool })
	return ok && v.TakesValue()
}

// flagErrorPatterns are the errors of Go's flag package, which cli passes on.
var (
	errUndefined = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	errBadValue  = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for (?:flag )?-+([^:]+): (.+)$`)
	errNoValue   = regexp.MustCompile(`^flag needs an argument: -+(.+)$`)
)

// flagUsageError turns a flag parse error of command cmd (nil: the app) into
// one line in walctl's words; the hint names the help to read.
func flagUsageError(cmd *cli.Command, err error) error {
	msg := err.Error()
	name := ""
	if cmd != nil {
		name = cmd.Name
	}
	switch m := []string(nil); {
	case matchInto(errUndefined, msg, &m):
		if err := renamedError(name, m[1]); err != nil {
			return err
		}
		return usageError{cmd: name, msg: fmt.Sprintf("unknown flag %s", dashed(m[1]))}
	case matchInto(errBadValue, msg, &m):
		why := m[3]
		switch why {
		case "parse error":
			why = "not a valid value"
		case "value out of range":
			why = "out of range"
		}
		return usageError{cmd: name, msg: fmt.Sprintf("%s %q: %s", longName(cmd, m[2]), m[1], why)}
	case matchInto(errNoValue, msg, &m):
		return usageError{cmd: name, msg: fmt.Sprintf("%s needs a value", longName(cmd, m[1]))}
	}
	return usageError{cmd: name, msg: msg}
}

func matchInto(re *regexp.Regexp, s string, m *[]string) bool {
	*m = re.FindStringSubmatch(s)
	return *m != nil
}

func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// longName names a flag by its long name, with the alias the user typed:
// "--records-per-partition (-R)".
func longName(cmd *cli.Command, name string) string {
	if cmd == nil {
		return dashed(name)
	}
	f := findFlag(cmd, name)
	if f == nil || f.Names()[0] == name {
		return dashed(name)
	}
	return fmt.Sprintf("%s (%s)", dashed(f.Names()[0]), dashed(name))
}
