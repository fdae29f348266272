package api_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
)

// Each failure is classed by whom it concerns: the console backs the whole
// fleet off only for the network, 5xx and the account's 429.
func TestClassifyFailures(t *testing.T) {
	f := newFixture(t, sim.Options{HostedFraction: 0.2}, api.Options{MaxRetries: -1})
	ctx := context.Background()
	hosted := f.deviceWith(t, api.PlanHosted, true)
	trial := f.deviceWith(t, api.PlanTrial, true)
	check := func(what string, err error, want api.Failure) {
		t.Helper()
		if got := api.Classify(err); got != want {
			t.Errorf("%s: classed %v, want %v (err %v)", what, got, want, err)
		}
		if fw := api.Classify(err).Fleetwide(); fw != (want == api.FailNetwork || want == api.FailServer || want == api.FailRateLimit) {
			t.Errorf("%s: fleetwide %v", what, fw)
		}
	}
	_, err := f.client.GetData(ctx, "M0000000!", api.DataQuery{})
	check("malformed ID", err, api.FailDevice)
	_, err = f.client.GetData(ctx, "ZZZZZZZZ9", api.DataQuery{})
	check("unknown device", err, api.FailDevice)
	f.sim.Break(hosted.DeviceID, true)
	_, err = f.client.GetData(ctx, hosted.DeviceID, api.DataQuery{})
	check("malformed data", err, api.FailAnswer)
	f.sim.Break(hosted.DeviceID, false)

	f.sim.Inject(sim.Fault{Status: 500, Message: "boom"})
	_, err = f.client.GetData(ctx, hosted.DeviceID, api.DataQuery{})
	check("500", err, api.FailServer)
	f.sim.Inject(sim.Fault{Status: 429, Message: "Too Many Requests", RetryAfter: "2"})
	_, err = f.client.GetData(ctx, hosted.DeviceID, api.DataQuery{})
	check("account 429", err, api.FailRateLimit)
	if api.RetryAfterOf(err) != 2*time.Second {
		t.Errorf("Retry-After %v", api.RetryAfterOf(err))
	}
	_, err = f.client.GetData(ctx, hosted.DeviceID, api.DataQuery{})
	check("a read during the 429's wait, held by the client", err, api.FailRateLimit)
	if n := f.sim.Stats().ByOp[api.OpGetData]; n != 4 {
		t.Errorf("%d data reads reached the server, want 4 (unknown, broken, 500, 429): the held one is not sent", n)
	}
	f.clock.Advance(2 * time.Second)
	f.sim.Inject(sim.Fault{Status: 403, Message: "Forbidden"})
	_, err = f.client.ListDevices(ctx)
	check("403 on the list", err, api.FailAuth)

	for range api.MonthlyPerDevice {
		if _, err := f.client.GetDevice(ctx, trial.DeviceID); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Second)
	}
	_, err = f.client.GetDevice(ctx, trial.DeviceID)
	check("monthly 429", err, api.FailDevice)
	if !api.IsMonthlyLimit(err) {
		t.Errorf("the 51st call of a month is not the monthly limit: %v", err)
	}

	f.srv.Close()
	_, err = f.client.GetData(ctx, hosted.DeviceID, api.DataQuery{})
	check("server gone", err, api.FailNetwork)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = f.client.GetData(cctx, hosted.DeviceID, api.DataQuery{})
	check("cancelled", err, api.FailCancelled)
}

// Sent hears of every attempt before its answer, and never of a request
// that was refused before sending.
func TestSentCountsEveryAttemptOnTheWire(t *testing.T) {
	var sent atomic.Int64
	f := newFixture(t, sim.Options{}, api.Options{MaxRetries: 2, Sent: func(api.Call) { sent.Add(1) }})
	ctx := context.Background()
	id := f.sim.Devices()[0].DeviceID
	f.sim.Inject(sim.Fault{Status: 503, Message: "busy", Count: 2})
	if _, err := f.client.GetDevice(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, _ = f.client.GetDevice(ctx, "bad")
	if got, want := sent.Load(), int64(f.sim.Stats().Requests); got != want || got != 3 {
		t.Fatalf("Sent heard %d attempts, the server saw %d (want 3)", got, want)
	}
	if n := len(f.sim.Requests()); n != 3 {
		t.Fatalf("request log holds %d requests, want 3", n)
	}
}
