package api

import (
	"context"
	"fmt"
	"hash/maphash"
)

// DefaultMaxDevices is where listing stops when Options.MaxDevices is 0:
// far beyond a real account, short of exhausting the machine.
const DefaultMaxDevices = 100_000

// maxCursor bounds a page cursor: it goes back into a URL.
const maxCursor = 8 << 10

// minPerPage is the fewest new devices a page brings on average, after
// the first few pages, before listing stops: each page costs a request of
// the day's quota, and a server that trickles one device a page would
// take 100,000 of them to reach MaxDevices. Real pages hold 100 or 1000.
const (
	minPerPage   = 10
	trickleGrace = 10 // pages
)

// ListReport is what List All Devices gave, page after page.
type ListReport struct {
	// Devices holds each distinct device once, as the server first listed it.
	Devices []Device
	// Duplicates are the IDs the server listed more than once, each once,
	// in the order their first repeat arrived.
	Duplicates []string
	Pages      int
	// Stopped says why listing stopped before the server said it was done
	// ("" when it did): a repeated cursor, a page with no new device,
	// pages of a few devices each, a cursor too long to send, or more than
	// MaxDevices devices.
	Stopped string
}

// ListDevicesReport fetches every device, following next until null, and
// stops when the server's pagination cannot end: a cursor repeats, a page
// adds no new device, pages bring fewer than 10 new devices on average
// (after 10 pages), or the distinct devices pass Options.MaxDevices.
// Then it returns the devices gathered so far and an *Error
// that says why (FailAnswer). A failed page returns what came before it, with the
// page's error.
//
// As pages arrive the limiter rises to what the distinct Hosted devices
// seen so far allow (a lower bound of the account's rate), so a large
// fleet lists quickly and a small one is never pushed past 1 request per
// second; duplicates never raise it.
func (c *Client) ListDevicesReport(ctx context.Context) (*ListReport, error) {
	r := &ListReport{}
	limit := c.opts.MaxDevices
	seen := make(map[string]int) // ID → times listed
	seed := maphash.MakeSeed()
	cursors := map[uint64]bool{maphash.String(seed, ""): true}
	hosted := 0
	cursor := ""
	stop := func(why string) (*ListReport, error) {
		r.Stopped = why
		c.SetRate(LimitsForHosted(hosted).RatePerSecond)
		return r, &Error{Op: OpListDevices, Status: 200,
			Message: fmt.Sprintf("listing stopped after %s: %s", Plural(r.Pages, "page"), why),
			Hint:    fmt.Sprintf("showing the %s listed so far; the server's paging looks broken", Plural(len(r.Devices), "device"))}
	}
	for {
		page, err := c.ListDevicesPage(ctx, MaxDevicePage, cursor)
		if err != nil {
			return r, err
		}
		r.Pages++
		added := 0
		for i := range page.Devices {
			d := &page.Devices[i]
			switch seen[d.DeviceID]++; seen[d.DeviceID] {
			case 1:
			case 2:
				r.Duplicates = append(r.Duplicates, d.DeviceID)
				continue
			default:
				continue
			}
			if len(r.Devices) >= limit {
				return stop(fmt.Sprintf("more than %d devices", limit))
			}
			r.Devices = append(r.Devices, *d)
			added++
			if d.Plan == PlanHosted {
				hosted++
			}
		}
		if lim := LimitsForHosted(hosted); lim.RatePerSecond > c.Rate() {
			c.SetRate(lim.RatePerSecond)
		}
		if page.Next == nil || *page.Next == "" {
			break
		}
		next := *page.Next
		switch h := maphash.String(seed, next); {
		case added == 0:
			return stop("a page added no new device")
		case r.Pages >= trickleGrace && len(r.Devices) < minPerPage*r.Pages:
			return stop(fmt.Sprintf("its pages bring fewer than %d new devices each", minPerPage))
		case len(next) > maxCursor:
			return stop(fmt.Sprintf("the next page's cursor is %d bytes long", len(next)))
		case cursors[h]:
			return stop("the server repeated a page cursor")
		default:
			cursors[h] = true
		}
		cursor = next
	}
	c.SetRate(LimitsForHosted(hosted).RatePerSecond)
	return r, nil
}

// ListDevices fetches every device once (see ListDevicesReport). On an
// early stop it returns the devices gathered so far with the error.
func (c *Client) ListDevices(ctx context.Context) ([]Device, error) {
	r, err := c.ListDevicesReport(ctx)
	return r.Devices, err
}
