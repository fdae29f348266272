package state

import (
	"time"

	"sqc/api"
)

// ReadBack makes device i of the job due for a read-back at at.
func (r *BulkRun) ReadBack(i int, at time.Time) {
	if r.readBacks == nil {
		r.readBacks, r.item = &ReadBacks{Again: r.Again}, map[string]int{}
	}
	id := r.Job.Items[i].DeviceID
	r.item[id] = i
	r.readBacks.Add(id, at)
}

// ToReadBack is how many devices still wait to be seen applied.
func (r *BulkRun) ToReadBack() int {
	if r.readBacks == nil {
		return 0
	}
	return r.readBacks.Len()
}

// StartReadBacks starts reading back, for For from now; false when they
// are going already or there is nothing to read.
func (r *BulkRun) StartReadBacks(now time.Time) bool {
	if r.verifying || r.ToReadBack() == 0 {
		return false
	}
	r.verifying, r.verifyEnd = true, now.Add(r.For)
	return true
}

// ReadingBack reports whether the read-backs are going.
func (r *BulkRun) ReadingBack() bool { return r.verifying }

// BulkRead is the runner's answer to NextRead.
type BulkRead struct {
	ID    string        // the device to read now; "" for none
	I     int           // its row
	Wait  time.Duration // with no ID and not Ended: ask again after it
	Ended bool          // the read-backs are over: EndReadBacks
}

// NextRead is the device to read back at now, at the budget's pace (one
// read at a time, each device again only after Again), or how long until
// one may go, or that the read-backs are over (all seen, or For is up).
func (r *BulkRun) NextRead(now time.Time, pace BulkPace) BulkRead {
	if !r.verifying {
		return BulkRead{}
	}
	if r.ToReadBack() == 0 || now.After(r.verifyEnd) {
		return BulkRead{Ended: true}
	}
	if now.Before(pace.Backoff) {
		return BulkRead{Wait: r.soon(pace.Backoff.Sub(now))}
	}
	id, wait := r.readBacks.Next(now, pace.Rate)
	if id == "" {
		return BulkRead{Wait: r.soon(wait)}
	}
	return BulkRead{ID: id, I: r.item[id]}
}

// soon is d, no later than Again: the budget is asked again then.
func (r *BulkRun) soon(d time.Duration) time.Duration {
	return max(time.Millisecond, min(d, r.Again))
}

// EndReadBacks marks the job settled: every device read back was seen,
// or the time for it ran out; a resume no longer reads them. It reports
// whether every one was seen; within is For as the rows say it.
func (r *BulkRun) EndReadBacks(within string) (bool, string) {
	r.verifying = false
	for _, i := range r.Job.ToReadBack() { // before Settled, which leaves out the queued
		r.Job.Note(i, "not seen applied within "+within+": its config pane reads it (r)")
	}
	r.Job.Settled = true
	return r.ToReadBack() == 0, r.save()
}

// ReadAnswer records what a read of device i proves: settled, its row
// has its new status (audit, when the write's outcome was unknown, keeps
// what the read proved); not settled, it is read again later.
func (r *BulkRun) ReadAnswer(i int, resp *api.ConfigResponse, at time.Time, audit func(id string, says ReadBackSays) error) (settled bool, problem string) {
	it := r.Job.Items[i]
	changes := r.Job.ChangesOf(i)
	st, what, settled := SettleBulk(it.Status, resp, changes, at)
	if !settled {
		return false, ""
	}
	if it.Status == BulkUnknown && audit != nil {
		if err := audit(it.DeviceID, ReadBack(true, resp, changes)); err != nil {
			what += "; the audit log could not be written: " + err.Error()
		}
	}
	r.Job.Set(i, st, what, at)
	r.readBacks.Done(it.DeviceID)
	return true, r.save()
}
