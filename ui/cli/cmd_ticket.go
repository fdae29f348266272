package cli

import (
	"context"
	"fmt"
	"time"

	"sqc/api"
	"sqc/state"
	"sqc/state/store"
	"sqc/ui/look"
	"sqc/ui/ticket"
)

type ticketOpts struct {
	since, until, out string
}

// runTicket writes a device's triage report from what this machine's
// database holds: it sends no request. The file is new (never written
// over), a relative name in the current folder or else the exports folder.
func runTicket(ctx context.Context, e *env, o *ticketOpts, args []string) error {
	id, err := api.NormaliseDeviceID(args[0])
	if err != nil {
		return usagef("%v", err)
	}
	now := time.Now()
	span, err := historySpan(o.since, o.until, now)
	if err != nil {
		return usagef("%v", err)
	}
	db, _, err := e.openStore()
	if err != nil {
		return err
	}
	defer db.Close()
	in := ticket.Input{Made: now, Loc: time.Local, Profile: e.profile, Range: span, Device: api.Device{DeviceID: id},
		Conn: "none: sqc ticket reads only what this machine stored"}
	fleet := state.NewFleet()
	if sf, err := state.LoadFleet(ctx, db); err == nil {
		fleet.Restore(sf)
	}
	if d := fleet.Get(id); d != nil {
		in.Device, in.Health, in.LastSeen = d.Device, d.Health(now), d.Seen()
	} else {
		warn(e, "%s is not in the device list this machine stored: the ticket has its messages only", id)
	}
	if m, ok, err := db.LatestMessage(ctx, id); err == nil && ok {
		if dm, err := state.DecodeStored(m.JSON); err == nil {
			in.Latest = dm
		}
	}
	if in.History, _, err = state.StoredHistory(ctx, db, id, span); err != nil {
		return err
	}
	if in.Audit, err = db.AuditLog(ctx, store.AuditQuery{Device: id, Limit: 20}); err != nil {
		return err
	}
	md := ticket.Markdown(in)
	if o.out == "-" {
		_, err := fmt.Fprint(e.stdout, md)
		return err
	}
	name := o.out
	if name == "" {
		name = "sqc-ticket-" + id + "-" + now.Format("20060102-150405") + ".md"
	}
	done := look.ExportFile(name, 1, func(string) ([]byte, error) { return []byte(md), nil }, nil)().(look.ExportedMsg)
	if done.Err != nil {
		return done.Err
	}
	_, err = fmt.Fprintln(e.stdout, done.Path)
	return err
}
