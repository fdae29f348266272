package cli

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"sqc/api"
)

// cli is one run of the command line: the cobra tree built from the
// table, the shared flags' values and the streams it was given (each
// command's own flags fill a value of its own: see withOpts).
type cli struct {
	o              *sharedOpts
	stdin          io.Reader
	stdout, stderr io.Writer
	root           *cobra.Command
}

func newCLI(stdin io.Reader, stdout, stderr io.Writer) *cli {
	c := &cli{o: &sharedOpts{}, stdin: stdin, stdout: stdout, stderr: stderr}
	byPath := map[string]*cobra.Command{}
	for i := range commands {
		row := &commands[i]
		cc := c.cobraCommand(row)
		if row.path == "" {
			c.root = cc
		} else {
			parent := ""
			if j := strings.LastIndexByte(row.path, ' '); j >= 0 {
				parent = row.path[:j]
			}
			byPath[parent].AddCommand(cc)
		}
		byPath[row.path] = cc
	}
	c.root.SetIn(stdin)
	c.root.SetOut(stdout)
	c.root.SetErr(stderr)
	c.root.SetFlagErrorFunc(func(cc *cobra.Command, err error) error {
		msg := strings.Replace(err.Error(), "unknown flag:", "flag provided but not defined:", 1)
		msg = strings.Replace(msg, "unknown shorthand flag:", "flag provided but not defined:", 1)
		// pflag says `invalid argument "abc" for "--limit" flag: strconv.ParseInt: ...`:
		// the parser's words are noise to a person.
		if m := badValue.FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("%s: %q is not %s", m[2], m[1], kindOfValue(m[3]))
		}
		return usagef("%s (%s --help lists its flags)", msg, cc.CommandPath())
	})
	c.root.SetHelpCommand(c.helpCommand())
	return c
}

var badValue = regexp.MustCompile(`^invalid argument "(.*)" for "(?:-\w, )?(--[\w-]+)" flag: ([\w.]+)`)

// kindOfValue names what a flag's parser wanted, from its error.
func kindOfValue(parser string) string {
	switch {
	case strings.HasPrefix(parser, "strconv.ParseInt"), strings.HasPrefix(parser, "strconv.ParseUint"):
		return "a whole number"
	case strings.HasPrefix(parser, "strconv.ParseFloat"):
		return "a number"
	case strings.HasPrefix(parser, "strconv.ParseBool"):
		return "true or false"
	case strings.HasPrefix(parser, "time"):
		return "a duration such as 300ms or 2s"
	}
	return "a valid value"
}

func (c *cli) cobraCommand(row *command) *cobra.Command {
	name := row.path
	if j := strings.LastIndexByte(name, ' '); j >= 0 {
		name = name[j+1:]
	}
	use := strings.TrimSpace(name + " " + row.args)
	if row.path == "" {
		use = "sqc"
	}
	cc := &cobra.Command{
		Use:     use,
		Short:   row.about,
		Long:    row.long,
		Example: row.example,
		Args:    cobra.ArbitraryArgs, // counted by runE, after the environment, as the row says
	}
	if row.path == "" {
		cc.Args = c.rootArgs
		cc.SuggestionsMinimumDistance = 2
	}
	fs := cc.Flags()
	fs.SortFlags = false
	var run runFunc
	if row.run != nil {
		run = row.run(fs)
	}
	addShared(fs, c.o, row.uses)
	cc.RunE = c.runE(row, run)
	return cc
}

// runE runs a row with its environment once its arguments are counted; a
// group row without run says which subcommands it has.
func (c *cli) runE(row *command, run runFunc) func(*cobra.Command, []string) error {
	return func(cc *cobra.Command, args []string) error {
		if run == nil {
			return c.groupUsage(cc, args)
		}
		e, err := newEnv(c.o, c.stdin, c.stdout, c.stderr)
		if err != nil {
			return err
		}
		defer e.close()
		if err := row.checkArgs(cc.Flags(), args); err != nil {
			return err
		}
		err = run(cc.Context(), e, args)
		if err != nil && !isUsage(err) {
			e.log.Error("command failed", "command", cc.CommandPath(), "err", err)
		}
		return err
	}
}

// checkArgs refuses a count of arguments the row does not take, with the
// row's usage. A row that takes none but has subcommands (routes) was
// most likely given a subcommand it does not have: it lists its forms.
func (row *command) checkArgs(fs *pflag.FlagSet, args []string) error {
	switch {
	case row.argc.takes(len(args)):
		return nil
	case row.argc.insteadSet(fs):
		return nil // the flag stands for the arguments: the command says what goes with it
	case row.argc.usage != "":
		return usageError{row.argc.usage}
	case len(args) == 0: // a row that wants arguments gives its usage: not reached
		return usagef("usage: sqc %s %s", row.path, row.args)
	}
	if forms := row.forms(); len(forms) > 1 {
		return usagef("unknown %s command %q: use %s", row.path, args[0], orList(forms))
	}
	return usagef("%s takes no arguments, got %q", row.path, args[0])
}

// forms are the ways to type a row and its direct subcommands, as usage
// writes them: "sqc routes", "sqc routes import FILE".
func (row *command) forms() []string {
	var forms []string
	depth := strings.Count(row.path, " ")
	for _, r := range commands {
		child := strings.HasPrefix(r.path, row.path+" ") && strings.Count(r.path, " ") == depth+1
		if r.run != nil && (r.path == row.path || child) {
			forms = append(forms, strings.TrimSpace("sqc "+r.path+" "+r.args))
		}
	}
	return forms
}

// orList joins "a", "b" and "c" as "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// groupUsage is the answer of a command that only groups others.
func (c *cli) groupUsage(cc *cobra.Command, args []string) error {
	var subs []string
	for _, s := range cc.Commands() {
		if s.IsAvailableCommand() {
			subs = append(subs, s.Name())
		}
	}
	if len(args) > 0 {
		return usagef("unknown %s command %q: use %s", cc.Name(), args[0], strings.Join(subs, ", "))
	}
	return usagef("%s needs a command: %s (%s --help)", cc.Name(), strings.Join(subs, ", "), cc.CommandPath())
}

// rootArgs refuses what is not a command, with cobra's suggestions.
func (c *cli) rootArgs(cc *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	hint := "run sqc help"
	if s := cc.SuggestionsFor(args[0]); len(s) > 0 {
		hint = "did you mean " + strings.Join(s, " or ") + "? " + hint
	}
	return usagef("unknown command %q: %s", args[0], hint)
}

// helpCommand is `sqc help [COMMAND...]`: help on stdout, an unknown
// topic is a usage error.
func (c *cli) helpCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "show the help of sqc or of a command",
		Args:  cobra.ArbitraryArgs,
		RunE: func(_ *cobra.Command, args []string) error {
			target, rest, err := c.root.Find(args)
			if err != nil || len(rest) > 0 {
				return usagef("no command %q: run sqc help", strings.Join(args, " "))
			}
			c.writeHelp(target)
			return nil
		},
	}
}

// commandFirst moves the command's words to the front, so that flags of a
// command may stand before it (`sqc --json data ID`) as well as after: the
// words are the first arguments that are neither flags nor flag values
// and name a command, level by level.
func (c *cli) commandFirst(args []string) []string {
	valued := c.valuedFlags()
	var words []int
	cmd := c.root
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			if name := strings.TrimLeft(a, "-"); !strings.Contains(name, "=") && valued[name] {
				i++
			}
			continue
		}
		var next *cobra.Command
		for _, s := range cmd.Commands() {
			if s.Name() == a || s.HasAlias(a) {
				next = s
			}
		}
		if next == nil {
			break
		}
		words = append(words, i)
		cmd = next
		if !next.HasSubCommands() {
			break
		}
	}
	if len(words) == 0 {
		return args
	}
	out := make([]string, 0, len(args))
	taken := map[int]bool{}
	for _, i := range words {
		out = append(out, args[i])
		taken[i] = true
	}
	for i, a := range args {
		if !taken[i] {
			out = append(out, a)
		}
	}
	return out
}

// valuedFlags are the names of the flags, of every command, that take a
// value: the word after one is its value, not a command.
func (c *cli) valuedFlags() map[string]bool {
	valued := map[string]bool{}
	var collect func(cc *cobra.Command)
	collect = func(cc *cobra.Command) {
		cc.Flags().VisitAll(func(f *pflag.Flag) {
			if f.NoOptDefVal == "" && f.Value.Type() != "bool" {
				valued[f.Name] = true
				if f.Shorthand != "" {
					valued[f.Shorthand] = true
				}
			}
		})
		for _, s := range cc.Commands() {
			collect(s)
		}
	}
	collect(c.root)
	return valued
}

// execute runs the command line and returns the exit status.
func (c *cli) execute(ctx context.Context, args []string) int {
	args = c.commandFirst(args)
	// the commands and flags cobra adds as it starts, so that
	// help lists them
	c.root.Version = versionLine()
	c.root.InitDefaultVersionFlag()
	c.root.InitDefaultHelpCmd()
	c.root.InitDefaultCompletionCmd()
	if cc, ok := c.helpAsked(args); ok {
		c.writeHelp(cc)
		return exitOK
	}
	c.root.SetArgs(args)
	// Cobra is run directly, not through fang: fang asks the terminal for
	// its background colour (and waits seconds for an answer a plain
	// terminal never sends) before it prints an error, which left the
	// queries on the screen and held a signalled console's exit.
	c.root.SilenceUsage, c.root.SilenceErrors = true, true
	c.root.SetHelpFunc(func(cc *cobra.Command, _ []string) { c.writeHelp(cc) })
	err := c.root.ExecuteContext(ctx)
	if err != nil {
		msg := err.Error()
		if ctx.Err() != nil && !isUsage(err) {
			msg = "stopped: " + msg
		}
		fmt.Fprintln(c.stderr, "sqc:", api.CleanText(msg))
	}
	switch {
	case err == nil:
		return exitOK
	case isUsage(err):
		return exitUsage
	default:
		return exitError
	}
}
