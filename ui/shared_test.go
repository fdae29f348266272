package ui

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"sqc/api"
	"sqc/api/sim"
	"sqc/keys"
	"sqc/state"
	"sqc/state/live"
	"sqc/state/store"
)

// sharedEngine is one engine on a simulated fleet, as `sqc serve` runs
// it for the consoles that join it; the harness it returns has no console.
// hold, when set, sees every request before the simulator.
func sharedEngine(t *testing.T, devices int, stateDir string, hold func(*http.Request)) (*harness, *live.Engine) {
	t.Helper()
	h := &harness{clock: &fakeClock{t: time.Now().UTC().Truncate(time.Second), since: time.Now()}}
	h.sim = sim.New(sim.Options{Devices: devices, Key: uiKey, HostedFraction: 1, Now: h.clock.Now})
	var srv http.Handler = h.sim
	if hold != nil {
		srv = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hold(r); h.sim.ServeHTTP(w, r) })
	}
	h.srv = httptest.NewServer(srv)
	t.Cleanup(h.srv.Close)
	ledger, err := state.NewLedger(stateDir, keys.Fingerprint(uiKey), h.clock.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	calls := state.NewCallLog()
	c, err := connectTo(h.srv.URL, nil)(uiKey, live.Hooks(ledger, calls, h.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	gate := &state.Gate{Profile: "acme", Audit: state.OpenAudit(ledger.Store(), nil), Now: h.clock.Now}
	e, err := live.New(live.Config{Client: c, Ledger: ledger, Calls: calls, Gate: gate, Share: keys.DefaultShare,
		StateDir: stateDir, KeyFP: keys.Fingerprint(uiKey), Spark: 10, Now: h.clock.Now, CloseWait: outWait})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return h, e
}

// joined is a console on the engine, driven through teatest like start's.
func (h *harness) joined(t *testing.T, e *live.Engine, tune func(*Config)) *harness {
	t.Helper()
	cfg := Config{Profile: "acme", KeySource: "env", Now: h.clock.Now, DialogGuard: -1, Engine: e}
	if tune != nil {
		tune(&cfg)
	}
	m := New(context.Background(), cfg)
	t.Cleanup(func() { m.finish(context.Background()) })
	c := &harness{sim: h.sim, srv: h.srv, clock: h.clock}
	c.tm = teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	c.scr = newScreen(t, c.tm, 120, 40)
	return c
}

// readsOf counts the simulator's data reads of a device.
func (h *harness) readsOf(id string) int {
	n := 0
	for _, r := range h.sim.Requests() {
		if r.Op == api.OpGetData && r.DeviceID == id {
			n++
		}
	}
	return n
}

// waitReads waits until the simulator has seen n data reads of a device.
func (h *harness) waitReads(t *testing.T, id string, n int) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for h.readsOf(id) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s was read %d times, want %d", id, h.readsOf(id), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// freshWithin is a screen whose focused device was read less than d ago.
func freshWithin(d time.Duration) func(string) bool {
	return func(v string) bool {
		m := updatedAgo.FindStringSubmatch(v)
		if m == nil {
			return false
		}
		n, _ := strconv.Atoi(m[1])
		return time.Duration(n)*time.Second < d
	}
}

var updatedAgo = regexp.MustCompile(`updated (\d+)s ago`)

// ownGoroutines counts the goroutines but the HTTP transport's and
// server's, whose idle connections the engine's client keeps as it likes.
func ownGoroutines() int {
	buf := make([]byte, 4<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	n := 0
	for _, g := range strings.Split(stacks, "\n\n") {
		if !strings.Contains(g, "created by net/http.") {
			n++
		}
	}
	return n
}

// Two consoles on one engine, both on the same device: the simulator sees
// it read once per focus interval, not twice; one console quitting leaves
// the other reading and leaves no goroutine of its own behind.
//
// Not parallel: the goroutines are counted for the whole process, and
// parallel tests starting theirs meanwhile would be taken for a leak
// (seen under -count=5); Go runs the parallel tests after this one.
func TestTwoConsolesOnOneEngineReadTheirDeviceOnce(t *testing.T) {
	h, e := sharedEngine(t, 20, "", nil)
	d := h.liveDevice(t, api.PlanHosted)
	a := h.joined(t, e, func(c *Config) { c.Device = d.DeviceID })
	a.scr.waitFor(t, "the device's readings", func(v string) bool {
		return strings.Contains(v, "updated") && strings.Contains(v, "next in") && strings.Contains(v, d.DeviceID)
	})

	// The second console runs on a program of its own, whose goroutines
	// are counted: its screen is made before the baseline.
	out := &lockedBuffer{}
	bScr := newScreenOn(out, 120, 40)
	base := ownGoroutines()
	b := New(context.Background(), Config{Profile: "acme", KeySource: "env", Now: h.clock.Now, DialogGuard: -1, Engine: e, Device: d.DeviceID})
	p := tea.NewProgram(b, tea.WithInput(nil), tea.WithOutput(out), tea.WithoutSignals(),
		tea.WithWindowSize(120, 40), tea.WithColorProfile(colorprofile.Ascii))
	ended := make(chan error, 1)
	go func() { _, err := p.Run(); ended <- err }()
	p.Send(tea.WindowSizeMsg{Width: 120, Height: 40})
	bScr.waitFor(t, "the second console on the device", func(v string) bool {
		return strings.Contains(v, "updated") && strings.Contains(v, "next in") && strings.Contains(v, d.DeviceID)
	})

	var every time.Duration
	e.Read(func(r live.Reader) { every = r.Sched.FocusIntervalOf(d.DeviceID, h.clock.Now()) })
	if every <= 0 || every > 10*time.Minute { // its reporting interval once learned
		t.Fatalf("focus interval %v", every)
	}
	// Each jump to the device's next read makes one read due (the focus
	// is read when its next message is due, once its interval is
	// learned); two views would make two, sent side by side in the same
	// pass of the engine.
	toNextRead := func() {
		var due time.Time
		e.Read(func(r live.Reader) { due = r.Sched.NextFocusOf(d.DeviceID, h.clock.Now()) })
		n := h.readsOf(d.DeviceID)
		h.clock.Advance(max(time.Millisecond, due.Sub(h.clock.Now())))
		// the read may still wait its turn for the budget
		for range 30 {
			for end := time.Now().Add(1500 * time.Millisecond); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
				if h.readsOf(d.DeviceID) > n {
					return
				}
			}
			h.clock.Advance(time.Second)
		}
	}
	before := h.readsOf(d.DeviceID)
	for i := 1; i <= 3; i++ {
		toNextRead()
		h.waitReads(t, d.DeviceID, before+i)
		for _, s := range []*screen{a.scr, bScr} {
			s.waitFor(t, "the read on the screen", freshWithin(every/2))
		}
		if n := h.readsOf(d.DeviceID) - before; n != i {
			t.Fatalf("after %d focus intervals of two consoles on %s, it was read %d times", i, d.DeviceID, n)
		}
	}

	// The second console quits: its view goes, and all it ran with it.
	p.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	select {
	case err := <-ended:
		if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
			t.Fatal(err)
		}
	case <-time.After(patience):
		t.Fatal("the second console did not quit")
	}
	if err := b.finish(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(patience)
	for ownGoroutines() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after the second console quit, %d before it:\n%s", ownGoroutines(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}

	// The first reads on, on the engine the second left running.
	n := h.readsOf(d.DeviceID)
	toNextRead()
	h.waitReads(t, d.DeviceID, n+1)
	a.scr.waitFor(t, "the read on the first console", freshWithin(every/2))
	a.quit(t)
}

// heldWrites holds every write at the server until released, and says
// when the first arrived.
type heldWrites struct {
	arrived, release chan struct{}
	once             sync.Once
}

func newHeldWrites() *heldWrites {
	return &heldWrites{arrived: make(chan struct{}), release: make(chan struct{})}
}

func (w *heldWrites) hold(r *http.Request) {
	if r.Method != http.MethodGet {
		w.once.Do(func() { close(w.arrived) })
		<-w.release
	}
}

func (w *heldWrites) waitArrived(t *testing.T) {
	t.Helper()
	select {
	case <-w.arrived:
	case <-time.After(patience):
		t.Fatal("no write reached the server")
	}
}

// stageWarning opens a device's config and stages ambient.warning 47.
func (h *harness) stageWarning(t *testing.T, id string) {
	t.Helper()
	h.openConfig(t, id)
	h.scr.waitText(t, "synced")
	h.editKey(t, "ambient.warning", "47")
	h.scr.waitText(t, "50 → 47")
}

// One console sends a config write: another on the same engine, looking
// at the device, shows it queued, then applied, without reading it back
// itself.
func TestAnotherConsoleSeesTheWriteQueuedThenApplied(t *testing.T) {
	t.Parallel()
	h, e := sharedEngine(t, 20, t.TempDir(), nil)
	d := h.liveDevice(t, api.PlanHosted)
	a := h.joined(t, e, func(c *Config) { c.VerifyEvery = 50 * time.Millisecond })
	b := h.joined(t, e, nil)
	a.stageWarning(t, d.DeviceID)
	b.openConfig(t, d.DeviceID)
	b.scr.waitText(t, "synced")
	a.key("w")
	a.scr.waitText(t, "[y/N]")
	a.key("y")
	b.scr.waitFor(t, "the other console's write queued", func(v string) bool {
		return strings.Contains(v, "50 → 47 queued") && strings.Contains(v, "a change is queued") && strings.Contains(v, "by another console")
	})
	configReads := func() int {
		n := 0
		for _, r := range h.sim.Requests() {
			if r.Op == api.OpGetConfig && r.DeviceID == d.DeviceID {
				n++
			}
		}
		return n
	}
	h.clock.Advance(2 * time.Minute) // past the device's next check-in
	a.scr.waitText(t, "applied at")
	b.scr.waitText(t, "applied at")
	if w := h.writes(); len(w) != 1 {
		t.Fatalf("%d writes, want 1", len(w))
	}
	before := configReads()
	b.quit(t)
	a.quit(t)
	if n := configReads(); n != before {
		t.Fatalf("config reads went on after both consoles quit: %d, then %d", before, n)
	}
}

// Two consoles send the same change to one device at once: it is sent
// once, and both say it was queued, each as its own.
func TestTheSameWriteFromTwoConsolesIsSentOnce(t *testing.T) {
	t.Parallel()
	held := newHeldWrites()
	h, e := sharedEngine(t, 20, t.TempDir(), held.hold)
	d := h.liveDevice(t, api.PlanHosted)
	a, b := h.joined(t, e, nil), h.joined(t, e, nil)
	a.stageWarning(t, d.DeviceID)
	b.stageWarning(t, d.DeviceID)
	a.key("w")
	a.scr.waitText(t, "[y/N]")
	a.key("y")
	held.waitArrived(t)
	b.key("w")
	b.scr.waitText(t, "[y/N]")
	b.key("y")
	b.scr.waitText(t, "sending…")
	close(held.release)
	for _, c := range []*harness{a, b} {
		c.scr.waitFor(t, "the write queued as its own", func(v string) bool {
			return strings.Contains(v, "queued; the device applies it") && strings.Contains(v, "waiting for the device to apply it") &&
				!strings.Contains(v, "by another console") && !strings.Contains(v, "1 change staged")
		})
	}
	if w := h.writes(); len(w) != 1 || w[0].Status != 202 {
		t.Fatalf("writes %+v, want one, taken", w)
	}
	a.quit(t)
	b.quit(t)
}

// A console that quits while its write is out: the write is still sent
// once and audited, and the console left shows its outcome.
func TestAWriteOutlivesTheConsoleThatSentIt(t *testing.T) {
	t.Parallel()
	held := newHeldWrites()
	dir := t.TempDir()
	h, e := sharedEngine(t, 20, dir, held.hold)
	d := h.liveDevice(t, api.PlanHosted)
	a, b := h.joined(t, e, nil), h.joined(t, e, nil)
	a.stageWarning(t, d.DeviceID)
	b.openConfig(t, d.DeviceID)
	b.scr.waitText(t, "synced")
	a.key("w")
	a.scr.waitText(t, "[y/N]")
	a.key("y")
	held.waitArrived(t)
	a.quit(t)
	close(held.release)
	b.scr.waitFor(t, "the write of the console that quit", func(v string) bool {
		return strings.Contains(v, "50 → 47 queued") && strings.Contains(v, "by another console")
	})
	if w := h.writes(); len(w) != 1 {
		t.Fatalf("%d writes, want 1", len(w))
	}
	audit, err := e.Ledger().Store().AuditLog(context.Background(), store.AuditQuery{Device: d.DeviceID})
	if err != nil || len(audit) != 1 {
		t.Fatalf("the write is not in the audit log once (%v): %+v", err, audit)
	}
	b.quit(t)
}

// A bulk change sent from one console goes through the engine like a
// config write: another console, looking at one of its devices, shows
// that device's write queued by another console.
func TestAnotherConsoleSeesABulkWriteQueued(t *testing.T) {
	t.Parallel()
	h, e := sharedEngine(t, 3, t.TempDir(), nil)
	d := h.liveDevice(t, api.PlanHosted)
	a := h.joined(t, e, nil)
	b := h.joined(t, e, nil)
	b.openConfig(t, d.DeviceID)
	b.scr.waitText(t, "synced")
	a.markAllByPlan(t, 3)
	a.key("c")
	a.scr.waitText(t, "values are typed by")
	a.key("+")
	a.key("ambient.warning = 47")
	a.key("enter")
	a.scr.waitText(t, "+ ambient.warning 47")
	a.key("w")
	a.scr.waitText(t, "[y/N]")
	a.key("y")
	a.scr.waitText(t, "done: 3 queued")
	b.scr.waitFor(t, "the other console's bulk write queued", func(v string) bool {
		return strings.Contains(v, "a change is queued") && strings.Contains(v, "by another console")
	})
	if got := h.patches(false); len(got) != 3 || got[d.DeviceID] != 1 {
		t.Fatalf("writes %v, want one to each of the 3 devices", got)
	}
	b.quit(t)
	a.quit(t)
}

// A console joined read-only to an engine whose gate writes (a viewer of
// a shared console) offers no write and sends none, while a writer on the
// same engine still writes.
func TestAReadOnlyConsoleOnAWritingEngineSendsNothing(t *testing.T) {
	t.Parallel()
	h, e := sharedEngine(t, 12, "", nil)
	d := h.liveDevice(t, api.PlanHosted)
	viewer := h.joined(t, e, func(c *Config) { c.ReadOnly = true })
	viewer.scr.waitText(t, "READ-ONLY")
	viewer.openConfig(t, d.DeviceID)
	viewer.scr.waitText(t, "ambient.warning")
	if v := viewer.scr.String(); strings.Contains(v, "enter edit") || strings.Contains(v, "w write") {
		t.Fatalf("a viewer's footer offers writes:\n%s", v)
	}
	for _, k := range []string{"enter", "w", "+", "E"} {
		viewer.key(k)
		viewer.scr.waitText(t, "read-only session")
	}
	if w := viewer.writes(); len(w) != 0 {
		t.Fatalf("a viewer sent %d writes", len(w))
	}
	writer := h.joined(t, e, nil)
	writer.openConfig(t, d.DeviceID)
	writer.scr.waitText(t, "enter edit")
	viewer.quit(t)
	writer.quit(t)
}
