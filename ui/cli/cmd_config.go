package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"sqc/api"
)

// Widths of sqc config get's output, in terminal cells.
const (
	colConfigKey   = 48
	colConfigValue = 200
)

func runConfigGet(ctx context.Context, e *env, o *configGetOpts, args []string) error {
	id, err := api.NormaliseDeviceID(args[0])
	if err != nil {
		return usagef("%v", err)
	}
	s, err := openSession(e, false) // a read: nothing to confirm
	if err != nil {
		return err
	}
	defer s.close()
	rctx, cancel := withTimeout(ctx)
	defer cancel()
	cr, err := s.client.GetConfig(rctx, id)
	if err != nil {
		return err
	}
	if o.json {
		b, err := json.MarshalIndent(cr, "", "  ")
		if err == nil {
			_, err = e.stdout.Write(append(api.SafeJSON(b), '\n'))
		}
		s.spent(id, cr.Remaining)
		return err
	}
	err = printConfig(ctx, e, id, cr)
	s.spent(id, cr.Remaining)
	return err
}

// printConfig writes the settings for a ticket: the device's state, then
// every dotted key and value, a blank line between groups (the key's
// first part). Text values are quoted, so an empty one shows.
func printConfig(ctx context.Context, e *env, id string, cr *api.ConfigResponse) error {
	tail := e.ellipsis()
	w := bufio.NewWriter(e.stdout)
	fmt.Fprintf(w, "%s\n", id)
	if cr.Synced {
		fmt.Fprintln(w, "synced      yes: the device runs this config")
	} else {
		fmt.Fprintln(w, "synced      no: a change waits for the device's next check-in")
	}
	if cr.Remaining != nil {
		fmt.Fprintf(w, "calls left  %d this month (not on a Hosted plan: 50 a month)\n", *cr.Remaining)
	}
	lines := cr.Config.Display()
	keys := make([]string, len(lines))
	width := 0
	for i, l := range lines {
		keys[i] = api.Truncate(l.Key, colConfigKey, tail)
		width = max(width, ansi.StringWidth(keys[i]))
	}
	group := "\x00"
	for i, l := range lines {
		if err := ctx.Err(); err != nil {
			return err
		}
		if g, _, _ := strings.Cut(l.Key, "."); g != group {
			group = g
			fmt.Fprintln(w)
		}
		v := api.Truncate(l.Value, colConfigValue, tail)
		if l.Kind == api.KindString {
			v = strconv.Quote(v)
		}
		fmt.Fprintf(w, "%s%s  %s\n", keys[i], strings.Repeat(" ", width-ansi.StringWidth(keys[i])), v)
	}
	if len(lines) == 0 {
		fmt.Fprintln(w, "\n(no settings)")
	}
	return w.Flush()
}
