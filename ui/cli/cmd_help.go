package cli

import (
	"cmp"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Help is laid out here rather than by fang: fang lays it out 120 columns
// wide whatever the terminal, pads it with spaces, cuts long examples and
// lets lipgloss break words at hyphens (--yes became -- and yes). This
// help wraps at spaces only, to the terminal's width, or COLUMNS, or 80
// when stdout is not a terminal, and never leaves a space at a line's end.

const (
	helpIndent = 2 // titles and the long text
	itemIndent = 4 // usage, examples, commands and flags
	// maxHelpWidth: a line longer than this is hard to read on a wide terminal
	maxHelpWidth = 120
)

var (
	helpTitle = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#7c3aed"))
	helpFlag  = lipgloss.NewStyle().Foreground(lipgloss.Color("#0e7490"))
)

// helpWidth is the width help is laid out for: the terminal stdout is,
// else COLUMNS, else 80.
func helpWidth(out io.Writer) int {
	if f, ok := out.(term.File); ok && term.IsTerminal(f.Fd()) {
		if w, _, err := term.GetSize(f.Fd()); err == nil && w > 0 {
			return max(40, min(w, maxHelpWidth))
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return max(40, n)
	}
	return 80
}

// writeHelp prints the help of cc on the command line's stdout.
func (c *cli) writeHelp(cc *cobra.Command) {
	cc.InitDefaultHelpFlag()
	w := helpWidth(c.stdout)
	var b strings.Builder
	line := func(s string) { b.WriteString(strings.TrimRight(s, " ") + "\n") }
	title := func(s string) {
		line("")
		line(strings.Repeat(" ", helpIndent) + helpTitle.Render(s))
	}
	if text := cmp.Or(cc.Long, cc.Short); text != "" {
		line("")
		for _, l := range strings.Split(text, "\n") {
			// a line set in (cobra's commands to type) stays set in
			l = strings.ReplaceAll(l, "\t", "    ")
			in := strings.Repeat(" ", helpIndent+len(l)-len(strings.TrimLeft(l, " ")))
			for _, wl := range wordWrap(l, w-len(in)) {
				line(in + wl)
			}
		}
	}
	title("USAGE")
	for _, l := range commandLine(usageOf(cc, true), w-itemIndent) {
		line(strings.Repeat(" ", itemIndent) + l)
	}
	if ex := strings.TrimSpace(cc.Example); ex != "" {
		title("EXAMPLES")
		for _, e := range strings.Split(ex, "\n") {
			for _, l := range commandLine(strings.TrimSpace(e), w-itemIndent) {
				line(strings.Repeat(" ", itemIndent) + l)
			}
		}
	}
	var cmds, flags [][2]string
	for _, sc := range cc.Commands() {
		if sc.IsAvailableCommand() || sc.Name() == "help" && !sc.Hidden {
			cmds = append(cmds, [2]string{usageOf(sc, false), sentence(sc.Short)})
		}
	}
	cc.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		name := "--" + f.Name
		if f.Shorthand != "" {
			name = "-" + f.Shorthand + " " + name
		}
		about := sentence(f.Usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
			about += " (" + f.DefValue + ")"
		}
		flags = append(flags, [2]string{name, about})
	})
	col := 10
	for _, it := range append(append([][2]string(nil), cmds...), flags...) {
		col = max(col, utf8.RuneCountInString(it[0])+2)
	}
	if len(cmds) > 0 {
		title("COMMANDS")
		writeItems(line, cmds, col, w, false)
	}
	if len(flags) > 0 {
		title("FLAGS")
		writeItems(line, flags, col, w, true)
	}
	line("")
	out := colorprofile.NewWriter(c.stdout, os.Environ())
	_, _ = io.WriteString(out, b.String())
}

// writeItems lists names and what they do in two columns; when the
// second has too little room it goes under the name.
func writeItems(line func(string), items [][2]string, col, w int, flag bool) {
	pad := strings.Repeat(" ", itemIndent)
	room := w - itemIndent - col
	under := room < 30
	if under {
		room = w - itemIndent - 4
	}
	for _, it := range items {
		name := it[0]
		if flag {
			name = helpFlag.Render(name)
		}
		about := wordWrap(it[1], room)
		if under {
			line(pad + name)
			for _, l := range about {
				line(pad + "    " + l)
			}
			continue
		}
		line(pad + name + strings.Repeat(" ", col-utf8.RuneCountInString(it[0])) + about[0])
		for _, l := range about[1:] {
			line(pad + strings.Repeat(" ", col) + l)
		}
	}
}

// usageOf is how a command is called: its words, its arguments, and
// whether it has commands or flags of its own.
func usageOf(cc *cobra.Command, full bool) string {
	name := cc.Name()
	if full {
		name = cc.CommandPath()
	}
	parts := []string{name}
	if _, args, ok := strings.Cut(cc.Use, " "); ok {
		parts = append(parts, strings.TrimSpace(args))
	}
	if cc.HasAvailableSubCommands() {
		parts = append(parts, "[command]")
	}
	if cc.HasAvailableLocalFlags() && (full || hasOwnFlags(cc)) {
		parts = append(parts, "[--flags]")
	}
	return strings.Join(parts, " ")
}

// hasOwnFlags: a command listed under another shows [--flags] when it
// takes some besides --help.
func hasOwnFlags(cc *cobra.Command) bool {
	own := false
	cc.LocalFlags().VisitAll(func(f *pflag.Flag) { own = own || f.Name != "help" && !f.Hidden })
	return own
}

// commandLine breaks a shell command at spaces outside quotes, the
// broken lines ending in \ and the rest indented, so that a copied
// example still runs.
func commandLine(s string, w int) []string {
	if ansi.StringWidth(s) <= w {
		return []string{s}
	}
	var words []string
	quote := rune(0)
	start := 0
	for i, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '\'' || r == '"'):
			quote = r
		case quote == 0 && r == ' ':
			if i > start {
				words = append(words, s[start:i])
			}
			start = i + 1
		}
	}
	if start < len(s) {
		words = append(words, s[start:])
	}
	var out []string
	cur := ""
	for _, word := range words {
		limit := w - 2 // room for " \"
		if len(out) > 0 {
			limit -= 4
		}
		if cur != "" && ansi.StringWidth(cur+" "+word) > limit {
			out = append(out, cur+" \\")
			cur = word
			continue
		}
		cur = strings.TrimPrefix(cur+" "+word, " ")
	}
	out = append(out, cur)
	for i := 1; i < len(out); i++ {
		out[i] = "    " + out[i]
	}
	return out
}

// wordWrap breaks text at spaces into lines of at most w cells; a word
// is never split unless it is wider than a line by itself.
func wordWrap(s string, w int) []string {
	w = max(10, w)
	var out []string
	cur := ""
	for _, word := range strings.Fields(s) {
		for ansi.StringWidth(word) > w {
			if cur != "" {
				out = append(out, cur)
				cur = ""
			}
			cut := ansi.Truncate(word, w, "")
			out = append(out, cut)
			word = word[len(cut):]
		}
		if cur != "" && ansi.StringWidth(cur+" "+word) > w {
			out = append(out, cur)
			cur = word
			continue
		}
		cur = strings.TrimPrefix(cur+" "+word, " ")
	}
	if cur != "" || len(out) == 0 {
		out = append(out, cur)
	}
	return out
}

// sentence starts a description with a capital, as a list reads.
func sentence(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// helpAsked is the command whose help the arguments ask for with -h or
// --help, when they do: its help is printed without running anything.
func (c *cli) helpAsked(args []string) (*cobra.Command, bool) {
	cc, rest, err := c.root.Find(args)
	if err != nil || cc == nil {
		return nil, false
	}
	valued := c.valuedFlags()
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			return nil, false
		case a == "-h" || a == "--help" || a == "--help=true":
			return cc, true
		case strings.HasPrefix(a, "-") && !strings.Contains(a, "=") && valued[strings.TrimLeft(a, "-")]:
			i++ // its value
		}
	}
	return nil, false
}
