package live

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"time"

	"sqc/api"
	"sqc/state"
	"sqc/state/store"
)

// What the engine keeps, and how often: the ledger's count every
// LedgerEvery while it has news (a crash loses at most this much of it);
// the devices as listed and every message read go to the database, in
// one transaction per FlushEvery at most, on a goroutine of their own:
// the loop only queues them, and a disk that is slow, full or locked by
// another process costs history rows, never a read or a frame.
const (
	LedgerEvery = 10 * time.Second
	FlushEvery  = time.Second
	// MaintainEvery the database's write-ahead log is emptied into it
	// (so it cannot grow without bound), and every PruneEvery the
	// history older than the retention is dropped.
	MaintainEvery = 5 * time.Minute
	PruneEvery    = time.Hour
	// maxQueued bounds the messages waiting for the disk: beyond it the
	// oldest are dropped (and said), so a database that stopped taking
	// writes cannot make the engine hold every message of a long session.
	maxQueued = 100_000
	// storedSpan is how far back a device opened looks for the messages
	// its sparklines draw from the history.
	storedSpan = 24 * time.Hour
)

// queued is a message read, waiting for the disk. The page it points
// into is the engine's and never changes after it was folded.
type queued struct {
	id      string
	m       *api.DataMessage
	fetched time.Time
}

// keeper is what waits to be written to the database, and its writer's
// state. The loop adds under keeper.mu only (never under it the disk);
// the writer takes the lot and writes it without the engine's lock.
type keeper struct {
	mu       sync.Mutex
	devices  []api.Device // the last list to keep, nil when none waits
	listedAt time.Time
	msgs     []queued
	dropped  int

	wake chan struct{} // cap 1
	quit chan struct{}
	done chan struct{}
	// writer-only, from its start
	db       *state.DB
	failing  bool // the last write failed: said once until one succeeds
	prunedAt time.Time
	// listed is a hash of each device as last written: a re-list of
	// 10,000 devices rewrites only those whose listing changed.
	listed map[string]uint64
	seed   maphash.Seed
}

// keepList queues a device list for the database. Called with mu held.
func (e *Engine) keepList(devs []api.Device, at time.Time) {
	if !e.keeping {
		return
	}
	k := &e.keep
	k.mu.Lock()
	k.devices, k.listedAt = devs, at
	k.mu.Unlock()
	e.wakeWriter()
}

// keepPage queues the messages of a data answer. An answer with nothing
// new (a read of what came since its newest message) queues its latest
// again, so that the time it was read, the age a restart shows, moves.
// Called with mu held.
func (e *Engine) keepPage(id string, page *api.DataPage, at time.Time) {
	if !e.keeping {
		return
	}
	var msgs []api.DataMessage
	if page != nil {
		msgs = page.Data
	}
	var again *api.DataMessage
	if d := e.fleet.Get(id); len(msgs) == 0 && d != nil {
		again = d.Latest // replaced, never changed, by the fleet
		if again == nil {
			// a read that started after its newest message and found
			// nothing newer: the time it was read still moves
			again = d.Message()
		}
	}
	if len(msgs) == 0 && again == nil {
		return
	}
	k := &e.keep
	k.mu.Lock()
	for i := range msgs {
		k.msgs = append(k.msgs, queued{id: id, m: &msgs[i], fetched: at})
	}
	if again != nil {
		k.msgs = append(k.msgs, queued{id: id, m: again, fetched: at})
	}
	if over := len(k.msgs) - maxQueued; over > 0 {
		k.dropped += over
		k.msgs = append(k.msgs[:0], k.msgs[over:]...)
	}
	k.mu.Unlock()
	e.wakeWriter()
}

func (e *Engine) wakeWriter() {
	select {
	case e.keep.wake <- struct{}{}:
	default:
	}
}

// writer is the database's goroutine: it writes what was queued, a
// batch at most every FlushEvery, and keeps the database in shape.
func (e *Engine) writer() {
	k := &e.keep
	defer close(k.done)
	maintain := time.NewTicker(MaintainEvery)
	defer maintain.Stop()
	gather := time.NewTimer(0)
	<-gather.C
	for {
		select {
		case <-k.quit:
			e.flush()
			return
		case <-k.wake:
			e.flush()
			// what comes meanwhile is written in the next batch
			gather.Reset(FlushEvery)
			select {
			case <-gather.C:
			case <-k.quit:
				gather.Stop()
				e.flush()
				return
			}
		case <-maintain.C:
			e.maintain()
		}
	}
}

// flush writes what is queued, in one transaction for the list and one
// for the messages. A failure drops the batch (the fleet in memory has
// it all the same) and is said once, until a write succeeds again.
func (e *Engine) flush() {
	k := &e.keep
	k.mu.Lock()
	devs, listedAt, msgs, dropped := k.devices, k.listedAt, k.msgs, k.dropped
	k.devices, k.msgs, k.dropped = nil, nil, 0
	k.mu.Unlock()
	e.flushInbox(k.db)
	if devs == nil && len(msgs) == 0 && dropped == 0 {
		return
	}
	db, ctx := e.keep.db, context.Background()
	var errs []error
	if devs != nil {
		if k.listed == nil {
			k.listed, k.seed = map[string]uint64{}, maphash.MakeSeed()
		}
		put := make([]store.Device, 0, len(devs))
		sums := make([]uint64, 0, len(devs))
		for i := range devs {
			d, err := state.StoredDevice(&devs[i])
			if err != nil {
				continue
			}
			sum := maphash.Bytes(k.seed, d.JSON)
			if was, ok := k.listed[d.ID]; ok && was == sum {
				continue // as kept
			}
			put, sums = append(put, d), append(sums, sum)
		}
		var err error
		if len(put) > 0 {
			err = db.PutDevices(ctx, put)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("the device list was not kept: %w", err))
		} else {
			for i, d := range put {
				k.listed[d.ID] = sums[i]
			}
			if err := state.StoreListed(ctx, db, listedAt); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(msgs) > 0 {
		batch := make([]store.Message, 0, len(msgs))
		for _, q := range msgs {
			if q.m.Time().IsZero() {
				continue // no time to keep it by
			}
			if m, err := state.StoredMessage(q.id, q.m, q.fetched); err == nil {
				batch = append(batch, m)
			}
		}
		if err := db.Fold(ctx, batch); err != nil {
			dropped += len(batch)
			errs = append(errs, err)
		}
	}
	if dropped > 0 {
		errs = append(errs, fmt.Errorf("%d messages read were not kept in the history", dropped))
	}
	e.dbResult(errors.Join(errs...))
}

// dbResult says a failing database once (a toast and the debug log),
// and once more after it recovered and failed again.
func (e *Engine) dbResult(err error) {
	k := &e.keep
	if err == nil {
		if k.failing {
			k.failing = false
			e.cfg.Log.Info("database: writes go through again")
		}
		return
	}
	e.cfg.Log.Debug("database: write failed", "err", err)
	if k.failing {
		return
	}
	k.failing = true
	e.cfg.Log.Warn("database: write failed", "err", err)
	e.views.notify(changes{saveErr: fmt.Errorf("%w; the console goes on, and keeps what it reads only until it is closed", err)})
}

// maintain empties the write-ahead log into the database, and prunes
// the history every PruneEvery.
func (e *Engine) maintain() {
	db, ctx, k := e.keep.db, context.Background(), &e.keep
	now := e.cfg.Now()
	e.pruneInbox(db, now)
	if now.Sub(k.prunedAt) >= PruneEvery {
		k.prunedAt = now
		n, err := db.Prune(ctx, now, e.cfg.Retention)
		if err != nil {
			e.cfg.Log.Warn("database: history not pruned", "err", err)
		} else if n > 0 {
			e.cfg.Log.Debug("database: history pruned", "messages", n)
		}
	}
	if err := db.Checkpoint(ctx); err != nil {
		e.cfg.Log.Debug("database: checkpoint", "err", err)
	}
}

// open opens the database (Config.OpenDB) and restores the fleet from
// it, on a goroutine of the engine's: the first frame waits for neither.
// A database that cannot be opened is logged (whoever opened it for the
// user says why), and the engine runs without.
func (e *Engine) open() {
	defer e.dbJobs.Done()
	db := e.cfg.DB
	if db == nil {
		var err error
		if db, err = e.cfg.OpenDB(); err != nil {
			e.mu.Lock()
			e.keeping = false
			e.mu.Unlock()
			e.keep.mu.Lock()
			e.keep.devices, e.keep.msgs = nil, nil
			e.keep.mu.Unlock()
			e.cfg.Log.Warn("database: not opened, nothing is kept", "err", err)
			return
		}
	}
	e.mu.Lock()
	e.db, e.keep.db = db, db
	empty := e.fleet.Len() == 0
	e.mu.Unlock()
	go e.writer()
	e.inboxOpen(db)
	if empty {
		e.restore(db)
	}
}

// restore fills the empty fleet from the database: the first frame does
// not wait for it, and the kept states fill in behind it. A list that
// came first keeps its devices; the kept states fill in those that have
// none yet.
func (e *Engine) restore(db *state.DB) {
	sf, err := state.LoadFleet(e.ctx, db)
	if err != nil {
		e.cfg.Log.Warn("database: the fleet kept could not be read", "err", err)
		e.views.notify(changes{saveErr: fmt.Errorf("the devices kept from the last run could not be read: %w", err)})
		return
	}
	if sf.Len() == 0 {
		return
	}
	ch, n := changes{list: true}, sf.Len()
	e.mu.Lock()
	if e.fleet.Restore(sf) {
		e.sched.SetDevices(devicesOf(e.fleet), e.cfg.Now())
		// the client's own limiter starts at 1/s until a list says more
		e.client.SetRate(e.sched.Limits().RatePerSecond)
		if e.fleet.Get(sf.Focus) != nil {
			e.restored, ch.restored = sf.Focus, sf.Focus
		}
	}
	e.inboxAll(e.cfg.Now()) // what the database knew is the baseline
	e.mu.Unlock()
	e.cfg.Log.Debug("database: fleet restored", "devices", n)
	e.views.notify(ch)
	e.poke()
}

// loadStored reads a device the user opened from the database, on its
// own goroutine: its latest message and the messages its sparklines
// draw, decoded and folded in under the lock.
func (e *Engine) loadStored(db *state.DB, id string) {
	defer e.dbJobs.Done()
	ctx := e.ctx
	last, ok, err := db.LatestMessage(ctx, id)
	if err != nil || !ok {
		if err != nil {
			e.cfg.Log.Debug("database: latest message", "device", id, "err", err)
		}
		return
	}
	n := max(1, int(e.spark.Load()))
	bodies := make([][]byte, 0, n)
	err = db.EachHistory(ctx, id, last.TS.Add(-storedSpan), last.TS, func(_ time.Time, msg []byte) error {
		if len(bodies) == n {
			copy(bodies, bodies[1:])
			bodies = bodies[:n-1]
		}
		bodies = append(bodies, append([]byte(nil), msg...))
		return nil
	})
	if err != nil {
		e.cfg.Log.Debug("database: history", "device", id, "err", err)
	}
	if len(bodies) == 0 {
		bodies = append(bodies, last.JSON)
	}
	msgs := make([]api.DataMessage, 0, len(bodies))
	for i := len(bodies) - 1; i >= 0; i-- { // newest first, as a page
		if m, err := state.DecodeStored(bodies[i]); err == nil {
			msgs = append(msgs, *m)
		}
	}
	e.mu.Lock()
	e.fleet.FillStored(id, msgs)
	e.mu.Unlock()
	e.views.notify(changes{devices: []string{id}})
}

// persist starts what is due, each on a goroutine of the engine's (never
// a view's): the ledger's save every LedgerEvery while it has news, and
// the reads from the database of the devices just opened. Called with mu
// held.
func (e *Engine) persist(*changes) {
	if e.db != nil {
		for _, id := range e.fleet.WantStored() {
			e.dbJobs.Add(1)
			go e.loadStored(e.db, id)
		}
	}
	if e.cfg.StateDir == "" || e.saving.Load() > 0 {
		return
	}
	now := e.cfg.Now()
	if l := e.cfg.Ledger; l.Dirty() && now.Sub(e.savedAt) >= LedgerEvery {
		e.savedAt = now
		e.saving.Add(1)
		e.saves.Add(1)
		go func() {
			defer e.saves.Done()
			defer e.saving.Add(-1)
			if err := l.Save(); err != nil {
				e.cfg.Log.Warn("could not save state", "err", err)
				e.views.notify(changes{saveErr: err})
			}
		}()
	}
}

// finalSaves are the saves at close: the ledger, and the database's last
// batch with the device open, after which the engine gives the database
// back.
func (e *Engine) finalSaves() []func() error {
	var saves []func() error
	if e.cfg.StateDir != "" {
		saves = append(saves, e.cfg.Ledger.Save)
	}
	if e.cfg.DB != nil || e.cfg.OpenDB != nil {
		saves = append(saves, e.closeDB)
	}
	return saves
}

// closeDB writes the last batch and the device open, and gives the
// database back. Called once the loop has stopped.
func (e *Engine) closeDB() error {
	e.dbJobs.Wait() // e.ctx is cancelled: they end at once
	e.mu.RLock()
	db := e.db
	e.mu.RUnlock()
	if db == nil {
		if !e.started && e.cfg.DB != nil {
			return e.cfg.DB.Close() // given, never used: the engine never started
		}
		return nil // it could not be opened, and that was said
	}
	close(e.keep.quit)
	<-e.keep.done
	var err error
	if e.keep.failing {
		err = errors.New("the database did not take the last writes")
	}
	e.mu.RLock()
	focus, keep := e.sched.Focused(), e.fleet.Len() > 0
	e.mu.RUnlock()
	if keep {
		if ferr := state.StoreFocus(context.Background(), db, focus); ferr != nil {
			e.cfg.Log.Warn("database: the device open was not kept", "err", ferr)
		}
	}
	return errors.Join(err, db.Close())
}
