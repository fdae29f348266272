package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"sqc/api"
	"sqc/state"
)

func runDevices(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		return usagef("devices takes no arguments, got %q", args[0])
	}
	conn, err := e.connect()
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	devices, err := conn.client.ListDevices(ctx)
	if err != nil {
		return err
	}
	if e.o.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(api.DeviceList{Devices: devices})
	}
	now := time.Now()
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tGROUP\tMODEL\tPLAN\tLAST SEEN\tCALLS LEFT")
	for i := range devices {
		d := &devices[i]
		left := "-"
		if d.Remaining != nil {
			left = strconv.Itoa(*d.Remaining)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.DeviceID, d.Name, d.GroupName, d.Model, d.Plan, state.Ago(d.Seen(), now), left)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	lim := api.LimitsFor(devices)
	fmt.Fprintf(e.stdout, "\n%d devices, %d Hosted: %g requests/s, %d requests/day\n", len(devices), lim.Hosted, lim.RatePerSecond, lim.Daily)
	return nil
}
