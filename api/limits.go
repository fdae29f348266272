package api

import "time"

// Limits are the account's documented limits, derived from its devices.
type Limits struct {
	Hosted        int
	RatePerSecond float64 // max(1, H)
	Daily         int     // max(1000, 1000·H)
}

// MonthlyPerDevice is what a device without a Hosted plan accepts per month.
const MonthlyPerDevice = 50

// LimitsFor computes the limits from a device list (senquip-api.md). A
// device listed twice counts once: duplicates would raise the limits the
// console believes.
func LimitsFor(devices []Device) Limits {
	h := 0
	var hosted map[string]bool
	for i := range devices {
		if devices[i].Plan != PlanHosted {
			continue
		}
		if hosted == nil {
			hosted = make(map[string]bool, len(devices))
		}
		if !hosted[devices[i].DeviceID] {
			hosted[devices[i].DeviceID] = true
			h++
		}
	}
	return LimitsForHosted(h)
}

// LimitsForHosted computes the limits for H Hosted devices.
func LimitsForHosted(h int) Limits {
	return Limits{Hosted: h, RatePerSecond: float64(max(1, h)), Daily: max(1000, 1000*h)}
}

// ListShare is the most of the account's day one listing of its devices
// may spend: a real account lists in a request per 1,000 devices, so only
// a server that pages for ever reaches it.
const ListShare = 0.05

// ListPages is how many pages one listing may fetch: ListShare of the
// day's quota (50 for the smallest account).
func (l Limits) ListPages() int { return max(1, int(ListShare*float64(l.Daily))) }

// NextReset is when the daily quota resets: 00:00 UTC (assumed).
func NextReset(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}
