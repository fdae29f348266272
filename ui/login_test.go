package ui

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/zalando/go-keyring"

	"sqc/api"
	"sqc/api/sim"
	"sqc/keys"
)

const simKey = "ui-login-key-7"

// loginConsole starts the console with no client, as main does when no
// key is stored. bus says whether the environment has a session bus.
func loginConsole(t *testing.T, bus bool) (*teatest.TestModel, *screen, *sim.Server, *keys.Store) {
	t.Helper()
	s := sim.New(sim.Options{Devices: 12, Key: simKey})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	store, _ := keys.NewStore("acme", filepath.Join(t.TempDir(), "sqc"))
	store.Getenv = func(k string) string {
		if bus && k == "DBUS_SESSION_BUS_ADDRESS" {
			return "unix:path=/fake"
		}
		return ""
	}
	login := &Login{Store: store, Connect: func(key string) (*api.Client, error) {
		return api.New(api.Options{BaseURL: srv.URL, Key: key})
	}}
	m := New(context.Background(), Config{Profile: "acme", Login: login})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	return tm, newScreen(t, tm, 100, 30), s, store
}

func typeText(tm *teatest.TestModel, s string) {
	for _, r := range s {
		tm.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func enter(tm *teatest.TestModel) { tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter}) }

func TestLoginScreenStoresInKeyring(t *testing.T) {
	keyring.MockInit()
	tm, scr, s, store := loginConsole(t, true)
	scr.waitFor(t, "the login screen", func(v string) bool { return strings.Contains(v, "No key is stored") })
	typeText(tm, "wrong-key")
	scr.waitFor(t, "a masked key", func(v string) bool {
		return strings.Contains(v, "•••••••••") && !strings.Contains(v, "wrong-key")
	})
	enter(tm)
	scr.waitFor(t, "the server's refusal", func(v string) bool { return strings.Contains(v, "refused this key (403)") })
	if _, err := keyring.Get(keys.Service, "acme"); err == nil {
		t.Fatal("a refused key was stored")
	}
	for range 9 {
		tm.Send(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	typeText(tm, simKey)
	enter(tm)
	scr.waitFor(t, "the device list", func(v string) bool {
		return strings.Contains(v, s.Devices()[0].DeviceID) && strings.Contains(v, "key: keyring")
	})
	if got, err := keyring.Get(keys.Service, "acme"); err != nil || got != simKey {
		t.Fatalf("keyring holds %q, %v", got, err)
	}
	if _, err := os.Stat(store.CredentialsPath()); err == nil {
		t.Fatal("the insecure file was written")
	}
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestLoginWithoutKeyringOffersTheFileKnowingly(t *testing.T) {
	keyring.MockInit()
	tm, scr, s, store := loginConsole(t, false)
	scr.waitFor(t, "the login screen", func(v string) bool { return strings.Contains(v, "No key is stored") })
	typeText(tm, simKey)
	enter(tm)
	scr.waitFor(t, "the fallbacks", func(v string) bool {
		return strings.Contains(v, "no D-Bus session bus") && strings.Contains(v, "plain text, mode 0600") && strings.Contains(v, "session only")
	})
	if _, err := os.Stat(store.CredentialsPath()); err == nil {
		t.Fatal("the file was written before the user chose it")
	}
	tm.Send(tea.KeyPressMsg{Code: 'f', Text: "f"})
	scr.waitFor(t, "the list with the file as source", func(v string) bool {
		return strings.Contains(v, s.Devices()[0].DeviceID) && strings.Contains(v, "key: file (insecure)")
	})
	st, err := os.Stat(store.CredentialsPath())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials: %v %v", err, st)
	}
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestUnauthorizedMidSessionReturnsToLoginAndKeepsTheView(t *testing.T) {
	keyring.MockInit()
	s := sim.New(sim.Options{Devices: 12, Key: simKey})
	srv := httptest.NewServer(s)
	defer srv.Close()
	store, _ := keys.NewStore("acme", filepath.Join(t.TempDir(), "sqc"))
	store.Getenv = func(k string) string {
		if k == "DBUS_SESSION_BUS_ADDRESS" {
			return "unix:path=/fake"
		}
		return ""
	}
	connect := func(key string) (*api.Client, error) { return api.New(api.Options{BaseURL: srv.URL, Key: key}) }
	c, _ := connect(simKey)
	m := New(context.Background(), Config{Client: c, Profile: "acme", KeySource: "env", Login: &Login{Store: store, Connect: connect}})
	// True colour, so the focused row keeps its background on the screen.
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30), teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.TrueColor)))
	scr := newScreen(t, tm, 100, 30)
	id := s.Devices()[5].DeviceID
	scr.waitFor(t, "the list", func(v string) bool { return strings.Contains(v, id) })
	for range 5 {
		tm.Send(tea.KeyPressMsg{Code: 'j', Text: "j"})
	}
	scr.waitFor(t, "the sixth device focused", func(string) bool { return scr.highlighted(id) })
	s.Inject(sim.Fault{Op: api.OpListDevices, Status: 401, Message: "Unauthorized"})
	tm.Send(tea.KeyPressMsg{Code: 'r', Text: "r"})
	scr.waitFor(t, "the login screen", func(v string) bool { return strings.Contains(v, "refused the key (401)") })
	typeText(tm, simKey)
	enter(tm)
	scr.waitFor(t, "the list again, focus kept", func(v string) bool {
		return strings.Contains(v, "key: keyring") && scr.highlighted(id)
	})
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if final.Cursor() != 5 {
		t.Fatalf("cursor %d after re-login, want 5", final.Cursor())
	}
}
