// Command sqc is a terminal console for fleets of Senquip telemetry devices.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"sqc/ui/cli"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	restore := cli.SaveTerminal()
	sigs := make(chan os.Signal, 2)
	// SIGHUP is an SSH session that dropped: the console saves what it knew
	// and leaves, as on SIGTERM.
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go leaveOnSignal(sigs, cancel, restore)
	stop := cli.StartProfile()
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
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
// context) or a second signal comes, it puts the terminal back and exits
// with the error status, 1.
func leaveOnSignal(sigs <-chan os.Signal, cancel context.CancelFunc, restore func()) {
	<-sigs
	cancel()
	t := time.NewTimer(exitGrace)
	select {
	case <-t.C:
	case <-sigs:
	}
	restore()
	os.Exit(1)
}
