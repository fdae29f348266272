package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
	"sqc/state/store"
)

func TestParseValueKeepsTheJSONType(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		old  any
		text string
		want string // FormatValue of the result, or "error"
	}{
		{json.Number("40"), " 47 ", "47"},
		{json.Number("40"), "4.5e1", "error"},
		{json.Number("40"), "47.5", "error"},
		{json.Number("2.5"), "3", "3"},
		{json.Number("40"), "forty", "error"},
		{json.Number("40"), "", "error"},
		{true, "FALSE", "false"},
		{true, "yes", "error"},
		{"CAPTURE", " MODBUS", `" MODBUS"`},
		{"CAPTURE", "12", `"12"`},
		{[]any{json.Number("1")}, "[1, 2]", "[1,2]"},
		{[]any{}, "1,2", "error"},
		{api.Config{"a": true}, "1", "error"},
	} {
		got, err := ParseValue("k.x", c.old, c.text)
		s := "error"
		if err == nil {
			s = FormatValue(got)
		} else if !strings.Contains(err.Error(), "k.x") {
			t.Errorf("%q: the error does not name the key: %v", c.text, err)
		}
		if s != c.want {
			t.Errorf("ParseValue(%v, %q) = %s, want %s", c.old, c.text, s, c.want)
		}
	}
	if FormatValue(GuessValue("9600")) != "9600" || GuessValue("true") != true || GuessValue(`"7"`) != "7" || GuessValue("CAN") != "CAN" {
		t.Error("a new key's value is guessed wrong")
	}
}

func TestStageReplacesAndDropsNoChange(t *testing.T) {
	t.Parallel()
	var cs []Change
	cs = Stage(cs, Change{Key: "a.b", Old: json.Number("1"), New: json.Number("2")})
	cs = Stage(cs, Change{Key: "c", Old: true, New: false})
	cs = Stage(cs, Change{Key: "a.b", Old: json.Number("1"), New: json.Number("3")})
	if len(cs) != 2 || cs[1].Key != "a.b" || FormatValue(cs[1].New) != "3" {
		t.Fatalf("restaging: %+v", cs)
	}
	cs = Stage(cs, Change{Key: "a.b", Old: json.Number("1"), New: json.Number("1.0")})
	if len(cs) != 2 {
		t.Logf("1.0 is a different text from 1: kept as a change (%+v)", cs)
	}
	cs = Stage(cs, Change{Key: "c", Old: true, New: true})
	for _, c := range cs {
		if c.Key == "c" {
			t.Fatalf("a change back to the device's value is still staged: %+v", cs)
		}
	}
	if got := DiffLines([]Change{{Key: "ambient.warning", Old: json.Number("40"), New: json.Number("47")}}); strings.Join(got, "|") != "- ambient.warning 40|+ ambient.warning 47" {
		t.Fatalf("diff %q", got)
	}
}

func gateFixture(t *testing.T, hosted float64) (*sim.Server, *api.Client, time.Time) {
	t.Helper()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	s := sim.New(sim.Options{Devices: 20, Key: "gate-key", HostedFraction: hosted, Now: func() time.Time { return now }})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := api.New(api.Options{BaseURL: srv.URL, Key: "gate-key", RatePerSecond: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return s, c, now
}

func TestGateReadOnlySendsNothing(t *testing.T) {
	t.Parallel()
	s, c, now := gateFixture(t, 0.5)
	db := memDB(t)
	g := &Gate{ReadOnly: true, Profile: "acme", Audit: OpenAudit(db, nil), Now: func() time.Time { return now }}
	d := s.Devices()[0]
	w := Write{Op: api.OpUpdateConfig, Device: d, Changes: []Change{{Key: "ambient.warning", Old: json.Number("40"), New: json.Number("47")}}}
	if _, err := g.Confirmation(c, w); err != ErrReadOnly {
		t.Fatalf("confirmation of a read-only write: %v", err)
	}
	if _, err := g.Send(context.Background(), c, w); err != ErrReadOnly {
		t.Fatalf("read-only send: %v", err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("a read-only session sent %d requests", n)
	}
}

func TestGateRefusesADeviceWithNoCallsLeftAndAuditsWrites(t *testing.T) {
	t.Parallel()
	s, c, now := gateFixture(t, 0.3)
	var trial, hosted api.Device
	for _, d := range s.Devices() {
		if d.Plan == api.PlanTrial && trial.DeviceID == "" {
			trial = d
		}
		if d.Plan == api.PlanHosted && hosted.DeviceID == "" && !d.Seen().IsZero() {
			hosted = d
		}
	}
	db := memDB(t)
	left := map[string]int{trial.DeviceID: 0}
	g := &Gate{Profile: "acme", Audit: OpenAudit(db, nil), Now: func() time.Time { return now },
		Left: func(id string) (int, bool) { n, ok := left[id]; return n, ok }}
	change := []Change{{Key: "ambient.warning", Old: json.Number("40"), New: json.Number("47")}}
	_, err := g.Send(context.Background(), c, Write{Op: api.OpUpdateConfig, Device: trial, Changes: change})
	if _, ok := err.(*BudgetError); !ok {
		t.Fatalf("a device with 0 calls left: %v", err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("%d requests for a device with no calls left", n)
	}
	left[trial.DeviceID] = 7
	lines, err := g.Confirmation(c, Write{Op: api.OpUpdateConfig, Device: trial, Changes: change})
	if err != nil || !strings.Contains(strings.Join(lines, "\n"), "1 of its 7 API calls left") || !strings.Contains(lines[0], "- ambient.warning 40") {
		t.Fatalf("confirmation %q, %v", lines, err)
	}
	res, err := g.Send(context.Background(), c, Write{Op: api.OpUpdateConfig, Device: hosted, Changes: change})
	if err != nil || !res.Queued() {
		t.Fatalf("send: %+v %v", res, err)
	}
	s.Inject(sim.Fault{Status: 500, Message: "boom"})
	_, err = g.Send(context.Background(), c, Write{Op: api.OpUpdateConfig, Device: hosted, Changes: change})
	if !strings.HasPrefix(Outcome(api.Result{}, err), "outcome unknown") {
		t.Fatalf("a 500 after sending: %q", Outcome(api.Result{}, err))
	}
	if n := len(s.Requests()); n != 2 {
		t.Fatalf("the server saw %d writes, want 2 (never retried)", n)
	}
	log := auditText(t, db)
	for _, want := range []string{"device=" + hosted.DeviceID, "status=202", "Config update queued", "+ ambient.warning 47", "status=500", `outcome="unknown"`, `outcome="taken"`} {
		if !strings.Contains(log, want) {
			t.Errorf("audit log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "gate-key") {
		t.Fatal("the key is in the audit log")
	}
}

// Each of the four outcomes is told and audited as it is: a write to a
// closed port was not sent; one the server took before the connection
// dropped is unknown; one answered 301 was refused, and not followed.
func TestGateAuditsEachOutcome(t *testing.T) {
	s, c, now := gateFixture(t, 1)
	db := memDB(t)
	g := &Gate{Profile: "acme", Audit: OpenAudit(db, nil), Now: func() time.Time { return now }}
	d := s.Devices()[0]
	w := Write{Op: api.OpUpdateConfig, Device: d, Changes: []Change{{Key: "ambient.warning", Old: json.Number("40"), New: json.Number("47")}}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	cc, err := api.New(api.Options{BaseURL: closed, Key: "gate-key"})
	if err != nil {
		t.Fatal(err)
	}
	auditLine := func() string {
		t.Helper()
		var last string
		for _, l := range strings.Split(auditText(t, db), "\n") {
			if strings.Contains(l, "profile=acme") {
				last = l
			}
		}
		return last
	}

	res, err := g.Send(context.Background(), cc, w)
	if got := Outcome(res, err); OutcomeOf(err) != api.NotSent || !strings.HasPrefix(got, "not sent: ") {
		t.Fatalf("a write to a closed port: %q", got)
	}
	if l := auditLine(); !strings.Contains(l, `status=0 outcome="not sent"`) || !strings.Contains(l, "connection refused") {
		t.Fatalf("audit of a write to a closed port: %s", l)
	}

	s.DropAfter(api.OpUpdateConfig, 1)
	res, err = g.Send(context.Background(), c, w)
	if got := Outcome(res, err); OutcomeOf(err) != api.Unknown || !strings.HasPrefix(got, "outcome unknown: ") {
		t.Fatalf("a write taken before the connection dropped: %q", got)
	}
	if l := auditLine(); !strings.Contains(l, `outcome="unknown"`) {
		t.Fatalf("audit of a dropped write: %s", l)
	}

	s.Inject(sim.Fault{Op: api.OpUpdateConfig, Status: 301, Redirect: "/devices/" + d.DeviceID + "/config"})
	res, err = g.Send(context.Background(), c, w)
	if got := Outcome(res, err); OutcomeOf(err) != api.Refused || !strings.Contains(got, "301") || WentOut(err) {
		t.Fatalf("a write answered 301: %q", got)
	}
	if l := auditLine(); !strings.Contains(l, `status=301 outcome="refused"`) {
		t.Fatalf("audit of a write answered 301: %s", l)
	}
	var methods []string
	for _, r := range s.Requests() {
		methods = append(methods, r.Method)
	}
	if strings.Join(methods, " ") != "PATCH PATCH" {
		t.Fatalf("the server saw %v, want the dropped PATCH and the redirected one, no GET", methods)
	}
}

// auditText is the audit log in the database as the old file had it, a
// line an entry and its detail indented under it.
func auditText(t *testing.T, db store.Store) string {
	t.Helper()
	entries, err := db.AuditLog(context.Background(), store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&b, "%s profile=%s device=%s op=%q status=%d outcome=%q message=%q\n", e.At.Format(time.RFC3339), e.Profile, e.Device, e.Op, e.Status, e.Outcome, e.Message)
		for _, l := range strings.SplitAfter(e.Detail, "\n") {
			if l != "" {
				b.WriteString("    " + l)
			}
		}
	}
	return b.String()
}

// refusing is a database that refuses audit entries while down is set.
type refusing struct {
	store.Store
	down bool
}

func (r *refusing) Audit(ctx context.Context, e store.AuditEntry) error {
	if r.down {
		return errors.New("database is locked")
	}
	return r.Store.Audit(ctx, e)
}

// An audit entry the database refuses (locked, a full disk) is said and
// kept, and written in order before the next one: no line is lost.
func TestAuditKeepsWhatTheDatabaseRefused(t *testing.T) {
	t.Parallel()
	db := &refusing{Store: memDB(t), down: true}
	a := OpenAudit(db, nil)
	at := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	w := Write{Op: api.OpUpdateConfig, Device: api.Device{DeviceID: "AAA111"}}
	err := a.Record(at, "acme", w, api.Result{Status: 202}, nil)
	if err == nil || !strings.Contains(err.Error(), "locked") || !strings.Contains(err.Error(), "1 audit entries kept") {
		t.Fatalf("a refused entry says %v", err)
	}
	db.down = false
	if err := a.Settled(at.Add(time.Minute), "acme", "ana", "BBB222", api.OpUpdateConfig, ReadBackApplied); err != nil {
		t.Fatal(err)
	}
	log, _ := db.AuditLog(context.Background(), store.AuditQuery{})
	if len(log) != 2 || log[0].Device != "AAA111" || log[0].Status != 202 || log[1].Device != "BBB222" || log[1].Outcome != "applied" || log[1].Who != "ana" {
		t.Fatalf("after the database came back: %+v", log)
	}
}
