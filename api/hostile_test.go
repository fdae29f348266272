package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"sqc/api"
	"sqc/api/sim"
)

// hostile serves a hostile scenario over loopback and points a client at it.
func hostile(t *testing.T, scenario string, o api.Options) (*sim.Hostile, *api.Client) {
	t.Helper()
	h, err := sim.NewHostile(scenario, testKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	o.BaseURL, o.Key = srv.URL, testKey
	if o.RatePerSecond == 0 {
		o.RatePerSecond = 1e6
	}
	if o.Wait == nil {
		o.Wait = (&waits{}).wait
	}
	c, err := api.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return h, c
}

// Every string the client hands out from a server full of escapes is
// clean: device fields, unknown keys, data keys and text, events, CAN
// data, config lines and the server's error messages.
func TestHostileEscapesNeverReachCallers(t *testing.T) {
	_, c := hostile(t, sim.HostileEscapes, api.Options{MaxRetries: -1})
	ctx := context.Background()
	devices, err := c.ListDevices(ctx)
	if err != nil || len(devices) != 4 {
		t.Fatalf("%d devices, %v", len(devices), err)
	}
	for _, d := range devices {
		for _, s := range []string{d.DeviceID, d.Name, d.GroupID, d.GroupName, d.Model, d.Firmware, d.Plan} {
			assertInert(t, "device field", s)
		}
		if !strings.HasPrefix(d.Name, "name") || strings.Contains(d.Name, "pwned") {
			t.Errorf("name %q: the text around the escapes is lost or the escapes kept", d.Name)
		}
		for _, f := range d.Extra() {
			assertInert(t, "extra key", f.Key)
		}
	}
	page, err := c.GetData(ctx, sim.HostileHosted, api.DataQuery{})
	if err != nil || len(page.Data) != 1 {
		t.Fatalf("data: %v", err)
	}
	assertInert(t, "page device id", page.DeviceID)
	m := &page.Data[0]
	for _, f := range m.Fields {
		assertInert(t, "key", f.Key)
		assertInert(t, "reading "+f.Key, api.FormatReading(f.Key, f, m))
		if s, ok := m.Text(f.Key); ok {
			assertInert(t, "text "+f.Key, s)
		}
	}
	for _, e := range m.Events {
		assertInert(t, "event", e.Topic+e.Msg)
	}
	if len(m.CAN1) != 1 || m.CAN1[0].ID != 419371762 {
		t.Fatalf("can1: %+v", m.CAN1)
	}
	assertInert(t, "can data", m.CAN1[0].Data)
	for _, f := range page.Extra {
		assertInert(t, "envelope key", f.Key)
	}
	cfg, err := c.GetConfig(ctx, sim.HostileHosted)
	if err != nil {
		t.Fatal(err)
	}
	lines := cfg.Config.Display()
	if len(lines) != 3 {
		t.Fatalf("config lines: %+v", lines)
	}
	for _, l := range lines {
		assertInert(t, "config line", l.Key+" "+l.Value)
	}
	if _, ok := cfg.Config.Get("endpoint.mqtt.server"); !ok {
		t.Error("the config tree lost a setting")
	} else if v, _ := cfg.Config.Get("endpoint.mqtt.server"); !strings.Contains(v.(string), "\x1b") {
		t.Error("the config tree itself was cleaned: it must keep the server's exact values")
	}
	for _, id := range []string{sim.Hostile5xx, "ZZZZZZZZ9"} {
		_, err := c.GetData(ctx, id, api.DataQuery{})
		var e *api.Error
		if !errors.As(err, &e) || e.Status < 400 {
			t.Fatalf("%s: %v", id, err)
		}
		assertInert(t, "error", err.Error())
		assertInert(t, "message", e.Message)
		if !strings.Contains(e.Message, "Device not found") && !strings.Contains(e.Message, "Internal Server Error") {
			t.Errorf("the server's words were lost: %q", e.Message)
		}
	}
	_, err = c.UpdateConfig(ctx, sim.HostileHosted, api.Config{"a": "b"})
	assertInert(t, "write error", err.Error())
}

// --json keeps the server's bytes but no raw ESC or C1 reaches the output.
func TestHostileRawJSONIsMadeSafe(t *testing.T) {
	_, c := hostile(t, sim.HostileEscapes, api.Options{})
	page, err := c.GetData(context.Background(), sim.HostileHosted, api.DataQuery{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := page.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "\u009b") {
		t.Fatal("the raw page lost the server's C1 byte: the test proves nothing")
	}
	safe := api.SafeJSON(raw)
	assertInert(t, "safe JSON", string(safe))
	if decodeForCompare(t, raw) != decodeForCompare(t, safe) {
		t.Fatal("SafeJSON changed the value")
	}
}

func TestHostileListingsEnd(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		max      int
		devices  int
		pages    int
		stopped  string
	}{
		{sim.HostileEndless, 5000, 5000, 6, "more than 5000 devices"},
		{sim.HostileRepeat, 0, 30, 3, "repeated a page cursor"},
		{sim.HostileNoNew, 0, 2, 2, "no new device"},
		{sim.HostileTrickle, 0, 10, 10, "fewer than 10 new devices"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			h, c := hostile(t, tc.scenario, api.Options{MaxDevices: tc.max})
			r, err := c.ListDevicesReport(context.Background())
			if api.Classify(err) != api.FailAnswer {
				t.Fatalf("error %v classed %v, want an unusable answer", err, api.Classify(err))
			}
			if len(r.Devices) != tc.devices || r.Pages != tc.pages || !strings.Contains(r.Stopped, tc.stopped) {
				t.Fatalf("%d devices, %d pages, stopped %q", len(r.Devices), r.Pages, r.Stopped)
			}
			if !strings.Contains(err.Error(), tc.stopped) || !strings.Contains(err.Error(), "listed so far") {
				t.Errorf("error does not say why: %v", err)
			}
			if h.Requests() != tc.pages {
				t.Errorf("%d requests for %d pages", h.Requests(), tc.pages)
			}
			// A cut-short list never raises the limiter: nothing was
			// known before it, so it stays at the smallest account's 1/s.
			if c.Rate() != 1 {
				t.Errorf("rate %v after a stopped listing, want 1", c.Rate())
			}
			devices, err2 := c.ListDevices(context.Background())
			if len(devices) != tc.devices || api.Classify(err2) != api.FailAnswer {
				t.Errorf("ListDevices: %d devices, %v", len(devices), err2)
			}
			// streamed, the same stops, and the same devices handed out
			// page by page, none kept
			handed := 0
			r, err = c.ListDevicesEach(context.Background(), func(page []api.Device) error { handed += len(page); return nil })
			if r.Devices != nil || r.Listed != tc.devices || handed != tc.devices || !strings.Contains(r.Stopped, tc.stopped) || api.Classify(err) != api.FailAnswer {
				t.Errorf("ListDevicesEach: kept %d, listed %d, handed %d, stopped %q, %v", len(r.Devices), r.Listed, handed, r.Stopped, err)
			}
		})
	}
}

// Each duplicate is kept once (first wins), reported once, counted once.
func TestHostileDuplicatesCountOnce(t *testing.T) {
	_, c := hostile(t, sim.HostileDuplicates, api.Options{})
	r, err := c.ListDevicesReport(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range r.Devices {
		ids = append(ids, d.DeviceID)
	}
	if !slices.Equal(ids, []string{sim.HostileHosted, sim.HostileTrial, "HOSTILE03"}) {
		t.Fatalf("devices %v", ids)
	}
	if r.Devices[0].Name != "first" {
		t.Errorf("the first copy does not win: %q", r.Devices[0].Name)
	}
	if !slices.Equal(r.Duplicates, []string{sim.HostileHosted, sim.HostileTrial}) {
		t.Errorf("duplicates %v", r.Duplicates)
	}
	lim := api.LimitsFor(r.Devices)
	if lim.Hosted != 2 || c.Rate() != 2 {
		t.Errorf("Hosted %d, rate %v: want 2 and 2", lim.Hosted, c.Rate())
	}
	dup := append(append([]api.Device{}, r.Devices...), r.Devices...)
	if api.LimitsFor(dup).Hosted != 2 {
		t.Error("LimitsFor counts a device listed twice twice")
	}
}

func TestHostileAbsurdNumbers(t *testing.T) {
	_, c := hostile(t, sim.HostileAbsurd, api.Options{})
	ctx := context.Background()
	devices, err := c.ListDevices(ctx)
	if err != nil || len(devices) != 4 {
		t.Fatal(len(devices), err)
	}
	if devices[0].Remaining != nil || devices[1].Remaining != nil {
		t.Errorf("absurd remaining kept: %v %v", devices[0].Remaining, devices[1].Remaining)
	}
	if r := devices[2].Remaining; r == nil || *r != api.MonthlyPerDevice {
		t.Errorf("51 calls left not clamped to 50: %v", r)
	}
	for _, d := range devices {
		if d.LastSeen != nil || !d.Seen().IsZero() {
			t.Errorf("%s: lastSeen %v kept", d.DeviceID, *d.LastSeen)
		}
	}
	page, err := c.GetData(ctx, "ABSURD004", api.DataQuery{})
	if err != nil {
		t.Fatal(err)
	}
	m := &page.Data[0]
	if m.TS != 0 || !m.Time().IsZero() {
		t.Errorf("ts 1e300 kept: %v", m.TS)
	}
	for _, p := range []string{"ts", "time", "events", "can1"} {
		if !slices.Contains(m.Problems, p) {
			t.Errorf("problems %v lack %s", m.Problems, p)
		}
	}
	if len(m.Events) != 2 || m.Events[0].Class() != api.ClassAlarm || m.Events[0].Level != api.MaxLevel || m.Events[1].Level != -api.MaxLevel {
		t.Errorf("levels: %+v", m.Events)
	}
	for _, fr := range m.CAN1 {
		if !fr.BadID || fr.ID != 0 || api.FormatCANID(fr) != "invalid id" {
			t.Errorf("out-of-range CAN id kept: %+v", fr)
		}
	}
	if got := api.FormatReading("vin", mustField(t, m, "vin"), m); got != "1e+300 V" {
		t.Errorf("vin 1e300 reads %q", got)
	}
	if got := api.FormatReading("big", mustField(t, m, "big"), m); got != "+Inf" {
		t.Errorf("1e400 reads %q", got)
	}
	dev, err := c.GetDevice(ctx, "ABSURD001")
	if err != nil || dev.Remaining != nil {
		t.Fatalf("get device: %v %v", dev, err)
	}
	cfg, err := c.GetConfig(ctx, "ABSURD001")
	if err != nil || cfg.Remaining != nil || cfg.Synced {
		t.Fatalf("config answer: %+v %v", cfg, err)
	}
}

func mustField(t *testing.T, m *api.DataMessage, key string) api.Field {
	t.Helper()
	f, ok := m.Get(key)
	if !ok {
		t.Fatalf("no %s", key)
	}
	return f
}

// A body that never ends is bounded (64 MiB) and a cancelled context
// ends the read at once.
func TestHostileStreamStopsOnCancel(t *testing.T) {
	_, c := hostile(t, sim.HostileStream, api.Options{MaxRetries: -1})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(200 * time.Millisecond)
		cancel()
	}()
	_, err := c.ListDevices(ctx)
	if api.Classify(err) != api.FailCancelled {
		t.Fatalf("%v classed %v", err, api.Classify(err))
	}
}

// A device ID that is not ASCII is refused before case folding: the long s
// (ſ) would fold to S and cost a request.
func TestNonASCIIDeviceIDCostsNothing(t *testing.T) {
	f := newFixture(t, sim.Options{}, api.Options{})
	for _, id := range []string{"M0000000\u017f", "M0000000\u212a", "JDA54E19F\u200b", "JDA54\x1b[2J"} {
		_, err := f.client.GetData(context.Background(), id, api.DataQuery{})
		if api.Classify(err) != api.FailDevice {
			t.Errorf("%q: %v classed %v", id, err, api.Classify(err))
		}
		assertInert(t, "error", err.Error())
	}
	if n := f.sim.Stats().Requests; n != 0 {
		t.Fatalf("refused IDs cost %d requests", n)
	}
	if _, err := api.NormaliseDeviceID("m0000000s"); err != nil {
		t.Fatal(err)
	}
}

// A key is cleaned for display and written back as the server sent it.
func TestCleanedKeysReencodeAsSent(t *testing.T) {
	body := `{"deviceid":"X","data":[{"k\u001b[2J":1,"vin":2}],"e\u009b":3}`
	p, err := api.DecodeDataPage([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if k := p.Data[0].Fields[0].Key; k != "k" {
		t.Errorf("key %q", k)
	}
	if k := p.Extra[0].Key; k != "e" {
		t.Errorf("envelope key %q", k)
	}
	out, _ := p.MarshalJSON()
	if decodeForCompare(t, out) != decodeForCompare(t, []byte(body)) {
		t.Fatalf("re-encoded %s", out)
	}
}

// An answer over the size the client reads is the server's doing, not
// the network's: one try (the client retries a failed GET 3 times), a
// failure of that answer alone, and a message that says so.
func TestHostileOversizedAnswerIsTriedOnce(t *testing.T) {
	h, c := hostile(t, sim.HostileOversized, api.Options{})
	ctx := context.Background()
	_, errList := c.ListDevices(ctx)
	_, errData := c.GetData(ctx, sim.HostileHosted, api.DataQuery{})
	for what, err := range map[string]error{"list": errList, "data": errData} {
		if k := api.Classify(err); k != api.FailAnswer || k.Fleetwide() {
			t.Errorf("%s: %v classed %v, want an unusable answer", what, err, k)
		}
		if !errors.Is(err, api.ErrTooLarge) || !strings.Contains(err.Error(), "200 OK: the answer was over 64 MiB") {
			t.Errorf("%s: %v", what, err)
		}
	}
	var got []string
	for _, r := range h.Log() {
		got = append(got, r.Method+" "+r.Path)
	}
	if want := []string{"GET /devices", "GET /devices/" + sim.HostileHosted + "/data"}; !slices.Equal(got, want) {
		t.Fatalf("the server got %q, want %q", got, want)
	}
}

// A server that pages out 20 new Hosted devices at a time for ever passes
// the trickle check; the listing stops at its budget, 5% of the account's
// day as known before it (50 requests for an account not known yet), and
// the pages cannot raise it. What was listed is returned with the reason.
func TestHostileListingStopsAtItsBudget(t *testing.T) {
	for _, tc := range []struct {
		known, pages int
		daily        string
	}{{0, 50, "1000 requests a day"}, {4, 200, "4000 requests a day"}} {
		h, c := hostile(t, sim.HostileDrip, api.Options{KnownHosted: tc.known})
		r, err := c.ListDevicesReport(context.Background())
		if api.Classify(err) != api.FailAnswer || !strings.Contains(err.Error(), "budget is spent") || !strings.Contains(err.Error(), tc.daily) {
			t.Fatalf("known %d: %v", tc.known, err)
		}
		if r.Pages != tc.pages || len(r.Devices) != tc.pages*sim.DripPerPage || !strings.Contains(r.Stopped, "budget") {
			t.Errorf("known %d: %d pages, %d devices, stopped %q", tc.known, r.Pages, len(r.Devices), r.Stopped)
		}
		if want := api.LimitsForHosted(tc.known).RatePerSecond; c.Rate() != want {
			t.Errorf("known %d: rate %v after the stop, want the known account's %v", tc.known, c.Rate(), want)
		}
		log := h.Log()
		if len(log) != tc.pages {
			t.Errorf("known %d: the server got %d requests, want %d", tc.known, len(log), tc.pages)
		}
		for _, q := range log {
			if q.Method != "GET" || q.Op != api.OpListDevices {
				t.Fatalf("the server got %s %s", q.Method, q.Path)
			}
		}
	}
}

// A 49 MB device name is cut once, at decode, to MaxNameRunes: what the
// list, the console and the cache hold is small, and the device keeps
// none of the server's 49 MB object.
func TestHostileHugeNameIsCutAtDecode(t *testing.T) {
	// Making and sending the 49 MB body takes long under the race detector.
	_, c := hostile(t, sim.HostileHuge, api.Options{Timeout: 10 * time.Minute})
	devices, err := c.ListDevices(context.Background())
	if err != nil || len(devices) != 10 {
		t.Fatal(len(devices), err)
	}
	d := devices[3]
	if n := utf8.RuneCountInString(d.Name); n != api.MaxNameRunes || !strings.HasPrefix(d.Name, "huge name") || !strings.HasSuffix(d.Name, "…") {
		t.Errorf("name of %d runes: %.40q…%q", n, d.Name, d.Name[max(0, len(d.Name)-8):])
	}
	assertInert(t, "name", d.Name)
	if b, err := d.MarshalJSON(); err != nil || len(b) > 4<<10 || !strings.Contains(string(b), "HUGE00003") {
		t.Errorf("the device keeps %d bytes of JSON (%v)", len(b), err)
	}
	if devices[4].Name != "small" || len(devices[4].Raw) == 0 {
		t.Errorf("a small device lost its name or object: %q, %d bytes", devices[4].Name, len(devices[4].Raw))
	}
}

// A long name is decoded from a bounded prefix of its JSON, cut before an
// escape the prefix would split, whatever the escapes.
func TestLongNamesCutOnEscapes(t *testing.T) {
	for _, unit := range []string{`\u00e9`, `\\`, `\"`, `\n`, `\ud83d\ude00`, `é`, `x`, `\u001b[2J`} {
		for pad := range 7 {
			body := `{"deviceid":"A00000001","name":"` + strings.Repeat("p", pad) + strings.Repeat(unit, 20000) + `"}`
			var d api.Device
			if err := json.Unmarshal([]byte(body), &d); err != nil {
				t.Fatalf("%s: %v", unit, err)
			}
			if n := utf8.RuneCountInString(d.Name); n > api.MaxNameRunes || !strings.HasSuffix(d.Name, "…") || strings.Contains(d.Name, `\`) && unit != `\\` {
				t.Errorf("%s, pad %d: %d runes, %.30q", unit, pad, n, d.Name)
			}
			assertInert(t, "name", d.Name)
		}
	}
}
