package keys

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// The keyring mock is global: these tests do not run in parallel.

func envWith(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// withBus is an environment that claims a session bus, so the mock keyring is used.
var withBus = envWith(map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"})

func newTestStore(t *testing.T, profile string, getenv func(string) string) *Store {
	t.Helper()
	s, err := NewStore(profile, filepath.Join(t.TempDir(), "sqc"))
	if err != nil {
		t.Fatal(err)
	}
	s.Getenv = getenv
	return s
}

func TestLookupOrderEnvKeyringFile(t *testing.T) {
	keyring.MockInit()
	s := newTestStore(t, "acme", withBus)
	if _, err := s.Lookup(); !errors.Is(err, ErrNoKey) {
		t.Fatalf("empty stores: %v", err)
	}
	if err := s.SaveFile("file-key"); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.Lookup(); f.Key != "file-key" || f.Source != SourceFile {
		t.Fatalf("file only: %+v", f)
	}
	if err := s.SaveKeyring("ring-key"); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.Lookup(); f.Key != "ring-key" || f.Source != SourceKeyring {
		t.Fatalf("keyring before file: %+v", f)
	}
	s.Getenv = envWith(map[string]string{"DBUS_SESSION_BUS_ADDRESS": "x", EnvKey: " env-key\n"})
	if f, _ := s.Lookup(); f.Key != "env-key" || f.Source != SourceEnv {
		t.Fatalf("env first: %+v", f)
	}
	other := newTestStore(t, "other", withBus)
	other.ConfigDir = s.ConfigDir
	if _, err := other.Lookup(); !errors.Is(err, ErrNoKey) {
		t.Fatalf("another profile sees acme's key: %v", err)
	}
}

func TestKeyringErrorIsUnavailableWithReason(t *testing.T) {
	keyring.MockInitWithError(errors.New("org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided"))
	defer keyring.MockInit()
	s := newTestStore(t, "acme", withBus)
	err := s.SaveKeyring("k")
	if !IsUnavailable(err) || !strings.Contains(err.Error(), "org.freedesktop.secrets") {
		t.Fatalf("save: %v", err)
	}
	for _, way := range []string{EnvKey, "--insecure-storage", "Nothing was stored"} {
		if !strings.Contains(err.Error(), way) {
			t.Errorf("message lacks %q: %v", way, err)
		}
	}
	if _, err := os.Stat(s.CredentialsPath()); err == nil {
		t.Fatal("a failed keyring save wrote the file")
	}
	_, err = s.Lookup()
	if !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "unavailable") {
		t.Fatalf("lookup: %v", err)
	}
}

func TestNoSessionBusSkipsTheKeyringAtOnce(t *testing.T) {
	called := false
	keyring.MockInitWithError(errors.New("must not be called"))
	defer keyring.MockInit()
	s := newTestStore(t, "acme", envWith(map[string]string{"XDG_RUNTIME_DIR": t.TempDir()}))
	err := s.bounded(func() error { called = true; return nil })
	if called || !IsUnavailable(err) || !strings.Contains(err.Error(), "no D-Bus session bus") {
		t.Fatalf("called=%v err=%v", called, err)
	}
	err = s.SaveKeyring("k")
	if err == nil || !strings.Contains(err.Error(), "DBUS_SESSION_BUS_ADDRESS") {
		t.Fatalf("save without a bus: %v", err)
	}
	if check := s.CheckKeyring(); check == nil || check.Error() != err.Error() {
		t.Fatalf("CheckKeyring says %v, SaveKeyring %v", check, err)
	}
	if err := newTestStore(t, "acme", withBus).CheckKeyring(); err != nil {
		t.Fatalf("with a bus: %v", err)
	}
}

func TestKeyringCallIsBoundedByTimeout(t *testing.T) {
	s := newTestStore(t, "acme", withBus)
	s.Timeout = 50 * time.Millisecond
	block := make(chan struct{})
	defer close(block)
	err := s.bounded(func() error { <-block; return nil })
	if !IsUnavailable(err) || !strings.Contains(err.Error(), "did not answer within 50ms") {
		t.Fatalf("blocked keyring: %v", err)
	}
}

func TestInsecureFileIsPrivateAndRefusedWhenNot(t *testing.T) {
	keyring.MockInit()
	s := newTestStore(t, "acme", envWith(nil))
	if err := s.SaveFile("secret-1"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(s.CredentialsPath())
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials mode %04o, want 0600", st.Mode().Perm())
	}
	if dst, _ := os.Stat(s.ConfigDir); dst.Mode().Perm()&0o077 != 0 {
		t.Errorf("config dir mode %04o lets others in", dst.Mode().Perm())
	}
	os.Chmod(s.CredentialsPath(), 0o644)
	_, err = s.Lookup()
	if err == nil || !strings.Contains(err.Error(), "chmod 600 "+s.CredentialsPath()) {
		t.Fatalf("0644 file: %v", err)
	}
	if err := s.SaveFile("secret-2"); err == nil {
		t.Fatal("wrote into a file others can read")
	}
}

func TestDeleteRemovesFromEveryStore(t *testing.T) {
	keyring.MockInit()
	s := newTestStore(t, "acme", withBus)
	s.SaveKeyring("a")
	s.SaveFile("b")
	keep := newTestStore(t, "keep", withBus)
	keep.ConfigDir = s.ConfigDir
	keep.SaveFile("c")
	removed, err := s.Delete()
	if err != nil || strings.Join(removed, ",") != SourceKeyring+","+SourceFile {
		t.Fatalf("removed %v, %v", removed, err)
	}
	if _, err := s.Lookup(); !errors.Is(err, ErrNoKey) {
		t.Fatalf("still found after delete: %v", err)
	}
	if f, _ := keep.Lookup(); f.Key != "c" {
		t.Fatal("delete removed another profile's key")
	}
	if removed, _ := s.Delete(); len(removed) != 0 {
		t.Fatalf("second delete removed %v", removed)
	}
}

func TestCleanKey(t *testing.T) {
	if k, err := CleanKey("  abc123\n"); err != nil || k != "abc123" {
		t.Fatalf("trailing newline: %q %v", k, err)
	}
	for in, say := range map[string]string{"": "no key", "  \n": "no key", "abc 123": "space", "ab\tc": "space", "ab\x00c": "control", strings.Repeat("k", 600): "too long", "key\xff\xfe": "UTF-8"} {
		_, err := CleanKey(in)
		if err == nil || !strings.Contains(err.Error(), say) {
			t.Errorf("%q: %v, want %q", in, err, say)
		}
		if err != nil && len(in) > 3 && strings.Contains(err.Error(), strings.TrimSpace(in)) {
			t.Errorf("the message repeats the key: %v", err)
		}
	}
}

func TestProfileNames(t *testing.T) {
	for _, bad := range []string{"", "a/b", "a b", "../x", ".hidden", strings.Repeat("p", 65)} {
		if err := ValidateProfile(bad); err == nil {
			t.Errorf("profile %q accepted", bad)
		}
	}
	if _, err := NewStore("acme/east", t.TempDir()); err == nil {
		t.Fatal("store for a profile with /")
	}
	for _, good := range []string{"default", "acme", "acme-east_2", "a.b"} {
		if err := ValidateProfile(good); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
}

func TestProfilesFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(ProfilesPath(dir), []byte("# customers\n[acme]\napi_url = https://eu.example.com\nread_only = true   # no writes\nshare = 25% # of the quota\nkeep_history = 90d\n\n[bolt]\nshare = 0.8\n"), 0o644)
	ps, err := LoadProfiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p := ps["acme"]; p.APIURL != "https://eu.example.com" || !p.ReadOnly || p.Share != 0.25 || p.KeepHistory != 90*24*time.Hour {
		t.Fatalf("acme: %+v", p)
	}
	if p := ps["bolt"]; p.ReadOnly || p.Share != 0.8 || p.KeepHistory != 0 {
		t.Fatalf("bolt: %+v", p)
	}
	for content, say := range map[string]string{
		"api_url = x\n":                "follow a [profile]",
		"[a b]\n":                      "not allowed",
		"[a]\nshare = 150%\n":          "share",
		"[a]\nshare = NaN\n":           "share",
		"[a]\nshare = nan%\n":          "share",
		"[a]\nshare = Inf\n":           "share",
		"[a]\nshare = -Inf\n":          "share",
		"[a]\nshare = 0\n":             "share",
		"[a]\nshare = 2\n":             "share",
		"[a]\nread_only = maybe\n":     "read_only",
		"[a]\nkeep_history = 30\n":     "keep_history",
		"[a]\nkeep_history = 30m\n":    "keep_history",
		"[a]\nkeep_history = 0d\n":     "keep_history",
		"[a]\nkeep_history = 99999d\n": "keep_history",
		"[a]\ncolour = blue\n":         "unknown setting",
		"[a]\n[a]\n":                   "twice",
		"[a]\njust words\n":            "key = value",
	} {
		os.WriteFile(ProfilesPath(dir), []byte(content), 0o644)
		_, err := LoadProfiles(dir)
		if err == nil || !strings.Contains(err.Error(), say) || !strings.Contains(err.Error(), "line") {
			t.Errorf("%q: %v, want %q with a line number", content, err, say)
		}
	}
	os.WriteFile(ProfilesPath(dir), []byte("[a]\n\nshare = NaN\n"), 0o644)
	if _, err := LoadProfiles(dir); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("share = NaN: %v, want the line named", err)
	}
	names, _ := ProfileNames(t.TempDir())
	if len(names) != 1 || names[0] != DefaultProfile {
		t.Errorf("no files: %v", names)
	}
}
