package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sqc/api"
	"sqc/api/sim"
)

const testKey = "main-test-key-42"

// setup serves a simulator and points the environment at it.
func setup(t testing.TB) (*sim.Server, *httptest.Server) {
	t.Helper()
	s := sim.New(sim.Options{Devices: 30, Key: testKey})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Setenv("SENQUIP_API_KEY", testKey)
	t.Setenv("SENQUIP_API_URL", "")
	t.Setenv("SQC_PROFILE", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	// No session bus: these tests must never reach a real keyring.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	return s, srv
}

func sqc(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func hostedDevice(t *testing.T, s *sim.Server) string {
	for _, d := range s.Devices() {
		if d.Plan == api.PlanHosted && d.LastSeen != nil {
			return d.DeviceID
		}
	}
	t.Fatal("no Hosted device")
	return ""
}

func TestFlagsBeforeOrAfterArguments(t *testing.T) {
	s, srv := setup(t)
	id := hostedDevice(t, s)
	var outputs []string
	for _, args := range [][]string{
		{"data", id, "--json", "--api-url", srv.URL},
		{"--api-url", srv.URL, "data", "--json", strings.ToLower(id)},
		{"--api-url=" + srv.URL, "--json", "data", id, "--limit", "1"},
	} {
		code, out, errs := sqc(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		outputs = append(outputs, out)
	}
	for _, o := range outputs[1:] {
		if o != outputs[0] {
			t.Fatalf("flag order changed the output:\n%s\n%s", outputs[0], o)
		}
	}
}

// --json prints the server's data with nothing dropped.
func TestJSONOutputIsTheServersData(t *testing.T) {
	s, srv := setup(t)
	t.Setenv("SENQUIP_API_URL", srv.URL)
	get := func(path string) []byte {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set(api.KeyHeader, testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	code, out, errs := sqc(t, "devices", "--json")
	if code != 0 {
		t.Fatal(errs)
	}
	var want, got any
	json.Unmarshal(get("/devices?limit=1000"), &want)
	json.Unmarshal([]byte(out), &got)
	if !reflect.DeepEqual(want.(map[string]any)["devices"], got.(map[string]any)["devices"]) {
		t.Fatalf("devices --json differs from the server's list:\n%s", out)
	}
	id := hostedDevice(t, s)
	code, out, errs = sqc(t, "data", id, "--json", "--limit", "3")
	if code != 0 {
		t.Fatal(errs)
	}
	json.Unmarshal(get("/devices/"+id+"/data?limit=3"), &want)
	json.Unmarshal([]byte(out), &got)
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("data --json differs from the server's answer:\n%s", out)
	}
}

func TestDataPrintsEveryKeyWithUnits(t *testing.T) {
	s, srv := setup(t)
	id := hostedDevice(t, s)
	code, out, errs := sqc(t, "data", id, "--api-url", srv.URL)
	if code != 0 {
		t.Fatal(errs)
	}
	for _, want := range []string{id, "vin ", " V\n", "ambient", "°C"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestExitStatuses(t *testing.T) {
	s, srv := setup(t)
	t.Setenv("SENQUIP_API_URL", srv.URL)
	for _, tc := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"devices", "--nope"}, 2, "flag provided but not defined"},
		{[]string{"data"}, 2, "one device ID"},
		{[]string{"data", "JDA54!19F"}, 2, "letters and digits"},
		{[]string{"data", "SHORT"}, 2, "9 letters"},
		{[]string{"data", "ABCDEFGH1", "--limit", "0"}, 2, "--limit"},
		{[]string{"--profile", "a/b", "devices"}, 2, "profile name"},
		{[]string{"data", "JDA54E19F", "--limit", "abc"}, 2, `--limit: "abc" is not a whole number`},
		{[]string{"data", "ZZZZZZZZ9"}, 1, "404"},
		{[]string{"devices", "--api-url", "http://example.com"}, 1, "refusing plain http://"},
		{[]string{"routes", "import"}, 2, "routes import FILE"},
	} {
		code, _, errs := sqc(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.say) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errs, tc.code, tc.say)
		}
	}
	if n := s.Stats().Requests; n != 1 {
		t.Errorf("usage errors cost requests: the server saw %d, want 1 (the 404)", n)
	}
}

func TestUnreachableServerExits1(t *testing.T) {
	setup(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	code, _, errs := sqc(t, "devices", "--api-url", "http://"+addr)
	if code != 1 || !strings.Contains(errs, "could not be reached") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

func TestNoKeySaysWhatToDo(t *testing.T) {
	setup(t)
	t.Setenv("SENQUIP_API_KEY", "")
	code, _, errs := sqc(t, "devices")
	if code != 1 || !strings.Contains(errs, "SENQUIP_API_KEY") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

func TestRoutesImportAndShow(t *testing.T) {
	setup(t)
	code, out, errs := sqc(t, "routes", "import", filepath.Join("..", "..", "api", "testdata", "senquip-collection.json"), "--profile", "acme")
	// The collection names PUT for Update Device Config: that operation is
	// refused, the rest imported, and the exit says not all of it was.
	if code != 1 || !strings.Contains(errs, `refused   Update Device Config: the method is "PUT", but sqc sends this operation as PATCH only`) {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "replaced  Get Device Data") || !strings.Contains(out, "unmatched Load File onto Device") {
		t.Fatalf("import output:\n%s", out)
	}
	_, out, _ = sqc(t, "routes", "--profile", "acme")
	if !strings.Contains(out, "/v2/devices/{deviceid}/data") || !strings.Contains(out, "imported from senquip-collection.json") {
		t.Fatalf("routes after import:\n%s", out)
	}
	_, out, _ = sqc(t, "routes")
	if strings.Contains(out, "/v2/") {
		t.Fatal("another profile's routes changed")
	}
	bad := filepath.Join(t.TempDir(), "openapi.json")
	os.WriteFile(bad, []byte(`{"openapi":"3.0.0"}`), 0o600)
	code, _, errs = sqc(t, "routes", "import", bad)
	if code != 1 || !strings.Contains(errs, "not a Postman collection") {
		t.Fatalf("non-collection: exit %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "sqc", "routes", "default.json")); err == nil {
		t.Fatal("a refused import wrote a route file")
	}
}

func TestDebugLogGoesToFileWithoutTheKey(t *testing.T) {
	_, srv := setup(t)
	code, _, errs := sqc(t, "devices", "--debug", "--api-url", srv.URL)
	if code != 0 {
		t.Fatal(errs)
	}
	b, err := os.ReadFile(filepath.Join(os.Getenv("XDG_STATE_HOME"), "sqc", "debug.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "List All Devices") {
		t.Fatalf("debug log does not record the call:\n%s", b)
	}
	if strings.Contains(string(b), testKey) {
		t.Fatal("the key is in the debug log")
	}
}
