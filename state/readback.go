package state

import (
	"math"
	"time"
)

// ReadBacks paces the reads that settle writes: a queued write is read
// back until the device is seen to apply it, a write of unknown outcome
// until the read shows what happened. Reads go one at a time, no closer
// than the budget's rate allows (the scheduler's Rate), the device due
// longest first; a device not settled by its read is read again no
// sooner than Again after it. Ten devices that apply a change in seconds
// are seen applied in about ten reads' time, not ten times Again.
type ReadBacks struct {
	// Again is the least time between two reads of one device.
	Again time.Duration
	items []readBack
	at    map[string]int // index in items: a resume adds 50,000 at once
	last  time.Time      // when the last read went
}

type readBack struct {
	id  string
	due time.Time
}

// Add makes a device due for a read at at; a device already waiting
// keeps the earlier of its times.
func (r *ReadBacks) Add(id string, at time.Time) {
	if r.at == nil {
		r.at = map[string]int{}
	}
	if i, ok := r.at[id]; ok {
		if at.Before(r.items[i].due) {
			r.items[i].due = at
		}
		return
	}
	r.at[id] = len(r.items)
	r.items = append(r.items, readBack{id: id, due: at})
}

// Done drops a device: its read settled it.
func (r *ReadBacks) Done(id string) {
	i, ok := r.at[id]
	if !ok {
		return
	}
	last := len(r.items) - 1
	r.items[i] = r.items[last]
	r.at[r.items[i].id] = i
	r.items = r.items[:last]
	delete(r.at, id)
}

// Retry makes a device read at now due again after Again.
func (r *ReadBacks) Retry(id string, now time.Time) {
	if i, ok := r.at[id]; ok {
		r.items[i].due = now.Add(r.Again)
	}
}

// Len is how many devices wait for a read.
func (r *ReadBacks) Len() int { return len(r.items) }

// Has reports whether a device waits for a read.
func (r *ReadBacks) Has(id string) bool {
	_, ok := r.at[id]
	return ok
}

// spentWait is how long a spent budget waits before it is asked again.
const spentWait = time.Minute

// Gap is the least time between two read-backs at the budget's rate
// (requests a second).
func Gap(rate float64) time.Duration {
	if rate <= 0 || math.IsNaN(rate) {
		return spentWait
	}
	return time.Duration(float64(time.Second) / rate)
}

// Next is the device to read at now, taken as read (its next read is due
// Again later unless Done), or "" and how long until one may go.
func (r *ReadBacks) Next(now time.Time, rate float64) (string, time.Duration) {
	if len(r.items) == 0 {
		return "", 0
	}
	if rate <= 0 || math.IsNaN(rate) { // the budget is spent: nothing until it refills
		return "", spentWait
	}
	k := 0
	for i, it := range r.items {
		if d := it.due.Compare(r.items[k].due); d < 0 || d == 0 && it.id < r.items[k].id {
			k = i
		}
	}
	at := r.items[k].due
	if !r.last.IsZero() {
		at = later(at, r.last.Add(Gap(rate)))
	}
	if at.After(now) {
		return "", at.Sub(now)
	}
	r.last = now
	r.items[k].due = now.Add(r.Again)
	return r.items[k].id, 0
}
