package ui

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"sqc/api/sim"
	"sqc/keys"
	"sqc/state"
	"sqc/state/store"
	"sqc/ui/look"
)

// slowConsole folds every answer slowly, as a console behind a busy
// terminal or a slow machine does: answers queue up behind it.
type slowConsole struct{ *Model }

func (s slowConsole) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(engineMsg); ok {
		time.Sleep(time.Millisecond)
	}
	next, cmd := s.Model.Update(msg)
	return slowConsole{next.(*Model)}, cmd
}

// The ledger counts each request as it is sent, so a console that folds
// answers slower than they come still counts exactly what the server saw:
// 2,500 devices read once, behind a slow Update: answers come many times
// faster than it folds them (a first pass at the account's rate, eight out
// at once), so they queue as they would behind a busy terminal.
func TestLedgerCountsEveryRequestBehindASlowConsole(t *testing.T) {
	t.Parallel()
	const n = 2500
	s := sim.New(sim.Options{Devices: n, Key: uiKey})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	m := New(context.Background(), Config{Profile: "acme", Key: uiKey, KeySource: "env",
		Connect: connectTo(srv.URL, nil)})
	ledger := m.sh.Ledger // goroutine-safe: the client's goroutines count into it
	tm := teatest.NewTestModel(t, slowConsole{m}, teatest.WithInitialTermSize(120, 40),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	scr := newScreen(t, tm, 120, 40)
	scr.waitText(t, look.Itoa(n)+" devices")
	checks := 0
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(header(scr.String()), "● online") || strings.Contains(header(scr.String()), "reading ") {
		if time.Now().After(deadline) {
			t.Fatalf("the first pass did not end:\n%s", scr.String())
		}
		// Sent is counted before the request leaves, the server counts it on
		// arrival: the ledger may be ahead by what is on the wire, never behind.
		// The server is asked before and after the ledger, so that requests
		// sent between the two readings (a loaded machine can take a while)
		// are on the right side of each bound.
		before := s.Stats().Requests
		counted := ledger.UsedToday(time.Now())
		after := s.Stats().Requests
		if counted < before || counted > after+state.MaxInFlight {
			t.Fatalf("the ledger counts %d, the server had answered %d before and %d after", counted, before, after)
		}
		checks++
		time.Sleep(100 * time.Millisecond)
	}
	tm.Send(tea.KeyPressMsg{Code: 'p', Text: "p"}) // pause, and let what is out land
	deadline = time.Now().Add(patience)
	for served, counted := s.Stats().Requests, ledger.UsedToday(time.Now()); counted != served; served, counted = s.Stats().Requests, ledger.UsedToday(time.Now()) {
		if time.Now().After(deadline) {
			t.Fatalf("after the sweep the ledger counts %d, the server answered %d", counted, served)
		}
		time.Sleep(20 * time.Millisecond)
	}
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(slowConsole)
	var read, total int
	final.sh.Read(func() { read, total, _ = final.sh.Sched.Progress() })
	if checks < 5 || total < n/2 || read != total {
		t.Fatalf("%d of %d devices read, %d checks on the way", read, total, checks)
	}
}

// keptIn is the database a console on profile acme and the test key
// keeps in dir, opened as another process would; closed with the test.
func keptIn(t *testing.T, dir string) store.Store {
	t.Helper()
	db, _, err := store.Open(store.Path(dir, "acme", keys.Fingerprint(uiKey)), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// auditIn is the audit log of that database, an entry a line.
func auditIn(t *testing.T, dir string) string {
	t.Helper()
	entries, err := keptIn(t, dir).AuditLog(context.Background(), store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&b, "profile=%s device=%s op=%q status=%d outcome=%q message=%q\n", e.Profile, e.Device, e.Op, e.Status, e.Outcome, e.Message)
	}
	return b.String()
}

// A database that cannot be opened (here its path is taken by a folder)
// is said on screen with its path and what to do, and the console runs on:
// it lists the fleet and counts its requests in memory.
func TestConsoleRunsOnWhenTheDatabaseCannotBeOpened(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := store.Path(dir, "acme", keys.Fingerprint(uiKey))
	if err := os.MkdirAll(path, 0o700); err != nil {
		t.Fatal(err)
	}
	h := start(t, setup{cfg: func(c *Config) { c.StateDir = dir }})
	id := h.sim.Devices()[0].DeviceID
	h.scr.waitFor(t, "the fleet and what is wrong with the database", func(v string) bool {
		return strings.Contains(v, id) && strings.Contains(flat(v), "the state database could not be opened")
	})
	h.quit(t)
}

// An old ledger file cut short is set aside, not read: the console says
// which file and where it is kept, and counts on in the database.
func TestACutOldLedgerIsSaidOnScreen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fp := keys.Fingerprint(uiKey)
	old := filepath.Join(dir, "quota-"+strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, fp)+".json")
	if err := os.WriteFile(old, []byte(`{"day":"2026-12-05","used":41`), 0o600); err != nil {
		t.Fatal(err)
	}
	h := start(t, setup{w: 200, h: 40, cfg: func(c *Config) { c.StateDir = dir }})
	h.scr.waitFor(t, "the set-aside file named", func(v string) bool {
		return strings.Contains(flat(v), "could not be read") && strings.Contains(flat(v), filepath.Base(old))
	})
	h.quit(t)
	if _, err := os.Stat(old + state.DamagedSuffix); err != nil {
		t.Fatalf("the cut ledger is not kept: %v", err)
	}
}
