package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"sqc/api"
	"sqc/api/sim"
)

// terminal stands in for a person at a terminal: what they type.
type terminal struct{ *strings.Reader }

func (terminal) Terminal() bool { return true }

// sqcAt runs sqc with a person at the terminal who types typed.
func sqcAt(t *testing.T, typed string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, terminal{strings.NewReader(typed)}, &out, &errb)
	return code, out.String(), errb.String()
}

// writeSetup is setup with the client pointed at the simulator.
func writeSetup(t *testing.T) *sim.Server {
	t.Helper()
	s, srv := setup(t)
	t.Setenv("SENQUIP_API_URL", srv.URL)
	return s
}

// writes are the requests that change something on the server.
func writes(s *sim.Server) []sim.Request {
	var out []sim.Request
	for _, r := range s.Requests() {
		if r.Method != "GET" {
			out = append(out, r)
		}
	}
	return out
}

// hostedIDs are n devices of the simulated account on a Hosted plan.
func hostedIDs(t *testing.T, s *sim.Server, n int) []string {
	t.Helper()
	var ids []string
	for _, d := range s.Devices() {
		if d.Plan == api.PlanHosted && len(ids) < n {
			ids = append(ids, d.DeviceID)
		}
	}
	if len(ids) < n {
		t.Fatalf("the fleet has fewer than %d Hosted devices", n)
	}
	return ids
}

// notHosted is a device that has 50 calls a month.
func notHosted(t *testing.T, s *sim.Server) api.Device {
	t.Helper()
	for _, d := range s.Devices() {
		if d.Plan != api.PlanHosted && d.Remaining != nil {
			return d
		}
	}
	t.Fatal("no device without a Hosted plan")
	return api.Device{}
}

// auditLog is the audit log as sqc audit prints it; "" when nothing was
// ever recorded.
func auditLog(t *testing.T) string {
	t.Helper()
	code, out, errs := sqc(t, "audit")
	if code != 0 {
		if strings.Contains(errs, "nothing is recorded yet") {
			return ""
		}
		t.Fatalf("sqc audit: exit %d: %s", code, errs)
	}
	return out
}
