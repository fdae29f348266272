package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
)

func TestListAllDevicesFollowsNextOver10000Devices(t *testing.T) {
	f := newFixture(t, sim.Options{Devices: 10000}, api.Options{})
	devices, err := f.client.ListDevices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(devices) != 10000 {
		t.Fatalf("listed %d devices, want 10000", len(devices))
	}
	seen := map[string]bool{}
	for _, d := range devices {
		if seen[d.DeviceID] {
			t.Fatalf("device %s listed twice", d.DeviceID)
		}
		seen[d.DeviceID] = true
	}
	if n := f.sim.Stats().ByOp[api.OpListDevices]; n != 10 {
		t.Errorf("made %d list requests for 10000 devices at 1000 a page, want 10", n)
	}
	if got, want := f.client.Rate(), api.LimitsFor(devices).RatePerSecond; got != want {
		t.Errorf("client rate after listing = %g, want the account's %g", got, want)
	}
	// Streamed: each page's devices handed over as it comes, in order, and
	// none kept; a stop from the caller ends the listing there.
	var streamed []string
	pages := 0
	r, err := f.client.ListDevicesEach(context.Background(), func(page []api.Device) error {
		pages++
		for _, d := range page {
			streamed = append(streamed, d.DeviceID)
		}
		return nil
	})
	if err != nil || r.Devices != nil || r.Listed != 10000 || pages != 10 || len(streamed) != 10000 || streamed[9999] != devices[9999].DeviceID {
		t.Fatalf("streamed %d devices in %d pages (listed %d, kept %d): %v", len(streamed), pages, r.Listed, len(r.Devices), err)
	}
	full := errors.New("disk full")
	before := f.sim.Stats().ByOp[api.OpListDevices]
	if _, err := f.client.ListDevicesEach(context.Background(), func([]api.Device) error { return full }); !errors.Is(err, full) {
		t.Fatalf("a caller's error ended the listing with %v", err)
	}
	if n := f.sim.Stats().ByOp[api.OpListDevices] - before; n != 1 {
		t.Errorf("%d pages asked after the caller stopped at the first", n)
	}
}

func TestListPageHonoursLimit(t *testing.T) {
	f := newFixture(t, sim.Options{Devices: 25}, api.Options{})
	page, err := f.client.ListDevicesPage(context.Background(), 10, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Devices) != 10 || page.Next == nil {
		t.Fatalf("page of 10: got %d devices, next %v", len(page.Devices), page.Next)
	}
	if _, err := f.client.ListDevicesPage(context.Background(), 1001, ""); err == nil {
		t.Fatal("a page limit over 1000 was sent")
	}
}

func TestGetDeviceAndData(t *testing.T) {
	f := newFixture(t, sim.Options{}, api.Options{})
	want := f.deviceWith(t, api.PlanHosted, true)
	d, err := f.client.GetDevice(context.Background(), strings.ToLower(want.DeviceID))
	if err != nil {
		t.Fatal(err)
	}
	if d.DeviceID != want.DeviceID || d.Name != want.Name || d.Plan != api.PlanHosted {
		t.Fatalf("got %+v, want %+v", d, want)
	}
	page, err := f.client.GetData(context.Background(), want.DeviceID, api.DataQuery{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if page.DeviceID != want.DeviceID || len(page.Data) != 5 {
		t.Fatalf("data page: device %q, %d messages", page.DeviceID, len(page.Data))
	}
	for i := 1; i < len(page.Data); i++ {
		if page.Data[i].TS >= page.Data[i-1].TS {
			t.Fatalf("messages not newest first: %v then %v", page.Data[i-1].TS, page.Data[i].TS)
		}
	}
	if _, ok := page.Data[0].Number("vin"); !ok {
		t.Error("latest message has no numeric vin")
	}
	// start/end select a window.
	newest := page.Data[0].Time().Truncate(time.Second)
	start := newest.Add(-time.Hour)
	win, err := f.client.GetData(context.Background(), want.DeviceID, api.DataQuery{Start: start, End: newest, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range win.Data {
		if m.Time().Before(start) || m.Time().After(newest.Add(time.Second)) {
			t.Fatalf("message at %v outside the window", m.Time())
		}
	}
	if len(win.Data) < 6 {
		t.Errorf("an hour of a live device gave %d messages", len(win.Data))
	}
}

func TestReadingsChangeOverTime(t *testing.T) {
	f := newFixture(t, sim.Options{}, api.Options{})
	d := f.deviceWith(t, api.PlanHosted, true)
	first, err := f.client.GetData(context.Background(), d.DeviceID, api.DataQuery{})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(30 * time.Minute)
	later, err := f.client.GetData(context.Background(), d.DeviceID, api.DataQuery{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := first.Data[0], later.Data[0]
	if !b.Time().After(a.Time()) {
		t.Fatalf("latest message did not move on: %v then %v", a.Time(), b.Time())
	}
	av, _ := a.Number("vin")
	bv, _ := b.Number("vin")
	if av == bv {
		t.Errorf("vin did not change in 30 minutes: %v", av)
	}
}

func TestDataForbiddenOnPlanNone(t *testing.T) {
	f := newFixture(t, sim.Options{HostedFraction: 0.2}, api.Options{})
	d := f.deviceWith(t, api.PlanNone, true)
	_, err := f.client.GetData(context.Background(), d.DeviceID, api.DataQuery{})
	var e *api.Error
	if !errors.As(err, &e) || e.Status != 403 || !strings.Contains(e.Message, "plan") {
		t.Fatalf("GetData on plan None: %v", err)
	}
	if e.DeviceID != d.DeviceID {
		t.Errorf("error names device %q, want %q", e.DeviceID, d.DeviceID)
	}
}

func TestConfigUpdateQueuedUntilCheckIn(t *testing.T) {
	f := newFixture(t, sim.Options{}, api.Options{})
	d := f.deviceWith(t, api.PlanHosted, true)
	ctx := context.Background()
	cr, err := f.client.GetConfig(ctx, d.DeviceID)
	if err != nil {
		t.Fatal(err)
	}
	if !cr.Synced {
		t.Fatal("a fresh device is not synced")
	}
	edited := cr.Config.Clone()
	if err := edited.Set("ambient.warning", 55); err != nil {
		t.Fatal(err)
	}
	partial, removed := api.Partial(cr.Config, edited)
	if len(removed) != 0 || len(partial.Keys()) != 1 {
		t.Fatalf("partial %v removed %v", partial.Keys(), removed)
	}
	res, err := f.client.UpdateConfig(ctx, d.DeviceID, partial)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Queued() || res.Message != "Config update queued" {
		t.Fatalf("update answered %+v, want 202 queued", res)
	}
	cr, _ = f.client.GetConfig(ctx, d.DeviceID)
	if cr.Synced {
		t.Fatal("config synced before the device checked in")
	}
	if v, _ := cr.Config.Get("ambient.warning"); v.(json.Number) != "50" {
		t.Fatalf("old value should stand until check-in, got %v", v)
	}
	f.clock.Advance(11 * time.Minute) // longer than any reporting interval
	cr, _ = f.client.GetConfig(ctx, d.DeviceID)
	if !cr.Synced {
		t.Fatal("config not synced after the device checked in")
	}
	if v, _ := cr.Config.Get("ambient.warning"); v.(json.Number) != "55" {
		t.Fatalf("ambient.warning = %v after check-in, want 55", v)
	}
}

func TestConfigUpdateUnknownSettingIs422(t *testing.T) {
	f := newFixture(t, sim.Options{}, api.Options{})
	d := f.deviceWith(t, api.PlanHosted, true)
	_, err := f.client.UpdateConfig(context.Background(), d.DeviceID, api.Config{"no_such": api.Config{"thing": 1}})
	if api.StatusOf(err) != 422 || !strings.Contains(err.Error(), "no_such.thing") {
		t.Fatalf("unknown setting: %v", err)
	}
}

func TestAddUserPasswordFlow(t *testing.T) {
	f := newFixture(t, sim.Options{}, api.Options{})
	ctx := context.Background()
	var free, locked, password string
	for id, pw := range f.sim.Claimable() {
		if pw == "" {
			free = id
		} else {
			locked, password = id, pw
		}
	}
	res, err := f.client.AddUser(ctx, free, api.AddUserRequest{GroupName: "Marine"})
	if err != nil || res.Status != 200 || res.Message != "Device added" {
		t.Fatalf("adding a free device: %+v %v", res, err)
	}
	if _, err := f.client.GetDevice(ctx, free); err != nil {
		t.Fatalf("added device not in the account: %v", err)
	}
	_, err = f.client.AddUser(ctx, locked, api.AddUserRequest{GroupName: "Marine"})
	if !api.IsPasswordRequired(err) {
		t.Fatalf("device registered elsewhere: want Password Required, got %v", err)
	}
	_, err = f.client.AddUser(ctx, locked, api.AddUserRequest{GroupName: "Marine", SetupPassword: "wrong"})
	if api.StatusOf(err) != 403 {
		t.Fatalf("wrong setup password: %v", err)
	}
	if _, err := f.client.AddUser(ctx, locked, api.AddUserRequest{GroupName: "Marine", SetupPassword: password}); err != nil {
		t.Fatalf("right setup password: %v", err)
	}
}

func TestLoadFile(t *testing.T) {
	f := newFixture(t, sim.Options{}, api.Options{})
	d := f.deviceWith(t, api.PlanHosted, true)
	ctx := context.Background()
	pem := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	res, err := f.client.LoadFile(ctx, d.DeviceID, "mqtt_client.crt", pem)
	if err != nil || !res.Queued() {
		t.Fatalf("load file: %+v %v", res, err)
	}
	if got := f.sim.Files(d.DeviceID)["mqtt_client.crt"]; got != len(pem) {
		t.Fatalf("device holds %d bytes of mqtt_client.crt, want %d", got, len(pem))
	}
	before := f.sim.Stats().Requests
	if _, err := f.client.LoadFile(ctx, d.DeviceID, "ca.pem", pem); err == nil || !strings.Contains(err.Error(), "trust store") {
		t.Fatalf("ca.pem: %v", err)
	}
	if _, err := f.client.LoadFile(ctx, d.DeviceID, "big.crt", make([]byte, api.MaxFileSize+1)); err == nil {
		t.Fatal("an oversized file was accepted")
	}
	if n := f.sim.Stats().Requests; n != before {
		t.Fatalf("refused files cost %d requests", n-before)
	}
}

func TestMalformedDeviceIDCostsNoRequest(t *testing.T) {
	f := newFixture(t, sim.Options{}, api.Options{})
	ctx := context.Background()
	for _, id := range []string{"", "JDA54E1", "JDA54E19F0", "JDA54E19!", "JDA 54E19"} {
		if _, err := f.client.GetDevice(ctx, id); err == nil {
			t.Errorf("device ID %q was accepted", id)
		}
		if _, err := f.client.GetData(ctx, id, api.DataQuery{}); err == nil {
			t.Errorf("device ID %q was accepted for data", id)
		}
	}
	if n := f.sim.Stats().Requests; n != 0 {
		t.Fatalf("malformed IDs cost %d requests", n)
	}
}

func TestMonthlyQuotaOfNonHostedDevice(t *testing.T) {
	f := newFixture(t, sim.Options{HostedFraction: 0.2}, api.Options{})
	d := f.deviceWith(t, api.PlanTrial, true)
	ctx := context.Background()
	for i := 1; i <= api.MonthlyPerDevice; i++ {
		got, err := f.client.GetDevice(ctx, d.DeviceID)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if got.Remaining == nil || *got.Remaining != api.MonthlyPerDevice-i {
			t.Fatalf("call %d: apiRequestsRemaining %v, want %d", i, got.Remaining, api.MonthlyPerDevice-i)
		}
		f.clock.Advance(time.Second)
	}
	if got := f.client.Usage().Remaining[d.DeviceID]; got != 0 {
		t.Errorf("observed remaining %d, want 0", got)
	}
	_, err := f.client.GetDevice(ctx, d.DeviceID)
	if !api.IsRateLimited(err) || !strings.Contains(err.Error(), "Monthly") {
		t.Fatalf("51st call in a month: %v", err)
	}
	// Get Device Data does not count against the 50.
	if _, err := f.client.GetData(ctx, d.DeviceID, api.DataQuery{}); err != nil {
		t.Fatalf("data of a Trial device after its monthly calls: %v", err)
	}
}
