// Command sqc is a terminal console for fleets of Senquip telemetry devices.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
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

func isUsage(err error) bool {
	var ue usageError
	return errors.As(err, &ue)
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	restore := saveTerminal()
	sigs := make(chan os.Signal, 2)
	// SIGHUP is an SSH session that dropped: the console saves what it knew
	// and leaves, as on SIGTERM.
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go leaveOnSignal(sigs, cancel, restore)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	cancel()
	os.Exit(code)
}

// exitGrace is how long a signalled sqc has to stop its requests and save
// what it knew before it leaves regardless.
const exitGrace = time.Second

// leaveOnSignal ends the program on the first signal: it cancels the root
// context, so requests stop and the console saves and quits, and if the
// program has not left within exitGrace (a save waiting on a lock, a
// write to a terminal nobody reads any more, a call that ignores its
// context) or a second signal comes, it puts the terminal back and exits.
func leaveOnSignal(sigs <-chan os.Signal, cancel context.CancelFunc, restore func()) {
	<-sigs
	cancel()
	t := time.NewTimer(exitGrace)
	select {
	case <-t.C:
	case <-sigs:
	}
	restore()
	os.Exit(exitError)
}

// run is the whole program but for the process: tests call it in-process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return newCLI(stdin, stdout, stderr).execute(ctx, args)
}

// version and commit come from the build: `go install` of a module
// version, or the VCS revision of a build from a checkout.
func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
}

// versionLine is what --version prints: the version and the short commit
// it was built from, when the build knows it.
func versionLine() string {
	if c := commit(); len(c) >= 7 {
		return version() + " (" + c[:7] + ")"
	}
	return version()
}

func commit() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return ""
}
