package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
	"sqc/keys"
	"sqc/state"
)

// config get shows every setting by dotted key, grouped by its first
// part, text quoted, and the synced state; a non-Hosted device's calls
// left are shown and the call it cost is said on stderr.
func TestConfigGetPlain(t *testing.T) {
	s := writeSetup(t)
	id := hostedIDs(t, s, 1)[0]
	code, out, errs := sqc(t, "config", "get", strings.ToLower(id))
	if code != 0 || errs != "" {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{id + "\n", "synced      yes", "\n\nambient.alarm ", "ambient.warning  ", "  50\n", `"CAPTURE"`, `endpoint.mqtt.server         ""`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "calls left") {
		t.Errorf("a Hosted device shown with calls left:\n%s", out)
	}
	if i, j := strings.Index(out, "ambient.warning"), strings.Index(out, "device.interval"); i < 0 || j < i || !strings.Contains(out[i:j], "\n\n") {
		t.Errorf("groups not apart, or not sorted:\n%s", out)
	}

	d := notHosted(t, s)
	code, out, errs = sqc(t, "config", "get", d.DeviceID)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	left := *d.Remaining - 1
	if !strings.Contains(out, fmt.Sprintf("calls left  %d this month", left)) {
		t.Errorf("calls left not shown as %d:\n%s", left, out)
	}
	if want := fmt.Sprintf("1 call spent: %d left this month", left); !strings.Contains(errs, want) {
		t.Errorf("stderr %q lacks %q", errs, want)
	}
	if len(writes(s)) != 0 {
		t.Fatal("config get wrote")
	}
}

// config get --json is the server's answer, nothing dropped.
func TestConfigGetJSON(t *testing.T) {
	s, srv := setup(t)
	t.Setenv("SENQUIP_API_URL", srv.URL)
	id := hostedIDs(t, s, 1)[0]
	code, out, errs := sqc(t, "config", "get", id, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/devices/"+id+"/config", nil)
	req.Header.Set(api.KeyHeader, testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var want, got any
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("--json differs from the server's answer:\nserver %s\nsqc    %s", b, out)
	}
}

// With --yes the one PATCH carries exactly the changed keys, typed as the
// device has them, and is in the audit log.
func TestConfigSetYesSendsTheExactPatch(t *testing.T) {
	s := writeSetup(t)
	id := hostedIDs(t, s, 1)[0]
	code, out, errs := sqc(t, "config", "set", id, "ambient.warning=47", "serial1.mode=MODBUS", "ambient.alarm=60", "--yes")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	w := writes(s)
	if len(w) != 1 {
		t.Fatalf("%d writes, want 1", len(w))
	}
	const body = `{"config":{"ambient":{"warning":47},"serial1":{"mode":"MODBUS"}}}`
	if w[0].Method != "PATCH" || w[0].Path != "/devices/"+id+"/config" || string(w[0].Body) != body || w[0].Status != 202 {
		t.Fatalf("sent %s %s %s (%d), want PATCH with %s", w[0].Method, w[0].Path, w[0].Body, w[0].Status, body)
	}
	for _, want := range []string{"- ambient.warning 50", "+ ambient.warning 47", `+ serial1.mode "MODBUS"`, "PATCH ", id + "  queued (202)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ambient.alarm") {
		t.Errorf("an unchanged setting is in the change:\n%s", out)
	}
	if a := auditLog(t); !strings.Contains(a, "device="+id) || !strings.Contains(a, "+ ambient.warning 47") || !strings.Contains(a, "status=202") {
		t.Errorf("audit log:\n%s", a)
	}
}

// Without --yes and without a terminal nothing is sent, but what --yes
// would send is shown first, and the refusal says to use --yes.
func TestConfigSetWithoutYesOrTerminalSendsNothing(t *testing.T) {
	s := writeSetup(t)
	id := hostedIDs(t, s, 1)[0]
	code, out, errs := sqc(t, "config", "set", id, "ambient.warning=47")
	if code != 1 || !strings.Contains(errs, "stdin is not a terminal") || !strings.Contains(errs, "--yes sends the 1 config update shown above") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{"+ ambient.warning 47", "PATCH " + os.Getenv("SENQUIP_API_URL") + "/devices/" + id + "/config"} {
		if !strings.Contains(out, want) {
			t.Errorf("what would be sent is not shown: no %q in\n%s", want, out)
		}
	}
	if n := len(writes(s)); n != 0 {
		t.Fatalf("%d writes sent", n)
	}
}

// --dry-run prints the diff and the exact request, built by the code that
// sends it, and sends nothing: the request --yes then sends is the one
// the dry run printed, byte for byte.
func TestConfigSetDryRunShowsTheRequestAndSendsNothing(t *testing.T) {
	s := writeSetup(t)
	id := hostedIDs(t, s, 1)[0]
	for _, stdin := range []func(string, ...string) (int, string, string){
		func(typed string, args ...string) (int, string, string) { return sqcIn(t, typed, args...) },
		func(typed string, args ...string) (int, string, string) { return sqcAt(t, typed, args...) },
	} {
		code, out, errs := stdin("", "config", "set", id, "ambient.warning=47", "serial1.mode=MODBUS", "--dry-run")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if strings.Contains(errs, "[y/N]") {
			t.Errorf("a dry run asked: %s", errs)
		}
		for _, want := range []string{"- ambient.warning 50", "+ ambient.warning 47", `+ serial1.mode "MODBUS"`,
			"PATCH " + os.Getenv("SENQUIP_API_URL") + "/devices/" + id + "/config", "dry run: nothing was sent"} {
			if !strings.Contains(out, want) {
				t.Errorf("dry run output lacks %q:\n%s", want, out)
			}
		}
		if n := len(writes(s)); n != 0 {
			t.Fatalf("a dry run sent %d writes: %v", n, writes(s))
		}
		if a := auditLog(t); a != "" {
			t.Errorf("a dry run is in the audit log:\n%s", a)
		}
	}
	_, out, _ := sqc(t, "config", "set", id, "ambient.warning=47", "serial1.mode=MODBUS", "--dry-run")
	body := out[strings.Index(out, "/config\n")+len("/config\n"):]
	body = body[:strings.Index(body, "\n\n")]
	var shown any
	if err := json.Unmarshal([]byte(body), &shown); err != nil {
		t.Fatalf("the dry run's body is not the JSON sent: %v\n%s", err, body)
	}
	if code, _, errs := sqc(t, "config", "set", id, "ambient.warning=47", "serial1.mode=MODBUS", "--yes"); code != 0 {
		t.Fatal(errs)
	}
	w := writes(s)
	var sent any
	if len(w) != 1 || json.Unmarshal(w[0].Body, &sent) != nil || !reflect.DeepEqual(shown, sent) {
		t.Fatalf("--yes sent %d writes (%v), the dry run showed %s", len(w), w, body)
	}
}

// At a terminal it asks once, and only y sends.
func TestConfigSetAsksAtTheTerminal(t *testing.T) {
	s := writeSetup(t)
	id := hostedIDs(t, s, 1)[0]
	for _, typed := range []string{"\n", "n\n", "", "yes please\n"} {
		code, out, errs := sqcAt(t, typed, "config", "set", id, "ambient.warning=47")
		if code != 1 || !strings.Contains(errs, "Send this config update to "+id+"? [y/N]") || !strings.Contains(errs, "nothing was sent") {
			t.Errorf("typed %q: exit %d, stderr %q", typed, code, errs)
		}
		if !strings.Contains(out, "+ ambient.warning 47") {
			t.Errorf("typed %q: the change was not shown before asking:\n%s", typed, out)
		}
	}
	if n := len(writes(s)); n != 0 {
		t.Fatalf("%d writes after No", n)
	}
	code, out, errs := sqcAt(t, "y\n", "config", "set", id, "ambient.warning=47")
	if code != 0 || !strings.Contains(out, "queued") || len(writes(s)) != 1 {
		t.Fatalf("y: exit %d, %d writes: %s%s", code, len(writes(s)), out, errs)
	}
}

// A setting the device does not have, or a value of the wrong type, is
// refused before any write, naming the key.
func TestConfigSetRefusesUnknownKeyAndWrongType(t *testing.T) {
	s := writeSetup(t)
	ids := hostedIDs(t, s, 2)
	for _, tc := range []struct {
		set, say string
	}{
		{"ambient.warnin=47", "has no setting ambient.warnin"},
		{"ambient.warning=hot", "ambient.warning takes a number"},
		{"endpoint.mqtt.enable=yes", "endpoint.mqtt.enable takes true or false"},
		{"ambient=4", "ambient is a group of settings"},
	} {
		code, _, errs := sqc(t, "config", "set", ids[0]+","+ids[1], "device.interval=60", tc.set, "--yes")
		if code != 1 || !strings.Contains(errs, tc.say) || !strings.Contains(errs, "nothing was sent") {
			t.Errorf("%s: exit %d, stderr %q", tc.set, code, errs)
		}
	}
	if n := len(writes(s)); n != 0 {
		t.Fatalf("%d writes", n)
	}
}

// --read-only or the profile's read_only: nothing is sent, not even a read.
func TestConfigSetReadOnlySendsNothing(t *testing.T) {
	s := writeSetup(t)
	id := hostedIDs(t, s, 1)[0]
	dir := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "sqc")
	os.MkdirAll(dir, 0o700)
	os.WriteFile(filepath.Join(dir, "profiles.ini"), []byte("[acme]\nread_only = true\n"), 0o600)
	for _, args := range [][]string{
		{"config", "set", id, "ambient.warning=47", "--yes", "--read-only"},
		{"--read-only", "config", "set", id, "ambient.warning=47", "--yes"},
		{"config", "set", id, "ambient.warning=47", "--yes", "--profile", "acme"},
	} {
		code, _, errs := sqcAt(t, "y\n", args...)
		if code != 1 || !strings.Contains(errs, "read-only") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("%d requests in a read-only session", n)
	}
	if a := auditLog(t); a != "" {
		t.Fatalf("audit log written:\n%s", a)
	}
}

// Several devices: one update each, a line each; the one the server
// fails says so and the run exits 1, the others are queued.
func TestConfigSetManyDevicesOneFails(t *testing.T) {
	s := writeSetup(t)
	ids := hostedIDs(t, s, 3)
	s.Inject(sim.Fault{Op: api.OpUpdateConfig, Status: 422, Message: "setting locked by the test", Count: 1})
	code, out, errs := sqc(t, "config", "set", strings.Join(ids, ","), "ambient.warning=45", "--yes")
	if code != 1 || !strings.Contains(errs, "1 of 3 devices failed") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	w := writes(s)
	if len(w) != 3 {
		t.Fatalf("%d writes, want one per device", len(w))
	}
	for i, id := range ids {
		if w[i].DeviceID != id || string(w[i].Body) != `{"config":{"ambient":{"warning":45}}}` {
			t.Errorf("write %d: %s %s", i, w[i].DeviceID, w[i].Body)
		}
	}
	if !strings.Contains(out, ids[0]+"  refused: ") || !strings.Contains(out, "setting locked by the test") {
		t.Errorf("the failed device's line:\n%s", out)
	}
	for _, id := range ids[1:] {
		if !strings.Contains(out, id+"  queued (202)") {
			t.Errorf("%s not queued:\n%s", id, out)
		}
	}
}

// IDs from stdin, one a line, need --yes; a bad line is named and
// nothing is sent.
func TestConfigSetIDsFromStdin(t *testing.T) {
	s := writeSetup(t)
	ids := hostedIDs(t, s, 2)
	stdin := ids[0] + "\n\n# pumps\n" + strings.ToLower(ids[1]) + "\r\n" + ids[0] + "\n"
	code, out, errs := sqcIn(t, stdin, "config", "set", "-", "ambient.warning=44")
	if code != 1 || !strings.Contains(errs, "device IDs come from stdin") || len(writes(s)) != 0 {
		t.Fatalf("without --yes: exit %d, %d writes, stderr %q", code, len(writes(s)), errs)
	}
	if strings.Count(out, "+ ambient.warning 44") != 2 {
		t.Errorf("without --yes what it would send to each device is not shown:\n%s", out)
	}
	code, out, errs = sqcIn(t, stdin, "config", "set", "-", "ambient.warning=44", "--yes")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	w := writes(s)
	if len(w) != 2 || w[0].DeviceID != ids[0] || w[1].DeviceID != ids[1] {
		t.Fatalf("writes %v, want one to each of %v", w, ids)
	}
	if strings.Count(out, "queued (202)") != 2 {
		t.Errorf("output:\n%s", out)
	}
	code, _, errs = sqcIn(t, ids[0]+"\nNOT-AN-ID\n", "config", "set", "-", "ambient.warning=43", "--yes")
	if code != 1 || !strings.Contains(errs, "stdin line 2") || len(writes(s)) != 2 {
		t.Fatalf("bad line: exit %d, stderr %q", code, errs)
	}
}

// A non-Hosted device the ledger knows has no calls left is neither read
// nor written; the others go on.
func TestConfigSetSkipsADeviceWithNoCallsLeft(t *testing.T) {
	s := writeSetup(t)
	d := notHosted(t, s)
	ok := hostedIDs(t, s, 1)[0]
	l, err := state.NewLedger(filepath.Join(os.Getenv("XDG_STATE_HOME"), "sqc"), keys.Fingerprint(testKey), time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	l.NoteRemaining(d.DeviceID, 0)
	if err := l.Save(); err != nil {
		t.Fatal(err)
	}
	code, out, errs := sqc(t, "config", "set", d.DeviceID+","+ok, "ambient.warning=41", "--yes")
	if code != 1 || !strings.Contains(out, d.DeviceID+"  not sent: ") || !strings.Contains(out, "no API calls left") {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
	for _, r := range s.Requests() {
		if r.DeviceID == d.DeviceID {
			t.Fatalf("a request for the device with no calls left: %s %s", r.Method, r.Path)
		}
	}
	if w := writes(s); len(w) != 1 || w[0].DeviceID != ok {
		t.Fatalf("writes %v", w)
	}
}

// Many devices: asked once with the count; the account is listed first,
// so the run goes at its rate and knows each device's plan.
func TestConfigSetManyDevicesListsTheAccountFirst(t *testing.T) {
	s := writeSetup(t)
	ids := hostedIDs(t, s, listFrom)
	code, out, errs := sqcAt(t, "y\n", "config", "set", strings.Join(ids, ","), "input1.interval=120")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	if q := fmt.Sprintf("Send %d config updates, one to each of %d devices? [y/N]", len(ids), len(ids)); !strings.Contains(errs, q) {
		t.Errorf("asked %q, want %q", errs, q)
	}
	reqs := s.Requests()
	if len(reqs) == 0 || reqs[0].Op != api.OpListDevices {
		t.Fatalf("first request %v, want the listing", reqs)
	}
	if w := writes(s); len(w) != len(ids) {
		t.Fatalf("%d writes for %d devices", len(w), len(ids))
	}
}

func TestConfigSetUsage(t *testing.T) {
	s := writeSetup(t)
	id := hostedIDs(t, s, 1)[0]
	for _, tc := range []struct {
		args []string
		say  string
	}{
		{[]string{"config", "set", id}, "KEY=VALUE"},
		{[]string{"config", "set", id, "ambient.warning"}, "write key=value"},
		{[]string{"config", "set", "SHORT", "a=1"}, "9 letters"},
		{[]string{"config", "set", id + ",BAD!", "a=1"}, "letters and digits"},
		{[]string{"config", "set", id, "a=1", "a=2"}, "given twice"},
		{[]string{"config", "get"}, "one device ID"},
	} {
		code, out, errs := sqc(t, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.say) || out != "" {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errs)
		}
	}
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("usage errors sent %d requests", n)
	}
}

// A 500 after sending is an unknown outcome: said so, never sent again.
func TestConfigSetUnknownOutcomeIsNotRetried(t *testing.T) {
	s := writeSetup(t)
	id := hostedIDs(t, s, 1)[0]
	s.Inject(sim.Fault{Op: api.OpUpdateConfig, Status: 500, Message: "Internal Server Error", Count: 1})
	code, out, errs := sqc(t, "config", "set", id, "ambient.warning=42", "--yes")
	if code != 1 || !strings.Contains(out, id+"  outcome unknown: ") || !strings.Contains(out, "read it back before sending again") {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
	if n := len(writes(s)); n != 1 {
		t.Fatalf("%d writes, want 1: a write is never retried", n)
	}
	s.Inject(sim.Fault{Op: api.OpUpdateConfig, Status: 502, Message: "Bad Gateway", Count: 1})
	code, out, errs = sqc(t, "mqtt", "set", id, "--server", "mq:8883", "--client-id", "c", "--yes")
	if code != 1 || !strings.Contains(errs, "is unknown: read them back") || len(writes(s)) != 2 {
		t.Fatalf("mqtt set: exit %d, %d writes:\n%s%s", code, len(writes(s)), out, errs)
	}
}

// The server goes away between the read of the config and the write: the
// write's connection is refused, so it was not sent, and the terminal
// and the audit log say so (not "outcome unknown").
func TestConfigSetToAClosedPortIsNotSent(t *testing.T) {
	s, _ := setup(t)
	id := hostedIDs(t, s, 1)[0]
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close") // the write dials again
		if r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/config") {
			srv.Listener.Close() // before the answer: the write's dial is refused
		}
		s.ServeHTTP(w, r)
	})
	srv.Start()
	t.Cleanup(srv.Close)
	t.Setenv("SENQUIP_API_URL", srv.URL)
	code, out, errs := sqc(t, "config", "set", id, "ambient.warning=42", "--yes")
	if code != 1 || !strings.Contains(out, id+"  not sent: ") || strings.Contains(out+errs, "unknown") {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
	if a := auditLog(t); !strings.Contains(a, "device="+id) || !strings.Contains(a, `outcome="not sent"`) {
		t.Fatalf("audit log:\n%s", a)
	}
	if n := len(writes(s)); n != 0 {
		t.Fatalf("%d writes reached the server", n)
	}
}
