package live

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"sqc/api"
	"sqc/state"
	"sqc/state/store"
)

// Config is what an engine is built from.
type Config struct {
	// Client reads and writes; build it with Hooks so that the ledger
	// counts every request it sends.
	Client *api.Client
	Ledger *state.Ledger
	// Fleet to run on; nil starts an empty one. A fleet given is the
	// engine's from then on: read it through Read only.
	Fleet *state.Fleet
	Gate  *state.Gate // the one write gate; nil refuses every write
	// Share of the account's quota this engine may spend on reads.
	Share float64
	// StateDir is where the ledger saves itself; "" saves nothing. KeyFP
	// names the key's drafts and jobs.
	StateDir string
	KeyFP    string
	// DB keeps the fleet and the history of every message read; the
	// engine restores the fleet from it when it starts on an empty one,
	// and gives it back (Close) after its last writes. OpenDB, when DB is
	// nil, opens it on a goroutine of the engine's, so that a start never
	// waits on the disk (the open checks every page of the file); one
	// that cannot be opened leaves the engine keeping nothing (whoever
	// opens the database for the user says why). Neither: nothing is kept.
	DB     *state.DB
	OpenDB func() (*state.DB, error)
	// Retention is how much history the database keeps; zero is
	// store.DefaultRetention.
	Retention store.Retention
	// Calls is the call log the client's Hooks report to: every view
	// shows the same API log.
	Calls *state.CallLog
	// Spark is how many messages a newly tracked device's first read
	// fetches, for its sparklines.
	Spark int
	Log   *slog.Logger
	// Now tells the time the scheduler plans with; tests replace it.
	// Real timers still pace the loop: it asks at least once a second.
	Now func() time.Time
	// CloseWait bounds how long Close waits for reads and writes out
	// (2 s): they are cancelled after it.
	CloseWait time.Duration
	// Context ends the reads and writes out when it ends (a signal to the
	// process): none waits for an answer no one would see. Nil: only
	// Close ends them.
	Context context.Context
	// Held: the loop starts with Start, not New, so that a view can
	// subscribe and look at the restored cache before the first read.
	Held bool
}

// Hooks sets a client's options as an engine needs them: the ledger hears
// each request as it is sent and each answer, the call log each answer,
// the client runs on the engine's clock and never retries by itself (the
// scheduler decides when to try again).
func Hooks(ledger *state.Ledger, calls *state.CallLog, now func() time.Time) func(*api.Options) {
	return func(o *api.Options) {
		o.Sent = ledger.Sent
		o.Observe = func(c api.Call) {
			ledger.Observe(c)
			if calls != nil {
				calls.Add(c)
			}
		}
		o.Now = now
		o.MaxRetries = -1
	}
}

// Engine runs the live fleet. Its methods are safe for concurrent use.
//
// The fleet and the scheduler are guarded by one RWMutex: the loop holds
// it for writing while it folds an answer and asks what is due (a few
// microseconds), views hold it for reading while they draw (Read). A lock
// rather than copies handed to views, since a frame reads a few dozen of
// 50,000 devices and a copy per change would cost more than the whole
// frame; and rather than a channel of snapshots, since a view that drew
// from an old snapshot would show data older than its own change signal.
type Engine struct {
	cfg    Config
	client *api.Client
	ctx    context.Context
	cancel context.CancelFunc

	mu    sync.RWMutex
	fleet *state.Fleet
	sched *state.Scheduler
	// restored is the device open when the database was last closed.
	restored string
	listErr  error // the last list's failure, until a list comes
	spark    atomic.Int64

	wake    chan struct{} // cap 1: a view asked for something
	answers chan answer
	sync    chan chan struct{} // tests: one pass of the loop, answered
	quit    chan struct{}
	done    chan struct{}
	reads   sync.WaitGroup // read goroutines
	busy    atomic.Int64   // reads issued and not yet folded

	views  viewSet
	writes writeSet
	in     inboxPart      // what changed, for every view (inbox.go)
	saves  sync.WaitGroup // saves on their goroutines
	keep   keeper         // what waits for the database
	dbJobs sync.WaitGroup // the database's opening and reads, on their goroutines
	// db is the database once open (under mu); keeping is set while what
	// is read is queued for it: from the start, while it opens.
	db       *state.DB
	keeping  bool
	closing  sync.Once
	closeErr error
	starting sync.Once
	started  bool // the loop was started (set under starting)

	// loop-only
	savedAt time.Time
	saving  atomic.Int32 // saves out: none starts while one runs
}

// New starts an engine, and the loop reading (Start, unless Held). When
// the fleet is empty and a database is given, the fleet it keeps is
// restored on a goroutine of its own: views are told when it is in.
func New(cfg Config) (*Engine, error) {
	if cfg.Client == nil || cfg.Ledger == nil {
		return nil, errors.New("live: an engine needs a client and a ledger")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.CloseWait <= 0 {
		cfg.CloseWait = 2 * time.Second
	}
	if cfg.Fleet == nil {
		cfg.Fleet = state.NewFleet()
	}
	if cfg.Retention == (store.Retention{}) {
		cfg.Retention = store.DefaultRetention
	}
	parent := cfg.Context
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	e := &Engine{
		cfg: cfg, client: cfg.Client, ctx: ctx, cancel: cancel,
		fleet: cfg.Fleet, sched: state.NewScheduler(cfg.Ledger, cfg.Share),
		wake: make(chan struct{}, 1), answers: make(chan answer, state.MaxInFlight),
		sync: make(chan chan struct{}), quit: make(chan struct{}), done: make(chan struct{}),
		in: newInboxPart(),
	}
	now := cfg.Now()
	e.spark.Store(int64(cfg.Spark))
	if e.fleet.Len() > 0 {
		e.sched.SetDevices(devicesOf(e.fleet), now)
	}
	if cfg.DB != nil || cfg.OpenDB != nil {
		e.keeping = true
		e.keep.wake, e.keep.quit, e.keep.done = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	}
	if !cfg.Held {
		e.Start()
	}
	return e, nil
}

// RestoreWait bounds how long the first reads wait for the fleet kept in
// the database to be restored.
const RestoreWait = time.Second

// Start starts the loop of an engine built Held, and the opening of its
// database (views subscribed by then hear what it says, and the restored
// fleet); once only, and not after Close.
func (e *Engine) Start() {
	e.starting.Do(func() {
		select {
		case <-e.quit:
		default:
			e.started = true
			if !e.keeping {
				go e.loop()
				return
			}
			opened := make(chan struct{})
			e.dbJobs.Add(1)
			go func() { defer close(opened); e.open() }()
			// The first reads wait a moment for the kept fleet: on two
			// cores its restore and the first list's pages would slow
			// each other, and the kept states are what a warm start
			// shows first.
			go func() {
				t := time.NewTimer(RestoreWait)
				select {
				case <-opened:
				case <-t.C:
				case <-e.quit:
				}
				t.Stop()
				e.loop()
			}()
		}
	})
}

func devicesOf(f *state.Fleet) []api.Device {
	out := make([]api.Device, f.Len())
	for i, d := range f.All() {
		out[i] = d.Device
	}
	return out
}

// SetSpark sets how many messages a newly tracked device's first read
// fetches: the width of the sparklines a view draws.
func (e *Engine) SetSpark(n int) { e.spark.Store(int64(n)) }

// Client is the engine's client, for what views send themselves (a
// config read, a preview).
func (e *Engine) Client() *api.Client { return e.client }

// Ledger is the quota ledger the engine's client counts into.
func (e *Engine) Ledger() *state.Ledger { return e.cfg.Ledger }

// KeyFP is the fingerprint of the engine's key, naming its cache, drafts
// and jobs.
func (e *Engine) KeyFP() string { return e.cfg.KeyFP }

// Calls is the engine's call log (Config.Calls), nil when none was given.
func (e *Engine) Calls() *state.CallLog { return e.cfg.Calls }

// Restored is the device that was open when the database was last
// closed, once the fleet was restored from it ("" until then, or when
// nothing was): a view may open on it. Changes.Restored tells it too.
// Not under a view's lock.
func (e *Engine) Restored() string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.restored
}

// Reader is what a view may look at while it holds the engine's read
// lock: the fleet and the scheduler's getters (Conn, NextFocusOf, Hold,
// Progress, Paused, Limits, Rate, Stopped...), which change nothing. The
// pointers must not be kept past the call.
type Reader struct {
	Fleet *state.Fleet
	Sched *state.Scheduler
	// ListErr is the last device list's failure, while no list came after it.
	ListErr error
}

// Read calls f with the fleet and the scheduler held for reading: the
// engine folds no answer until f returns, so f must be quick and must not
// call the engine.
func (e *Engine) Read(f func(Reader)) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	f(Reader{Fleet: e.fleet, Sched: e.sched, ListErr: e.listErr})
}

// SetPaused stops or resumes scheduled reads; asked reads still go.
func (e *Engine) SetPaused(p bool) {
	e.mu.Lock()
	e.sched.SetPaused(p)
	e.mu.Unlock()
	e.poke()
	e.views.notify(changes{conn: true})
}

// RetryNow is the user's r (see Scheduler.RetryNow).
func (e *Engine) RetryNow() (time.Time, string) {
	e.mu.Lock()
	until, why := e.sched.RetryNow(e.cfg.Now())
	e.mu.Unlock()
	e.poke()
	return until, why
}

// ClearAuth lifts the hold of a refused key once the client has a new one.
func (e *Engine) ClearAuth() {
	e.mu.Lock()
	e.sched.ClearAuth()
	e.mu.Unlock()
	e.poke()
}

func (e *Engine) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Close stops the loop, waits for the reads and writes out (CloseWait at
// most, then cancels them), saves the ledger, writes the database's last
// batch and gives the database back.
// Views get a last change with Closed set. Closing twice returns the
// first close's error.
func (e *Engine) Close() error {
	return e.Shutdown(context.Background())
}

// Shutdown is Close within ctx: when ctx ends first, the saves still
// running are left to finish by themselves and an error says so (a
// process stopped by a signal must leave in time).
func (e *Engine) Shutdown(ctx context.Context) error {
	e.closing.Do(func() {
		close(e.quit)
		e.writes.close()
		e.starting.Do(func() {}) // no loop starts after this
		if e.started {
			<-e.done
		}
		e.closeErr = e.finish(ctx)
		e.views.closeAll()
	})
	return e.closeErr
}

// finish waits for what is out, then saves.
func (e *Engine) finish(ctx context.Context) error {
	waitFor(ctx, e.cfg.CloseWait, func() { e.reads.Wait(); e.writes.wg.Wait() })
	e.cancel()
	e.reads.Wait()
	e.writes.wg.Wait()
	// The final saves go side by side, and beside a save of the loop's
	// still running: a ledger waiting on a lock another sqc holds must
	// not cost the cache its save.
	saves := append(e.finalSaves(), func() error { e.saves.Wait(); return nil })
	errs := make(chan error, len(saves))
	n := 0
	for _, save := range saves {
		n++
		go func() { errs <- save() }()
	}
	var all []error
	for range n {
		select {
		case err := <-errs:
			all = append(all, err)
		case <-ctx.Done():
			return errors.Join(append(all, errors.New("a save at exit did not finish in time and was left"))...)
		}
	}
	return errors.Join(all...)
}

// waitFor runs wait and returns when it does, after d, or when ctx ends.
func waitFor(ctx context.Context, d time.Duration, wait func()) {
	done := make(chan struct{})
	go func() { wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
}
