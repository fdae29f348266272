// Command sqc is a terminal console for fleets of Senquip telemetry devices.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit statuses: 0 ok, 1 error, 2 usage.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// usageError is a mistake in the command line: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand: its flags and what it does.
type command struct {
	name  string
	args  string // positional arguments, for usage
	about string
	flags func(fs *flag.FlagSet, o *cmdOpts)
	run   func(ctx context.Context, e *env, args []string) error
}

// cmdOpts holds every flag's value; each command registers those it takes.
type cmdOpts struct {
	apiURL, profile string
	debug, demo     bool
	device          string
	json            bool
	limit           int
	listen          string
	devices         int
	seed            uint64
	key             string
	hosted          float64
	latency         string
	failRate        float64
	insecureStorage bool
	noVerify        bool
}

func globalFlags(fs *flag.FlagSet, o *cmdOpts) {
	fs.StringVar(&o.apiURL, "api-url", "", "API base URL (default: SENQUIP_API_URL, the profile's, or "+defaultURLText+")")
	fs.StringVar(&o.profile, "profile", "", "profile name (default: SQC_PROFILE or default)")
	fs.BoolVar(&o.debug, "debug", false, "write a debug log to the state directory")
	fs.BoolVar(&o.demo, "demo", false, "run against a simulated Senquip Cloud in this process")
}

var commands []command

func init() {
	commands = []command{
		{name: "", about: "open the console", run: runConsole,
			flags: func(fs *flag.FlagSet, o *cmdOpts) {
				fs.StringVar(&o.device, "device", "", "open straight on this device ID")
			}},
		{name: "devices", about: "list the account's devices", run: runDevices,
			flags: func(fs *flag.FlagSet, o *cmdOpts) {
				fs.BoolVar(&o.json, "json", false, "print the server's JSON, nothing dropped")
			}},
		{name: "data", args: "DEVICEID", about: "print a device's latest data messages", run: runData,
			flags: func(fs *flag.FlagSet, o *cmdOpts) {
				fs.BoolVar(&o.json, "json", false, "print the server's JSON, nothing dropped")
				fs.IntVar(&o.limit, "limit", 1, "how many messages, newest first (1-1000)")
			}},
		{name: "sim", about: "serve a simulated Senquip Cloud for curl, Postman and sqc", run: runSim,
			flags: func(fs *flag.FlagSet, o *cmdOpts) {
				fs.StringVar(&o.listen, "listen", "127.0.0.1:8088", "loopback address to listen on")
				fs.IntVar(&o.devices, "devices", 40, "number of devices in the account")
				fs.Uint64Var(&o.seed, "seed", 1, "seed of the generated fleet")
				fs.StringVar(&o.key, "key", "", "API key to accept (default: a random one, printed)")
				fs.Float64Var(&o.hosted, "hosted", 0.6, "fraction of devices on a Hosted plan (0-1)")
				fs.StringVar(&o.latency, "latency", "0s", "delay added to every answer, e.g. 300ms")
				fs.Float64Var(&o.failRate, "fail-rate", 0, "chance (0-1) of a 500 or 503 on any request")
			}},
		{name: "auth", args: "login|logout|status", about: "store, remove or check the API key of a profile", run: runAuth,
			flags: func(fs *flag.FlagSet, o *cmdOpts) {
				fs.BoolVar(&o.insecureStorage, "insecure-storage", false, "store the key in a plain-text file (mode 0600) instead of the OS keyring")
				fs.BoolVar(&o.noVerify, "no-verify", false, "do not ask the server whether it accepts the key")
			}},
		{name: "profiles", about: "list profiles and where each key lives", run: runProfiles},
		{name: "routes", args: "[import FILE]", about: "show the API route table, or import Senquip's Postman collection", run: runRoutes},
		{name: "help", about: "show this help", run: func(_ context.Context, e *env, _ []string) error {
			printUsage(e.stdout)
			return nil
		}},
	}
}

// valueFlags are the global flags that take a value, needed to find the
// subcommand before its own flags are known.
var valueFlags = map[string]bool{"api-url": true, "profile": true, "device": true}

// findCommand finds the subcommand: the first argument that is neither a
// flag nor a global flag's value.
func findCommand(args []string) (*command, error) {
	name := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") {
			n := strings.TrimLeft(a, "-")
			if valueFlags[n] && !strings.Contains(n, "=") {
				i++
			}
			continue
		}
		name = a
		break
	}
	for i := range commands {
		if commands[i].name == name {
			return &commands[i], nil
		}
	}
	return nil, usagef("unknown command %q: run sqc help", name)
}

// parseArgs parses flags wherever they stand, before or after arguments.
func parseArgs(cmd *command, args []string) (*cmdOpts, []string, error) {
	o := &cmdOpts{}
	fs := flag.NewFlagSet("sqc "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	globalFlags(fs, o)
	if cmd.flags != nil {
		cmd.flags(fs, o)
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, nil, usagef("%s", commandHelp(cmd, fs))
			}
			return nil, nil, usagef("%v\n%s", err, commandHelp(cmd, fs))
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if cmd.name != "" && len(pos) > 0 && pos[0] == cmd.name {
		pos = pos[1:]
	}
	return o, pos, nil
}

func commandHelp(cmd *command, fs *flag.FlagSet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: sqc %s %s [flags]\n", cmd.name, cmd.args)
	fs.VisitAll(func(f *flag.Flag) {
		fmt.Fprintf(&b, "  --%-10s %s\n", f.Name, f.Usage)
	})
	return b.String()
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, "sqc — a terminal console for fleets of Senquip devices\n\nusage: sqc [command] [flags]\n\ncommands:\n")
	for _, c := range commands {
		name := c.name
		if name == "" {
			name = "(none)"
		}
		fmt.Fprintf(w, "  %-8s %-14s %s\n", name, c.args, c.about)
	}
	fmt.Fprint(w, "\nglobal flags: --api-url URL, --profile NAME, --debug, --demo\n",
		"environment: SENQUIP_API_KEY (overrides stored keys), SENQUIP_API_URL, SQC_PROFILE, XDG_CONFIG_HOME, XDG_STATE_HOME\n",
		"run 'sqc COMMAND --help' for a command's flags\n")
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd, err := findCommand(args)
	var o *cmdOpts
	var pos []string
	if err == nil {
		o, pos, err = parseArgs(cmd, args)
	}
	if err != nil {
		fmt.Fprintln(stderr, "sqc:", err)
		return exitUsage
	}
	e, err := newEnv(o, stdin, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "sqc:", err)
		return exitError
	}
	defer e.close()
	err = cmd.run(ctx, e, pos)
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "sqc:", err)
		return exitUsage
	default:
		e.log.Error("command failed", "command", cmd.name, "err", err)
		fmt.Fprintln(stderr, "sqc:", err)
		return exitError
	}
}
