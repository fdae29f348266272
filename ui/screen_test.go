package ui

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/charmbracelet/x/vt"

	"sqc/api"
	"sqc/api/sim"
)

// screen replays the program's output into a virtual terminal, so tests
// read what a person would see rather than the raw byte stream.
type screen struct {
	mu  sync.Mutex
	emu *vt.Emulator
	raw []byte // what the program wrote, the first rawMax bytes
}

const rawMax = 8 << 20

func newScreen(t *testing.T, tm *teatest.TestModel, w, h int) *screen {
	return newScreenOn(tm.Output(), w, h)
}

// newScreenOn replays what a program writes to out.
func newScreenOn(out io.Reader, w, h int) *screen {
	s := &screen{emu: vt.NewEmulator(w, h)}
	go func() { _, _ = io.Copy(io.Discard, s.emu) }() // answers to terminal queries
	s.emu.Write([]byte("\x1b[20h"))
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := out.Read(buf)
			if n > 0 {
				s.mu.Lock()
				s.emu.Write(buf[:n])
				if len(s.raw) < rawMax {
					s.raw = append(s.raw, buf[:n]...)
				}
				s.mu.Unlock()
			}
			if err != nil && err != io.EOF {
				return
			}
			if n == 0 {
				time.Sleep(5 * time.Millisecond)
			}
		}
	}()
	return s
}

// written is every byte the program wrote to the terminal so far.
func (s *screen) written() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.raw...)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emu.String()
}

// save writes the screen with its colours as ANSI text.
func (s *screen) save(t *testing.T, path string) {
	s.mu.Lock()
	out := s.emu.Render()
	s.mu.Unlock()
	if err := os.WriteFile(path, []byte(out+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// highlighted reports whether the row showing text has a background colour,
// which is how the focused row is drawn.
func (s *screen) highlighted(text string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for y, line := range strings.Split(s.emu.String(), "\n") {
		if i := strings.Index(line, text); i >= 0 {
			x := len([]rune(line[:i])) // cells, not bytes: the lines hold │ and ▶
			if c := s.emu.CellAt(x, y); c != nil && c.Style.Bg != nil {
				return true
			}
		}
	}
	return false
}

func (s *screen) resize(w, h int) {
	s.mu.Lock()
	s.emu.Resize(w, h)
	s.mu.Unlock()
}

// patience is how long a test waits for a state before it fails: long, as
// it costs nothing when the state comes, and the suite runs its tests side
// by side on two busy cores.
const patience = 45 * time.Second

// waitFor polls the screen until cond holds or fails the test.
func (s *screen) waitFor(t *testing.T, what string, cond func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		if cond(s.String()) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("screen never showed %s:\n%s", what, s.String())
}

func (s *screen) waitText(t *testing.T, text string) {
	t.Helper()
	s.waitFor(t, text, func(v string) bool { return strings.Contains(v, text) })
}

// fakeClock is shared by the simulator and the console: it runs with the
// wall clock (so the simulator's rate limit refills as in life) and jumps
// forward when a test says so. frozen stops the running, for tests whose
// screens must not change with the seconds.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	since  time.Time // the wall-clock time t was set
	frozen bool
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		return c.t
	}
	return c.t.Add(time.Since(c.since))
}
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type harness struct {
	tm    *teatest.TestModel
	typed *typedInput // set instead of tm when keys go through the terminal decoder
	scr   *screen
	sim   *sim.Server
	srv   *httptest.Server
	clock *fakeClock
}

type setup struct {
	devices int
	w, h    int
	profile colorprofile.Profile
	hosted  float64
	latency time.Duration
	cfg     func(*Config)
	// model is called on the console before it runs
	model func(*Model)
	// typed runs the console on a terminal input: keys are bytes, read and
	// decoded as a terminal's are (see typedInput)
	typed bool
}

const uiKey = "ui-test-key"

// start runs the console against a simulator on a fake clock.
// connectTo connects to the server at url; tune sets what a test needs
// before the console's hooks.
func connectTo(url string, tune func(*api.Options)) func(string, func(*api.Options)) (*api.Client, error) {
	return func(key string, hook func(*api.Options)) (*api.Client, error) {
		o := api.Options{BaseURL: url, Key: key}
		if tune != nil {
			tune(&o)
		}
		hook(&o)
		return api.New(o)
	}
}

func start(t *testing.T, o setup) *harness {
	t.Helper()
	if o.w == 0 {
		o.w, o.h = 120, 40
	}
	if o.devices == 0 {
		o.devices = 30
	}
	h := &harness{clock: &fakeClock{t: time.Now().UTC().Truncate(time.Second), since: time.Now()}}
	h.sim = sim.New(sim.Options{Devices: o.devices, Key: uiKey, HostedFraction: o.hosted, Now: h.clock.Now, Latency: o.latency})
	h.srv = httptest.NewServer(h.sim)
	t.Cleanup(h.srv.Close)
	url := h.srv.URL
	cfg := Config{
		Profile: "acme", Key: uiKey, KeySource: "env", Now: h.clock.Now, DialogGuard: -1,
		Connect: connectTo(url, nil),
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	if o.profile == 0 {
		o.profile = colorprofile.Ascii
	}
	m := New(context.Background(), cfg)
	t.Cleanup(func() { m.finish(context.Background()) }) // the engine of a test that never quit
	if o.model != nil {
		o.model(m)
	}
	if o.typed {
		h.typed = runTyped(t, m, o.w, o.h, o.profile)
		h.scr = h.typed.scr
		return h
	}
	h.tm = teatest.NewTestModel(t, m, teatest.WithInitialTermSize(o.w, o.h),
		teatest.WithProgramOptions(tea.WithColorProfile(o.profile)))
	h.scr = newScreen(t, h.tm, o.w, o.h)
	return h
}

func (h *harness) key(s string) {
	if h.typed != nil {
		h.typed.key(s)
		return
	}
	switch s {
	case "enter":
		h.tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	case "esc":
		h.tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	case "tab":
		h.tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
	case "space":
		h.tm.Send(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
	case "backspace":
		h.tm.Send(tea.KeyPressMsg{Code: tea.KeyBackspace})
	case "shift+tab":
		h.tm.Send(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
	case "ctrl+u":
		h.tm.Send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	default:
		for _, r := range s {
			h.tm.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
		}
	}
}

// quit leaves with ctrl+c, which quits from wherever the console is,
// text inputs included (q goes back, and quits only from the list).
func (h *harness) quit(t *testing.T) *Model {
	if h.typed != nil {
		h.typed.write("\x03")
		return h.typed.final(t)
	}
	h.tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	m := h.tm.FinalModel(t, teatest.WithFinalTimeout(patience)).(*Model)
	m.finish(context.Background()) // as Run does once the program has ended
	return m
}
