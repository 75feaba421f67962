package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/walctl/walctl/format"
)

var shells = []string{"bash", "zsh", "fish"}

func completionCommand() *cli.Command {
	return &cli.Command{
		Name: "completion",
		Usage: "print the shell completion script for " + strings.Join(
			shells,
			", ",
		) + " (see the README to install it)",
		ArgsUsage: strings.Join(shells, "|"),
		Action:    runCompletion,
	}
}

func runCompletion(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageError{msg: fmt.Sprintf("completion takes one shell, got %d arguments", c.NArg()),
			hint: "walctl completion " + strings.Join(shells, "|")}
	}
	w := c.App.Writer
	switch sh := c.Args().First(); sh {
	case "bash":
		_, err := io.WriteString(w, bashCompletion)
		return err
	case "zsh":
		_, err := io.WriteString(w, zshCompletion)
		return err
	case "fish":
		s, err := c.App.ToFishCompletion()
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, s)
		return err
	default:
		return usageError{
			msg:  fmt.Sprintf("%q is not a shell walctl completes", sh),
			hint: "use " + strings.Join(shells, ", "),
		}
	}
}

func manCommand() *cli.Command {
	return &cli.Command{
		Name:  "man",
		Usage: "print walctl's man page (troff; see the README to install it)",
		Action: func(c *cli.Context) error {
			if c.NArg() != 0 {
				return usageError{msg: "man takes no arguments", hint: "walctl man > walctl.1"}
			}
			s, err := c.App.ToManWithSection(1)
			if err != nil {
				return err
			}
			s += ".SH EXIT CODES\n"
			for _, line := range strings.Split(strings.TrimPrefix(exitHelp, "EXIT CODES:\n"), "\n") {
				code, text, _ := strings.Cut(strings.TrimSpace(line), "  ")
				s += ".TP\n.B " + code + "\n" + text + "\n"
			}
			_, err = io.WriteString(c.App.Writer, troffASCII(s))
			return err
		},
	}
}

// troffASCII writes every non-ASCII character of a man page as a groff
// glyph escape (\[u2013] for "–"), so that the page renders without a
// preprocessor and without warnings.
func troffASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, `\[u%04X]`, r)
		}
	}
	return b.String()
}

// bashCompletion and zshCompletion are urfave/cli's scripts (autocomplete/
// in its repository) for walctl: the shell asks "walctl … --generate-bash-
// completion" for the words that may follow, and falls back to file names.
const bashCompletion = `# bash completion for walctl: source it, or copy it to
# /etc/bash_completion.d/walctl (or ~/.local/share/bash-completion/completions/walctl)
_walctl_init_completion() {
  COMPREPLY=()
  _get_comp_words_by_ref "$@" cur prev words cword
}

_walctl_bash_autocomplete() {
  if [[ "${COMP_WORDS[0]}" != "source" ]]; then
    local cur opts base words
    COMPREPLY=()
    cur="${COMP_WORDS[COMP_CWORD]}"
    if declare -F _init_completion >/dev/null 2>&1; then
      _init_completion -n "=:" || return
    else
      _walctl_init_completion -n "=:" || return
    fi
    words=("${words[@]:0:$cword}")
    if [[ "$cur" == "-"* ]]; then
      requestComp="${words[*]} ${cur} --generate-bash-completion"
    else
      requestComp="${words[*]} --generate-bash-completion"
    fi
    opts=$(eval "${requestComp}" 2>/dev/null)
    COMPREPLY=($(compgen -W "${opts}" -- ${cur}))
    return 0
  fi
}

complete -o bashdefault -o default -o nospace -F _walctl_bash_autocomplete walctl
`

const zshCompletion = `#compdef walctl
# zsh completion for walctl: save as _walctl in a directory of $fpath
# (e.g. ~/.zsh/completions, with fpath+=~/.zsh/completions before compinit),
# or source it after compinit.
compdef _walctl walctl

_walctl() {
  local -a opts
  local cur
  cur=${words[-1]}
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion)}")
  fi

  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}

# Autoloaded from $fpath the file is the function's body: run it. Sourced,
# the compdef above is all it takes.
if [ "$funcstack[1]" = "_walctl" ]; then
  _walctl "$@"
fi
`

// flagValues are the values of walctl's enumerated flags, for completion.
var flagValues = map[string][]string{
	"format":               append(logFormatNames(), format.TableAlias),
	"to":                   logFormatNames(),
	"in-format":            logFormatNames(),
	"payload":              payloadFlagValues,
	"hash":                 hashNames,
	"in-hash":              hashNames,
	"out-hash":             hashNames,
	"wal-layout":           {"6", "5"},
	"in-wal-layout":        {"6", "5"},
	"out-wal-layout":       {"6", "5"},
	"out-checkpoint-bytes": {"8", "12", "20"},
}

// completeValues completes the word after args (the command line without
// the completion flag, as the shell sent it) for cmd (nil: walctl itself):
// the values of an enumerated flag right after it, the flags after a "-",
// the commands after "walctl", the shells after "completion", else nothing,
// so that the shell offers file names.
func completeValues(app *cli.App, cmd *cli.Command, args []string) string {
	last := ""
	if len(args) > 1 {
		last = args[len(args)-1]
	}
	flags := app.Flags
	if cmd != nil {
		flags = append(append([]cli.Flag{}, cmd.Flags...), app.Flags...) // global flags go anywhere
	}
	if strings.HasPrefix(last, "-") {
		name, inline := flagName(last)
		if vals, ok := flagValues[name]; ok && !inline && cmd != nil && findFlag(cmd, name) != nil {
			return strings.Join(vals, "\n") + "\n"
		}
		var out []string
		for _, f := range flags {
			for _, n := range f.Names() {
				if d := dashed(n); strings.HasPrefix(d, last) && len(n) > 1 {
					out = append(out, d)
				}
			}
		}
		return lines(out)
	}
	switch {
	case cmd == nil:
		var names []string
		for _, c := range app.Commands {
			names = append(names, c.Name)
		}
		return lines(names)
	case cmd.Name == "completion" && last == "completion":
		return lines(shells)
	}
	return ""
}

func lines(words []string) string {
	if len(words) == 0 {
		return ""
	}
	return strings.Join(words, "\n") + "\n"
}

// logFormatNames are the values of a flag that names a log format.
func logFormatNames() []string { return strings.Split(format.Names(format.Logs, "|"), "|") }
