package state

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"time"

	"sqc/api"
)

// The offline cache: the last device list and latest readings, so that a
// console started without a network shows what it last knew, marked with
// its age.

// CacheReadings bounds how many devices' latest messages are cached: the
// most recently read ones. A list of ten thousand stays a few megabytes.
const CacheReadings = 200

type cacheFile struct {
	SavedAt time.Time                  `json:"savedAt"`
	Devices []api.Device               `json:"devices"`
	Latest  map[string]api.DataMessage `json:"latest"`
}

// CachePath is the cache of one key (by fingerprint) in dir.
func CachePath(dir, fingerprint string) string {
	return filepath.Join(dir, "cache-"+sanitise(fingerprint)+".json")
}

// EncodeCache serialises what the fleet knows, for SaveCache.
func (f *Fleet) EncodeCache(now time.Time) ([]byte, error) {
	c := cacheFile{SavedAt: now, Latest: map[string]api.DataMessage{}}
	withData := make([]*Device, 0, len(f.devices))
	for _, d := range f.devices {
		c.Devices = append(c.Devices, d.Device)
		if d.Latest != nil {
			withData = append(withData, d)
		}
	}
	sort.Slice(withData, func(i, j int) bool { return withData[i].FetchedAt.After(withData[j].FetchedAt) })
	for _, d := range withData[:min(len(withData), CacheReadings)] {
		c.Latest[d.DeviceID] = *d.Latest
	}
	return json.Marshal(c)
}

// SaveCache writes an encoded cache atomically.
func SaveCache(path string, b []byte) error { return writeAtomic(path, b) }

// LoadCache fills an empty fleet from the cache, marking it cached. It
// reports false when there is no usable cache.
func (f *Fleet) LoadCache(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var c cacheFile
	if json.Unmarshal(b, &c) != nil || len(c.Devices) == 0 {
		return false
	}
	f.SetDevices(c.Devices, c.SavedAt)
	for id, m := range c.Latest {
		if d := f.byID[id]; d != nil {
			msg := m
			d.Latest, d.FetchedAt = &msg, c.SavedAt
		}
	}
	f.CachedAt = c.SavedAt
	return true
}
