package api_test

import (
	"context"
	"errors"
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"sqc/api"
	"sqc/api/sim"
)

func alarm65() api.Config { return api.Config{"ambient": api.Config{"alarm": 65}} }

// closedPort is a loopback address nothing listens on: a connection to
// it is refused before any byte of a request can leave.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestWriteToAClosedPortIsNotSent(t *testing.T) {
	c, err := api.New(api.Options{BaseURL: closedPort(t), Key: testKey, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateConfig(context.Background(), "A00000001", alarm65())
	if got := api.WriteOutcome(err); got != api.NotSent {
		t.Fatalf("a refused connection: outcome %v (%v), want not sent", got, err)
	}
	var e *api.Error
	if !errors.As(err, &e) || e.Unknown || !strings.Contains(e.Error(), "nothing was sent") {
		t.Fatalf("a refused connection is told as %v", err)
	}
	if !api.IsUnavailable(err) {
		t.Fatalf("a refused connection is still the network being down: %v", err)
	}
}

func TestWriteTakenThenDroppedIsUnknown(t *testing.T) {
	f := newFixture(t, sim.Options{Devices: 3, HostedFraction: 1}, api.Options{})
	id := f.sim.Devices()[0].DeviceID
	f.sim.DropAfter(api.OpUpdateConfig, 1)
	_, err := f.client.UpdateConfig(context.Background(), id, alarm65())
	if got := api.WriteOutcome(err); got != api.Unknown {
		t.Fatalf("a connection dropped after the write: outcome %v (%v), want unknown", got, err)
	}
	reqs := f.sim.Requests()
	if len(reqs) != 1 || reqs[0].Method != "PATCH" || reqs[0].Status != 202 {
		t.Fatalf("the server should have taken one write, and seen it once: %+v", reqs)
	}
}

// A PATCH answered 301 is not followed (Go's client would send a GET,
// not the write confirmed) and is not taken.
func TestWriteRedirectIsRefusedNotFollowed(t *testing.T) {
	f := newFixture(t, sim.Options{Devices: 3, HostedFraction: 1}, api.Options{})
	id := f.sim.Devices()[0].DeviceID
	f.sim.Inject(sim.Fault{Op: api.OpUpdateConfig, Status: 301, Redirect: f.srv.URL + "/devices/" + id + "/config", Count: 5})
	res, err := f.client.UpdateConfig(context.Background(), id, alarm65())
	if got := api.WriteOutcome(err); got != api.Refused || api.StatusOf(err) != 301 {
		t.Fatalf("a write answered 301: %+v, outcome %v (%v), want refused with 301", res, got, err)
	}
	if !strings.Contains(err.Error(), "does not follow redirects of a write") {
		t.Fatalf("the 301 is not explained: %v", err)
	}
	reqs := f.sim.Requests()
	if len(reqs) != 1 || reqs[0].Method != "PATCH" {
		t.Fatalf("the redirect was followed: %+v", reqs)
	}
}

func TestWriteOutcomeOfEachAnswer(t *testing.T) {
	for _, c := range []struct {
		err  error
		want api.Outcome
	}{
		{nil, api.Taken},
		{&api.Error{Op: api.OpUpdateConfig, Status: 422}, api.Refused},
		{&api.Error{Op: api.OpUpdateConfig, Status: 308}, api.Refused},
		{&api.Error{Op: api.OpUpdateConfig, Status: 500, Unknown: true}, api.Unknown},
		{&api.Error{Op: api.OpUpdateConfig, Status: 429, Local: true}, api.NotSent},
		{&api.Error{Op: api.OpUpdateConfig, Err: errors.New("reset"), Unknown: true}, api.Unknown},
		{errors.New("read-only"), api.NotSent},
	} {
		if got := api.WriteOutcome(c.err); got != c.want {
			t.Errorf("%v: %v, want %v", c.err, got, c.want)
		}
	}
}

// A certificate the client does not trust fails the TLS handshake, before
// any byte of the request can leave: the write was not sent.
func TestWriteFailingTheTLSHandshakeIsNotSent(t *testing.T) {
	s := sim.New(sim.Options{Devices: 2, Key: testKey, HostedFraction: 1})
	srv := httptest.NewTLSServer(s)
	defer srv.Close()
	c, err := api.New(api.Options{BaseURL: srv.URL, Key: testKey, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateConfig(context.Background(), s.Devices()[0].DeviceID, alarm65())
	if got := api.WriteOutcome(err); got != api.NotSent {
		t.Fatalf("an untrusted certificate: outcome %v (%v), want not sent", got, err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("the server saw %d requests", n)
	}
}
