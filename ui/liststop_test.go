package ui

import (
	"context"
	"errors"
	"io/fs"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"sqc/api"
	"sqc/api/sim"
	"sqc/keys"
	"sqc/state"
)

// A key whose ledger already counts 1,500 requests today (more than the
// smallest account's day) and no cache: the console still lists the
// account once, since only a listing tells its real limits, and shows the
// fleet instead of waiting on "connecting" until midnight.
func TestFirstListingGoesWhenTheKnownDayIsSpent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l, _, err := state.OpenLedgerIn(dir, "acme", keys.Fingerprint(uiKey), time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 1500 {
		l.Sent(api.Call{Op: api.OpGetData, At: time.Now()})
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	s := sim.New(sim.Options{Devices: 3, Key: uiKey, Seed: 1})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	cfg := Config{Profile: "acme", Key: uiKey, KeySource: "env", StateDir: dir,
		Connect: connectTo(srv.URL, nil)}
	tm := teatest.NewTestModel(t, New(context.Background(), cfg), teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	scr := newScreen(t, tm, 100, 30)
	scr.waitText(t, s.Devices()[0].DeviceID)
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm.WaitFinished(t, teatest.WithFinalTimeout(patience))
}

// A list cut short by its budget is not kept in the offline cache: the
// next session would take the limits of its thousand "Hosted" devices
// from it.
func TestStoppedListIsNotCached(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h, err := sim.NewHostile(sim.HostileDrip, uiKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := Config{Profile: "acme", Key: uiKey, KeySource: "env", StateDir: dir,
		Connect: connectTo(srv.URL, func(o *api.Options) { o.Timeout = 3 * time.Second })}
	tm := teatest.NewTestModel(t, New(context.Background(), cfg), teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	scr := newScreen(t, tm, 80, 24)
	scr.waitText(t, "stopped early")
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm.WaitFinished(t, teatest.WithFinalTimeout(patience))
	if _, err := os.Stat(state.CachePath(dir, keys.Fingerprint(uiKey))); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the cut-short list was cached (%v): the next session would take its limits", err)
	}
}
