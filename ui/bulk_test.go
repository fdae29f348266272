package ui

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"sqc/api"
	"sqc/api/sim"
	"sqc/keys"
	"sqc/state"
	"sqc/ui/look"
)

// runClock moves the simulator's clock a second every 10 ms, so that its
// rate limit refills while a long run of writes goes on.
func (h *harness) runClock(t *testing.T) {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
				h.clock.Advance(time.Second)
			}
		}
	}()
}

// markAllByPlan sorts the list by plan (Hosted first, so the first marked
// device's config is read for free) and marks every row.
func (h *harness) markAllByPlan(t *testing.T, n int) {
	t.Helper()
	h.scr.waitText(t, "Devices "+look.Itoa(n))
	for range 5 { // State → ID → Name → Group → Model → Plan
		h.key("s")
	}
	h.scr.waitText(t, "sort Plan")
	h.key("A")
	h.scr.waitText(t, look.Itoa(n)+" marked")
}

// patchedDevices are the devices whose config writes the simulator took (202).
func (h *harness) patchedDevices() map[string]int { return h.patches(true) }

// patches counts the config writes per device: those taken, or all sent.
func (h *harness) patches(taken bool) map[string]int {
	out := map[string]int{}
	for _, r := range h.sim.Requests() {
		if r.Method == "PATCH" && (r.Status == 202 || !taken) {
			out[r.DeviceID]++
		}
	}
	return out
}

func TestBulkChangeOver25Devices(t *testing.T) {
	t.Parallel()
	h := start(t, setup{devices: 25, hosted: 0.8, cfg: func(c *Config) { c.StateDir = t.TempDir() }})
	var broke api.Device // a non-Hosted device with no calls left this month
	for _, d := range h.sim.Devices() {
		if d.Plan != api.PlanHosted {
			broke = d
			break
		}
	}
	spend(t, h, broke.DeviceID, 50)
	h.markAllByPlan(t, 25)
	h.key("R") // the list again: it says the device has 0 calls left
	h.waitCallsLeft(t, broke.DeviceID, 0)
	h.key("c")
	h.scr.waitText(t, "values are typed by")
	h.key("+")
	h.key("ambient.warning = warm")
	h.key("enter")
	h.scr.waitText(t, `ambient.warning takes a number`)
	for range len("warm") {
		h.key("backspace")
	}
	h.key("47")
	h.key("enter")
	h.scr.waitText(t, "+ ambient.warning 47")
	h.sim.Inject(sim.Fault{Op: api.OpUpdateConfig, Status: 422, Message: "Unprocessable: setting locked", Count: 3})
	h.runClock(t)
	h.key("w")
	h.scr.waitFor(t, "the count asked for", func(v string) bool {
		return strings.Contains(v, "25 devices") && strings.Contains(v, "type 25 to send")
	})
	h.key("24")
	h.key("enter")
	h.scr.waitText(t, "type the number of devices, 25")
	h.key("backspace")
	h.key("5")
	h.key("enter")
	h.scr.waitText(t, "done: 21 queued, 3 failed, 1 skipped")
	got := h.patches(false) // every write sent, refused ones included
	if len(got) != 24 || got[broke.DeviceID] != 0 {
		t.Fatalf("writes to %d devices (want 24, none to %s): %v", len(got), broke.DeviceID, got)
	}
	for id, n := range got {
		if n != 1 {
			t.Fatalf("%s written %d times", id, n)
		}
	}
	v := h.scr.String()
	for _, want := range []string{"failed", "setting locked", "skipped", "no API calls left"} {
		if !strings.Contains(v, want) {
			t.Errorf("results lack %q:\n%s", want, v)
		}
	}
	h.quit(t)
}

func TestBulkPausedJobResumesInANewConsole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := start(t, setup{devices: 12, hosted: 1, latency: 30 * time.Millisecond, cfg: func(c *Config) { c.StateDir = dir }})
	h.markAllByPlan(t, 12)
	h.key("c")
	h.scr.waitText(t, "values are typed by")
	h.key("+")
	h.key("ambient.alarm = 65")
	h.key("enter")
	h.key("w")
	h.scr.waitText(t, "type 12 to send")
	h.key("12")
	h.key("enter")
	h.runClock(t)
	h.scr.waitFor(t, "the first device written", func(string) bool { return len(h.patchedDevices()) > 0 })
	h.key("p")
	h.scr.waitText(t, "paused")
	h.quit(t)
	// A write out at the quit still lands: it is shown as of unknown outcome
	// after the resume, and not sent again. Close returns once the server
	// has answered every request it was given.
	h.srv.Close()
	first := h.patchedDevices()
	if len(first) >= 12 {
		t.Fatalf("%d devices written before the pause", len(first))
	}

	h2 := start(t, setup{devices: 12, hosted: 1, cfg: func(c *Config) { c.StateDir = dir }})
	h2.runClock(t)
	h2.scr.waitText(t, "A bulk change stopped before its end")
	h2.key("y")
	h2.scr.waitText(t, "done: ")
	second := h2.patchedDevices()
	for id := range second {
		if first[id] > 0 {
			t.Fatalf("%s was written again after the resume", id)
		}
	}
	if len(first)+len(second) != 12 {
		t.Fatalf("%d + %d devices written, want 12", len(first), len(second))
	}
	h2.quit(t)
}

func TestBulkReadOnlySendsNothing(t *testing.T) {
	t.Parallel()
	h := start(t, setup{devices: 12, hosted: 1, cfg: func(c *Config) { c.ReadOnly = true }})
	h.markAllByPlan(t, 12)
	h.key("c")
	h.scr.waitText(t, "read-only session")
	if w := h.writes(); len(w) != 0 {
		t.Fatalf("%d writes in a read-only session", len(w))
	}
	h.quit(t)
}

// askBulkAlarm marks all n devices and asks to send ambient.alarm = 65
// to them: the confirm is on screen.
func (h *harness) askBulkAlarm(t *testing.T, n int) {
	t.Helper()
	h.runClock(t)
	h.markAllByPlan(t, n)
	h.key("c")
	h.scr.waitText(t, "values are typed by")
	h.key("+")
	h.key("ambient.alarm = 65")
	h.key("enter")
	h.key("w")
	h.scr.waitText(t, "[y/N]")
}

// eachOnce checks that every one of n devices took the change once.
func (h *harness) eachOnce(t *testing.T, n int, after string) {
	t.Helper()
	got := h.patchedDevices()
	if len(got) != n {
		t.Fatalf("%d of %d devices got the change %s: %v", len(got), n, after, got)
	}
	for id, k := range got {
		if k != 1 {
			t.Fatalf("%s written %d times", id, k)
		}
	}
}

// A 429 refuses a device's write before it is made: the device is sent
// when the server allows, and every device gets the change once.
func TestBulkRateLimitedDeviceIsSentAfterTheWait(t *testing.T) {
	t.Parallel()
	h := start(t, setup{devices: 6, hosted: 1, latency: 20 * time.Millisecond, cfg: func(c *Config) { c.StateDir = t.TempDir() }})
	h.askBulkAlarm(t, 6)
	h.sim.Inject(sim.Fault{Op: api.OpUpdateConfig, Status: 429, Message: "Too Many Requests", RetryAfter: "1", Count: 1})
	h.key("y")
	h.scr.waitText(t, "done: ")
	h.eachOnce(t, 6, "after one 429")
	h.quit(t)
}

// A key refused in the middle of a bulk change stops it, keeps the job,
// and after a new key is entered it goes on where it stopped.
func TestBulkStopsOnARefusedKeyAndResumesAfterLogin(t *testing.T) {
	keyring.MockInit()
	store := fakeStore(t, true)
	h := start(t, setup{devices: 8, hosted: 1, latency: 20 * time.Millisecond, cfg: func(c *Config) {
		c.StateDir, c.Store = t.TempDir(), store
	}})
	h.askBulkAlarm(t, 8)
	h.key("y")
	h.scr.waitFor(t, "a first device written", func(string) bool { return len(h.patchedDevices()) > 0 })
	h.sim.Inject(sim.Fault{Op: api.OpUpdateConfig, Status: 401, Message: "Unauthorized", Count: 1})
	h.scr.waitText(t, "The bulk change is kept and")
	h.key(uiKey)
	h.key("enter")
	h.scr.waitText(t, "done: ")
	h.eachOnce(t, 8, "after a 401 and the login")
	h.quit(t)
}

// The console stopped mid-bulk with a device's write out (the server took
// it) and another queued: at the next start the resume reads both back
// and shows them applied, sends the rest, and sends nothing twice.
func TestBulkResumeReadsBackTheDeviceInFlight(t *testing.T) {
	dir := t.TempDir()
	// the same fleet as the console's simulator (the same seed): the job
	// is on disk before the console starts
	probe := sim.New(sim.Options{Devices: 12, Key: uiKey, HostedFraction: 1})
	ps := httptest.NewServer(probe)
	defer ps.Close()
	pc, err := api.New(api.Options{BaseURL: ps.URL, Key: uiKey, RatePerSecond: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	// devices that check in every minute at most, so that a queued change
	// applies well within the read-backs' time as the clock runs
	var devs []api.Device
	for _, d := range probe.Devices() {
		if seen := d.Seen(); seen.IsZero() || time.Since(seen) > 10*time.Minute || len(devs) == 4 {
			continue
		}
		resp, err := pc.GetConfig(context.Background(), d.DeviceID)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := resp.Config.Get("device.interval"); state.FormatValue(v) == "30" || state.FormatValue(v) == "60" {
			devs = append(devs, d)
		}
	}
	if len(devs) < 4 {
		t.Fatalf("%d reporting devices in the fleet", len(devs))
	}
	change := []state.Change{{Key: "ambient.alarm", New: json.Number("65"), Added: true}}
	db, err := state.OpenDB(dir, "acme", keys.Fingerprint(uiKey), time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	job := state.NewBulkJob(db, keys.Fingerprint(uiKey), "acme", change, devs, time.Now())
	job.Set(0, state.BulkQueued, "Config update queued", time.Now())
	job.Set(1, state.BulkSending, "", time.Now()) // the console stopped before its answer
	if err := job.Save(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	h := start(t, setup{devices: 12, hosted: 1, cfg: func(c *Config) { c.StateDir, c.VerifyEvery = dir, 50*time.Millisecond }})
	c, err := api.New(api.Options{BaseURL: h.srv.URL, Key: uiKey, RatePerSecond: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // both were taken by the server
		if _, err := c.UpdateConfig(context.Background(), devs[i].DeviceID, api.Config{"ambient": api.Config{"alarm": json.Number("65")}}); err != nil {
			t.Fatal(err)
		}
	}
	h.runClock(t)
	h.scr.waitText(t, "A bulk change stopped before its end")
	h.scr.waitText(t, "2 devices sent before the stop are read back")
	h.key("y")
	h.scr.waitFor(t, "every device applied", func(v string) bool { return strings.Contains(v, "applied 4 ·") })
	v := h.scr.String()
	if !strings.Contains(v, devs[1].DeviceID+" applied") || !strings.Contains(v, "went through") {
		t.Fatalf("the device in flight is not shown applied:\n%s", v)
	}
	h.eachOnce(t, 4, "after the resume")
	h.quit(t)
}

// The confirm of a bulk change says how many marked devices are not
// Hosted in a sentence that reads: "3 devices are", "1 device is".
func TestBulkConfirmCountsTheNonHostedDevicesInASentence(t *testing.T) {
	t.Parallel()
	h := start(t, setup{devices: 8, hosted: 0.5})
	nonHosted := 0
	for _, d := range h.sim.Devices() {
		if d.Plan != api.PlanHosted {
			nonHosted++
		}
	}
	want := look.Itoa(nonHosted) + " devices are not Hosted"
	if nonHosted == 1 {
		want = "1 device is not Hosted"
	}
	h.askBulkAlarm(t, 8)
	h.scr.waitFor(t, want, func(v string) bool {
		return strings.Contains(strings.Join(strings.Fields(v), " "), want)
	})
	h.key("n")
	h.quit(t)
}
