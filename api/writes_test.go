package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"sqc/api"
	"sqc/api/sim"
)

// What the confirm dialog shows is what the server receives.
func TestPreviewIsWhatIsSent(t *testing.T) {
	f := newFixture(t, sim.Options{}, api.Options{})
	d := f.deviceWith(t, api.PlanHosted, true)
	partial := api.Config{}
	if err := partial.Set("ambient.warning", json.Number("47")); err != nil {
		t.Fatal(err)
	}
	p, err := f.client.PreviewUpdateConfig(strings.ToLower(d.DeviceID), partial)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.sim.Requests()); n != 0 {
		t.Fatalf("a preview sent %d requests", n)
	}
	if _, err := f.client.UpdateConfig(context.Background(), d.DeviceID, partial); err != nil {
		t.Fatal(err)
	}
	got := f.sim.Requests()[0]
	var shown, sent bytes.Buffer
	_ = json.Compact(&shown, []byte(p.Body))
	_ = json.Compact(&sent, got.Body)
	if shown.String() != sent.String() || !strings.HasSuffix(p.URL, got.Path) || p.Method != got.Method {
		t.Fatalf("preview %s %s %s, sent %s %s %s", p.Method, p.URL, shown.String(), got.Method, got.Path, sent.String())
	}
	a, err := f.client.PreviewAddUser("ABCDEFGH1", api.AddUserRequest{GroupName: "North", SetupPassword: "hunter2"})
	if err != nil || strings.Contains(a.Body, "hunter2") || !strings.Contains(a.Body, "setupPassword") {
		t.Fatalf("add-user preview %q, %v: the password must be masked but named", a.Body, err)
	}
	if _, err := f.client.PreviewUpdateConfig("BAD", partial); err == nil {
		t.Fatal("a bad device ID previewed")
	}
}
