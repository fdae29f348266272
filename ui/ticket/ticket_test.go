package ticket

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sqc/api"
	"sqc/state"
	"sqc/state/store"
)

// fixture reads a real device's message: ../shared/fixtures above the
// module, or the simulator's copies of the same files.
func fixture(t *testing.T, name string) api.DataMessage {
	t.Helper()
	dir, _ := os.Getwd()
	path := filepath.Join("..", "..", "api", "sim", "templates", name)
	for d := dir; filepath.Dir(d) != d; d = filepath.Dir(d) {
		if cand := filepath.Join(d, "shared", "fixtures", "data-messages", name); fileExists(cand) {
			path = cand
			break
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m api.DataMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// A ticket of a real message: identity, state and why, every reading with
// its unit, the range's events and chart, the config with what is
// pending, what sqc did; never the key, the setup password or a secret.
func TestATicketHoldsTheTriageAndNoSecret(t *testing.T) {
	const key, setupPassword = "sk_live_0123456789abcdef", "setup-hunter2"
	latest := fixture(t, "quad-c2-he8ev12lf-1.json")
	made := time.Date(2026, 12, 5, 3, 20, 0, 0, time.UTC)
	latest.TS = float64(made.Add(-2 * time.Minute).Unix())
	latest.Events = append(latest.Events, api.Event{Topic: "alarm", Msg: "Pump | pressure <b>low</b>", Level: 40})
	var hist []api.DataMessage
	for i := range 120 {
		m := latest
		m.Events = nil
		m.TS = float64(made.Add(-time.Duration(120-i) * time.Minute).Unix())
		m.Fields = []api.Field{{Key: "vin", Kind: api.KindNumber, Num: 24 + float64(i%10)/2}, {Key: "mode", Kind: api.KindString, Raw: json.RawMessage(`"run"`)}}
		if i == 100 {
			m.Events = []api.Event{{Msg: "supply low", Level: 30}}
		}
		hist = append(hist, m, m) // twice: a ticket shows each once
	}
	remaining := 12
	cfg := api.Config{"device": map[string]any{"interval": 60.0, "name": "Pump 3"}, "wifi": map[string]any{"password": setupPassword, "ssid": "site"}}
	md := Markdown(Input{
		Made: made, Profile: "acme",
		Device: api.Device{DeviceID: "HE8EV12LF", Name: "Pump 3", GroupName: "North", Model: "QUAD-C2", Plan: api.PlanTrial, Remaining: &remaining},
		Health: state.HealthAlarm, LastSeen: latest.Time(), Latest: &latest,
		Range: state.Span{From: made.Add(-2 * time.Hour), To: made}, History: hist,
		Config: cfg, ConfigAt: made.Add(-time.Hour),
		Pending: []state.Change{{Key: "device.interval", Old: json.Number("60"), New: json.Number("30")}},
		Draft:   []state.Change{{Key: "wifi.password", Old: setupPassword, New: "n3w-" + setupPassword}},
		Audit:   []store.AuditEntry{{At: made.Add(-30 * time.Minute), Device: "HE8EV12LF", Op: "config", Status: 202, Outcome: "taken", Message: "device.interval 60 → 30"}},
		Calls:   []api.Call{{At: made.Add(-time.Minute), Op: api.OpGetData, Method: "GET", Status: 200, Latency: 120 * time.Millisecond}},
		Conn:    "online",
	})
	for _, want := range []string{
		"# HE8EV12LF — Pump 3", "| Plan | Trial |", "| API calls left this month | 12 |",
		"| State | alarm — alarm: Pump \\| pressure &lt;b&gt;low&lt;/b&gt; |",
		"| Power | vin | 28.09 | V |", "| Power | vsys | 4.17 | V |", "| CAN | frames | 56 | |", "| Events | warning | CPU Threshold Exceeded | level 30 |",
		"120 messages.", "supply low", "| vin | 24 | 28.5 | V |", "```text", "vin (V)  min 24",
		"device.interval = 60", "### Sent, not yet applied", "| device.interval | 60 | 30 |",
		"### Draft (not sent)", "| wifi.password | (hidden) | (hidden) |", "wifi.password = (hidden)",
		"| config | 202 | taken |", "| GET Get Device Data | 200 | 120ms |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the ticket lacks %q", want)
		}
	}
	for _, secret := range []string{key, setupPassword, "hunter2"} {
		if strings.Contains(md, secret) {
			t.Errorf("the ticket holds a secret %q", secret)
		}
	}
	if strings.Contains(md, "<b>") || strings.Contains(md, "\x1b") {
		t.Error("server text reached the ticket as markup")
	}
	if t.Failed() {
		t.Log(md)
	}
}

// A device never read still gets a ticket that says what is unknown.
func TestATicketOfADeviceNeverRead(t *testing.T) {
	md := Markdown(Input{Made: time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC), Device: api.Device{DeviceID: "AAA111BBB"}})
	for _, want := range []string{"# AAA111BBB — (no name)", "| Last seen | never |", "No message read.", "## Config\n\nNot read.", "No writes recorded"} {
		if !strings.Contains(md, want) {
			t.Errorf("lacks %q:\n%s", want, md)
		}
	}
}
