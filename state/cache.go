package state

import (
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	"sqc/api"
)

// The offline cache: the device list, every device's latest message and
// the focused device's recent history, so that a console started without
// a network shows what it last knew, with its age.

// CachePath is the cache of one key (by fingerprint) in dir.
func CachePath(dir, fingerprint string) string {
	return filepath.Join(dir, "cache-"+sanitise(fingerprint)+".json")
}

// CacheSnapshot is what the fleet knew at one moment, taken on the UI
// goroutine without encoding anything; Save encodes and writes it from
// any goroutine. Everything it holds is immutable or its own copy.
type CacheSnapshot struct {
	savedAt time.Time
	focus   string
	keys    []string // the fleet's key table as it was: it only grows
	devices []cachedDevice
	history []cachedSeries
}

type cachedDevice struct {
	dev     api.Device // strings and the raw object are shared, never changed
	fetched time.Time
	msg     latest
}

type cachedSeries struct {
	key string
	pts []Point
}

// Snapshot takes what the cache keeps: every device and its latest
// message, and the history of focusID ("" for none). O(N) copies of small
// records; the messages are shared, not copied.
func (f *Fleet) Snapshot(now time.Time, focusID string) *CacheSnapshot {
	s := &CacheSnapshot{savedAt: now, focus: focusID, keys: f.keys.names, devices: make([]cachedDevice, len(f.devices))}
	for i, d := range f.devices {
		s.devices[i] = cachedDevice{dev: d.Device, fetched: d.FetchedAt, msg: d.msg}
	}
	if d := f.byID[focusID]; d != nil && d.History != nil {
		keys := d.History.Keys()
		slices.Sort(keys)
		for _, k := range keys {
			s.history = append(s.history, cachedSeries{key: k, pts: d.History.Series(k).Points(nil)})
		}
	}
	return s
}

// Devices is how many devices the snapshot holds.
func (s *CacheSnapshot) Devices() int { return len(s.devices) }

// Save encodes the snapshot and replaces the file at path atomically: a
// crash leaves the old cache or the new one, never half of one.
func (s *CacheSnapshot) Save(path string) error {
	return writeFileAtomic(path, s.encode)
}

// RestoreCache fills the fleet from the cache at path: the device list,
// every device's latest message with the time it was read (so ages are
// right), and the focused device's history; the fleet is marked cached.
// It returns the device that was focused and false when there is no
// usable cache. Values out of range are dropped with a debug line on log
// (nil: no log); a damaged file is ignored.
func (f *Fleet) RestoreCache(path string, log *slog.Logger) (focus string, ok bool) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, err := f.readCache(path, log)
	if err != nil {
		log.Debug("offline cache ignored", "path", path, "err", err)
		return "", false
	}
	if len(c.devices) == 0 {
		return "", false
	}
	list := make([]api.Device, len(c.devices))
	for i := range c.devices {
		list[i] = c.devices[i].dev
	}
	f.SetDevices(list, c.savedAt)
	for i := range c.devices {
		cd := &c.devices[i]
		d := f.byID[cd.dev.DeviceID]
		if d == nil || !cd.msg.has() {
			continue
		}
		d.msg, d.FetchedAt = cd.msg, cd.fetched
	}
	if d := f.byID[c.focus]; d != nil {
		f.Track(c.focus)
		if len(c.history) > 0 {
			d.History = NewHistory(f.HistoryCap)
			for _, s := range c.history {
				d.History.restore(s.key, s.pts)
			}
		}
	} else {
		c.focus = ""
	}
	f.CachedAt = c.savedAt
	return c.focus, true
}
