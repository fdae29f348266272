package state

import (
	"errors"
	"fmt"
	"time"

	"sqc/api"
)

// BulkRun decides how a bulk job goes out: which device is written next
// and when, what each answer means for the job, and when its queued
// devices are read back. It does no I/O of its own but saving the job, and
// starts no goroutine: the console and `sqc config set` each ask it what
// to do, do it, and tell it how it went, so both send by the same rules
// and a fake clock tests them.
type BulkRun struct {
	Job *BulkJob
	// Again is the least time between two read-backs of one device; For
	// is how long read-backs go on once they start.
	Again, For time.Duration
	// MaxOffline is how many network failures in a row pause the run
	// (0: none; the run backs off and goes on). A command line gives up
	// and says how to resume; a console shows the wait.
	MaxOffline int

	Paused     bool // by the user (or a job that cannot be saved): nothing goes until Resume
	KeyStopped bool // by a refused key: nothing goes until Resume, after login
	Stopping   bool // the user stopped the job while a request was out: nothing after it
	InFlight   bool // a device's write is out

	holdUntil time.Time // nothing is sent before (429, a network failure)
	holdWhy   string
	server    bool // the hold is the server's own (a 429): a resume does not skip it
	failures  int  // network failures in a row: the backoff grows with them

	readBacks *ReadBacks
	item      map[string]int // a device's row in the job
	verifying bool
	verifyEnd time.Time
}

// NewBulkRun runs job. A job taken up after a stop reads back what it
// left unsettled: the device out at the stop, and those queued.
func NewBulkRun(job *BulkJob, now time.Time, again, verifyFor time.Duration) *BulkRun {
	r := &BulkRun{Job: job, Again: again, For: verifyFor}
	for _, i := range job.ToReadBack() {
		r.ReadBack(i, now)
	}
	return r
}

// BulkPace is the account at a moment, as the caller knows it.
type BulkPace struct {
	UsedToday int     // requests counted today (the quota ledger)
	Daily     int     // the day's quota; 0 when not known
	Rate      float64 // the budget's rate, requests a second: read-backs go at it
	// Backoff is an outage the caller knows of (the console's scheduler
	// saw the network or the server fail): nothing goes before it.
	Backoff time.Time
	Why     string
}

// BulkDo is what the runner says to do now.
type BulkDo int

const (
	BulkIdle     BulkDo = iota // nothing: paused, stopped, or a write is out
	BulkSend                   // send Write to device I now: the job has it as sending
	BulkWait                   // nothing before At; ask again then
	BulkFinished               // nothing is left to send
)

// BulkStep is the runner's answer to Next.
type BulkStep struct {
	Do    BulkDo
	I     int
	Write Write
	At    time.Time
	Why   string // why it waits
	Err   error  // the job could not be saved: the run is paused
}

// Backoff after network failures in a row: 2 s, 4 s, 8 s … at most
// maxBulkBackoff, as the scheduler backs off its reads.
const (
	firstBulkBackoff = 2 * time.Second
	maxBulkBackoff   = 5 * time.Minute
	// max429Wait bounds a Retry-After: a server asking for a day is
	// asked again after this.
	max429Wait = 15 * time.Minute
)

// Next is what to do at now: send to the next device, wait, or nothing.
// A device the gate refuses (check: no calls left, read-only) is skipped
// with why, and the next one is looked at.
func (r *BulkRun) Next(now time.Time, pace BulkPace, check func(Write) error) BulkStep {
	j := r.Job
	if r.InFlight || r.Paused || r.KeyStopped || r.Stopping || j.Cancelled {
		return BulkStep{Do: BulkIdle}
	}
	skipped := false
	for {
		i, ok := j.Next()
		if !ok {
			var err error
			if skipped {
				err = j.Save()
			}
			return BulkStep{Do: BulkFinished, Err: err}
		}
		if pace.Daily > 0 && pace.UsedToday >= pace.Daily {
			reset := api.NextReset(now)
			return r.wait(skipped, BulkStep{Do: BulkWait, At: reset.Add(time.Second), Why: "the day's quota is used up (resets " + reset.Local().Format("15:04") + ")"})
		}
		if now.Before(r.holdUntil) {
			return r.wait(skipped, BulkStep{Do: BulkWait, At: r.holdUntil, Why: r.holdWhy + ", until " + r.holdUntil.Local().Format("15:04:05")})
		}
		if now.Before(pace.Backoff) {
			return r.wait(skipped, BulkStep{Do: BulkWait, At: pace.Backoff, Why: pace.Why + ", until " + pace.Backoff.Local().Format("15:04:05")})
		}
		w := j.Write(i)
		if err := check(w); err != nil {
			why := err.Error()
			var be *BudgetError
			if errors.As(err, &be) {
				why = "no API calls left this month (not Hosted: 50 a month)"
			}
			j.Set(i, BulkSkipped, why, now)
			skipped = true
			continue
		}
		j.Set(i, BulkSending, "", now)
		if err := j.Save(); err != nil { // not sent: without its mark a resume could send it twice
			j.Set(i, BulkPending, "", now)
			r.Paused = true
			return BulkStep{Do: BulkIdle, Err: fmt.Errorf("the job could not be saved, so nothing more is sent (a write without its mark on the disk could be sent twice): %w", err)}
		}
		r.InFlight = true
		return BulkStep{Do: BulkSend, I: i, Write: w}
	}
}

// NotMarked takes back a send whose "sending" mark the disk did not take
// (a job saved later): device i is pending again, nothing was sent, and
// the run pauses until Resume.
func (r *BulkRun) NotMarked(i int, now time.Time) {
	r.Job.Set(i, BulkPending, "", now)
	r.InFlight, r.Paused = false, true
	if r.Stopping {
		r.Stopping, r.Job.Cancelled = false, true
	}
	_ = r.Job.Save()
}

// wait is step after the devices skipped on the way were kept.
func (r *BulkRun) wait(skipped bool, step BulkStep) BulkStep {
	if skipped {
		step.Err = r.Job.Save()
	}
	return step
}

// BulkThen is what follows an answer.
type BulkThen int

const (
	BulkGoOn       BulkThen = iota // ask Next
	BulkKeyRefused                 // the key was refused: the job waits for a login, then Resume
	BulkOffline                    // nothing left the machine: Next waits out a backoff
	BulkGaveUp                     // nothing left the machine MaxOffline times in a row: paused
	BulkStopped                    // the user's stop took effect: nothing more is sent
)

// BulkAnswer is what an answer did to the job.
type BulkAnswer struct {
	Then BulkThen
	// Say is a problem worth a line of its own (nothing left the machine,
	// the job could not be saved); "" when the row says it all.
	Say string
}

// Outcome records the answer to device i's write (res and err from the
// gate's Send, at the time of the answer) and says what follows.
func (r *BulkRun) Outcome(i int, res api.Result, err error, at time.Time) BulkAnswer {
	j := r.Job
	r.InFlight = false
	var e *api.Error
	var out BulkAnswer
	switch {
	case WentOut(err):
		r.failures = 0
		what := res.Message
		if err != nil { // taken, but the audit log failed: say so on its row
			what = Outcome(res, err)
		}
		j.Set(i, BulkQueued, what, at)
		switch {
		case j.Items[i].Plan == api.PlanHosted:
			r.ReadBack(i, at)
		case err == nil:
			j.Note(i, "queued; not read back (each read costs 1 of its 50 calls)")
		}
	case api.IsUnauthorized(err):
		// refused before anything was changed: the device is sent after login
		j.Set(i, BulkPending, "", at)
		r.KeyStopped = true
		return BulkAnswer{Then: BulkKeyRefused, Say: r.save()}
	case api.Classify(err) == api.FailRateLimit:
		// refused before it was made: the device is pending again, and
		// nothing goes for as long as the server asked
		j.Set(i, BulkPending, "", at)
		wait := max(firstBulkBackoff, min(api.RetryAfterOf(err), max429Wait))
		r.hold(at.Add(wait), "rate limited (429)", true)
	case OutcomeOf(err) == api.Unknown:
		// it may have been made: read back, never sent again by itself;
		// the network or the server failed, so the next waits a while
		what := "outcome unknown (" + Briefly(err) + "): read back, never sent again by itself"
		if j.Items[i].Plan == api.PlanHosted {
			r.ReadBack(i, at)
		} else {
			what = "outcome unknown (" + Briefly(err) + "): read its config (1 call) before sending again"
		}
		j.Set(i, BulkUnknown, what, at)
		r.backoff(at, "no clear answer ("+Briefly(err)+")")
	case errors.As(err, &e) && e.NotSent:
		// nothing left the machine: the device is sent again once the
		// network is back, after a backoff
		j.Set(i, BulkPending, "", at)
		until := r.backoff(at, "the network is down ("+Briefly(err)+")")
		out.Then = BulkOffline
		out.Say = "not sent to " + j.Items[i].DeviceID + " (" + Briefly(err) + "): nothing left the machine; sent again at " + until.Local().Format("15:04:05") + " (p tries now)"
		if r.MaxOffline > 0 && r.failures >= r.MaxOffline {
			r.Paused = true
			out.Then = BulkGaveUp
			out.Say = "not sent to " + j.Items[i].DeviceID + " (" + Briefly(err) + "): nothing left the machine, " + fmt.Sprint(r.failures) + " times in a row"
		}
	case OutcomeOf(err) == api.NotSent:
		j.Set(i, BulkSkipped, "not sent: "+Briefly(err), at)
	default:
		r.failures = 0                         // the server answered
		j.Set(i, BulkFailed, Briefly(err), at) // refused: the status and the server's words
	}
	if s := r.save(); s != "" {
		out.Say = s
	}
	if r.Stopping {
		r.Stop()
		out.Then = BulkStopped
	}
	return out
}

func (r *BulkRun) save() string {
	if err := r.Job.Save(); err != nil {
		return "the job could not be saved: " + err.Error()
	}
	return ""
}

// hold keeps every write back until until.
func (r *BulkRun) hold(until time.Time, why string, server bool) {
	if until.After(r.holdUntil) {
		r.holdUntil, r.holdWhy, r.server = until, why, server
	}
}

// backoff holds the run after one more network failure, and says until when.
func (r *BulkRun) backoff(at time.Time, why string) time.Time {
	r.failures++
	d := firstBulkBackoff << min(r.failures-1, 10)
	r.hold(at.Add(min(d, maxBulkBackoff)), why, false)
	return r.holdUntil
}

// Stop ends the job for good: what was not sent stays pending in the job
// file, and no resume sends it. A write out finishes first (Stopping).
func (r *BulkRun) Stop() error {
	if r.InFlight {
		r.Stopping = true
		return nil
	}
	r.Job.Cancelled, r.Stopping = true, false
	return r.Job.Save()
}

// Pause stops sending after the write out, if any, until Resume.
func (r *BulkRun) Pause() { r.Paused = true }

// Resume goes on after a pause, a refused key or a network backoff (the
// user tries now); a 429's wait and the day's quota still hold.
func (r *BulkRun) Resume() {
	r.Paused, r.KeyStopped = false, false
	if !r.server {
		r.holdUntil, r.holdWhy = time.Time{}, ""
	}
}

// Held is why nothing goes at now ("" when nothing holds the run back
// but a pause).
func (r *BulkRun) Held(now time.Time) string {
	if now.Before(r.holdUntil) {
		return r.holdWhy
	}
	return ""
}

// Briefly is a failure in the words a row has room for: the status and
// the server's message, without the operation and device the row names.
func Briefly(err error) string {
	var e *api.Error
	switch {
	case errors.As(err, &e) && e.Status != 0:
		msg := fmt.Sprintf("%d", e.Status)
		if e.Message != "" {
			msg += " " + e.Message
		}
		return msg
	case errors.As(err, &e) && e.Err != nil:
		return e.Err.Error()
	case err != nil:
		return err.Error()
	}
	return ""
}
