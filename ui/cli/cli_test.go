package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sqc/api"
)

// Every way of asking for help prints it on stdout and exits 0, and each
// command lists its own flags, with their defaults, and no others.
func TestHelpGoesToStdoutWithExit0(t *testing.T) {
	setup(t)
	for _, tc := range []struct {
		args      []string
		want      []string
		wantNot   []string
		different string // a usage line that proves which command answered
	}{
		{[]string{"--help"}, []string{"devices", "data", "sim", "auth", "routes", "--read-only", "--ascii", "--device"}, nil, "sqc [command]"},
		{[]string{"help"}, []string{"devices", "data", "sim"}, nil, "sqc [command]"},
		{[]string{"-h"}, []string{"devices"}, nil, "sqc [command]"},
		{[]string{"help", "devices"}, []string{"--json", "--api-url", "--profile"}, []string{"--limit", "--listen"}, "sqc devices"},
		{[]string{"devices", "--help"}, []string{"--json"}, []string{"--limit"}, "sqc devices"},
		{[]string{"data", "--help"}, []string{"--limit", "(1)", "DEVICEID"}, []string{"--listen"}, "sqc data"},
		{[]string{"--help", "data"}, []string{"--limit"}, nil, "sqc data"},
		{[]string{"sim", "--help"}, []string{"--listen", "127.0.0.1:8088", "--devices", "(40)", "--hosted", "(0.6)", "--latency", "--fail-rate"}, []string{"--api-url", "--profile", "--demo", "--json"}, "sqc sim"},
		{[]string{"auth", "--help"}, []string{"login", "logout", "status"}, nil, "sqc auth"},
		{[]string{"auth", "login", "--help"}, []string{"--insecure-storage", "--no-verify", "--profile"}, nil, "sqc auth login"},
		{[]string{"auth", "logout", "--help"}, []string{"--profile"}, []string{"--insecure-storage", "--no-verify", "--api-url"}, "sqc auth logout"},
		{[]string{"auth", "status", "--help"}, []string{"--no-verify"}, []string{"--insecure-storage"}, "sqc auth status"},
		{[]string{"help", "auth", "login"}, []string{"--insecure-storage"}, nil, "sqc auth login"},
		{[]string{"routes", "import", "--help"}, []string{"FILE"}, nil, "sqc routes import"},
		{[]string{"help", "routes", "reset"}, []string{"built-in routes"}, nil, "sqc routes reset"},
		{[]string{"config", "--help"}, []string{"get", "set"}, nil, "sqc config"},
		{[]string{"config", "get", "--help"}, []string{"--json", "DEVICEID", "--profile"}, []string{"--yes", "--read-only"}, "sqc config get"},
		{[]string{"config", "set", "--help"}, []string{"--yes", "--read-only", "KEY=VALUE"}, []string{"--json", "--group"}, "sqc config set"},
		{[]string{"help", "device", "add"}, []string{"--group", "--group-id", "--setup-password-stdin", "--from", "--yes", "--read-only"}, []string{"--json"}, "sqc device add"},
		{[]string{"files", "load", "--help"}, []string{"--as", "--yes", "FILE...", "ca.pem"}, []string{"--server"}, "sqc files load"},
		{[]string{"mqtt", "set", "--help"}, []string{"--server", "--client-id", "--ca", "(internal)", "--yes"}, []string{"--as"}, "sqc mqtt set"},
	} {
		code, out, errs := sqc(t, tc.args...)
		if code != 0 || errs != "" {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errs)
			continue
		}
		for _, w := range append(tc.want, tc.different) {
			if !strings.Contains(out, w) {
				t.Errorf("%v: help lacks %q:\n%s", tc.args, w, out)
			}
		}
		for _, w := range tc.wantNot {
			if strings.Contains(out, w) {
				t.Errorf("%v: help lists %q, which is not this command's:\n%s", tc.args, w, out)
			}
		}
	}
}

// A mistake in the command line is exit 2 with one line on stderr that
// says what to do, and nothing on stdout.
func TestUsageMistakesAreOneLine(t *testing.T) {
	setup(t)
	for _, tc := range []struct {
		args []string
		say  string
	}{
		{[]string{"devicez"}, "did you mean device or devices?"},
		{[]string{"frobnicate"}, "run sqc help"},
		{[]string{"devices", "--nope"}, "sqc devices --help"},
		{[]string{"data", "ABCDEFGH1", "--limit", "many"}, "--limit"},
		{[]string{"data", "ABCDEFGH1", "--limit"}, "--limit"},
		{[]string{"sim", "--api-url", "https://x"}, "--api-url"},
		{[]string{"help", "frob"}, "no command"},
		{[]string{"auth"}, "login, logout, status"},
		{[]string{"auth", "frob"}, "unknown auth command"},
		{[]string{"auth", "logout", "extra"}, "no arguments"},
		{[]string{"routes", "frob"}, "routes import FILE"},
		{[]string{"data", "M0000000\u017f"}, "letters and digits"},
		{[]string{"config"}, "get, set"},
		{[]string{"mqtt", "frob"}, "unknown mqtt command"},
		{[]string{"files", "load", "ABCDEFGH1"}, "files load DEVICEID FILE"},
	} {
		code, out, errs := sqc(t, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.say) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and %q", tc.args, code, out, errs, tc.say)
		}
		if n := strings.Count(strings.TrimSpace(errs), "\n"); n != 0 {
			t.Errorf("%v: %d lines on stderr:\n%s", tc.args, n+1, errs)
		}
	}
}

// --read-only and --ascii are taken before or after arguments, and the
// profile's read_only counts as the flag.
func TestReadOnlyAndASCII(t *testing.T) {
	setup(t)
	dir := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "sqc")
	os.MkdirAll(dir, 0o700)
	os.WriteFile(filepath.Join(dir, "profiles.ini"), []byte("[acme]\nread_only = true\n"), 0o600)
	for _, tc := range []struct {
		args            []string
		readOnly, ascii bool
	}{
		{[]string{}, false, false},
		{[]string{"--read-only"}, true, false},
		{[]string{"--profile", "acme"}, true, false},
		{[]string{"--ascii", "--profile", "default"}, false, true},
	} {
		c := newCLI(strings.NewReader(""), &strings.Builder{}, &strings.Builder{})
		c.root.SetArgs(tc.args)
		if err := c.root.ParseFlags(tc.args); err != nil {
			t.Fatal(err)
		}
		e, err := newEnv(c.o, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if e.readOnly() != tc.readOnly || c.o.ascii != tc.ascii {
			t.Errorf("%v: read-only %v, ascii %v", tc.args, e.readOnly(), c.o.ascii)
		}
	}
	for env, want := range map[[3]string]bool{
		{"", "", ""}:                  false,
		{"", "", "en_AU.UTF-8"}:       true,
		{"C", "", "en_AU.UTF-8"}:      false,
		{"", "en_US.utf8", "C"}:       true,
		{"", "", "de_DE.ISO-8859-1"}:  false,
		{"en_GB.UTF-8", "POSIX", "C"}: true,
	} {
		got := utf8Locale(func(k string) string {
			return map[string]string{"LC_ALL": env[0], "LC_CTYPE": env[1], "LANG": env[2]}[k]
		})
		if got != want {
			t.Errorf("locale %v: utf8 %v", env, got)
		}
	}
}

// The console run from a script says what to do instead.
func TestConsoleWithoutTerminal(t *testing.T) {
	setup(t)
	code, out, errs := sqc(t, "--demo")
	if code != 1 || strings.TrimSpace(errs) != "sqc: sqc needs a terminal; for scripts use sqc devices / sqc data" || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// After importing a collection with other paths, a 404 says where the
// routes came from and how to go back, and routes reset goes back.
func TestImportedRoutes404PointsAtReset(t *testing.T) {
	_, srv := setup(t)
	t.Setenv("SENQUIP_API_URL", srv.URL)
	if code, _, errs := sqc(t, "routes", "import", filepath.Join("..", "..", "api", "testdata", "senquip-collection.json")); code != 1 || !strings.Contains(errs, "refused 1 operation") {
		t.Fatal(errs)
	}
	code, _, errs := sqc(t, "devices")
	if code != 1 || !strings.Contains(errs, "imported from senquip-collection.json") || !strings.Contains(errs, "sqc routes reset") || strings.Contains(errs, "import the collection") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, out, errs := sqc(t, "routes", "reset")
	if code != 0 || !strings.Contains(out, "built-in routes again") {
		t.Fatalf("reset: exit %d %s%s", code, out, errs)
	}
	if code, out, _ := sqc(t, "devices"); code != 0 || !strings.Contains(out, "30 devices") {
		t.Fatalf("after reset: exit %d\n%s", code, out)
	}
	if _, out, _ := sqc(t, "routes", "reset"); !strings.Contains(out, "already uses the built-in routes") {
		t.Fatalf("second reset: %s", out)
	}
}

// sqc data writes numbers with at most 3 decimals and their units, CAN
// ids in hex with the PGN, and counts with the right plural.
func TestDataFormatsNumbersOnce(t *testing.T) {
	s, srv := setup(t)
	t.Setenv("SENQUIP_API_URL", srv.URL)
	var quad string
	for _, d := range s.Devices() {
		if d.Model == "QUAD-C2" && d.CanReadData() && d.LastSeen != nil {
			quad = d.DeviceID
			break
		}
	}
	if quad == "" {
		t.Skip("no QUAD-C2 device in this fleet")
	}
	code, out, errs := sqc(t, "data", quad, "--limit", "5")
	if code != 0 {
		t.Fatal(errs)
	}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "vin" {
			continue
		}
		if i := strings.IndexByte(f[1], '.'); i >= 0 && len(f[1])-i-1 > 3 {
			t.Errorf("more than 3 decimals: %q", line)
		}
		if len(f) != 3 || f[2] != "V" {
			t.Errorf("vin without its unit: %q", line)
		}
	}
	if regexp.MustCompile(`\s1 frames`).MatchString(out) {
		t.Errorf("plural: %s", out)
	}
	if !strings.Contains(out, " pgn ") {
		t.Skip("no CAN frames in these messages")
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, " pgn ") {
			id := strings.Fields(line)[0]
			if len(id) != 8 || strings.Trim(id, "0123456789ABCDEF") != "" {
				t.Errorf("CAN id not 8 hex digits: %q", line)
			}
		}
	}
}

// A device whose plan allows no data reads is told so once, with where
// the plan is changed: the server's words and the hint do not repeat.
func TestDataOnAPlanNoneDeviceSaysItOnce(t *testing.T) {
	s, srv := setup(t)
	t.Setenv("SENQUIP_API_URL", srv.URL)
	var none string
	for _, d := range s.Devices() {
		if d.Plan == api.PlanNone {
			none = d.DeviceID
			break
		}
	}
	if none == "" {
		t.Fatal("no device on plan None in the simulated fleet")
	}
	code, _, errs := sqc(t, "data", none)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if n := strings.Count(errs, "Trial or Hosted"); n != 1 {
		t.Errorf("the plans that read data are named %d times, want once:\n%s", n, errs)
	}
	if !strings.Contains(errs, "Subscriptions") {
		t.Errorf("does not say where the plan is changed:\n%s", errs)
	}
}

// sqc data shows a message as the console's readings pane does: keys in
// their groups (power, environment, ... script values by number), and the
// message's times in RFC 3339; --json keeps the server's epoch numbers.
func TestDataGroupsKeysAndShowsTimes(t *testing.T) {
	s, srv := setup(t)
	t.Setenv("SENQUIP_API_URL", srv.URL)
	id := hostedDevice(t, s)
	code, out, errs := sqc(t, "data", id)
	if code != 0 {
		t.Fatal(errs)
	}
	at := func(line string) int {
		i := strings.Index(out, "\n"+line+"\n")
		if i < 0 {
			t.Fatalf("no line %q:\n%s", line, out)
		}
		return i
	}
	order := []string{"  Time", "  Power", "  Environment", "  Motion", "  Script values"}
	for i := 1; i < len(order); i++ {
		if at(order[i-1]) > at(order[i]) {
			t.Errorf("%q comes after %q:\n%s", order[i-1], order[i], out)
		}
	}
	if p := at("  Power"); !strings.HasPrefix(out[p+1+len("  Power\n"):], "    v") {
		t.Errorf("the power keys are not under Power:\n%s", out)
	}
	if i, j := strings.Index(out, "\n    cp2 "), strings.Index(out, "\n    cp10 "); i < 0 || j < 0 || i > j {
		t.Errorf("script values not in their numbers' order (cp2 at %d, cp10 at %d):\n%s", i, j, out)
	}
	for _, k := range []string{"ts", "time"} {
		re := regexp.MustCompile(`\n    ` + k + ` +(\S+)\n`)
		m := re.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no %s line:\n%s", k, out)
		}
		if _, err := time.Parse(time.RFC3339Nano, m[1]); err != nil {
			t.Errorf("%s is %q, not an RFC 3339 time", k, m[1])
		}
	}
	if regexp.MustCompile(`\b1[0-9]{9}\b`).MatchString(out) {
		t.Errorf("a raw epoch number is printed:\n%s", out)
	}
	_, out, errs = sqc(t, "data", id, "--json")
	if !regexp.MustCompile(`"ts": 1[0-9]{9}`).MatchString(out) {
		t.Errorf("--json lost the server's epoch ts:\n%s%s", out, errs)
	}
}
