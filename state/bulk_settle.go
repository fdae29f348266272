package state

import (
	"time"

	"sqc/api"
)

// ReadBackSays is what one read of a device's config proves about a write
// sent to it.
type ReadBackSays int

const (
	// ReadBackWait: nothing proved yet; read again later.
	ReadBackWait ReadBackSays = iota
	// ReadBackApplied: the device has the new values.
	ReadBackApplied
	// ReadBackNotTaken: a write of unknown outcome did not happen: the
	// device is synced (nothing waits at the server) without the values,
	// so sending again is safe.
	ReadBackNotTaken
)

// ReadBack decides what a read proves. A queued write is applied once
// the device is synced with its values (not synced, another change may
// still overwrite them). A write of unknown outcome went through if the
// device has the values; if it is synced without them nothing of it
// waits at the server. Not synced and without them, the server may hold
// it for the device's next check-in: read again.
func ReadBack(unknown bool, resp *api.ConfigResponse, changes []Change) ReadBackSays {
	if resp == nil {
		return ReadBackWait
	}
	holds := Holds(resp.Config, changes)
	switch {
	case holds && (unknown || resp.Synced):
		return ReadBackApplied
	case unknown && resp.Synced:
		return ReadBackNotTaken
	}
	return ReadBackWait
}

// SettleBulk is what a read-back of one device of a bulk change says: its
// new status and why, or false while it settles nothing.
func SettleBulk(st BulkStatus, resp *api.ConfigResponse, changes []Change, at time.Time) (BulkStatus, string, bool) {
	clock := at.Local().Format("15:04:05")
	switch ReadBack(st == BulkUnknown, resp, changes) {
	case ReadBackApplied:
		if st == BulkUnknown {
			return BulkApplied, "went through (read back at " + clock + ")", true
		}
		return BulkApplied, "applied by " + clock, true
	case ReadBackNotTaken:
		return BulkFailed, "not taken (read back at " + clock + " without it, nothing waiting): sending again is safe", true
	}
	return st, "", false
}
