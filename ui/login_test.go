package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/zalando/go-keyring"

	"sqc/api"
	"sqc/api/sim"
	"sqc/keys"
)

// fakeStore is a key store of the profile acme in a temp folder, with a
// session bus or without.
func fakeStore(t *testing.T, bus bool) *keys.Store {
	store, err := keys.NewStore("acme", filepath.Join(t.TempDir(), "sqc"))
	if err != nil {
		t.Fatal(err)
	}
	store.Getenv = func(k string) string {
		if bus && k == "DBUS_SESSION_BUS_ADDRESS" {
			return "unix:path=/fake"
		}
		return ""
	}
	return store
}

// loginSetup starts the console with no key, as main does when none is
// stored. bus says whether the environment has a session bus.
func loginSetup(t *testing.T, bus bool, key string, profile colorprofile.Profile) (*harness, *keys.Store) {
	t.Helper()
	store := fakeStore(t, bus)
	h := start(t, setup{devices: 12, profile: profile, cfg: func(c *Config) {
		c.Key, c.KeySource, c.Store = key, "env", store
	}})
	return h, store
}

func TestLoginScreenStoresInKeyring(t *testing.T) {
	keyring.MockInit()
	h, store := loginSetup(t, true, "", colorprofile.Ascii)
	h.scr.waitText(t, "No key is stored")
	h.key("wrong-key")
	h.scr.waitFor(t, "a masked key", func(v string) bool {
		return strings.Contains(v, "•••••••••") && !strings.Contains(v, "wrong-key")
	})
	h.key("enter")
	h.scr.waitText(t, "refused this key (403)")
	if _, err := keyring.Get(keys.Service, "acme"); err == nil {
		t.Fatal("a refused key was stored")
	}
	for range 9 {
		h.key("backspace")
	}
	h.key(uiKey)
	h.key("enter")
	h.scr.waitFor(t, "the device list", func(v string) bool {
		return strings.Contains(v, h.sim.Devices()[0].DeviceID) && strings.Contains(v, "key: keyring")
	})
	if got, err := keyring.Get(keys.Service, "acme"); err != nil || got != uiKey {
		t.Fatalf("keyring holds %q, %v", got, err)
	}
	if _, err := os.Stat(store.CredentialsPath()); err == nil {
		t.Fatal("the insecure file was written")
	}
	h.quit(t)
}

func TestLoginWithoutKeyringOffersTheFileKnowingly(t *testing.T) {
	keyring.MockInit()
	h, store := loginSetup(t, false, "", colorprofile.Ascii)
	h.scr.waitText(t, "No key is stored")
	h.key(uiKey)
	h.key("enter")
	h.scr.waitFor(t, "the fallbacks", func(v string) bool {
		return strings.Contains(v, "no D-Bus session bus") && strings.Contains(v, "plain text, mode 0600") && strings.Contains(v, "session only")
	})
	if _, err := os.Stat(store.CredentialsPath()); err == nil {
		t.Fatal("the file was written before the user chose it")
	}
	h.key("f")
	h.scr.waitFor(t, "the list with the file as source", func(v string) bool {
		return strings.Contains(v, h.sim.Devices()[0].DeviceID) && strings.Contains(v, "key: file (insecure)")
	})
	st, err := os.Stat(store.CredentialsPath())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials: %v %v", err, st)
	}
	h.quit(t)
}

func TestUnauthorizedMidSessionReturnsToLoginAndKeepsTheView(t *testing.T) {
	keyring.MockInit()
	// True colour, so the focused row keeps its background on the screen.
	h, _ := loginSetup(t, true, uiKey, colorprofile.TrueColor)
	id := h.sim.Devices()[5].DeviceID
	h.key("s") // sort by ID: a stable order while data arrives
	h.scr.waitText(t, "sort ID")
	h.scr.waitText(t, id)
	h.key("/")
	h.key(id)
	h.key("enter")
	h.key("esc") // the filter goes; the focus stays on the device
	h.scr.waitFor(t, "the device focused in the whole list", func(v string) bool {
		return strings.Contains(v, "Devices 12 ·") && h.scr.highlighted(id)
	})
	h.sim.Inject(sim.Fault{Op: api.OpListDevices, Status: 401, Message: "Unauthorized"})
	h.key("R") // the list again
	h.scr.waitText(t, "refused the key (401)")
	h.key(uiKey)
	h.key("enter")
	h.scr.waitFor(t, "the list again, focus kept", func(v string) bool {
		return strings.Contains(v, "key: keyring") && h.scr.highlighted(id)
	})
	if final := h.quit(t); final.FocusedID() != id {
		t.Fatalf("focused %q after re-login, want %q", final.FocusedID(), id)
	}
}
