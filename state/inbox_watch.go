package state

import (
	"container/heap"
	"time"

	"sqc/api"
)

// Watcher turns what the fleet learns into inbox entries: it remembers
// each device's last state and compares. A device first seen sets its
// baseline silently, so the first pass and a restore from the database
// (the states the database last knew) add nothing: only a change from a
// known state is an entry. Stale and offline come with no message, by the
// clock: a heap of when each device next turns quiet makes Due cost
// O(log N) per device that turns, never a scan of the fleet.
//
// Not safe for concurrent use: the engine calls it under its lock.
type Watcher struct {
	known map[string]*watched
	due   quietHeap
}

type watched struct {
	id     string
	health Health
	reason string    // the worst event of level alert or above, as last seen
	msgAt  time.Time // the latest message's time, as last seen
	at     time.Time // when the device next turns quiet; zero: never
	idx    int       // in the heap, -1 when out
	since  time.Time // when the watcher first saw the device
}

// NewWatcher makes a watcher that knows no device yet.
func NewWatcher() *Watcher { return &Watcher{known: map[string]*watched{}} }

// Observe compares a device with what was known of it at now, and
// returns the entries its change makes (none, one, or a state change and
// a new event of the same message folded into one).
func (w *Watcher) Observe(d *Device, now time.Time) (Transition, bool) {
	return w.observe(d, now, now)
}

// observe is Observe with the time the change is dated by when it was
// not a message's (the moment a device turned stale).
func (w *Watcher) observe(d *Device, now, at time.Time) (Transition, bool) {
	h := d.Health(now)
	reason, msgAt := alertReason(d), d.MessageTime()
	k := w.known[d.DeviceID]
	if k == nil {
		k = &watched{id: d.DeviceID, idx: -1, since: now}
		w.known[d.DeviceID] = k
	}
	w.schedule(k, d, now)
	prev, prevReason, prevMsg := k.health, k.reason, k.msgAt
	newMsg := msgAt.After(prevMsg)
	if newMsg {
		k.msgAt = msgAt
	}
	if h == HealthUnknown {
		// nothing read yet: nothing to compare with, and nothing forgotten
		return Transition{}, false
	}
	k.health = h
	if newMsg || reason == "" {
		k.reason = reason
	}
	if prev == HealthUnknown || newMsg && prevMsg.IsZero() && msgAt.Before(k.since) {
		// The baseline, or the first message read of a device the list
		// alone had placed (a list without lastSeen says offline): what
		// that message tells happened before the watch began, so the first
		// pass of such a server adds no "offline → ok" for every device.
		return Transition{}, false
	}
	t := Transition{At: at, Device: d.DeviceID, Name: d.Name, From: prev, To: h, Text: reason}
	if newMsg && !msgAt.After(now) && !msgAt.Before(at.Add(-OfflineAfter)) {
		t.At = msgAt // the message told it: date it by the message
	}
	switch {
	case h != prev:
		if h == HealthStale || h == HealthOffline {
			t.Text = ""
		}
		return t, true
	case newMsg && !prevMsg.IsZero() && reason != "" && reason != prevReason:
		// (a device's first message read is its baseline, events and all)
		t.Event = true
		return t, true
	}
	return Transition{}, false
}

// alertReason is the worst event of the latest message when its level is
// alert or above, else "".
func alertReason(d *Device) string {
	lv, ok := d.WorstLevel()
	if !ok || api.LevelClass(lv) == api.ClassInfo {
		return ""
	}
	return d.Reason()
}

// schedule puts the device in the heap at when it next turns quiet.
func (w *Watcher) schedule(k *watched, d *Device, now time.Time) {
	next := d.nextChange(now)
	if !next.IsZero() {
		next = next.Add(time.Nanosecond) // Health turns after, not at
	}
	k.at = next
	switch {
	case next.IsZero() && k.idx >= 0:
		heap.Remove(&w.due, k.idx)
	case next.IsZero():
	case k.idx >= 0:
		heap.Fix(&w.due, k.idx)
	default:
		heap.Push(&w.due, k)
	}
}

// Due is the entries of the devices that turned stale or offline by now
// with no message: each dated when it turned. f must be the fleet the
// devices were observed in; a device gone from it is forgotten.
func (w *Watcher) Due(f *Fleet, now time.Time) []Transition {
	var out []Transition
	for w.due.Len() > 0 && !w.due[0].at.After(now) {
		k := w.due[0]
		d := f.Get(k.id)
		if d == nil {
			heap.Pop(&w.due)
			delete(w.known, k.id)
			continue
		}
		at := k.at.Add(-time.Nanosecond)
		if t, ok := w.observe(d, now, at); ok {
			out = append(out, t)
		}
	}
	return out
}

// NextDue is when the next device turns quiet; zero when none will.
func (w *Watcher) NextDue() time.Time {
	if w.due.Len() == 0 {
		return time.Time{}
	}
	return w.due[0].at
}

// Known is how many devices the watcher has a state for.
func (w *Watcher) Known() int { return len(w.known) }

// quietHeap orders devices by when they next turn quiet.
type quietHeap []*watched

func (h quietHeap) Len() int           { return len(h) }
func (h quietHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h quietHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *quietHeap) Push(x any) {
	k := x.(*watched)
	k.idx = len(*h)
	*h = append(*h, k)
}
func (h *quietHeap) Pop() any {
	old := *h
	k := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	k.idx = -1
	return k
}
