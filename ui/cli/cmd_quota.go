package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"sqc/api"
	"sqc/state/store"
)

type quotaOpts struct{ json bool }

// quotaReport is what sqc quota prints: the ledger of every console and
// command on this machine, and the limits the last device list implies.
type quotaReport struct {
	Key           string        `json:"key"` // the key's fingerprint, never the key
	Day           string        `json:"day"`
	Used          int           `json:"used"`
	RateLimited   int           `json:"rateLimited"`
	DailyLimit    int           `json:"dailyLimit"`
	Left          int           `json:"left"`
	RatePerSecond float64       `json:"ratePerSecond"`
	NextReset     time.Time     `json:"nextReset"`
	Listed        int           `json:"devicesListed"` // devices the limits are from; 0: none listed yet
	Devices       []quotaDevice `json:"devices"`
	limits        api.Limits
}

type quotaDevice struct {
	DeviceID  string `json:"deviceid"`
	Plan      string `json:"plan"`
	Calls     int    `json:"callsThisMonth"`
	Remaining *int   `json:"remaining"` // apiRequestsRemaining last reported; null when never
}

// runQuota prints today's use of the key's daily quota as counted by
// every console and command on this machine, and each non-Hosted
// device's calls left this month. It sends no request: asking would
// spend the quota it reports.
func runQuota(ctx context.Context, e *env, o *quotaOpts, _ []string) error {
	db, fp, err := e.openStore()
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	r, err := quotaOf(ctx, db, fp, now)
	if err != nil {
		return err
	}
	if o.json {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(api.SafeJSON(append(b, '\n')))
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "today (%s UTC): %d of %d calls used, %d left, %d answered 429\n", r.Day, r.Used, r.DailyLimit, r.Left, r.RateLimited)
	fmt.Fprintf(&b, "rate limit: %g requests a second (%d Hosted devices)\n", r.RatePerSecond, r.limits.Hosted)
	if r.Listed == 0 {
		b.WriteString("no device list is kept yet: the limits are the smallest account's until the console or sqc devices lists the account\n")
	}
	fmt.Fprintf(&b, "next reset: %s (in %s)\n", r.NextReset.Format(time.RFC3339), strings.TrimSuffix(r.NextReset.Sub(now).Round(time.Minute).String(), "0s"))
	if len(r.Devices) > 0 {
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DEVICE\tPLAN\tCALLS THIS MONTH\tLEFT")
		for _, d := range r.Devices {
			left := "?"
			if d.Remaining != nil {
				left = fmt.Sprint(*d.Remaining)
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", api.Clean(d.DeviceID), api.Clean(d.Plan), d.Calls, left)
		}
		tw.Flush()
	}
	_, err = e.stdout.Write([]byte(b.String()))
	return err
}

func quotaOf(ctx context.Context, db store.Store, fp string, now time.Time) (quotaReport, error) {
	r := quotaReport{Key: fp, NextReset: api.NextReset(now), Devices: []quotaDevice{}}
	var devs []api.Device
	err := db.Restore(ctx, func(l store.Latest) error {
		var d api.Device
		if len(l.Device) > 0 && d.UnmarshalJSON(l.Device) == nil {
			devs = append(devs, d)
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	r.limits, r.Listed = api.LimitsFor(devs), len(devs)
	r.DailyLimit, r.RatePerSecond = r.limits.Daily, r.limits.RatePerSecond
	u, err := db.Usage(ctx, fp, now)
	if err != nil {
		return r, err
	}
	r.Day, r.Used, r.RateLimited, r.Left = u.Day, u.Used, u.RateLimited, max(0, r.DailyLimit-u.Used)
	months, err := db.Remaining(ctx, now)
	if err != nil {
		return r, err
	}
	for _, d := range devs {
		if d.Plan == api.PlanHosted {
			continue
		}
		q := quotaDevice{DeviceID: d.DeviceID, Plan: d.Plan}
		if m, ok := months[d.DeviceID]; ok {
			q.Calls = m.Calls
			if m.Remaining >= 0 {
				n := m.Remaining
				q.Remaining = &n
			}
		}
		r.Devices = append(r.Devices, q)
	}
	slices.SortFunc(r.Devices, func(a, b quotaDevice) int { return strings.Compare(a.DeviceID, b.DeviceID) })
	return r, nil
}
