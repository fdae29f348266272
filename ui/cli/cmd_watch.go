package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"syscall"
	"time"

	"sqc/api"
	"sqc/keys"
	"sqc/state"
	"sqc/state/live"
	"sqc/state/store"
)

type watchOpts struct {
	filter string
	json   bool
}

// watchLine is one transition as --json prints it: one object a line.
type watchLine struct {
	At     time.Time `json:"at"`
	Device string    `json:"deviceid"`
	Name   string    `json:"name"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Event  bool      `json:"event,omitempty"`
	Text   string    `json:"text,omitempty"`
}

// watchShutdown bounds the engine's last saves: a signalled sqc has a
// second in all before it leaves regardless.
const watchShutdown = 500 * time.Millisecond

// runWatch runs the engine the console runs (same scheduler, budget and
// database) with no screen, and prints each change of a device's state
// as it is found, until a signal or a reader that went away.
func runWatch(ctx context.Context, e *env, o *watchOpts, _ []string) error {
	filter, err := state.ParseFilter(o.filter)
	if err != nil {
		return usagef("--filter: %v", err)
	}
	// A closed pipe is an error from the write, not a signal that kills:
	// the reader of `sqc watch | head -1` went away, and that is the end.
	signal.Ignore(syscall.SIGPIPE)
	var ledger *state.Ledger
	var fp string
	conn, err := e.connectWith(func(key string, opt *api.Options) {
		ledger, fp = e.ledgerFor(key), keys.Fingerprint(key)
		opt.Now, opt.MaxRetries = time.Now, -1 // the scheduler decides when to try again
	})
	if err != nil {
		return err
	}
	p, err := e.profileSettings()
	if err != nil {
		return err
	}
	dir := e.stateDir
	if e.o.demo {
		dir = ""
	}
	openDB := func() (*state.DB, error) { return state.OpenDB(dir, e.profile, fp, time.Now(), e.log) }
	eng, err := live.New(live.Config{Client: conn.client, Ledger: ledger, Share: p.Share, Retention: retentionOf(p.KeepHistory),
		StateDir: dir, KeyFP: fp, OpenDB: openDB, Log: e.log, Context: ctx, CloseWait: watchShutdown})
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), watchShutdown)
		defer cancel()
		if err := eng.Shutdown(sctx); err != nil {
			e.log.Warn("watch: saves at exit", "err", err)
		}
	}()
	v := eng.Subscribe()
	defer v.Close()
	return watchLoop(ctx, eng, v, filter, o.json, e.stdout)
}

// watchLoop prints what the inbox gains, oldest first, until ctx ends
// (exit 0: the user or the service manager asked) or the output is gone.
func watchLoop(ctx context.Context, eng *live.Engine, v *live.View, filter *state.Filter, asJSON bool, out io.Writer) error {
	tick := time.NewTicker(time.Second) // the clock turns devices stale
	defer tick.Stop()
	var last int64
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-v.Changed():
			if c := v.Take(); c.Closed || !ok {
				return nil
			}
		case <-tick.C:
		}
		for _, t := range eng.Inbox().Since(last) {
			last = t.Seq
			if t.Kept || !watchMatch(eng, filter, t.Device) {
				continue
			}
			if err := writeWatchLine(out, t, asJSON); err != nil {
				if errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrClosedPipe) {
					return nil // the reader went away: nothing more to say
				}
				return err
			}
		}
	}
}

func watchMatch(eng *live.Engine, f *state.Filter, id string) bool {
	if f.Empty() {
		return true
	}
	ok := false
	eng.Read(func(rd live.Reader) {
		if d := rd.Fleet.Get(id); d != nil {
			ok = f.Match(d, time.Now())
		}
	})
	return ok
}

func writeWatchLine(w io.Writer, t state.Transition, asJSON bool) error {
	to := t.To.String()
	if t.Event {
		to += " event"
	}
	if asJSON {
		b, err := json.Marshal(watchLine{At: t.At, Device: t.Device, Name: t.Name, From: t.From.String(), To: t.To.String(), Event: t.Event, Text: t.Text})
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}
	line := fmt.Sprintf("%s  %s  %s  %s → %s", t.At.Local().Format(time.DateTime), t.Device, api.CleanCut(t.Name, 40), t.From, to)
	if t.Text != "" {
		line += "  " + api.CleanCut(t.Text, 200)
	}
	_, err := io.WriteString(w, line+"\n")
	return err
}

// retentionOf is the history the database keeps for a profile's setting.
func retentionOf(keep time.Duration) store.Retention {
	r := store.DefaultRetention
	if keep > 0 {
		r.Span = keep
	}
	return r
}
