package live

import (
	"context"
	"sync"
	"time"

	"sqc/state"
	"sqc/state/store"
)

// inboxPart is the engine's inbox: the watcher that compares each device
// with its last state (the loop's, under the engine's lock), the entries
// every view shares (their own lock), and what waits for the database.
type inboxPart struct {
	watch *state.Watcher // under Engine.mu
	box   *state.Inbox

	mu       sync.Mutex // the queues
	adds     []store.InboxEntry
	acks     []ackQueued
	prunedAt time.Time // writer-only
}

type ackQueued struct {
	keys []store.InboxKey
	by   string
	at   time.Time
}

// inboxKeep bounds what waits for the database: a disk that stopped
// taking writes cannot make the engine hold the inbox twice.
const inboxKeep = state.MaxInbox

// Inbox is the engine's inbox, shared by all its views: what changed,
// newest first. Safe to read while holding a view's lock.
func (e *Engine) Inbox() *state.Inbox { return e.in.box }

func newInboxPart() inboxPart { return inboxPart{watch: state.NewWatcher(), box: state.NewInbox()} }

// Ack acknowledges entries in the name of who, for every view, and keeps
// it in the database.
func (e *Engine) Ack(keys []state.TransitionKey, who string) {
	done := e.Inbox().Ack(keys, who, e.cfg.Now())
	if len(done) == 0 || !e.keepsInbox() {
		return
	}
	q := ackQueued{by: who, at: e.cfg.Now()}
	for _, k := range done {
		q.keys = append(q.keys, store.InboxKey{Device: k.Device, At: time.UnixMilli(k.AtMS).UTC(), To: int(k.To), Event: k.Event})
	}
	e.in.mu.Lock()
	e.in.acks = append(e.in.acks, q)
	e.in.mu.Unlock()
	e.wakeWriter()
}

func (e *Engine) keepsInbox() bool { return e.cfg.DB != nil || e.cfg.OpenDB != nil }

// inboxDevice compares one device after its data was folded. Called with
// mu held.
func (e *Engine) inboxDevice(id string, now time.Time) {
	if d := e.fleet.Get(id); d != nil {
		if t, ok := e.in.watch.Observe(d, now); ok {
			e.inboxAdd([]state.Transition{t})
		}
	}
}

// inboxAll compares every device: after a list (every lastSeen may have
// moved) and after a restore (the states the database knew become the
// baseline). Called with mu held.
func (e *Engine) inboxAll(now time.Time) {
	var ts []state.Transition
	for _, d := range e.fleet.All() {
		if t, ok := e.in.watch.Observe(d, now); ok {
			ts = append(ts, t)
		}
	}
	e.inboxAdd(ts)
}

// inboxDue takes the devices the clock turned stale or offline; their
// rows are redrawn. Called with mu held.
func (e *Engine) inboxDue(ch *changes) {
	ts := e.in.watch.Due(e.fleet, e.cfg.Now())
	for i := range ts {
		ch.device(ts[i].Device)
	}
	e.inboxAdd(ts)
}

func (e *Engine) inboxAdd(ts []state.Transition) {
	added := e.in.box.Add(ts)
	if len(added) == 0 || !e.keepsInbox() {
		return
	}
	e.in.mu.Lock()
	for _, t := range added {
		e.in.adds = append(e.in.adds, storedEntry(t))
	}
	if over := len(e.in.adds) - inboxKeep; over > 0 {
		e.in.adds = append(e.in.adds[:0], e.in.adds[over:]...)
	}
	e.in.mu.Unlock()
	e.wakeWriter()
}

func storedEntry(t state.Transition) store.InboxEntry {
	return store.InboxEntry{Device: t.Device, At: t.At, To: int(t.To), Event: t.Event, Name: t.Name,
		From: int(t.From), Text: t.Text, AckAt: t.AckAt, AckBy: t.AckBy}
}

// inboxOpen reads the entries the database keeps into the inbox, marked
// Kept, on the database's goroutine.
func (e *Engine) inboxOpen(db *state.DB) {
	ib, ok := db.Store.(store.Inbox)
	if !ok {
		return
	}
	es, err := ib.InboxEntries(e.ctx, state.MaxInbox)
	if err != nil {
		e.cfg.Log.Warn("database: the inbox kept could not be read", "err", err)
		return
	}
	ts := make([]state.Transition, 0, len(es))
	for _, s := range es {
		ts = append(ts, state.Transition{At: s.At, Device: s.Device, Name: s.Name, From: state.Health(s.From), To: state.Health(s.To),
			Event: s.Event, Text: s.Text, AckAt: s.AckAt, AckBy: s.AckBy, Kept: true})
	}
	e.Inbox().Add(ts)
}

// flushInbox writes the entries and acknowledgements queued, on the
// database's goroutine; a failure is logged and what failed is dropped
// (the inbox in memory has it all the same).
func (e *Engine) flushInbox(db *state.DB) {
	e.in.mu.Lock()
	adds, acks := e.in.adds, e.in.acks
	e.in.adds, e.in.acks = nil, nil
	e.in.mu.Unlock()
	ib, ok := db.Store.(store.Inbox)
	if !ok || (len(adds) == 0 && len(acks) == 0) {
		return
	}
	ctx := context.Background()
	if err := ib.AddInbox(ctx, adds); err != nil {
		e.cfg.Log.Warn("database: inbox entries not kept", "entries", len(adds), "err", err)
	}
	for _, a := range acks {
		if err := ib.AckInbox(ctx, a.keys, a.by, a.at); err != nil {
			e.cfg.Log.Warn("database: acknowledgement not kept", "err", err)
		}
	}
}

// pruneInbox drops the entries older than the history's retention, and
// the oldest beyond what the inbox holds, every PruneEvery.
func (e *Engine) pruneInbox(db *state.DB, now time.Time) {
	ib, ok := db.Store.(store.Inbox)
	if !ok || now.Sub(e.in.prunedAt) < PruneEvery {
		return
	}
	e.in.prunedAt = now
	var before time.Time
	if e.cfg.Retention.Span > 0 {
		before = now.Add(-e.cfg.Retention.Span)
	}
	if _, err := ib.PruneInbox(context.Background(), before, state.MaxInbox); err != nil {
		e.cfg.Log.Warn("database: inbox not pruned", "err", err)
	}
}
