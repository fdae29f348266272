package ui

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"sqc/api"
	"sqc/api/sim"
)

// Field conditions, played against the simulator over loopback: a server
// that dies and comes back on the same address, one that answers only
// 500s, a 429, a device whose ID cannot be sent, and a console started
// offline on what it knew.

// backend is a server at a fixed address that can be killed and started
// again, as a real one goes away and comes back.
type backend struct {
	mu      sync.Mutex
	addr    string
	handler http.Handler
	srv     *httptest.Server
}

func newBackend(t *testing.T, h http.Handler) *backend {
	b := &backend{handler: h}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b.addr = ln.Addr().String()
	b.serve(t, ln)
	t.Cleanup(b.kill)
	return b
}

func (b *backend) url() string { return "http://" + b.addr }

func (b *backend) serve(t *testing.T, ln net.Listener) {
	srv := httptest.NewUnstartedServer(b.handler)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	b.mu.Lock()
	b.srv = srv
	b.mu.Unlock()
}

func (b *backend) kill() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.srv != nil {
		b.srv.CloseClientConnections()
		b.srv.Close()
		b.srv = nil
	}
}

func (b *backend) start(t *testing.T) {
	var ln net.Listener
	var err error
	for range 50 { // the port may take a moment to be free again
		if ln, err = net.Listen("tcp", b.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	b.serve(t, ln)
}

// fieldConsole runs the console against a backend, sharing the harness's
// clock with the simulator.
func fieldConsole(t *testing.T, h *harness, url, stateDir string) {
	t.Helper()
	cfg := Config{Profile: "acme", Key: uiKey, KeySource: "env", Now: h.clock.Now, StateDir: stateDir,
		Connect: connectTo(url, func(o *api.Options) { o.Timeout = 2 * time.Second })}
	h.tm = teatest.NewTestModel(t, New(context.Background(), cfg), teatest.WithInitialTermSize(120, 40),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	h.scr = newScreen(t, h.tm, 120, 40)
}

func newFieldRig(t *testing.T, devices int) (*harness, *backend) {
	h := &harness{clock: &fakeClock{t: time.Now().UTC().Truncate(time.Second), since: time.Now()}}
	h.sim = sim.New(sim.Options{Devices: devices, Key: uiKey, HostedFraction: 1, Now: h.clock.Now})
	return h, newBackend(t, h.sim)
}

// header is the first line of the screen.
func header(v string) string { return strings.SplitN(v, "\n", 2)[0] }

var retryIn = regexp.MustCompile(`retry in (?:(\d+)m)?(\d+)s`)

// freshRe finds the open device's age when under 10 s ("updated 4s ago"):
// fresh. Not "updated 0s ago", a frame that lasts a second, which a poll of
// the screen on a busy machine may miss.
var freshRe = regexp.MustCompile(`updated (\d)s ago`)

func TestServerDiesMidSessionAndComesBack(t *testing.T) {
	t.Parallel()
	h, b := newFieldRig(t, 20)
	fieldConsole(t, h, b.url(), "")
	h.scr.waitText(t, "● online")
	h.key("enter") // open the first device: it is read every few seconds
	h.scr.waitText(t, "updated")
	b.kill()
	h.clock.Advance(6 * time.Second) // the focused device is due again
	h.scr.waitFor(t, "offline with a countdown of a minute at most", func(v string) bool {
		m := retryIn.FindStringSubmatch(header(v))
		if !strings.Contains(header(v), "offline") || m == nil {
			return false
		}
		mins, _ := strconv.Atoi(m[1])
		secs, _ := strconv.Atoi(m[2])
		return mins*60+secs <= 60
	})
	if strings.Contains(h.scr.String(), "Devices 0") {
		t.Fatal("the list went away with the network")
	}
	b.start(t)
	h.clock.Advance(61 * time.Second) // the longest wait of an outage: the console tries again by itself
	h.scr.waitFor(t, "online again and the open device fresh", func(v string) bool {
		m := freshRe.FindStringSubmatch(v)
		return strings.Contains(header(v), "● online") && m != nil
	})
	h.quit(t)
}

func TestEveryCall500IsAServerErrorNeverOnline(t *testing.T) {
	t.Parallel()
	h, b := newFieldRig(t, 20)
	h.sim.Inject(sim.Fault{Status: 500, Message: "Internal Server Error", Count: 1 << 30})
	fieldConsole(t, h, b.url(), "")
	h.scr.waitText(t, "server error")
	for i := 0; i < 30; i++ {
		if v := header(h.scr.String()); strings.Contains(v, "online") {
			t.Fatalf("said online while every call fails: %s", v)
		}
		h.clock.Advance(3 * time.Second)
		time.Sleep(100 * time.Millisecond)
	}
	h.scr.waitText(t, "server error")
	h.quit(t)
}

func TestA429HoldsEveryReadForItsRetryAfter(t *testing.T) {
	t.Parallel()
	h, b := newFieldRig(t, 20)
	fieldConsole(t, h, b.url(), "")
	h.scr.waitText(t, "● online")
	h.key("enter")
	h.scr.waitText(t, "updated")
	// The clock stops: a Retry-After of 2 s is over in 2 s of a busy
	// machine's time otherwise, maybe between two looks at the screen.
	h.clock.mu.Lock()
	h.clock.t, h.clock.frozen = h.clock.t.Add(time.Since(h.clock.since)), true
	stopped := h.clock.t
	h.clock.mu.Unlock()
	h.sim.Inject(sim.Fault{Status: 429, Message: "Too Many Requests", RetryAfter: "2"})
	h.key("r") // a read now: it gets the 429
	h.scr.waitFor(t, "rate limited", func(v string) bool {
		if strings.Contains(header(v), "rate limited") {
			return true
		}
		// a state is shown for a second at least: the header may still
		// owe "online" its second; the 429's wait is not over before 2 s
		if h.clock.Now().Sub(stopped) < 1500*time.Millisecond {
			h.clock.Advance(100 * time.Millisecond)
		}
		return false
	})
	// Reads already on the wire when the 429 came (eight may be out) were
	// sent before anyone heard it: the hold starts once the console shows it.
	heard := h.clock.Now()
	var at time.Time
	for _, r := range h.sim.Requests() {
		if r.Status == 429 {
			at = r.At
		}
	}
	h.key("r") // the user's read is held too
	for i := 0; i < 20; i++ {
		h.clock.Advance(100 * time.Millisecond)
		time.Sleep(20 * time.Millisecond)
	}
	h.scr.waitFor(t, "reads again after the wait", func(v string) bool {
		h.clock.Advance(200 * time.Millisecond)
		return strings.Contains(header(v), "● online")
	})
	for _, r := range h.sim.Requests() {
		if r.At.After(heard) && r.At.Sub(at) < 2*time.Second {
			t.Fatalf("a request %s went %s after the 429 with Retry-After: 2", r.Op, r.At.Sub(at))
		}
	}
	h.quit(t)
}

// withBadID lists one more device, whose ID cannot be sent.
type withBadID struct{ http.Handler }

func (w withBadID) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if op, _, _, _ := api.DefaultRoutes().Match(r.Method, r.URL.Path); op != api.OpListDevices {
		w.Handler.ServeHTTP(rw, r)
		return
	}
	rec := httptest.NewRecorder()
	w.Handler.ServeHTTP(rec, r)
	var page map[string]any
	b, _ := io.ReadAll(rec.Body)
	if json.Unmarshal(b, &page) != nil {
		rw.WriteHeader(rec.Code)
		rw.Write(b)
		return
	}
	devs, _ := page["devices"].([]any)
	page["devices"] = append(devs, map[string]any{"deviceid": "BAD ID!", "name": "Broken", "plan": "Hosted", "lastSeen": time.Now().Unix()})
	rw.Header().Set("Content-Type", "application/json")
	json.NewEncoder(rw).Encode(page)
}

func TestAMalformedIDDoesNotStallTheFleet(t *testing.T) {
	t.Parallel()
	h := &harness{clock: &fakeClock{t: time.Now().UTC().Truncate(time.Second), since: time.Now()}}
	h.sim = sim.New(sim.Options{Devices: 20, Key: uiKey, HostedFraction: 1, Now: h.clock.Now})
	b := newBackend(t, withBadID{h.sim})
	fieldConsole(t, h, b.url(), "")
	h.scr.waitText(t, "21 devices")
	readable := map[string]bool{}
	for _, d := range h.sim.Devices() {
		if d.CanReadData() && !d.Seen().IsZero() {
			readable[d.DeviceID] = true
		}
	}
	h.scr.waitFor(t, "every good device read", func(string) bool {
		read := map[string]bool{}
		for _, r := range h.sim.Requests() {
			if r.Op == api.OpGetData && r.Status == 200 {
				read[r.DeviceID] = true
			}
		}
		for id := range readable {
			if !read[id] {
				return false
			}
		}
		return true
	})
	if v := header(h.scr.String()); !strings.Contains(v, "● online") {
		t.Fatalf("one bad ID held the fleet back: %s", v)
	}
	h.quit(t)
}

func TestStartOfflineWithACacheThenTheServerReturns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h, b := newFieldRig(t, 20)
	fieldConsole(t, h, b.url(), dir)
	h.scr.waitText(t, "● online")
	readable := 0
	for _, d := range h.sim.Devices() {
		if d.CanReadData() && !d.Seen().IsZero() {
			readable++
		}
	}
	h.scr.waitFor(t, "the first pass done", func(v string) bool { return !strings.Contains(header(v), "reading ") })
	focus := h.liveDevice(t, api.PlanHosted).DeviceID
	h.key("/")
	h.key(focus)
	h.key("enter")
	h.key("enter")
	h.scr.waitText(t, "updated")
	h.quit(t)
	b.kill()

	// The next morning, on the train: no network.
	h.clock.Advance(10 * time.Hour)
	fieldConsole(t, h, b.url(), dir)
	h.scr.waitFor(t, "the cache, offline, the open device with its age", func(v string) bool {
		return strings.Contains(header(v), "cached") && strings.Contains(v, focus) && strings.Contains(v, "updated 10h ago")
	})
	h.tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	m := h.tm.FinalModel(t, teatest.WithFinalTimeout(patience)).(*Model)
	withMessage := 0
	m.sh.Read(func() {
		for _, d := range m.sh.Fleet.All() {
			if d.HasMessage() {
				withMessage++
			}
		}
	})
	if withMessage != readable {
		t.Fatalf("%d devices came back with their readings, want every one read before (%d)", withMessage, readable)
	}

	// The server comes back: the open device is fresh within 10 s.
	fieldConsole(t, h, b.url(), dir)
	h.scr.waitText(t, "cached")
	b.start(t)
	h.clock.Advance(61 * time.Second)
	h.scr.waitFor(t, "live again, the open device fresh", func(v string) bool {
		m := freshRe.FindStringSubmatch(v)
		return strings.Contains(header(v), "● online") && !strings.Contains(header(v), "cached") && m != nil
	})
	h.quit(t)

}
