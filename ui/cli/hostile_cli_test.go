package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
)

// hostileServer serves a hostile scenario and points the environment at it.
func hostileServer(t testing.TB, scenario string) (*sim.Hostile, *httptest.Server) {
	t.Helper()
	setup(t)
	h, err := sim.NewHostile(scenario, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if scenario == sim.HostileHuge {
		// The server makes its 49 MB body on the first list, which under
		// -race on a busy machine took longer than the client's 20 s: made
		// here, the run measures sqc, not the server.
		r := httptest.NewRequest("GET", api.DefaultRoutes().Get(api.OpListDevices).Path, nil)
		r.Header.Set(api.KeyHeader, testKey)
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Setenv("SENQUIP_API_URL", srv.URL)
	return h, srv
}

// sqcCtx runs sqc in-process with a context that ends after d (0: never).
func sqcCtx(t *testing.T, d time.Duration, args ...string) (int, string, string) {
	t.Helper()
	ctx := context.Background()
	if d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	var out, errb bytes.Buffer
	code := run(ctx, args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// assertSafe fails when output holds an ESC or a 0x9B byte (8-bit CSI),
// or is bigger than max bytes.
func assertSafe(t *testing.T, what, out string, limit int) {
	t.Helper()
	if i := strings.IndexAny(out, "\x1b"); i >= 0 {
		t.Errorf("%s: ESC at byte %d: %q", what, i, out[max(0, i-20):min(len(out), i+20)])
	}
	if i := strings.IndexByte(out, 0x9b); i >= 0 {
		t.Errorf("%s: byte 0x9B at %d: %q", what, i, out[max(0, i-20):min(len(out), i+20)])
	}
	if len(out) > limit {
		t.Errorf("%s: %d bytes of output, want at most %d", what, len(out), limit)
	}
}

// For every hostile scenario, sqc devices and sqc data (table and --json)
// write no escape to the terminal, keep their output bounded, end, and
// exit as the scenario deserves.
func TestHostileServerCannotDriveTheTerminal(t *testing.T) {
	const mb = 1 << 20
	type run struct {
		args    []string
		code    int
		say     string // on stderr
		max     int    // bytes of stdout and stderr
		timeout time.Duration
	}
	devices := func(code int, say string) []run {
		return []run{{args: []string{"devices"}, code: code, say: say, max: mb}, {args: []string{"devices", "--json"}, code: code, say: say, max: mb}}
	}
	data := []run{{args: []string{"data", sim.HostileHosted}, max: mb}, {args: []string{"data", sim.HostileHosted, "--json"}, max: mb}}
	cases := map[string][]run{
		sim.HostileEscapes: append(append(devices(0, ""), data...),
			run{args: []string{"data", "ZZZZZZZZ9"}, code: 1, say: "404", max: mb},
			run{args: []string{"data", sim.Hostile5xx}, code: 1, say: "500", max: mb},
			run{args: []string{"data", sim.HostileHosted, "--limit", "2"}, max: mb},
			run{args: []string{"config", "get", sim.HostileHosted}, max: mb},
			run{args: []string{"config", "get", sim.HostileHosted, "--json"}, max: mb},
			run{args: []string{"config", "get", sim.Hostile5xx}, code: 1, say: "500", max: mb},
			run{args: []string{"config", "set", sim.HostileHosted, "endpoint.mqtt.server=x:1", "--yes"}, code: 1, max: mb},
			run{args: []string{"mqtt", "set", sim.HostileHosted, "--server", "x:1", "--client-id", "c", "--yes"}, code: 1, max: mb}),
		sim.HostileLong: append(devices(0, ""), data...),
		// The 49 MB name, in a table: --json would rightly print it whole.
		sim.HostileHuge: append([]run{{args: []string{"devices"}, max: mb}}, data...),
		// 100,000 devices at most, each one row of a few dozen bytes.
		sim.HostileEndless: {{args: []string{"devices"}, code: 1, say: "more than 100000 devices", max: 100 * 100_000}},
		sim.HostileRepeat:  devices(1, "repeated a page cursor"),
		sim.HostileNoNew:   devices(1, "no new device"),
		sim.HostileTrickle: devices(1, "fewer than 10 new devices"),
		sim.HostileDuplicates: append(devices(0, "listed 2 devices more than once"),
			data...),
		sim.HostileAbsurd: {{args: []string{"devices"}, max: mb}, {args: []string{"data", "ABSURD004"}, max: mb}, {args: []string{"data", "ABSURD004", "--json"}, max: mb}},
		sim.HostileOversized: {{args: []string{"devices"}, code: 1, say: "the answer was over 64 MiB", max: mb},
			{args: []string{"data", sim.HostileHosted}, code: 1, say: "the answer was over 64 MiB", max: mb}},
		sim.HostileSick: append(devices(0, ""), run{args: []string{"data", sim.SickHealthy[0]}, max: mb},
			run{args: []string{"data", sim.Hostile5xx}, code: 1, say: "500", max: mb}),
		sim.HostileDrip: devices(1, "budget is spent"),
		// A body that never ends: the run is cut short as SIGINT would.
		sim.HostileStream: {{args: []string{"devices"}, code: 1, say: "stopped", max: mb, timeout: time.Second},
			{args: []string{"data", sim.HostileHosted}, code: 1, say: "stopped", max: mb, timeout: time.Second}},
		sim.HostileFormulas: append(devices(0, ""), run{args: []string{"devices", "--csv"}, max: mb}),
	}
	for _, scenario := range sim.HostileScenarios() {
		runs, ok := cases[scenario]
		if !ok {
			t.Errorf("scenario %s is not tried", scenario)
			continue
		}
		t.Run(scenario, func(t *testing.T) {
			hostileServer(t, scenario)
			for _, r := range runs {
				code, out, errs := sqcCtx(t, r.timeout, r.args...)
				what := strings.Join(r.args, " ")
				assertSafe(t, what+" stdout", out, r.max)
				assertSafe(t, what+" stderr", errs, mb)
				if code != r.code || !strings.Contains(errs, r.say) {
					t.Errorf("%s: exit %d, stderr %q; want %d and %q", what, code, errs, r.code, r.say)
				}
			}
		})
	}
}

// What the user reads from the escapes scenario: the server's words
// without its escapes, the name cut to its column.
func TestHostileEscapesReadClean(t *testing.T) {
	hostileServer(t, sim.HostileEscapes)
	_, out, _ := sqc(t, "devices")
	if !strings.Contains(out, sim.HostileHosted) || !strings.Contains(out, "nameclick") {
		t.Errorf("device list:\n%s", out)
	}
	_, out, _ = sqc(t, "data", sim.HostileHosted)
	for _, want := range []string{"cp1", "event", "lv30 warning", "18FF1AF2 pgn 65306", "1 frame"} {
		if !strings.Contains(out, want) {
			t.Errorf("data lacks %q:\n%s", want, out)
		}
	}
	t.Setenv("SENQUIP_API_KEY", "wrong-key")
	code, _, errs := sqc(t, "devices")
	if code != 1 || !strings.Contains(errs, "403 Forbidden: Forbidden") {
		t.Errorf("wrong key: exit %d %q", code, errs)
	}
	assertSafe(t, "403", errs, 4096)
}

// The built program exits within 5 s of SIGTERM or SIGINT while the
// server streams a body that never ends.
func TestBinaryStopsOnSignalDuringEndlessBody(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "sqc")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		sig  syscall.Signal
		args []string
	}{
		{syscall.SIGTERM, []string{"devices"}},
		{syscall.SIGINT, []string{"devices"}},
		{syscall.SIGTERM, []string{"data", sim.HostileHosted}},
	} {
		h, srv := hostileServer(t, sim.HostileStream)
		var out, errb bytes.Buffer
		cmd := exec.Command(bin, tc.args...)
		cmd.Env = append(os.Environ(), "SENQUIP_API_KEY="+testKey, "SENQUIP_API_URL="+srv.URL,
			"XDG_CONFIG_HOME="+t.TempDir(), "XDG_STATE_HOME="+t.TempDir(), "DBUS_SESSION_BUS_ADDRESS=")
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		for deadline := time.Now().Add(patience); h.Requests() == 0; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				t.Fatalf("%v: no request reached the server", tc.args)
			}
		}
		time.Sleep(300 * time.Millisecond) // well into the endless body
		_ = cmd.Process.Signal(tc.sig)
		select {
		case err := <-done:
			if code := cmd.ProcessState.ExitCode(); code != 1 {
				t.Errorf("%v after %v: exit %d (%v), want 1", tc.args, tc.sig, code, err)
			}
		case <-time.After(patience):
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("%v still running %v after %v", tc.args, patience, tc.sig)
		}
		assertSafe(t, "stdout", out.String(), 1<<20)
		assertSafe(t, "stderr", errb.String(), 1<<20)
		if !strings.Contains(errb.String(), "stopped") {
			t.Errorf("%v after %v: stderr %q", tc.args, tc.sig, errb.String())
		}
	}
}

// sqc devices of an account where one device has a 49 MB name: the table
// costs what the download and decoding cost, and its output stays small
// (it was tens of gigabytes with tabwriter).
func BenchmarkDevicesTable49MBName(b *testing.B) {
	hostileServer(b, sim.HostileHuge)
	var out, errb bytes.Buffer
	for b.Loop() {
		out.Reset()
		errb.Reset()
		if code := run(context.Background(), []string{"devices"}, strings.NewReader(""), &out, &errb); code != 0 {
			b.Fatal(errb.String())
		}
	}
	b.ReportMetric(float64(out.Len()), "output-bytes")
}

// A collection that names every method for every operation: sqc routes
// import refuses each operation (exit 1, saying what it found and what it
// sends), and then reads send GET and a write its own method, on the
// built-in paths: the server's request log holds nothing else.
func TestImportedCollectionCannotTurnReadsIntoWrites(t *testing.T) {
	s, srv := setup(t)
	t.Setenv("SENQUIP_API_URL", srv.URL)
	file := filepath.Join(t.TempDir(), "evil.json")
	if err := os.WriteFile(file, everyMethodCollection(t), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := sqc(t, "routes", "import", file)
	if code != 1 || !strings.Contains(errs, "refused 7 operations") || strings.Contains(out, "replaced") || strings.Contains(out, "saved") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errs)
	}
	for _, op := range api.Ops {
		want := fmt.Sprintf("refused   %s: the method is \"DELETE\", but sqc sends this operation as %s only", op, op.Method())
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	assertSafe(t, "import stderr", errs, 1<<16)
	if _, out, _ := sqc(t, "routes"); strings.Contains(out, "/evil") || strings.Contains(out, "imported") {
		t.Fatalf("the table changed:\n%s", out)
	}
	id := hostedDevice(t, s)
	for _, args := range [][]string{{"devices"}, {"data", id}, {"config", "get", id}, {"config", "set", id, "ambient.warning=47", "--yes"}} {
		if code, _, errs := sqc(t, args...); code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errs)
		}
	}
	seen := map[api.Op]int{}
	for _, r := range s.Requests() {
		if r.Op == "" || r.Method != r.Op.Method() || strings.HasPrefix(r.Path, "/evil") {
			t.Errorf("the server got %s %s (%q)", r.Method, r.Path, r.Op)
		}
		seen[r.Op]++
	}
	if seen[api.OpListDevices] == 0 || seen[api.OpGetData] == 0 || seen[api.OpGetConfig] == 0 || seen[api.OpUpdateConfig] != 1 {
		t.Errorf("requests by operation: %v", seen)
	}
}

// everyMethodCollection names each operation with every method, on paths
// under /evil, its own method last (a table where the last item wins
// would take it, and the path with it).
func everyMethodCollection(t *testing.T) []byte {
	t.Helper()
	var items []map[string]any
	for _, op := range api.Ops {
		path := strings.Replace(api.DefaultRoutes().Get(op).Path, api.DeviceParam, ":deviceid", 1)
		for _, m := range []string{"DELETE", "PUT", "POST", "PATCH", "GET", "HEAD", "OPTIONS", "TRACE\x1b[2J", op.Method()} {
			items = append(items, map[string]any{"name": string(op), "request": map[string]any{"method": m, "url": "{{baseUrl}}/evil" + path}})
		}
	}
	b, err := json.Marshal(map[string]any{"info": map[string]any{"name": "evil",
		"schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"}, "item": items})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// An answer over 64 MiB costs one request of sqc devices and one of sqc
// data, and says why: it is not taken for a network failure and retried.
func TestOversizedAnswerIsAskedOnce(t *testing.T) {
	h, _ := hostileServer(t, sim.HostileOversized)
	for _, args := range [][]string{{"devices"}, {"data", sim.HostileHosted}} {
		before := len(h.Log())
		code, out, errs := sqc(t, args...)
		if code != 1 || out != "" || !strings.Contains(errs, "200 OK: the answer was over 64 MiB") || strings.Contains(errs, "network") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
		if n := len(h.Log()) - before; n != 1 {
			t.Errorf("%v: %d requests, want 1", args, n)
		}
	}
}

// A server paging 20 new devices at a time for ever: sqc devices spends
// its budget (5% of the smallest account's day: 50 requests), prints the
// devices listed, and says on stderr why it stopped (exit 1).
func TestDevicesListingStopsAtItsBudget(t *testing.T) {
	h, _ := hostileServer(t, sim.HostileDrip)
	code, out, errs := sqc(t, "devices")
	if code != 1 || !strings.Contains(errs, "listing stopped after 50 pages: its budget is spent: 50 requests, 5% of the account's 1000 requests a day") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	if !strings.Contains(out, "D00000000") || !strings.Contains(out, "D00000999") || !strings.Contains(out, "1000 devices, 1000 Hosted") {
		t.Errorf("the devices listed are not shown:\n%.500s", out)
	}
	if n := len(h.Log()); n != 50 {
		t.Errorf("the server got %d requests, want 50", n)
	}
}

// A collection is data from outside: its baseUrl may move the API's paths
// on the host the key already goes to, never send the key to another host.
func TestImportedCollectionCannotMoveTheKeyToAnotherHost(t *testing.T) {
	setup(t)
	for _, tc := range []struct{ base, say string }{
		{"https://evil.example.com", "https://evil.example.com not used: the key goes only to " + api.DefaultBaseURL},
		{"http://evil.example.com", "not used: API URL \"http://evil.example.com\": refusing plain http://"},
	} {
		col := map[string]any{
			"info":     map[string]any{"schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
			"variable": []map[string]any{{"key": "baseUrl", "value": tc.base}},
			"item":     []map[string]any{{"name": string(api.OpGetData), "request": map[string]any{"method": "GET", "url": "{{baseUrl}}/v9/devices/:deviceid/data"}}},
		}
		b, err := json.Marshal(col)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "collection.json")
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errs := sqc(t, "routes", "import", file)
		if code != 0 || !strings.Contains(out, tc.say) {
			t.Fatalf("import of baseUrl %s: exit %d\n%s%s", tc.base, code, out, errs)
		}
		// auth status says which URL it checks before it asks; the
		// default's answer does not matter here
		if _, out, _ := sqcCtx(t, time.Second, "auth", "status"); strings.Contains(out, "evil") {
			t.Fatalf("after importing baseUrl %s, auth status checks it:\n%s", tc.base, out)
		}
	}
	// a route file written before imports were held to the API's host
	path := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "sqc", "routes", "default.json")
	if err := api.SaveRoutes(path, api.DefaultRoutes(), "https://evil.example.com"); err != nil {
		t.Fatal(err)
	}
	if _, out, errs := sqcCtx(t, time.Second, "auth", "status"); strings.Contains(out+errs, "evil") || !strings.Contains(out, api.DefaultBaseURL) {
		t.Fatalf("a stored baseUrl of another host is used:\n%s%s", out, errs)
	}
}
