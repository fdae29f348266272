package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"sqc/api"
	"sqc/state"
)

// Widths of sqc data's output, in terminal cells: a 50 KB value is cut,
// the unit stays (FormatReading writes it with the number).
const (
	colKey     = 24
	colValue   = 200
	colTopic   = 40
	colCANData = 64
)

func runData(ctx context.Context, e *env, o *dataOpts, args []string) error {
	id, err := api.NormaliseDeviceID(args[0])
	if err != nil {
		return usagef("%v", err)
	}
	if o.limit < 1 || o.limit > api.MaxDataLimit {
		return usagef("--limit %d: use 1 to %d", o.limit, api.MaxDataLimit)
	}
	conn, err := e.connect()
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	page, err := conn.client.GetData(ctx, id, api.DataQuery{Limit: o.limit})
	if err != nil {
		return err
	}
	if o.json {
		b, err := json.MarshalIndent(page, "", "  ")
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(append(api.SafeJSON(b), '\n'))
		return err
	}
	if len(page.Data) == 0 {
		_, err := fmt.Fprintf(e.stdout, "%s has sent no data\n", id)
		return err
	}
	w := bufio.NewWriter(e.stdout)
	p := messagePrinter{w: w, tail: e.ellipsis(), now: time.Now()}
	for i := range page.Data {
		if err := ctx.Err(); err != nil {
			return err
		}
		if i > 0 {
			fmt.Fprintln(w)
		}
		p.print(&page.Data[i])
	}
	return w.Flush()
}

// messagePrinter writes messages for a ticket: every key, with units,
// every cell cut to its column.
type messagePrinter struct {
	w    io.Writer
	tail string
	now  time.Time
}

func (p messagePrinter) line(key, value string) {
	fmt.Fprintf(p.w, "    %-14s %s\n", cell(key, colKey, p.tail), value)
}

// print writes a message in the groups and order of the console's
// readings pane (api.GroupFields), times in RFC 3339.
func (p messagePrinter) print(m *api.DataMessage) {
	when := "no time"
	if t := m.Time(); !t.IsZero() {
		when = t.Format(time.RFC3339) + " (" + state.Ago(t, p.now) + " ago)"
	}
	fmt.Fprintf(p.w, "%s  %s\n", cell(m.DeviceID, colID, p.tail), when)
	for _, g := range api.GroupFields(m) {
		fmt.Fprintf(p.w, "  %s\n", g.Title)
		for _, f := range g.Fields {
			p.field(m, f)
		}
	}
	if len(m.Problems) > 0 {
		var keys []string
		for _, k := range m.Problems {
			keys = append(keys, cell(k, colKey, p.tail))
		}
		fmt.Fprintf(p.w, "  (unexpected shape or out of range, shown raw: %s)\n", strings.Join(keys, ", "))
	}
}

func (p messagePrinter) field(m *api.DataMessage, f api.Field) {
	switch f.Key {
	case "events":
		if f.Kind == api.KindArray {
			for _, ev := range m.Events {
				p.line("event", fmt.Sprintf("lv%d %-7s %s: %s", ev.Level, ev.Class(),
					cell(ev.Topic, colTopic, p.tail), cell(ev.Msg, colValue, p.tail)))
			}
			return
		}
	case "can1", "can2":
		if f.Kind == api.KindArray {
			frames := m.CAN1
			if f.Key == "can2" {
				frames = m.CAN2
			}
			p.line(f.Key, api.FormatReading(f.Key, f, m))
			for _, fr := range frames {
				fmt.Fprintf(p.w, "      %-22s %s\n", api.FormatCANID(fr), cell(fr.Data, colCANData, p.tail))
			}
			return
		}
	}
	p.line(f.Key, cell(api.FormatReading(f.Key, f, m), colValue, p.tail))
}
