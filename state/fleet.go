// Package state holds what the console knows and plans: the fleet store,
// the refresh scheduler, the quota ledger, the call log and the offline
// cache. It is pure Go with no Bubble Tea, so it runs on a fake clock.
package state

import (
	"math"
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
	// Latest is the latest message decoded. Only tracked devices (the ones
	// recently focused) keep it decoded; Message decodes any device's.
	Latest    *api.DataMessage
	FetchedAt time.Time // when data last arrived
	Err       error     // the last failure reading this device's data
	ErrAt     time.Time
	History   *History
	// Backfilled is set once a read of the latest messages has filled the
	// history; it stays set for the session, so a device focused again
	// later is not backfilled twice.
	Backfilled bool

	search string // lower-cased ID, name, group and model, for the filter
	msg    latest
	keys   *keyTable // of the fleet, to unpack msg
}

// HasMessage reports whether a message of the device has been read.
func (d *Device) HasMessage() bool { return d.msg.has() }

// Message is the latest message, decoded on demand for a device that is
// not tracked; nil when none was read (or it cannot be decoded). The
// caller must not keep it: it is built afresh each time.
func (d *Device) Message() *api.DataMessage {
	if d.Latest != nil || d.msg.packed == "" {
		return d.Latest // nil also for a message still in the database
	}
	m, err := unpack(d.msg.packed, d.keys.names)
	if err != nil {
		return nil
	}
	return m
}

// MessageTime is the latest message's timestamp; zero when none was read.
func (d *Device) MessageTime() time.Time {
	if !d.msg.has() {
		return time.Time{}
	}
	return tsTime(d.msg.ts)
}

// Reason is the latest message's worst event as "topic: msg" (cut to 200
// bytes, not sanitised), or "" when it had none: why a device is in alarm.
func (d *Device) Reason() string { return d.msg.reason }

// WorstLevel is the highest event level of the latest message, clamped to
// ±2^20; ok is false when the message had no events.
func (d *Device) WorstLevel() (lv int, ok bool) {
	return d.msg.worst, d.msg.has() && d.msg.worst != noEvents
}

// tsTime converts message seconds the way api.DataMessage.Time does.
func tsTime(ts float64) time.Time {
	if ts == 0 {
		return time.Time{}
	}
	sec, frac := math.Modf(ts)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// LastSeen is the newest of the list's lastSeen and the latest message.
func (d *Device) LastSeen() time.Time {
	t := d.Seen()
	if mt := d.MessageTime(); mt.After(t) {
		t = mt
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
	case !d.msg.has():
		return HealthUnknown
	}
	lv, ok := d.WorstLevel()
	if !ok {
		return HealthOK
	}
	// Classes rise with the level, so the worst event decides.
	switch api.LevelClass(lv) {
	case api.ClassAlarm:
		return HealthAlarm
	case api.ClassWarning:
		return HealthWarning
	}
	return HealthOK
}

// nextChange is when the device's health next changes by the clock alone
// (it turns stale, then offline), or zero when it never will.
func (d *Device) nextChange(now time.Time) time.Time {
	seen := d.LastSeen()
	if seen.IsZero() {
		return time.Time{}
	}
	for _, after := range [...]time.Duration{StaleAfter, OfflineAfter} {
		if t := seen.Add(after); !now.After(t) {
			return t
		}
	}
	return time.Time{}
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
	// those the user focused. Others keep only their latest message,
	// packed, so fifty thousand devices stay small.
	tracked []string
	// backfilled remembers for the session which devices were backfilled,
	// also after they dropped out of tracked.
	backfilled map[string]bool
	// askedStore are the devices whose kept messages were asked of the
	// database this session (WantStored).
	askedStore map[string]bool
	keys       *keyTable
	pack       packer
}

// MaxTracked is how many recently focused devices keep their history.
const MaxTracked = 16

// NewFleet makes an empty fleet.
func NewFleet() *Fleet {
	return &Fleet{byID: map[string]*Device{}, HistoryCap: 720, backfilled: map[string]bool{}, keys: newKeyTable()}
}

// Track keeps the history of a device from now on, and its latest message
// decoded, dropping both for the device focused longest ago beyond
// MaxTracked.
func (f *Fleet) Track(id string) {
	for i, t := range f.tracked {
		if t == id {
			f.tracked = append(f.tracked[:i], f.tracked[i+1:]...)
			break
		}
	}
	f.tracked = append(f.tracked, id)
	if d := f.byID[id]; d != nil && d.Latest == nil {
		d.Latest = d.Message()
	}
	if len(f.tracked) > MaxTracked {
		if d := f.byID[f.tracked[0]]; d != nil {
			d.History, d.Latest = nil, nil
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

// SetDevices replaces the list, keeping what is known of devices still in
// it. A device listed twice is kept once, where it first appears. An
// Index over the fleet must be Reset after it.
func (f *Fleet) SetDevices(list []api.Device, at time.Time) {
	next := make([]*Device, 0, len(list))
	byID := make(map[string]*Device, len(list))
	for i := range list {
		id := list[i].DeviceID
		if byID[id] != nil {
			continue
		}
		d := f.byID[id]
		if d == nil {
			d = &Device{keys: f.keys}
		}
		d.Device = list[i]
		d.search = strings.ToLower(d.DeviceID + "\x00" + d.Name + "\x00" + d.GroupName + "\x00" + d.Model)
		next = append(next, d)
		byID[id] = d
	}
	f.devices, f.byID, f.ListedAt, f.CachedAt = next, byID, at, time.Time{}
}

// SetData folds a data page (newest first) into a device: its latest
// message and, for a tracked device, the history of its numeric fields.
func (f *Fleet) SetData(id string, page *api.DataPage, at time.Time) {
	d := f.byID[id]
	if d == nil {
		return
	}
	d.FetchedAt, d.Err = at, nil
	if page == nil || len(page.Data) == 0 {
		return
	}
	tracked := f.isTracked(id)
	if d.History == nil && tracked {
		d.History = NewHistory(f.HistoryCap)
	}
	var newest *api.DataMessage
	ts, has := d.msg.ts, d.msg.has()
	for i := len(page.Data) - 1; i >= 0; i-- {
		m := &page.Data[i]
		if d.History != nil {
			d.History.Add(m)
		}
		if !has || m.TS >= ts {
			newest, ts, has = m, m.TS, true
		}
	}
	if newest == nil {
		return
	}
	d.msg = f.pack.pack(f.keys, newest)
	if tracked {
		latest := *newest // not a pointer into the page: the page can go
		d.Latest = &latest
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
	d.Backfilled, f.backfilled[id] = true, true
}

// DataQuery is the read to make of a device: a tracked device is read
// once per session with its latest `backfill` messages (the caller's
// sparkline width), whatever their age, and after that with what is new
// since its history's newest point; any other device with its latest
// message. isBackfill says to fold the answer in with Backfill.
func (f *Fleet) DataQuery(id string, backfill int) (q api.DataQuery, isBackfill bool) {
	backfill = max(1, min(backfill, api.MaxDataLimit))
	d := f.byID[id]
	switch {
	case d == nil || !f.isTracked(id):
		return api.DataQuery{Limit: 1}, false
	case !f.backfilled[id]:
		return api.DataQuery{Limit: backfill}, true
	}
	if last := d.History.LastTS(); last > 0 {
		return api.DataQuery{Start: time.Unix(int64(last)+1, 0), Limit: backfill}, false
	}
	return api.DataQuery{Limit: 1}, false
}

// SetDataError records a failure to read one device's data; what was
// known stays on screen.
func (f *Fleet) SetDataError(id string, err error, at time.Time) {
	if d := f.byID[id]; d != nil {
		d.Err, d.ErrAt = err, at
	}
}
