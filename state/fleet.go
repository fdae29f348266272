// Package state holds what the console knows and plans: the fleet store,
// the refresh scheduler, the quota ledger, the call log and the offline
// cache. It is pure Go with no Bubble Tea, so it runs on a fake clock.
package state

import (
	"strings"
	"time"

	"sqc/api"
)

// Health is a device's state at a glance.
type Health int

const (
	HealthUnknown Health = iota // no data read yet (or the plan allows none)
	HealthOK
	HealthWarning
	HealthAlarm
	HealthStale
	HealthOffline
)

var healthNames = [...]string{"—", "ok", "warning", "alarm", "stale", "offline"}

func (h Health) String() string { return healthNames[h] }

// ParseHealth reads a state name as the filter language writes it.
func ParseHealth(s string) (Health, bool) {
	for i, n := range healthNames {
		if n == s {
			return Health(i), true
		}
	}
	if s == "unknown" || s == "none" {
		return HealthUnknown, true
	}
	return 0, false
}

// A device not heard from for StaleAfter is stale; for OfflineAfter, offline.
const (
	StaleAfter   = 30 * time.Minute
	OfflineAfter = 24 * time.Hour
)

// Device is what the console knows of one device.
type Device struct {
	api.Device
	Latest    *api.DataMessage
	FetchedAt time.Time // when data last arrived
	Err       error     // the last failure reading this device's data
	ErrAt     time.Time
	History   *History
	// Backfilled is set once a read of the latest messages has filled the
	// history of a tracked device; reads after it only ask for what is new.
	Backfilled bool

	search string // lower-cased ID, name, group and model, for the filter
}

// LastSeen is the newest of the list's lastSeen and the latest message.
func (d *Device) LastSeen() time.Time {
	t := d.Seen()
	if d.Latest != nil && d.Latest.Time().After(t) {
		t = d.Latest.Time()
	}
	return t
}

// Health is the device's state at now: offline or stale from when it was
// last seen, else alarm or warning from its latest message's events.
func (d *Device) Health(now time.Time) Health {
	seen := d.LastSeen()
	switch {
	case seen.IsZero() || now.Sub(seen) > OfflineAfter:
		return HealthOffline
	case now.Sub(seen) > StaleAfter:
		return HealthStale
	case d.Latest == nil:
		return HealthUnknown
	}
	h := HealthOK
	for _, e := range d.Latest.Events {
		switch e.Class() {
		case api.ClassAlarm:
			return HealthAlarm
		case api.ClassWarning:
			h = HealthWarning
		}
	}
	return h
}

// Fleet is the device list and each device's readings.
type Fleet struct {
	devices  []*Device
	byID     map[string]*Device
	ListedAt time.Time
	// CachedAt is set when the list came from the offline cache.
	CachedAt time.Time
	// HistoryCap bounds the points kept per field (720: an hour at 5 s).
	HistoryCap int
	// tracked are the devices whose history is kept, most recent last:
	// those the user focused. Others keep only their latest message, so
	// ten thousand devices stay small.
	tracked []string
}

// MaxTracked is how many recently focused devices keep their history.
const MaxTracked = 16

// NewFleet makes an empty fleet.
func NewFleet() *Fleet { return &Fleet{byID: map[string]*Device{}, HistoryCap: 720} }

// Track keeps the history of a device from now on, dropping the history
// of the device focused longest ago beyond MaxTracked.
func (f *Fleet) Track(id string) {
	for i, t := range f.tracked {
		if t == id {
			f.tracked = append(f.tracked[:i], f.tracked[i+1:]...)
			break
		}
	}
	f.tracked = append(f.tracked, id)
	if len(f.tracked) > MaxTracked {
		if d := f.byID[f.tracked[0]]; d != nil {
			d.History, d.Backfilled = nil, false
		}
		f.tracked = f.tracked[1:]
	}
}

// Tracked reports whether a device's history is kept.
func (f *Fleet) Tracked(id string) bool { return f.isTracked(id) }

func (f *Fleet) isTracked(id string) bool {
	for _, t := range f.tracked {
		if t == id {
			return true
		}
	}
	return false
}

// Len is the number of devices.
func (f *Fleet) Len() int { return len(f.devices) }

// All returns the devices in the server's order. Do not modify the slice.
func (f *Fleet) All() []*Device { return f.devices }

// Get returns a device by ID.
func (f *Fleet) Get(id string) *Device { return f.byID[id] }

// SetDevices replaces the list, keeping what is known of devices still in it.
func (f *Fleet) SetDevices(list []api.Device, at time.Time) {
	next := make([]*Device, 0, len(list))
	byID := make(map[string]*Device, len(list))
	for i := range list {
		d := f.byID[list[i].DeviceID]
		if d == nil {
			d = &Device{}
		}
		d.Device = list[i]
		d.search = strings.ToLower(d.DeviceID + "\x00" + d.Name + "\x00" + d.GroupName + "\x00" + d.Model)
		next = append(next, d)
		byID[d.DeviceID] = d
	}
	f.devices, f.byID, f.ListedAt, f.CachedAt = next, byID, at, time.Time{}
}

// SetData folds a data page (newest first) into a device: its latest
// message and the history of its numeric fields.
func (f *Fleet) SetData(id string, page *api.DataPage, at time.Time) {
	d := f.byID[id]
	if d == nil {
		return
	}
	d.FetchedAt, d.Err = at, nil
	if page == nil || len(page.Data) == 0 {
		return
	}
	if d.History == nil && f.isTracked(id) {
		d.History = NewHistory(f.HistoryCap)
	}
	for i := len(page.Data) - 1; i >= 0; i-- {
		m := &page.Data[i]
		if d.History != nil {
			d.History.Add(m)
		}
		if d.Latest == nil || m.TS >= d.Latest.TS {
			latest := *m // not a pointer into the page: the page can go
			d.Latest = &latest
		}
	}
}

// Backfill folds in the read that fills a tracked device's history: the
// history starts again from it, since answers that overtook it may have
// left newer points that would make its older ones look already seen.
func (f *Fleet) Backfill(id string, page *api.DataPage, at time.Time) {
	d := f.byID[id]
	if d == nil || !f.isTracked(id) {
		f.SetData(id, page, at)
		return
	}
	d.History = nil
	f.SetData(id, page, at)
	d.Backfilled = true
}

// SetDataError records a failure to read one device's data; what was
// known stays on screen.
func (f *Fleet) SetDataError(id string, err error, at time.Time) {
	if d := f.byID[id]; d != nil {
		d.Err, d.ErrAt = err, at
	}
}
