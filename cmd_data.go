package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"sqc/api"
	"sqc/state"
)

func runData(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usagef("data takes one device ID: sqc data DEVICEID [--json] [--limit N]")
	}
	id, err := api.NormaliseDeviceID(args[0])
	if err != nil {
		return usagef("%v", err)
	}
	if e.o.limit < 1 || e.o.limit > api.MaxDataLimit {
		return usagef("--limit %d: use 1 to %d", e.o.limit, api.MaxDataLimit)
	}
	conn, err := e.connect()
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	page, err := conn.client.GetData(ctx, id, api.DataQuery{Limit: e.o.limit})
	if err != nil {
		return err
	}
	if e.o.json {
		b, err := json.MarshalIndent(page, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", b)
		return err
	}
	if len(page.Data) == 0 {
		fmt.Fprintf(e.stdout, "%s has sent no data\n", id)
		return nil
	}
	for i := range page.Data {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		printMessage(e.stdout, &page.Data[i])
	}
	return nil
}

// printMessage writes one message, every key, with units, for a ticket.
func printMessage(w io.Writer, m *api.DataMessage) {
	fmt.Fprintf(w, "%s  %s (%s ago)\n", m.DeviceID, m.Time().Format(time.RFC3339), state.Ago(m.Time(), time.Now()))
	for _, f := range m.Fields {
		switch f.Key {
		case "deviceid":
			continue
		case "events":
			for _, ev := range m.Events {
				fmt.Fprintf(w, "  %-14s lv%d %-7s %s: %s\n", "event", ev.Level, ev.Class(), ev.Topic, ev.Msg)
			}
			continue
		case "can1", "can2":
			frames := m.CAN1
			if f.Key == "can2" {
				frames = m.CAN2
			}
			fmt.Fprintf(w, "  %-14s %d frames\n", f.Key, len(frames))
			for _, fr := range frames {
				fmt.Fprintf(w, "    id %-10d pgn %-6d %s\n", fr.ID, fr.PGN(), fr.Data)
			}
			continue
		}
		val := string(f.Raw)
		if f.Kind == api.KindNumber {
			val = strconv.FormatFloat(f.Num, 'f', -1, 64)
		} else if s, ok := m.Text(f.Key); ok {
			val = s
		}
		if u := api.Unit(f.Key); u != "" && f.Kind == api.KindNumber {
			val += " " + u
		}
		fmt.Fprintf(w, "  %-14s %s\n", f.Key, val)
	}
}
