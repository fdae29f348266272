package live

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"sqc/api"
	"sqc/state"
)

// answer is what came back for one request.
type answer struct {
	req state.Request
	at  time.Time
	err error
	// a list
	devices    []api.Device
	duplicates []string
	stopped    string
	// a device's data
	page     *api.DataPage
	backfill bool
}

// askEvery is the longest the loop goes without asking the scheduler: a
// timer lost or a clock that jumped (a laptop waking) never leaves reads
// waiting longer.
const askEvery = time.Second

// loop is the engine's one goroutine of its own: it folds answers, asks
// the scheduler what is due, issues it, saves what is due, and tells the
// views what changed, with one timer for the next read due.
func (e *Engine) loop() {
	defer close(e.done)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		var ch changes
		var synced chan struct{}
		folded := 0
		select {
		case <-e.quit:
			return
		case a := <-e.answers:
			e.mu.Lock()
			e.fold(a, &ch)
			e.mu.Unlock()
			folded++
		case <-e.wake:
		case <-timer.C:
		case synced = <-e.sync:
		}
		// fold what else came meanwhile before asking again
		for more := true; more; {
			select {
			case a := <-e.answers:
				e.mu.Lock()
				e.fold(a, &ch)
				e.mu.Unlock()
				folded++
			default:
				more = false
			}
		}
		e.mu.Lock()
		wait := e.schedule()
		e.inboxDue(&ch)
		e.persist(&ch)
		e.mu.Unlock()
		e.views.notify(ch)
		// after the reads the answers made due are issued and the views told
		e.busy.Add(int64(-folded))
		if synced != nil {
			close(synced)
		}
		if wait <= 0 || wait > askEvery {
			wait = askEvery
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
	}
}

// schedule issues every read due now; it returns how long until the next
// is due (zero: none until an answer or a view asks). Called with mu held.
func (e *Engine) schedule() time.Duration {
	now := e.cfg.Now()
	e.sched.Advance(now)
	for range state.MaxInFlight { // the scheduler says no while that many are out
		req, ok, wait := e.sched.Next(now)
		if !ok {
			return wait
		}
		if e.debugOn() {
			e.cfg.Log.Debug("read", "id", req.ID, "kind", req.Kind, "device", req.DeviceID, "user", req.User)
		}
		e.issue(req)
	}
	return 0
}

// issue makes one read on its own goroutine; the answer comes back to the
// loop with its request, whose id the scheduler matches. Called with mu
// held: the data query is taken from the fleet here.
func (e *Engine) issue(req state.Request) {
	c, ctx, now := e.client, e.ctx, e.cfg.Now
	var read func() answer
	if req.Kind == state.KindList {
		read = func() answer {
			rep, err := c.ListDevicesReport(ctx)
			a := answer{req: req, err: err, at: now()}
			if rep != nil {
				a.devices, a.duplicates, a.stopped = rep.Devices, rep.Duplicates, rep.Stopped
			}
			return a
		}
	} else {
		// A tracked (focused) device is read once with as many messages
		// as its sparklines show, then only what is new; others with
		// their latest.
		q, backfill := e.fleet.DataQuery(req.DeviceID, int(e.spark.Load()))
		if n := e.sched.Newest(req.DeviceID); !backfill && q.Start.IsZero() && !n.IsZero() {
			// only what is newer than the newest message read: nothing twice
			q.Start = n.Truncate(time.Second).Add(time.Second)
		}
		read = func() answer {
			page, err := c.GetData(ctx, req.DeviceID, q)
			return answer{req: req, page: page, err: err, at: now(), backfill: backfill}
		}
	}
	e.busy.Add(1)
	e.reads.Add(1)
	go func() {
		defer e.reads.Done()
		a := read()
		select {
		case e.answers <- a:
		case <-e.quit: // closing: the answer is not folded
		}
	}()
}

// fold takes one answer into the scheduler and the fleet. Called with mu
// held.
func (e *Engine) fold(a answer, ch *changes) {
	now := e.cfg.Now()
	if e.debugOn() {
		e.cfg.Log.Debug("answer", "id", a.req.ID, "kind", a.req.Kind, "device", a.req.DeviceID, "failure", api.Classify(a.err), "err", a.err)
	}
	before := e.sched.Conn(now)
	e.sched.Done(a.req, now, a.err)
	if a.req.Kind == state.KindList {
		e.foldList(a, now, ch)
	} else {
		e.foldData(a, now, ch)
	}
	if api.IsUnauthorized(a.err) {
		ch.keyRefused = a.err
	}
	if e.sched.Conn(now) != before {
		ch.conn = true
	}
}

func (e *Engine) foldList(a answer, now time.Time, ch *changes) {
	if a.stopped != "" {
		// a server that pages for ever, or repeats itself: the scheduler
		// keeps the limits known before and backs off
		e.sched.ListStopped(a.req, a.devices, now, a.stopped)
		if len(a.devices) > 0 {
			a.err = nil // what came is kept
		}
	}
	ch.lists = append(ch.lists, ListAnswer{Devices: len(a.devices), Duplicates: len(a.duplicates), Stopped: a.stopped, Err: a.err, At: a.at})
	if a.err != nil {
		e.listErr = a.err
		return
	}
	e.listErr = nil
	e.fleet.SetDevices(a.devices, a.at)
	e.inboxAll(now)
	if a.stopped == "" {
		e.sched.SetDevices(a.devices, now)
		// a list that stopped early is not kept: its devices would give
		// the next start limits the account may not have
		e.keepList(a.devices, a.at)
	}
	for i := range a.devices {
		if r := a.devices[i].Remaining; r != nil {
			e.cfg.Ledger.NoteRemaining(a.devices[i].DeviceID, *r)
		}
	}
	ch.list = true
}

func (e *Engine) foldData(a answer, now time.Time, ch *changes) {
	id := a.req.DeviceID
	switch kind := api.Classify(a.err); {
	case a.err == nil:
		if a.backfill {
			e.fleet.Backfill(id, a.page, a.at)
		} else {
			e.fleet.SetData(id, a.page, a.at)
		}
		e.keepPage(id, a.page, a.at)
		e.inboxDevice(id, now)
		newest, spacing := pageTimes(a.page)
		e.sched.Got(id, newest, spacing, now)
		if d := e.fleet.Get(id); d != nil {
			e.sched.SetQuiet(id, quiet(d, now))
		}
	case kind.Fleetwide() || kind == api.FailCancelled || kind == api.FailAuth:
		return // held back by the scheduler; the device keeps its data and age
	default:
		e.fleet.SetDataError(id, a.err, now)
	}
	ch.device(id)
}

// debugOn reports a debug log that writes: the arguments of a line per
// read and per answer cost even when it does not.
func (e *Engine) debugOn() bool { return e.cfg.Log.Enabled(context.Background(), slog.LevelDebug) }

// quiet reports a device not heard from lately: stale or offline.
func quiet(d *state.Device, now time.Time) bool {
	h := d.Health(now)
	return h == state.HealthStale || h == state.HealthOffline
}

// pageTimes is the time of a page's newest message (zero if none) and the
// median spacing of its messages when it holds three or more: how often
// the device reports.
func pageTimes(p *api.DataPage) (newest time.Time, spacing time.Duration) {
	if p == nil || len(p.Data) == 0 {
		return time.Time{}, 0
	}
	ts := make([]float64, 0, len(p.Data))
	for i := range p.Data {
		if t := p.Data[i].TS; t > 0 {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return time.Time{}, 0
	}
	slices.Sort(ts)
	newest = p.Data[0].Time()
	for i := range p.Data {
		newest = later(newest, p.Data[i].Time())
	}
	if len(ts) < 3 {
		return newest, 0
	}
	gaps := make([]float64, 0, len(ts)-1)
	for i := 1; i < len(ts); i++ {
		if g := ts[i] - ts[i-1]; g > 0 {
			gaps = append(gaps, g)
		}
	}
	if len(gaps) < 2 {
		return newest, 0
	}
	slices.Sort(gaps)
	return newest, time.Duration(gaps[len(gaps)/2] * float64(time.Second))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
