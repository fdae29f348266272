package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/x/term"

	"sqc/api"
	"sqc/keys"
	"sqc/ui"
)

// errNoTerminal is what running the console from a script says, rather
// than a library's error about opening a TTY.
var errNoTerminal = errors.New("sqc needs a terminal; for scripts use sqc devices / sqc data")

// haveTerminal reports whether the console can draw and read keys: its
// output is a terminal, and so is its input or the controlling terminal
// (Bubble Tea opens /dev/tty when stdin is a pipe).
func haveTerminal(in io.Reader, out io.Writer) bool {
	f, ok := out.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return false
	}
	if f, ok := in.(*os.File); ok && term.IsTerminal(f.Fd()) {
		return true
	}
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false
	}
	_ = tty.Close()
	return true
}

// consoleOn is set while the console has the terminal, so that a forced
// exit knows to leave its alternate screen.
var consoleOn atomic.Bool

// SaveTerminal keeps the terminal's modes as they are before any screen
// opens, and returns what puts them back when sqc must leave without the
// console's own clean-up (see leaveOnSignal in main.go). Setting the modes is an
// ioctl that does not wait for output; the escape that leaves the
// alternate screen is written without waiting for a terminal that no one
// reads (a dropped SSH session).
func SaveTerminal() func() {
	fd := os.Stdin.Fd()
	st, err := term.GetState(fd)
	return func() {
		if err == nil {
			_ = term.Restore(fd, st)
		}
		if !consoleOn.Load() {
			return
		}
		done := make(chan struct{})
		go func() {
			os.Stdout.WriteString("\x1b[?1049l\x1b[?25h\r\n")
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// runUI runs the console, marked as having the terminal. Stopped by a
// signal, it says so rather than how Bubble Tea words a cancelled context.
func runUI(ctx context.Context, cfg ui.Config) error {
	consoleOn.Store(true)
	defer consoleOn.Store(false)
	err := ui.Run(ctx, cfg)
	if err != nil && ctx.Err() != nil {
		return errSignalled
	}
	return err
}

var errSignalled = errors.New("a signal (SIGTERM, SIGHUP or SIGINT) ended the console")

func runConsole(ctx context.Context, e *env, o *consoleOpts, _ []string) error {
	if !haveTerminal(e.stdin, e.stdout) {
		return errNoTerminal
	}
	cfg := ui.Config{Profile: e.profile, Share: keys.DefaultShare, Log: e.log, ReadOnly: e.readOnly(), ASCII: e.asciiSymbols()}
	cfg.Notify = o.notify
	if o.device != "" {
		id, err := api.NormaliseDeviceID(o.device)
		if err != nil {
			return usagef("--device: %v", err)
		}
		cfg.Device = id
	}
	if e.o.demo {
		url, key, err := e.startDemo()
		if err != nil {
			return err
		}
		cfg.Key, cfg.KeySource = key, "demo"
		cfg.Connect = func(key string, hook func(*api.Options)) (*api.Client, error) {
			o := api.Options{BaseURL: url, Key: key, Logger: e.log}
			hook(&o)
			return api.New(o)
		}
		return runUI(ctx, cfg)
	}
	p, err := e.profileSettings()
	if err != nil {
		return err
	}
	store, err := e.store()
	if err != nil {
		return err
	}
	// Check the URL before the screen opens: a bad one is a plain error.
	if url, err := e.apiURL(); err != nil {
		return err
	} else if _, err := api.ParseBaseURL(url); err != nil {
		return err
	}
	cfg.Share, cfg.KeepHistory, cfg.Store, cfg.StateDir = p.Share, p.KeepHistory, store, e.stateDir
	cfg.Notify = cfg.Notify || p.Notify
	cfg.Connect = e.hookedClient
	found, err := store.Lookup()
	switch {
	case err == nil:
		cfg.Key, cfg.KeySource = found.Key, found.Source
	case errors.Is(err, keys.ErrNoKey):
		// no key yet: the console opens on its login screen
	default:
		return err
	}
	return runUI(ctx, cfg)
}
