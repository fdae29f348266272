package live

import (
	"maps"
	"sync"
	"time"

	"sqc/state"
)

// Changes is what changed since a view last took its changes: never lost,
// however long the view took to look.
type Changes struct {
	// Devices are the devices whose data, failure or place changed.
	Devices map[string]struct{}
	// List is set when a device list was folded: every device may have
	// changed, and devices came or went.
	List bool
	// Lists are the device list answers folded, failures included, in
	// order: what stopped early, what was listed twice.
	Lists []ListAnswer
	// Conn is set when the connection's state, the pause or a hold may
	// have changed.
	Conn bool
	// KeyRefused is the server's refusal of the key (401), when it came.
	KeyRefused error
	// Writes are the outcomes of writes, in the order they ended.
	Writes []WriteOutcome
	// Settled is what the views that asked for writes learnt of them
	// after (View.Settle), in the order told.
	Settled []Settled
	// SaveErr is why the ledger or the database could not be written.
	SaveErr error
	// Restored is the device open when the database was last closed, set
	// once the fleet was restored from it: a view may open on it.
	Restored string
	// Team is set when a view came or went, or another view's focus or
	// pane changed (Engine.Team).
	Team bool
	// Closed is set once, when the view or its engine closed.
	Closed bool
}

// ListAnswer is one device list answer as the engine folded it.
type ListAnswer struct {
	Devices    int
	Duplicates int    // IDs listed more than once, each shown once
	Stopped    string // why the listing stopped early; what came is kept
	Err        error  // nil when devices were folded
	At         time.Time
}

// changes is what one pass of the loop changed.
type changes struct {
	devices    []string
	list       bool
	lists      []ListAnswer
	conn       bool
	keyRefused error
	writes     []WriteOutcome
	settled    []Settled
	saveErr    error
	restored   string
	team       bool
}

func (c *changes) device(id string) { c.devices = append(c.devices, id) }

func (c *changes) empty() bool {
	return len(c.devices) == 0 && !c.list && len(c.lists) == 0 && !c.conn &&
		c.keyRefused == nil && len(c.writes) == 0 && len(c.settled) == 0 && c.saveErr == nil && c.restored == "" && !c.team
}

// View is one view's handle on the engine. Its methods are safe for
// concurrent use.
type View struct {
	e        *Engine
	id       state.ViewID
	readOnly bool
	name     string

	mu      sync.Mutex
	pending Changes
	closed  bool
	signal  chan struct{} // cap 1: something is pending
	// what the team sees of it (Member), under mu
	since        time.Time
	device, pane string
}

// viewSet is the engine's views.
type viewSet struct {
	mu   sync.Mutex
	all  map[state.ViewID]*View
	next state.ViewID
	done bool // the engine closed: no new view
}

// ViewOptions say what a view may do. The zero value may do everything
// the engine's gate allows.
type ViewOptions struct {
	// ReadOnly views only watch: every write they submit is refused
	// before it reaches the gate, whatever the engine's own gate allows.
	// One engine can so serve writers and viewers at once.
	ReadOnly bool
	// Name is who is at the view: every write it submits is made and
	// audited under it, and the other views see it (Team). "" is the OS
	// user's (state.LocalName).
	Name string
}

// Subscribe opens a view on the engine. Its first change says the list
// changed, so that it draws what the engine has.
func (e *Engine) Subscribe() *View { return e.SubscribeWith(ViewOptions{}) }

// SubscribeWith opens a view with options.
func (e *Engine) SubscribeWith(o ViewOptions) *View {
	s := &e.views
	s.mu.Lock()
	defer s.mu.Unlock()
	// the first view is the scheduler's view 0: the one SetFocus and
	// NextFocus speak for
	name := o.Name
	if name == "" {
		name = state.LocalName()
	}
	v := &View{e: e, id: s.next, readOnly: o.ReadOnly, name: name, signal: make(chan struct{}, 1), since: e.cfg.Now()}
	s.next++
	v.pending.List, v.pending.Conn = true, true
	v.signal <- struct{}{}
	if s.done {
		v.pending.Closed, v.closed = true, true
		close(v.signal)
		return v
	}
	if s.all == nil {
		s.all = map[state.ViewID]*View{}
	}
	s.all[v.id] = v
	s.tellTeam(v.id)
	return v
}

// ID names the view among the engine's: a WriteOutcome says which views
// asked for the write.
func (v *View) ID() state.ViewID { return v.id }

// Name is who is at the view: what its writes are audited under.
func (v *View) Name() string { return v.name }

// Changed is signalled when changes are pending, and closed once the view
// or its engine closed: then Take says Closed.
func (v *View) Changed() <-chan struct{} { return v.signal }

// Take returns what changed since the last Take, and clears it.
func (v *View) Take() Changes {
	v.mu.Lock()
	defer v.mu.Unlock()
	c := v.pending
	v.pending = Changes{Closed: v.closed}
	return c
}

// Locked is a view's hold on the engine for writing (View.Lock): what a
// Reader sees, and the view's calls that change what is read, made
// without taking the lock again.
type Locked struct {
	Reader
	v *View
	// after is what the views are told once the lock is let go
	after *changes
}

// SetFocus names the view's focused device ("" for none): it is read
// often, and its history is kept from now on.
func (l Locked) SetFocus(id string) {
	if l.v.isClosed() {
		return
	}
	e := l.v.e
	q := false
	if d := e.fleet.Get(id); d != nil {
		q = quiet(d, e.cfg.Now())
		e.fleet.Track(id)
	}
	e.sched.SetViewFocus(l.v.id, id, q)
}

// SetVisible names the devices on the view's screen.
func (l Locked) SetVisible(ids []string) {
	if !l.v.isClosed() {
		l.v.e.sched.SetViewVisible(l.v.id, ids)
	}
}

// ReadNow asks for a read at once, before anything else: the user asked.
// False when it cannot be queued (the device's plan or monthly limit, or
// the list's backoff after a listing that stopped early: the scheduler's
// Hold and Stopped say why).
func (l Locked) ReadNow(kind state.Kind, id string) bool {
	return !l.v.isClosed() && l.v.e.sched.Ask(kind, id)
}

// SetPaused stops or resumes scheduled reads (see Engine.SetPaused);
// every view is told once the lock is let go.
func (l Locked) SetPaused(p bool) {
	l.v.e.sched.SetPaused(p)
	l.after.conn = true
}

// RetryNow is the user's r (see Engine.RetryNow): what holds every read
// and until when, or "" when reads may go.
func (l Locked) RetryNow() (time.Time, string) { return l.v.e.sched.RetryNow(l.v.e.cfg.Now()) }

// Lock calls f with the fleet and the scheduler held for writing, for a
// view whose own state is built from the fleet (a console's sorted list
// folds the changed devices into its index there) or that calls the
// scheduler itself; the engine is asked again after. f must be quick and
// must not call the engine.
func (v *View) Lock(f func(Locked)) {
	e := v.e
	var after changes
	func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		f(Locked{Reader: Reader{Fleet: e.fleet, Sched: e.sched, ListErr: e.listErr}, v: v, after: &after})
	}()
	e.views.notify(after)
	e.poke()
}

// SetFocus names the view's focused device (see Locked.SetFocus).
func (v *View) SetFocus(id string) { v.Lock(func(l Locked) { l.SetFocus(id) }) }

// SetVisible names the devices on the view's screen.
func (v *View) SetVisible(ids []string) { v.Lock(func(l Locked) { l.SetVisible(ids) }) }

// ReadNow asks for a read at once (see Locked.ReadNow).
func (v *View) ReadNow(kind state.Kind, id string) (ok bool) {
	v.Lock(func(l Locked) { ok = l.ReadNow(kind, id) })
	return ok
}

// Read reads the engine's fleet and scheduler (see Engine.Read).
func (v *View) Read(f func(Reader)) { v.e.Read(f) }

// Close ends the view: its focus and rows no longer cost reads, and its
// channel is closed. A write it submitted still goes, and its outcome is
// told to the other views.
func (v *View) Close() {
	e := v.e
	e.views.mu.Lock()
	if _, ok := e.views.all[v.id]; ok {
		delete(e.views.all, v.id)
		e.views.tellTeam(v.id)
	}
	e.views.mu.Unlock()
	v.end() // first: a focus set under the lock from now on is refused
	e.mu.Lock()
	e.sched.DropView(v.id)
	e.mu.Unlock()
	e.poke()
}

// isClosed reports a view that was closed: what it asks of the scheduler
// is refused, or a closed view's focus would be read for ever.
func (v *View) isClosed() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.closed
}

func (v *View) end() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return
	}
	v.closed, v.pending.Closed = true, true
	close(v.signal)
}

// add merges one pass's changes into the view's pending set and signals
// it, never waiting: a view that has not taken its changes finds them
// merged.
func (v *View) add(c *changes) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return
	}
	p := &v.pending
	if len(c.devices) > 0 {
		if p.Devices == nil {
			p.Devices = make(map[string]struct{}, len(c.devices))
		}
		for _, id := range c.devices {
			p.Devices[id] = struct{}{}
		}
	}
	p.List = p.List || c.list
	p.Team = p.Team || c.team
	p.Lists = append(p.Lists, c.lists...)
	p.Conn = p.Conn || c.conn
	if c.keyRefused != nil {
		p.KeyRefused = c.keyRefused
	}
	p.Writes = append(p.Writes, c.writes...)
	p.Settled = append(p.Settled, c.settled...)
	if c.saveErr != nil {
		p.SaveErr = c.saveErr
	}
	if c.restored != "" {
		p.Restored = c.restored
	}
	select {
	case v.signal <- struct{}{}:
	default: // already signalled: the view finds this merged
	}
}

// notify tells every view what changed.
func (s *viewSet) notify(c changes) {
	if c.empty() {
		return
	}
	s.mu.Lock()
	views := maps.Clone(s.all)
	s.mu.Unlock()
	for _, v := range views {
		v.add(&c)
	}
}

// closeAll ends every view: the engine closed.
func (s *viewSet) closeAll() {
	s.mu.Lock()
	views := s.all
	s.all, s.done = nil, true
	s.mu.Unlock()
	for _, v := range views {
		v.end()
	}
}
