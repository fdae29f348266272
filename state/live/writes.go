package live

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"sqc/api"
	"sqc/state"
)

// WriteOutcome is how a write ended, told to every view.
type WriteOutcome struct {
	// Seq is what Submit returned to the views that asked.
	Seq   int
	Write state.Write
	// Askers are the views that submitted this write: one send for all.
	Askers []state.ViewID
	Result api.Result
	Err    error
}

// Mine reports whether the view asked for the write.
func (o WriteOutcome) Mine(v *View) bool { return slices.Contains(o.Askers, v.id) }

// Settled is how a write ended after its outcome, as the view that
// followed it learnt (a read-back saw it applied, or saw it was not):
// the other views show it without reading the device again.
type Settled struct {
	Seq      int // the write's, as in its WriteOutcome
	DeviceID string
	Applied  bool
	// Status is what the view that followed it says of it.
	Status string
	At     time.Time
}

// Settle tells every view, this one included, how a write settled. A
// write seen applied is no longer pending; one taken and not seen applied
// yet still is (the server may hold it for the device), until PendingFor.
func (v *View) Settle(s Settled) {
	v.e.writes.settledPending(s)
	v.e.views.notify(changes{settled: []Settled{s}})
}

// writeSet is the writes out, by what they change: a second view asking
// for the same write while it is out joins it instead of sending it again.
type writeSet struct {
	mu  sync.Mutex
	out map[string]*writeOut
	// pending are the writes not yet seen applied, by device
	pending map[string][]*Pending
	seq     int
	wg      sync.WaitGroup
	closed  bool // the engine is closing: no write is added to wg any more
}

// close refuses the writes submitted from now on, so that the engine's
// wait for those out is not raced by one more (a WaitGroup's Add during
// its Wait).
func (s *writeSet) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

type writeOut struct {
	seq    int
	askers []state.ViewID
}

// ErrNoGate refuses a write on an engine built without a write gate.
var ErrNoGate = errors.New("this session sends no writes")

// ErrViewReadOnly refuses a write submitted by a view that only watches.
var ErrViewReadOnly = errors.New("this console only watches (read-only): nothing is sent; ask whoever runs it for write access")

// ErrClosed refuses a write submitted after the engine closed.
var ErrClosed = errors.New("the console is closing: nothing is sent")

// Submit sends a write through the engine's one gate on a goroutine of
// the engine's and tells every view its outcome (WriteOutcome.Mine says
// whether a view asked). A write equal to one already out for the same
// device is not sent again: the view joins it and gets the same outcome.
// It returns the write's sequence number, found in the outcome. A
// read-only view's write is refused at once, and only it hears so: it
// never joins a write out, so it cannot take part in what it may not do.
func (v *View) Submit(w state.Write) int {
	e := v.e
	s := &e.writes
	w.Who = v.name // whoever the view says: a view speaks for its own user only
	key := writeKey(w)
	s.mu.Lock()
	if v.readOnly {
		s.seq++
		seq := s.seq
		s.mu.Unlock()
		e.cfg.Log.Warn("write refused: the view is read-only", "who", v.name, "view", v.id, "op", w.Op, "device", w.Device.DeviceID)
		v.add(&changes{writes: []WriteOutcome{{Seq: seq, Write: w, Askers: []state.ViewID{v.id}, Err: ErrViewReadOnly}}})
		return seq
	}
	if o := s.out[key]; o != nil {
		if !slices.Contains(o.askers, v.id) {
			o.askers = append(o.askers, v.id)
		}
		s.joinPending(w.Device.DeviceID, o.seq, v.id)
		seq := o.seq
		s.mu.Unlock()
		e.cfg.Log.Info("write joined: the same write is out", "who", v.name, "view", v.id, "seq", seq, "op", w.Op, "device", w.Device.DeviceID)
		return seq
	}
	s.seq++
	if s.closed {
		seq := s.seq
		s.mu.Unlock()
		e.views.notify(changes{writes: []WriteOutcome{{Seq: seq, Write: w, Askers: []state.ViewID{v.id}, Err: ErrClosed}}})
		return seq
	}
	o := &writeOut{seq: s.seq, askers: []state.ViewID{v.id}}
	if s.out == nil {
		s.out = map[string]*writeOut{}
	}
	s.out[key] = o
	s.addPending(o.seq, w, v.id, e.cfg.Now())
	s.wg.Add(1)
	s.mu.Unlock()
	e.cfg.Log.Info("write submitted", "who", v.name, "view", v.id, "seq", o.seq, "op", w.Op, "device", w.Device.DeviceID)
	go func() {
		defer s.wg.Done()
		res, err := e.send(w)
		s.sentPending(w.Device.DeviceID, o.seq, err, e.cfg.Now())
		s.mu.Lock()
		delete(s.out, key)
		askers := slices.Clone(o.askers)
		s.mu.Unlock()
		e.views.notify(changes{writes: []WriteOutcome{{Seq: o.seq, Write: w, Askers: askers, Result: res, Err: err}}})
	}()
	return o.seq
}

// send makes the write through the gate, with the device's calls left as
// the ledger and the fleet know them.
func (e *Engine) send(w state.Write) (api.Result, error) {
	select {
	case <-e.quit:
		return api.Result{}, ErrClosed
	default:
	}
	if e.cfg.Gate == nil {
		return api.Result{}, ErrNoGate
	}
	g := *e.cfg.Gate
	g.Left = e.callsLeft
	return g.Send(e.ctx, e.client, w)
}

// callsLeft is what is known of a device's calls left this month: the
// fewest the ledger (from answers) and the device list say, since the
// count only falls within a month.
func (e *Engine) callsLeft(id string) (int, bool) {
	n, known := e.cfg.Ledger.RemainingOf(id)
	e.mu.RLock()
	defer e.mu.RUnlock()
	if d := e.fleet.Get(id); d != nil && d.Remaining != nil && (!known || *d.Remaining < n) {
		n, known = *d.Remaining, true
	}
	return n, known
}

// writeKey names what a write changes: the same key is the same write.
func writeKey(w state.Write) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%#v\x00%#v\x00%s\x00", w.Op, w.Device.DeviceID, w.Changes, w.User, w.FileName)
	h.Write(w.File)
	return hex.EncodeToString(h.Sum(nil))
}
