package state

import (
	"context"

	"sqc/state/store"
)

// DraftDevices lists the devices that have a draft under one key, so the
// console can mark them before anyone opens their config: a draft no one
// knows of is a draft lost.
func DraftDevices(db store.Store, fingerprint string) (map[string]bool, error) {
	out := map[string]bool{}
	if db == nil {
		return out, ErrNoDatabase
	}
	ids, err := db.DraftDevices(context.Background(), fingerprint)
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}
