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
	var r *api.ListReport
	switch {
	case o.json, o.csv:
		// streamed a page at a time: a fleet of 50,000 costs a page of
		// memory, and the first lines are out while the rest are listed
		out := newDeviceStream(e.stdout, o.json)
		r, err = conn.client.ListDevicesEach(ctx, out.page)
		if werr := out.end(); err == nil {
			err = werr
		}
	default:
		r, err = conn.client.ListDevicesReport(ctx)
	}
	if err != nil && r.Stopped == "" {
		if r.Listed == 0 {
			return err
		}
		// A page failed (or the time ran out) after others came: what came
		// is printed, and why the rest did not.
		err = fmt.Errorf("%w; the %s listed before it are shown", err, api.Plural(r.Listed, "device"))
	}
	// Listing stopped early: what came is printed, then why (exit 1).
	if !o.json && !o.csv {
		if perr := printDevices(ctx, e, r.Devices); perr != nil {
			return perr
		}
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

// deviceStream writes the list as it is listed: the JSON document sqc
// devices --json has always printed ({"devices": [...], "next": null},
// indented, made safe for a terminal), or the CSV for a spreadsheet,
// through the writer that defuses formulas in every cell.
type deviceStream struct {
	w     *bufio.Writer
	json  bool
	csv   *api.CSVWriter
	n     int
	chunk bytes.Buffer
}

func newDeviceStream(w io.Writer, asJSON bool) *deviceStream {
	s := &deviceStream{w: bufio.NewWriterSize(w, 64<<10), json: asJSON}
	if asJSON {
		s.w.WriteString("{\n  \"devices\": [")
	} else {
		s.csv = api.NewCSVWriter(s.w)
		_ = s.csv.Write("deviceid", "name", "groupName", "model", "plan", "firmware", "lastSeen", "apiRequestsRemaining")
	}
	return s
}

func (s *deviceStream) page(devices []api.Device) error {
	for i := range devices {
		d := &devices[i]
		if !s.json {
			seen, left := "", ""
			if t := d.Seen(); !t.IsZero() {
				seen = t.UTC().Format(time.RFC3339)
			}
			if d.Remaining != nil {
				left = strconv.Itoa(*d.Remaining)
			}
			_ = s.csv.Write(d.DeviceID, d.Name, d.GroupName, d.Model, d.Plan, d.Firmware, seen, left)
			continue
		}
		raw, err := json.Marshal(d)
		if err != nil {
			return err
		}
		s.chunk.Reset()
		if s.n > 0 {
			s.chunk.WriteByte(',')
		}
		s.chunk.WriteString("\n    ")
		if err := json.Indent(&s.chunk, raw, "    ", "  "); err != nil {
			return err
		}
		if _, err := s.w.Write(api.SafeJSON(s.chunk.Bytes())); err != nil {
			return err
		}
		s.n++
	}
	if !s.json {
		return s.csv.Flush()
	}
	return nil
}

// end closes the document (what was listed is a whole document even when
// the listing stopped) and writes out what is buffered.
func (s *deviceStream) end() error {
	if s.json {
		if s.n > 0 {
			s.w.WriteString("\n  ")
		}
		s.w.WriteString("],\n  \"next\": null\n}\n")
	} else if err := s.csv.Flush(); err != nil {
		return err
	}
	return s.w.Flush()
}
