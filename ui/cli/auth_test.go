package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"sqc/keys"
)

func sqcIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func credentialsPath() string {
	return filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "sqc", "credentials")
}

// With no session bus (an SSH session), login without --insecure-storage
// explains and writes nothing.
func TestAuthLoginWithoutKeyringWritesNothing(t *testing.T) {
	setup(t)
	t.Setenv("SENQUIP_API_KEY", "")
	code, _, errs := sqcIn(t, "a-good-key\n", "auth", "login", "--no-verify")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"no D-Bus session bus", "SENQUIP_API_KEY", "--insecure-storage", "Nothing was stored"} {
		if !strings.Contains(errs, want) {
			t.Errorf("message lacks %q:\n%s", want, errs)
		}
	}
	if _, err := os.Stat(credentialsPath()); err == nil {
		t.Fatal("a credentials file was written")
	}
}

func TestAuthInsecureStorageRoundTrip(t *testing.T) {
	_, srv := setup(t)
	t.Setenv("SENQUIP_API_KEY", "")
	code, out, errs := sqcIn(t, testKey+"\n", "auth", "login", "--insecure-storage", "--api-url", srv.URL, "--profile", "acme")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "plain text, mode 0600") {
		t.Errorf("login output: %s", out)
	}
	st, err := os.Stat(credentialsPath())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials: %v, mode %v", err, st)
	}
	code, out, errs = sqcIn(t, "", "auth", "status", "--profile", "acme", "--api-url", srv.URL)
	if code != 0 || !strings.Contains(out, "file (insecure), "+keys.Fingerprint(testKey)) || !strings.Contains(out, "accepts the key") {
		t.Fatalf("status: exit %d\n%s%s", code, out, errs)
	}
	if strings.Contains(out, testKey) {
		t.Fatal("status prints the key")
	}
	code, out, _ = sqcIn(t, "", "devices", "--profile", "acme", "--api-url", srv.URL)
	if code != 0 || !strings.Contains(out, "devices,") {
		t.Fatalf("devices with the stored key: %d %s", code, out)
	}
	_, out, _ = sqcIn(t, "", "profiles", "--profile", "acme")
	if !strings.Contains(out, "*acme") || !strings.Contains(out, "file (insecure)") {
		t.Fatalf("profiles:\n%s", out)
	}
	os.Chmod(credentialsPath(), 0o644)
	code, _, errs = sqcIn(t, "", "devices", "--profile", "acme", "--api-url", srv.URL)
	if code != 1 || !strings.Contains(errs, "chmod 600 "+credentialsPath()) {
		t.Fatalf("0644 credentials: exit %d %s", code, errs)
	}
	os.Chmod(credentialsPath(), 0o600)
	code, out, _ = sqcIn(t, "", "auth", "logout", "--profile", "acme")
	if code != 0 || !strings.Contains(out, "Removed the key for profile acme from the file (insecure)") {
		t.Fatalf("logout: %d %s", code, out)
	}
	if _, err := os.Stat(credentialsPath()); err == nil {
		t.Fatal("logout left the credentials file")
	}
}

func TestAuthLoginRefusesBadKeys(t *testing.T) {
	s, srv := setup(t)
	t.Setenv("SENQUIP_API_KEY", "")
	for _, tc := range []struct {
		stdin string
		args  []string
		code  int
		say   string
	}{
		{"", nil, 1, "no key given"},
		{"  \n", nil, 1, "no key given"},
		{"two words\n", nil, 1, "space or line break"},
		{"wrong-key\n", nil, 1, "refused this key (403)"},
		{testKey + "\n", []string{"--profile", "acme/east"}, 2, "profile name"},
		{testKey + "\n", []string{"--profile", "acme east"}, 2, "profile name"},
	} {
		args := append([]string{"auth", "login", "--insecure-storage", "--api-url", srv.URL}, tc.args...)
		code, _, errs := sqcIn(t, tc.stdin, args...)
		if code != tc.code || !strings.Contains(errs, tc.say) {
			t.Errorf("%q %v: exit %d %q, want %d %q", tc.stdin, tc.args, code, errs, tc.code, tc.say)
		}
		if _, err := os.Stat(credentialsPath()); err == nil {
			t.Fatalf("%q: a refused key was stored", tc.stdin)
		}
	}
	// A trailing newline from a pipe is trimmed and the key works.
	if code, _, errs := sqcIn(t, testKey+"\r\n", "auth", "login", "--insecure-storage", "--api-url", srv.URL); code != 0 {
		t.Fatalf("key with CRLF: %s", errs)
	}
	// The simulator counts requests past the key check: only the good key's.
	if s.Stats().Requests != 1 {
		t.Errorf("verification spent %d requests, want 1 (List All Devices, limit 1)", s.Stats().Requests)
	}
	if code, _, _ := sqcIn(t, "", "auth", "frob"); code != 2 {
		t.Error("unknown auth command is not a usage error")
	}
}

// The key goes into a REAL Secret Service (gnome-keyring under its own
// session bus) and is read back with libsecret's secret-tool, a client we
// did not write.
func TestRealSecretService(t *testing.T) {
	for _, prog := range []string{"dbus-run-session", "gnome-keyring-daemon", "secret-tool"} {
		if _, err := exec.LookPath(prog); err != nil {
			t.Skipf("%s is not installed (apt-get install dbus gnome-keyring libsecret-tools): skipping the real keyring test", prog)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sqc")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	script := `set -eu
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
printf 'keyring-password' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
printf 'real-keyring-key-42\n' | "$SQC" auth login --no-verify --profile itest
echo "lookup=$(secret-tool lookup service sqc username itest)"
"$SQC" auth status --no-verify --profile itest
"$SQC" auth logout --profile itest
if secret-tool lookup service sqc username itest >/dev/null 2>&1; then echo "after-logout=present"; else echo "after-logout=gone"; fi
`
	cmd := exec.Command("dbus-run-session", "--", "bash", "-c", script)
	cmd.Env = append(os.Environ(),
		"SQC="+bin, "HOME="+filepath.Join(dir, "home"), "XDG_RUNTIME_DIR="+filepath.Join(dir, "run"),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "cfg"), "SENQUIP_API_KEY=", "DBUS_SESSION_BUS_ADDRESS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"Stored the key for profile itest in the OS keyring", "lookup=real-keyring-key-42", "key       keyring, " + keys.Fingerprint("real-keyring-key-42"), "Removed the key for profile itest from the keyring", "after-logout=gone"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "cfg", "sqc", "credentials")); err == nil {
		t.Error("the keyring path wrote the insecure file")
	}
}

// readSpy records whether anything read from it.
type readSpy struct{ read bool }

func (r *readSpy) Read(p []byte) (int, error) {
	r.read = true
	return copy(p, "a-good-key\n"), io.EOF
}

// Without a keyring, login says so and how to get by before it reads the
// key: the user does not type it for nothing.
func TestAuthLoginSaysNoKeyringBeforeAskingForTheKey(t *testing.T) {
	setup(t)
	t.Setenv("SENQUIP_API_KEY", "")
	spy := &readSpy{}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"auth", "login", "--no-verify"}, spy, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "--insecure-storage") || !strings.Contains(errb.String(), "SENQUIP_API_KEY") {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if spy.read {
		t.Fatal("the key was read before saying there is no keyring")
	}
}

// A key piped in that is not valid UTF-8 is refused and not stored.
func TestAuthLoginRefusesInvalidUTF8(t *testing.T) {
	setup(t)
	t.Setenv("SENQUIP_API_KEY", "")
	code, _, errs := sqcIn(t, "key\xff\xfe\n", "auth", "login", "--insecure-storage", "--no-verify")
	if code != 1 || !strings.Contains(errs, "UTF-8") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(credentialsPath()); err == nil {
		t.Fatal("the key was stored")
	}
}

// auth login --api-url keeps the URL in the profile: auth status and every
// command of the profile then use the server the key was checked against,
// and auth status says which URL it checks and where that URL came from.
func TestAuthLoginKeepsTheAPIURL(t *testing.T) {
	_, srv := setup(t)
	t.Setenv("SENQUIP_API_KEY", "")
	code, out, errs := sqcIn(t, testKey+"\n", "auth", "login", "--insecure-storage", "--api-url", srv.URL+"/", "--profile", "acme")
	if code != 0 || !strings.Contains(out, "Profile acme uses "+srv.URL+" from now on") {
		t.Fatalf("login: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = sqcIn(t, "", "auth", "status", "--profile", "acme")
	if code != 0 || !strings.Contains(out, "api url   "+srv.URL+" (from profile acme in ") || !strings.Contains(out, "accepts the key") {
		t.Fatalf("status: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs = sqcIn(t, "", "devices", "--profile", "acme"); code != 0 || !strings.Contains(out, "devices,") {
		t.Fatalf("devices of the profile: exit %d\n%s%s", code, out, errs)
	}
	// The hand-set settings of a profile stay when its URL changes.
	b, _ := os.ReadFile(keys.ProfilesPath(filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "sqc")))
	if !strings.Contains(string(b), "[acme]\napi_url = "+srv.URL+"\n") {
		t.Errorf("profiles.ini:\n%s", b)
	}
	// A URL that would send the key in clear is refused before the key is read.
	code, _, errs = sqcIn(t, testKey+"\n", "auth", "login", "--insecure-storage", "--api-url", "http://example.com", "--profile", "acme")
	if code != 2 || !strings.Contains(errs, "--api-url") {
		t.Fatalf("http URL: exit %d %s", code, errs)
	}
}

// When the server cannot be reached, auth status says which URL it tried
// and where that URL came from, not only that something failed.
func TestAuthStatusSaysWhichURLItChecks(t *testing.T) {
	setup(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	t.Setenv("SENQUIP_API_URL", closed)
	code, out, errs := sqcIn(t, "", "auth", "status")
	if code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"api url   " + closed + " (from SENQUIP_API_URL)", "checking  the key at " + closed, "no answer from " + closed} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, closed+" could not be reached (its URL is from SENQUIP_API_URL") {
		t.Errorf("stderr: %s", errs)
	}
}

// A profile whose key is only in the keyring is listed by sqc profiles,
// with where its key is. (The keyring is go-keyring's in-memory one.)
func TestProfilesListsAKeyringOnlyProfile(t *testing.T) {
	setup(t)
	t.Setenv("SENQUIP_API_KEY", "")
	keyring.MockInit()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus") // so the keyring is asked: the mock answers
	code, out, errs := sqcIn(t, "keyring-only-key\n", "auth", "login", "--no-verify", "--profile", "ringonly")
	if code != 0 || !strings.Contains(out, "in the OS keyring") {
		t.Fatalf("login: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = sqcIn(t, "", "profiles")
	if code != 0 {
		t.Fatalf("profiles: exit %d %s", code, errs)
	}
	var line string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "ringonly" {
			line = l
		}
	}
	if line == "" || strings.Fields(line)[1] != "keyring" {
		t.Fatalf("the keyring-only profile is not listed with its key in the keyring:\n%s", out)
	}
	t.Cleanup(func() { sqcIn(t, "", "auth", "logout", "--profile", "ringonly") })
}
