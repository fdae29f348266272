package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"sqc/api"
	"sqc/state"
)

// Column widths of sqc devices, in terminal cells.
const (
	colID    = 12
	colName  = 40
	colGroup = 24
	colModel = 16
	colPlan  = 8
)

func runDevices(ctx context.Context, e *env, o *devicesOpts, _ []string) error {
	if o.json && o.csv {
		return usagef("--json or --csv, not both")
	}
	conn, err := e.connect()
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	r, err := conn.client.ListDevicesReport(ctx)
	if err != nil && r.Stopped == "" {
		if len(r.Devices) == 0 {
			return err
		}
		// A page failed (or the time ran out) after others came: what came
		// is printed, and why the rest did not.
		err = fmt.Errorf("%w; the %s listed before it are shown", err, api.Plural(len(r.Devices), "device"))
	}
	// Listing stopped early: what came is printed, then why (exit 1).
	if o.json {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(api.DeviceList{Devices: r.Devices}); err != nil {
			return err
		}
		if _, err := e.stdout.Write(api.SafeJSON(buf.Bytes())); err != nil {
			return err
		}
	} else if o.csv {
		if err := devicesCSV(e.stdout, r.Devices); err != nil {
			return err
		}
	} else if err := printDevices(ctx, e, r.Devices); err != nil {
		return err
	}
	if len(r.Duplicates) > 0 {
		warn(e, "the server listed %s more than once (%s): each is shown and counted once",
			api.Plural(len(r.Duplicates), "device"), someIDs(r.Duplicates, e.ellipsis()))
	}
	return err
}

func printDevices(ctx context.Context, e *env, devices []api.Device) error {
	tail := e.ellipsis()
	now := time.Now()
	t := &textTable{header: []string{"ID", "NAME", "GROUP", "MODEL", "PLAN", "LAST SEEN", "CALLS LEFT"}}
	for i := range devices {
		d := &devices[i]
		left := "-"
		if d.Remaining != nil {
			left = strconv.Itoa(*d.Remaining)
		}
		t.add(cell(d.DeviceID, colID, tail), cell(d.Name, colName, tail), cell(d.GroupName, colGroup, tail),
			cell(d.Model, colModel, tail), cell(d.Plan, colPlan, tail), state.Ago(d.Seen(), now), left)
	}
	if err := t.write(ctx, e.stdout); err != nil {
		return err
	}
	lim := api.LimitsFor(devices)
	_, err := fmt.Fprintf(e.stdout, "\n%s, %d Hosted: %g requests/s, %d requests/day\n",
		api.Plural(len(devices), "device"), lim.Hosted, lim.RatePerSecond, lim.Daily)
	return err
}

// devicesCSV writes the list for a spreadsheet, through the writer that
// defuses formulas in every cell.
func devicesCSV(w io.Writer, devices []api.Device) error {
	bw := bufio.NewWriter(w)
	cw := api.NewCSVWriter(bw)
	_ = cw.Write("deviceid", "name", "groupName", "model", "plan", "firmware", "lastSeen", "apiRequestsRemaining")
	for i := range devices {
		d := &devices[i]
		seen, left := "", ""
		if t := d.Seen(); !t.IsZero() {
			seen = t.UTC().Format(time.RFC3339)
		}
		if d.Remaining != nil {
			left = strconv.Itoa(*d.Remaining)
		}
		_ = cw.Write(d.DeviceID, d.Name, d.GroupName, d.Model, d.Plan, d.Firmware, seen, left)
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}
