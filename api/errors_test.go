package api_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
)

// Every status code of the contract's table, as the client reports it.
func TestEveryStatusCodeOfTheContract(t *testing.T) {
	ctx := context.Background()
	type check func(t *testing.T, err error)
	status := func(code int) check {
		return func(t *testing.T, err error) {
			t.Helper()
			var e *api.Error
			if !errors.As(err, &e) {
				t.Fatalf("want *api.Error with %d, got %v", code, err)
			}
			if e.Status != code {
				t.Fatalf("status %d, want %d (%v)", e.Status, code, err)
			}
			if e.Hint == "" || e.Op == "" {
				t.Fatalf("error without op or hint: %#v", e)
			}
		}
	}
	cases := []struct {
		name string
		run  func(f *fixture, id string) error
		want check
		also func(error) bool
	}{
		{"400 invalid", func(f *fixture, id string) error {
			f.sim.Inject(sim.Fault{Status: 400, Message: "limit must be an integer"})
			_, err := f.client.GetDevice(ctx, id)
			return err
		}, status(400), nil},
		{"401 missing key", func(f *fixture, id string) error {
			c, _ := api.New(api.Options{BaseURL: f.srv.URL, Key: strings.Repeat("x", 600)})
			_, err := c.GetDevice(ctx, id)
			return err
		}, status(401), api.IsUnauthorized},
		{"403 wrong key", func(f *fixture, id string) error {
			c, _ := api.New(api.Options{BaseURL: f.srv.URL, Key: "wrong-key"})
			_, err := c.GetDevice(ctx, id)
			return err
		}, status(403), nil},
		{"404 unknown device", func(f *fixture, _ string) error {
			_, err := f.client.GetDevice(ctx, "ZZZZZZZZ9")
			return err
		}, status(404), api.IsNotFound},
		{"405 route table mismatch", func(f *fixture, id string) error {
			// No table can change a method (TestImportCannotChangeAMethod):
			// a server that wants another one answers 405.
			f.sim.Inject(sim.Fault{Status: 405, Message: "Method Not Allowed"})
			_, err := f.client.GetDevice(ctx, id)
			return err
		}, status(405), func(err error) bool { return strings.Contains(err.Error(), "import") }},
		{"422 cannot fulfil", func(f *fixture, id string) error {
			_, err := f.client.UpdateConfig(ctx, id, api.Config{"bogus": 1})
			return err
		}, status(422), nil},
		{"429 over the rate", func(f *fixture, id string) error {
			f.sim.Inject(sim.Fault{Status: 429, Message: "Too Many Requests", RetryAfter: "60", Count: 1})
			_, err := f.client.GetDevice(ctx, id)
			return err
		}, status(429), func(err error) bool { return api.IsRateLimited(err) && api.RetryAfterOf(err) == time.Minute }},
		{"500 server error", func(f *fixture, id string) error {
			f.sim.Inject(sim.Fault{Status: 500, Message: "Internal Server Error", Count: 4})
			_, err := f.client.GetDevice(ctx, id)
			return err
		}, status(500), nil},
		{"502 bad gateway", func(f *fixture, id string) error {
			f.sim.Inject(sim.Fault{Status: 502, Body: "<html>bad gateway</html>", Count: 4})
			_, err := f.client.GetDevice(ctx, id)
			return err
		}, status(502), func(err error) bool { return api.IsUnavailable(err) && strings.Contains(err.Error(), "non-JSON") }},
		{"503 traffic spike", func(f *fixture, id string) error {
			f.sim.Inject(sim.Fault{Status: 503, Message: "Service Unavailable", Count: 4})
			_, err := f.client.GetDevice(ctx, id)
			return err
		}, status(503), api.IsUnavailable},
		{"504 gateway timeout, empty body", func(f *fixture, id string) error {
			f.sim.Inject(sim.Fault{Status: 504, Count: 4})
			_, err := f.client.GetDevice(ctx, id)
			return err
		}, status(504), api.IsUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, sim.Options{}, api.Options{})
			id := f.deviceWith(t, api.PlanHosted, true).DeviceID
			err := tc.run(f, id)
			tc.want(t, err)
			if tc.also != nil && !tc.also(err) {
				t.Fatalf("error does not read as expected: %v", err)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Fatal("the key appears in an error")
			}
		})
	}
}

func TestRetryAfterHonouredOn429(t *testing.T) {
	f := newFixture(t, sim.Options{}, api.Options{})
	id := f.deviceWith(t, api.PlanHosted, true).DeviceID
	f.sim.Inject(sim.Fault{Op: api.OpGetDevice, Status: 429, Message: "Too Many Requests", RetryAfter: "3"})
	if _, err := f.client.GetDevice(context.Background(), id); err != nil {
		t.Fatalf("GET after one 429: %v", err)
	}
	if w := f.waits.all(); len(w) != 1 || w[0] != 3*time.Second {
		t.Fatalf("waited %v, want exactly the Retry-After of 3s", w)
	}
	u := f.client.Usage()
	if u.Requests != 2 || u.RateLimited != 1 {
		t.Fatalf("usage %+v, want 2 requests and one 429", u)
	}
}

func TestBackoffWithoutRetryAfterIsBoundedAndGrows(t *testing.T) {
	f := newFixture(t, sim.Options{}, api.Options{RetryBase: 100 * time.Millisecond, MaxRetries: 3})
	id := f.deviceWith(t, api.PlanHosted, true).DeviceID
	f.sim.Inject(sim.Fault{Op: api.OpGetDevice, Status: 429, Message: "Too Many Requests", Count: 10})
	_, err := f.client.GetDevice(context.Background(), id)
	if !api.IsRateLimited(err) {
		t.Fatalf("want a 429 once retries are spent, got %v", err)
	}
	w := f.waits.all()
	if len(w) != 3 {
		t.Fatalf("retried %d times, want 3", len(w))
	}
	for i, d := range w {
		step := 100 * time.Millisecond << i
		if d < step/2 || d > step {
			t.Errorf("wait %d = %v, want within [%v, %v]", i, d, step/2, step)
		}
	}
	if n := f.sim.Stats().ByOp[api.OpGetDevice]; n != 4 {
		t.Errorf("server saw %d attempts, want 4", n)
	}
}

func TestLongRetryAfterIsLeftToTheCaller(t *testing.T) {
	f := newFixture(t, sim.Options{}, api.Options{})
	id := f.deviceWith(t, api.PlanHosted, true).DeviceID
	f.sim.Inject(sim.Fault{Status: 429, Message: "daily quota", RetryAfter: "3600"})
	_, err := f.client.GetDevice(context.Background(), id)
	if api.RetryAfterOf(err) != time.Hour || len(f.waits.all()) != 0 {
		t.Fatalf("a 1 h Retry-After should come back at once: %v, waits %v", err, f.waits.all())
	}
}

func TestWriteNeverRetriedAfter5xx(t *testing.T) {
	for _, code := range []int{500, 502, 503, 504} {
		f := newFixture(t, sim.Options{}, api.Options{})
		id := f.deviceWith(t, api.PlanHosted, true).DeviceID
		f.sim.Inject(sim.Fault{Op: api.OpUpdateConfig, Status: code, Message: "boom", Count: 5})
		_, err := f.client.UpdateConfig(context.Background(), id, api.Config{"ambient": api.Config{"warning": 51}})
		var e *api.Error
		if !errors.As(err, &e) || e.Status != code || !e.Unknown {
			t.Fatalf("%d on a write: %v (want status and unknown outcome)", code, err)
		}
		if !strings.Contains(e.Hint, "read it back") {
			t.Errorf("hint %q does not say to read back", e.Hint)
		}
		if n := f.sim.Stats().ByOp[api.OpUpdateConfig]; n != 1 {
			t.Fatalf("%d: write sent %d times", code, n)
		}
	}
}

func TestAccountRateLimitGives429(t *testing.T) {
	// One Hosted device: 1 request per second. Two at the same instant.
	f := newFixture(t, sim.Options{Devices: 1, HostedFraction: 1}, api.Options{MaxRetries: -1})
	id := f.sim.Devices()[0].DeviceID
	ctx := context.Background()
	if _, err := f.client.GetDevice(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, err := f.client.GetDevice(ctx, id)
	if !api.IsRateLimited(err) || api.RetryAfterOf(err) != time.Second {
		t.Fatalf("second request in the same second: %v", err)
	}
	f.clock.Advance(time.Second)
	if _, err := f.client.GetDevice(ctx, id); err != nil {
		t.Fatalf("after a second: %v", err)
	}
}

func TestDailyQuotaResetsAtMidnightUTC(t *testing.T) {
	f := newFixture(t, sim.Options{Devices: 1, HostedFraction: 1}, api.Options{MaxRetries: -1})
	id := f.sim.Devices()[0].DeviceID
	ctx := context.Background()
	for i := 0; i < 1000; i++ {
		if _, err := f.client.GetData(ctx, id, api.DataQuery{}); err != nil {
			t.Fatalf("request %d of the daily 1000: %v", i+1, err)
		}
		f.clock.Advance(time.Second)
	}
	_, err := f.client.GetData(ctx, id, api.DataQuery{})
	if !api.IsRateLimited(err) {
		t.Fatalf("request 1001 of the day: %v", err)
	}
	now := f.clock.Now()
	if got, want := api.RetryAfterOf(err), api.NextReset(now).Sub(now); got < want-time.Second || got > want+time.Second {
		t.Fatalf("Retry-After %v, want the time to 00:00 UTC (%v)", got, want)
	}
	f.clock.Advance(api.NextReset(now).Sub(now))
	if _, err := f.client.GetData(ctx, id, api.DataQuery{}); err != nil {
		t.Fatalf("after midnight UTC: %v", err)
	}
}

func TestMalformedResponseNamesOperationAndStatus(t *testing.T) {
	f := newFixture(t, sim.Options{}, api.Options{})
	id := f.deviceWith(t, api.PlanHosted, true).DeviceID
	f.sim.Inject(sim.Fault{Op: api.OpGetDevice, Status: 200, Body: `{"deviceid": "` + id + `", "name": `})
	_, err := f.client.GetDevice(context.Background(), id)
	if err == nil || !strings.Contains(err.Error(), "Get Device") || !strings.Contains(err.Error(), "200") || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("malformed body: %v", err)
	}
	f.sim.Break(id, true)
	_, err = f.client.GetData(context.Background(), id, api.DataQuery{})
	if err == nil || !strings.Contains(err.Error(), "Get Device Data "+id+": 200") {
		t.Fatalf("garbage data: %v", err)
	}
}

func TestUnreachableServerSaysSo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	w := &waits{}
	c, _ := api.New(api.Options{BaseURL: "http://" + addr, Key: testKey, Wait: w.wait, MaxRetries: 2, RatePerSecond: 1000})
	_, err = c.ListDevices(context.Background())
	if !api.IsUnavailable(err) || !strings.Contains(err.Error(), "could not be reached") {
		t.Fatalf("unreachable: %v", err)
	}
	if len(w.all()) != 2 {
		t.Errorf("a GET to a dead server was retried %d times, want 2", len(w.all()))
	}
}

func TestBaseURLMustBeHTTPSUnlessLoopback(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://cloud-api.v2.senquip.com": true,
		"http://127.0.0.1:8080":            true,
		"http://[::1]:8080":                true,
		"http://localhost:9":               true,
		"http://cloud-api.v2.senquip.com":  false,
		"http://10.0.0.1":                  false,
		"ftp://example.com":                false,
		"https://user:pw@example.com":      false,
		"cloud-api.v2.senquip.com":         false,
	} {
		_, err := api.New(api.Options{BaseURL: url, Key: testKey})
		if (err == nil) != ok {
			t.Errorf("%s: accepted=%v, want %v (%v)", url, err == nil, ok, err)
		}
	}
}

func TestKeyShapeChecked(t *testing.T) {
	for _, k := range []string{"", "two words", "tab\there"} {
		if _, err := api.New(api.Options{Key: k}); err == nil {
			t.Errorf("key %q accepted", k)
		}
	}
}

// A redirect to another host must never carry the key: two servers on
// different ports are two hosts.
func TestKeyNotSentAfterRedirectToAnotherHost(t *testing.T) {
	var otherHits, otherWithKey atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		if r.Header.Get(api.KeyHeader) != "" {
			otherWithKey.Add(1)
		}
		w.Write([]byte(`{"devices":[],"next":null}`))
	}))
	defer other.Close()
	var sameHostWithKey atomic.Int32
	var home *httptest.Server
	home = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/devices":
			http.Redirect(w, r, other.URL+"/devices", http.StatusFound)
		case "/moved/devices/ABCDEFGH1":
			if r.Header.Get(api.KeyHeader) == testKey {
				sameHostWithKey.Add(1)
			}
			w.Write([]byte(`{"deviceid":"ABCDEFGH1"}`))
		default:
			http.Redirect(w, r, home.URL+"/moved"+r.URL.Path, http.StatusMovedPermanently)
		}
	}))
	defer home.Close()
	var logBuf bytes.Buffer
	c, err := api.New(api.Options{BaseURL: home.URL, Key: testKey, Logger: slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListDevices(context.Background())
	if err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Fatalf("cross-host redirect: want refusal, got %v", err)
	}
	if otherWithKey.Load() != 0 {
		t.Fatal("the key was sent to another host after a redirect")
	}
	if otherHits.Load() != 0 {
		t.Errorf("the other host was contacted %d times", otherHits.Load())
	}
	// Within the same host a redirect is followed and keeps the key.
	if _, err := c.GetDevice(context.Background(), "ABCDEFGH1"); err != nil {
		t.Fatalf("same-host redirect: %v", err)
	}
	if sameHostWithKey.Load() != 1 {
		t.Error("same-host redirect lost the key")
	}
	if strings.Contains(logBuf.String(), testKey) {
		t.Fatal("the key appears in the debug log")
	}
	if logBuf.Len() == 0 {
		t.Fatal("debug log is empty: the check above proves nothing")
	}
}

func TestObserverSeesEveryCall(t *testing.T) {
	var calls []api.Call
	f := newFixture(t, sim.Options{}, api.Options{Observe: func(c api.Call) { calls = append(calls, c) }})
	id := f.deviceWith(t, api.PlanHosted, true).DeviceID
	f.sim.Inject(sim.Fault{Op: api.OpGetData, Status: 503, Message: "spike", RetryAfter: "1"})
	if _, err := f.client.GetData(context.Background(), id, api.DataQuery{}); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[0].Status != 503 || calls[1].Status != 200 || calls[1].Attempt != 1 {
		t.Fatalf("calls %+v", calls)
	}
	if calls[1].Op != api.OpGetData || calls[1].DeviceID != id || calls[1].Latency <= 0 {
		t.Fatalf("call record incomplete: %+v", calls[1])
	}
}

// A server that redirects a read round in a loop within its own host is
// asked once: another try would loop the same way. Before, the loop was
// taken for a network failure, tried three times (15 requests for one
// read) and the user told to check the network.
func TestRedirectLoopIsOneTryAndNotTheNetwork(t *testing.T) {
	var hits atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, srv.URL+r.URL.Path, http.StatusFound)
	}))
	defer srv.Close()
	c, err := api.New(api.Options{BaseURL: srv.URL, Key: testKey, RetryBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDevice(context.Background(), "ABCDEFGH1")
	if err == nil {
		t.Fatal("a redirect loop was taken for an answer")
	}
	if n := hits.Load(); n != 5 {
		t.Errorf("%d requests for one read that loops: want the 5 of one try", n)
	}
	if msg := err.Error(); strings.Contains(msg, "check the network") || !strings.Contains(msg, "loop") {
		t.Errorf("the user is told %q: want the server's redirect loop named, not the network", msg)
	}
}
