package state

import (
	"path/filepath"
	"time"

	"sqc/api"
)

// The offline cache file of an older sqc: the device list, every
// device's latest message and the focused device's recent history. It is
// read once, to be imported into the database (store_import.go); the
// fleet is kept in the database now (fleet_store.go).

// CachePath is the cache of one key (by fingerprint) in dir.
func CachePath(dir, fingerprint string) string {
	return filepath.Join(dir, "cache-"+sanitise(fingerprint)+".json")
}

// CacheSnapshot is what a cache file held.
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
