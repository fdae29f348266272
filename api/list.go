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
	// Devices holds each distinct device once, as the server first listed
	// it (nil from ListDevicesEach, which keeps none).
	Devices []Device
	// Listed counts the distinct devices.
	Listed int
	// Duplicates are the IDs the server listed more than once, each once,
	// in the order their first repeat arrived.
	Duplicates []string
	Pages      int
	// Budget is the most pages this listing could fetch: see listBudget.
	Budget int
	// Stopped says why listing stopped before the server said it was done
	// ("" when it did): a repeated cursor, a page with no new device,
	// pages of a few devices each, a cursor too long to send, more than
	// MaxDevices devices, or its budget spent.
	Stopped string
}

// listBudget is the most pages a listing may fetch: ListShare of the
// account's day. The account is what was known before the listing (the
// Hosted devices of the last complete one, or Options.KnownHosted), which
// the Hosted devices listed so far may raise only while the pages carry
// their weight (DefaultPageSize new devices each on average, where a real
// server gives up to MaxDevicePage): a server that pages out a few new
// "Hosted" devices at a time for ever cannot raise its own budget.
func (c *Client) listBudget(r *ListReport, hosted int) (int, Limits) {
	h := max(c.opts.KnownHosted, int(c.knownHosted.Load()))
	if r.Listed >= DefaultPageSize*r.Pages {
		h = max(h, hosted)
	}
	lim := LimitsForHosted(h)
	return lim.ListPages(), lim
}

// ListDevicesReport fetches every device, following next until null, and
// stops when the server's pagination cannot end: a cursor repeats, a page
// adds no new device, pages bring fewer than 10 new devices on average
// (after 10 pages), the distinct devices pass Options.MaxDevices, or the
// pages reach the listing's budget (listBudget). Then it returns the
// devices gathered so far and an *Error that says why (FailAnswer). A
// failed page returns what came before it, with the page's error.
//
// As pages arrive the limiter rises to what the distinct Hosted devices
// seen so far allow (a lower bound of the account's rate), so a large
// fleet lists quickly and a small one is never pushed past 1 request per
// second; duplicates never raise it. A listing that stops early sets it
// back to the account as known before it.
func (c *Client) ListDevicesReport(ctx context.Context) (*ListReport, error) {
	var all []Device
	r, err := c.ListDevicesEach(ctx, func(page []Device) error {
		all = append(all, page...)
		return nil
	})
	r.Devices = all
	return r, err
}

// ListDevicesEach lists as ListDevicesReport does, with the same checks
// and stops, but hands each page's new devices to fn as the page arrives
// and keeps none of them: what a command streams to its output costs one
// page of memory however large the fleet. An error from fn ends the
// listing with that error.
func (c *Client) ListDevicesEach(ctx context.Context, fn func(page []Device) error) (*ListReport, error) {
	r := &ListReport{}
	limit := c.opts.MaxDevices
	seen := make(map[string]int) // ID → times listed
	seed := maphash.MakeSeed()
	cursors := map[uint64]bool{maphash.String(seed, ""): true}
	hosted := 0
	cursor := ""
	stop := func(why string) (*ListReport, error) {
		r.Stopped = why
		// A cut-short list tells nothing sure of the account: the rate
		// goes back to what was known before it.
		c.SetRate(LimitsForHosted(max(c.opts.KnownHosted, int(c.knownHosted.Load()))).RatePerSecond)
		return r, &Error{Op: OpListDevices, Status: 200,
			Message: fmt.Sprintf("listing stopped after %s: %s", Plural(r.Pages, "page"), why),
			Hint:    fmt.Sprintf("showing the %s listed so far; the server's paging looks broken", Plural(r.Listed, "device"))}
	}
	r.Budget, _ = c.listBudget(r, 0)
	for {
		page, err := c.ListDevicesPage(ctx, MaxDevicePage, cursor)
		if err != nil {
			return r, err
		}
		r.Pages++
		added := 0
		fresh := page.Devices[:0] // the page's new devices, in its own array
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
			if r.Listed >= limit {
				if err := fn(fresh); err != nil {
					return r, err
				}
				return stop(fmt.Sprintf("more than %d devices", limit))
			}
			fresh = append(fresh, *d)
			r.Listed++
			added++
			if d.Plan == PlanHosted {
				hosted++
			}
		}
		if err := fn(fresh); err != nil {
			return r, err
		}
		if lim := LimitsForHosted(hosted); lim.RatePerSecond > c.Rate() {
			c.SetRate(lim.RatePerSecond)
		}
		if page.Next == nil || *page.Next == "" {
			break
		}
		next := *page.Next
		var budgetOf Limits
		r.Budget, budgetOf = c.listBudget(r, hosted)
		switch h := maphash.String(seed, next); {
		case added == 0:
			return stop("a page added no new device")
		case r.Pages >= trickleGrace && r.Listed < minPerPage*r.Pages:
			return stop(fmt.Sprintf("its pages bring fewer than %d new devices each", minPerPage))
		case len(next) > maxCursor:
			return stop(fmt.Sprintf("the next page's cursor is %d bytes long", len(next)))
		case cursors[h]:
			return stop("the server repeated a page cursor")
		case r.Pages >= r.Budget:
			return stop(fmt.Sprintf("its budget is spent: %s, %d%% of the account's %d requests a day, and the server has more pages",
				Plural(r.Pages, "request"), int(ListShare*100), budgetOf.Daily))
		default:
			cursors[h] = true
		}
		cursor = next
	}
	c.SetRate(LimitsForHosted(hosted).RatePerSecond)
	c.knownHosted.Store(int64(hosted))
	return r, nil
}

// ListDevices fetches every device once (see ListDevicesReport). On an
// early stop it returns the devices gathered so far with the error.
func (c *Client) ListDevices(ctx context.Context) ([]Device, error) {
	r, err := c.ListDevicesReport(ctx)
	return r.Devices, err
}
