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
}

func newScreen(t *testing.T, tm *teatest.TestModel, w, h int) *screen {
	s := &screen{emu: vt.NewEmulator(w, h)}
	go func() { _, _ = io.Copy(io.Discard, s.emu) }() // answers to terminal queries
	s.emu.Write([]byte("\x1b[20h"))
	go func() {
		buf := make([]byte, 32<<10)
		out := tm.Output()
		for {
			n, err := out.Read(buf)
			if n > 0 {
				s.mu.Lock()
				s.emu.Write(buf[:n])
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
		if strings.Contains(line, text) {
			c := s.emu.CellAt(strings.Index(line, text), y)
			return c != nil && c.Style.Bg != nil
		}
	}
	return false
}

func (s *screen) resize(w, h int) {
	s.mu.Lock()
	s.emu.Resize(w, h)
	s.mu.Unlock()
}

// waitFor polls the screen until cond holds or fails the test.
func (s *screen) waitFor(t *testing.T, what string, cond func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if cond(s.String()) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("screen never showed %s:\n%s", what, s.String())
}

func startConsole(t *testing.T, devices, w, h int) (*teatest.TestModel, *screen, *sim.Server) {
	return startConsoleWith(t, devices, w, h, tea.WithColorProfile(colorprofile.Ascii))
}

func startConsoleWith(t *testing.T, devices, w, h int, opts ...tea.ProgramOption) (*teatest.TestModel, *screen, *sim.Server) {
	t.Helper()
	s := sim.New(sim.Options{Devices: devices, Key: "ui-test-key"})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := api.New(api.Options{BaseURL: srv.URL, Key: "ui-test-key"})
	if err != nil {
		t.Fatal(err)
	}
	m := New(context.Background(), Config{Client: c, Profile: "acme", KeySource: "env"})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h), teatest.WithProgramOptions(opts...))
	return tm, newScreen(t, tm, w, h), s
}

func TestDeviceListShowsTheFleetAndMoves(t *testing.T) {
	tm, scr, s := startConsole(t, 30, 100, 20)
	devs := s.Devices()
	scr.waitFor(t, "the first device", func(v string) bool { return strings.Contains(v, devs[0].DeviceID) })
	v := scr.String()
	for _, want := range []string{"profile acme", "30 devices", "key: env", "ID", "q quit"} {
		if !strings.Contains(v, want) {
			t.Errorf("screen lacks %q:\n%s", want, v)
		}
	}
	tm.Send(tea.KeyPressMsg{Code: 'j', Text: "j"})
	tm.Send(tea.KeyPressMsg{Code: 'j', Text: "j"})
	tm.Send(tea.KeyPressMsg{Code: 'k', Text: "k"})
	tm.Send(tea.KeyPressMsg{Code: 'G', Text: "G"})
	scr.waitFor(t, "the last device after G", func(v string) bool { return strings.Contains(v, devs[len(devs)-1].DeviceID) })
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if final.Cursor() != len(devs)-1 {
		t.Fatalf("cursor %d after G, want %d", final.Cursor(), len(devs)-1)
	}
}

func TestResizeToTinyAndBack(t *testing.T) {
	tm, scr, s := startConsole(t, 10, 80, 24)
	id := s.Devices()[0].DeviceID
	scr.waitFor(t, "the list", func(v string) bool { return strings.Contains(v, id) })
	for _, size := range [][2]int{{20, 4}, {1, 1}, {0, 0}} {
		scr.resize(max(size[0], 1), max(size[1], 1))
		tm.Send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
	}
	scr.resize(30, 5)
	tm.Send(tea.WindowSizeMsg{Width: 30, Height: 5})
	scr.waitFor(t, "the too-small message", func(v string) bool { return strings.Contains(v, "too small") })
	scr.resize(80, 24)
	tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	scr.waitFor(t, "the list again", func(v string) bool { return strings.Contains(v, id) && !strings.Contains(v, "too small") })
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
