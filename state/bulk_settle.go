package state

import (
	"time"

	"sqc/api"
)

// SettleBulk is what a read-back of one device of a bulk change says: its
// new status and why, or false while it settles nothing. A queued device
// is applied once it is synced with the new values. A device whose
// outcome was unknown went through if it has the new values; if it is
// synced without them nothing of the write waits at the server, so it
// was not taken and sending again is safe. Anything else is read again.
func SettleBulk(st BulkStatus, resp *api.ConfigResponse, changes []Change, at time.Time) (BulkStatus, string, bool) {
	if resp == nil {
		return st, "", false
	}
	holds := Holds(resp.Config, changes)
	switch {
	case holds && st == BulkUnknown:
		return BulkApplied, "went through (read back at " + at.Local().Format("15:04:05") + ")", true
	case holds && resp.Synced:
		return BulkApplied, "applied by " + at.Local().Format("15:04:05"), true
	case st == BulkUnknown && resp.Synced:
		return BulkFailed, "not taken (read back at " + at.Local().Format("15:04:05") + " without it, nothing waiting): sending again is safe", true
	}
	return st, "", false
}
