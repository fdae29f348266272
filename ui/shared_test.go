package ui

import (
	"context"
	"errors"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strconv"
	"strings"
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
)

// sharedEngine is one engine on a simulated fleet, as `sqc serve` runs
// it for the consoles that join it; the harness it returns has no console.
func sharedEngine(t *testing.T, devices int, stateDir string) (*harness, *live.Engine) {
	t.Helper()
	h := &harness{clock: &fakeClock{t: time.Now().UTC().Truncate(time.Second), since: time.Now()}}
	h.sim = sim.New(sim.Options{Devices: devices, Key: uiKey, HostedFraction: 1, Now: h.clock.Now})
	h.srv = httptest.NewServer(h.sim)
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
	gate := &state.Gate{Profile: "acme", Audit: state.OpenAudit(stateDir), Now: h.clock.Now}
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
func TestTwoConsolesOnOneEngineReadTheirDeviceOnce(t *testing.T) {
	t.Parallel()
	h, e := sharedEngine(t, 20, "")
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
	if every <= 0 || every >= time.Minute {
		t.Fatalf("focus interval %v", every)
	}
	// Each jump of one interval makes one read due; two views would make
	// two, sent side by side in the same pass of the engine.
	before := h.readsOf(d.DeviceID)
	for i := 1; i <= 3; i++ {
		h.clock.Advance(every)
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
	h.clock.Advance(every)
	h.waitReads(t, d.DeviceID, n+1)
	a.scr.waitFor(t, "the read on the first console", freshWithin(every/2))
	a.quit(t)
}
