package state

import (
	"slices"
	"sync"
	"time"
)

// Transition is one entry of the inbox: a device's state changed (ok →
// alarm, stale, back online...), or a new event of level alert or above
// came while its state stayed the same (Event).
type Transition struct {
	Seq    int64 // in this process, rising: what a view saw last
	At     time.Time
	Device string
	Name   string // as listed when it happened, not sanitised
	From   Health
	To     Health
	Event  bool
	Text   string // the worst event, "topic: msg" (not sanitised)
	AckAt  time.Time
	AckBy  string
	// Kept marks an entry read back from the database, not detected in
	// this run: a watcher prints only what happens while it runs.
	Kept bool
}

// Acked reports an entry someone acknowledged.
func (t Transition) Acked() bool { return !t.AckAt.IsZero() }

// Key names an entry whoever detected it: two consoles on one database
// that see the same change keep it once.
type TransitionKey struct {
	Device string
	AtMS   int64
	To     Health
	Event  bool
}

// Key is the entry's key.
func (t Transition) Key() TransitionKey {
	return TransitionKey{Device: t.Device, AtMS: t.At.UnixMilli(), To: t.To, Event: t.Event}
}

// EnteredAlarm reports an entry that took its device into alarm.
func (t Transition) EnteredAlarm() bool {
	return t.To == HealthAlarm && t.From != HealthAlarm && !t.Event
}

// MaxInbox is how many entries the inbox holds in memory, newest kept:
// enough for a whole large fleet entering alarm at once, small enough
// that a copy for a view is a few megabytes at most.
const MaxInbox = 20_000

// Inbox is the entries of one engine, newest first, shared by all its
// views. Safe for concurrent use; it has a lock of its own so that a view
// holding the engine's lock can still read it.
type Inbox struct {
	mu      sync.Mutex
	entries []Transition // newest first
	keys    map[TransitionKey]int64
	seq     int64
	version int64
	unread  int
}

// NewInbox makes an empty inbox.
func NewInbox() *Inbox { return &Inbox{keys: map[TransitionKey]int64{}} }

// Add puts new entries in (in any order), skipping those already held,
// and returns them with their Seq set.
func (in *Inbox) Add(ts []Transition) []Transition {
	if len(ts) == 0 {
		return nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	added := make([]Transition, 0, len(ts))
	for _, t := range ts {
		k := t.Key()
		if _, ok := in.keys[k]; ok {
			continue
		}
		in.seq++
		t.Seq = in.seq
		in.keys[k] = t.Seq
		added = append(added, t)
		if !t.Acked() {
			in.unread++
		}
	}
	if len(added) == 0 {
		return nil
	}
	in.entries = append(in.entries, added...)
	// newest first; the same time keeps the order of detection
	slices.SortStableFunc(in.entries, func(a, b Transition) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return int(b.Seq - a.Seq)
	})
	for len(in.entries) > MaxInbox {
		last := in.entries[len(in.entries)-1]
		delete(in.keys, last.Key())
		if !last.Acked() {
			in.unread--
		}
		in.entries = in.entries[:len(in.entries)-1]
	}
	in.version++
	return added
}

// Ack marks the entries of the keys given as acknowledged by who at at;
// those already acknowledged keep who did it first. It returns the keys
// it marked.
func (in *Inbox) Ack(keys []TransitionKey, who string, at time.Time) []TransitionKey {
	in.mu.Lock()
	defer in.mu.Unlock()
	want := make(map[TransitionKey]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	var done []TransitionKey
	for i := range in.entries {
		t := &in.entries[i]
		if t.Acked() || !want[t.Key()] {
			continue
		}
		t.AckAt, t.AckBy = at, who
		in.unread--
		done = append(done, t.Key())
	}
	if len(done) > 0 {
		in.version++
	}
	return done
}

// Version moves whenever the entries change: a view copies them again
// only then.
func (in *Inbox) Version() int64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.version
}

// Unread is how many entries no one acknowledged.
func (in *Inbox) Unread() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.unread
}

// Snapshot copies the entries, newest first, with the version they are at.
func (in *Inbox) Snapshot() ([]Transition, int64) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return slices.Clone(in.entries), in.version
}

// Since is the entries with a Seq above seq, oldest first: what a
// watcher has not printed yet.
func (in *Inbox) Since(seq int64) []Transition {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []Transition
	for i := len(in.entries) - 1; i >= 0; i-- {
		if in.entries[i].Seq > seq {
			out = append(out, in.entries[i])
		}
	}
	slices.SortStableFunc(out, func(a, b Transition) int { return int(a.Seq - b.Seq) })
	return out
}

// LastSeq is the highest Seq given so far.
func (in *Inbox) LastSeq() int64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.seq
}
