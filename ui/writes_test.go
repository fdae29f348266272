package ui

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/api/sim"
	"sqc/state"
	"sqc/state/live"
	"sqc/state/store"
	"sqc/ui/look"
	"sqc/ui/pane"
)

// modelOn is a console on a simulated fleet, driven message by message:
// for orders of answers that a screen test cannot arrange.
func modelOn(t *testing.T, n int, hosted float64) (*Model, *sim.Server) {
	t.Helper()
	s := sim.New(sim.Options{Devices: n, Key: uiKey, HostedFraction: hosted})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg := Config{Profile: "acme", Key: uiKey, KeySource: "env", StateDir: dir, DialogGuard: -1,
		Connect: connectTo(srv.URL, func(o *api.Options) { o.RatePerSecond = 1e6 })}
	m := New(context.Background(), cfg)
	t.Cleanup(func() { m.finish(context.Background()) })
	m.sh.View.Lock(func(live.Locked) { m.sh.Fleet.SetDevices(s.Devices(), m.sh.Now()) })
	return m, s
}

func press(s string) tea.KeyPressMsg { return tea.KeyPressMsg{Code: rune(s[0]), Text: s} }

// After a write of unknown outcome to A the user opens B's config; the
// read-back of A asks to send again, and y sends A's change to A.
func TestSendAgainGoesToTheDeviceWritten(t *testing.T) {
	t.Parallel()
	m, s := modelOn(t, 2, 1)
	a, b := s.Devices()[0], s.Devices()[1]
	sent := []state.Change{{Key: "ambient.warning", Old: json.Number("50"), New: json.Number("47")}}
	m.sh.Writes[a.DeviceID] = &pane.ConfigWrite{Dev: a, Sent: sent}
	m.config.Open(b)
	m.config.OnReadBack(pane.ConfigRead{ID: a.DeviceID, Resp: &api.ConfigResponse{Config: api.Config{}, Synced: true}, At: time.Now()}, m.sh.Writes[a.DeviceID])
	if m.dialog == nil {
		t.Fatal("no question after a read-back without the change")
	}
	m.dialog.Key(&m.sh.Common, press("y"))
	w := m.sh.Writes[a.DeviceID]
	if w == nil || !w.Sending {
		t.Fatal("y sent nothing")
	}
	got := sentTo(t, s)
	if got != a.DeviceID {
		t.Fatalf("the question about %s sent its change to %s", a.DeviceID, got)
	}
}

// A change staged while a write is out stays staged, and in the draft,
// when the write's 202 comes back; the change sent goes.
func TestChangeStagedDuringASendIsKept(t *testing.T) {
	t.Parallel()
	m, s := modelOn(t, 1, 1)
	d := s.Devices()[0]
	p := m.config
	p.Open(d)
	p.Loaded(&api.ConfigResponse{Config: api.Config{"ambient": api.Config{"warning": json.Number("50"), "alarm": json.Number("60")}}, Synced: true}, nil, time.Now())
	p.Stage(state.Change{Key: "ambient.warning", Old: json.Number("50"), New: json.Number("47")})
	w := state.Write{Op: api.OpUpdateConfig, Device: d, Changes: p.Changes}
	_ = m.config.SendWrite(w)
	p.Stage(state.Change{Key: "ambient.alarm", Old: json.Number("60"), New: json.Number("65")})
	p.Stage(state.Change{Key: "ambient.warning", Old: json.Number("50"), New: json.Number("45")}) // edited again
	sent := m.config.OnConfigSent(pane.ConfigSentMsg{W: w, Seq: m.sh.Writes[d.DeviceID].Seq, Mine: true, Leader: true, Res: api.Result{Status: 202, Message: "Config update queued"}, At: time.Now()})
	p.SetSize(100, 30)
	runUntil(t, m, sent, func() bool { return strings.Contains(p.View(), "kept as a draft") }) // the draft on the disk
	draft, _, err := state.LoadDraft(m.sh.Store(), m.sh.KeyFP, d.DeviceID)
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range [][]state.Change{p.Changes, draft.Changes} {
		got := map[string]string{}
		for _, c := range cs {
			got[c.Key] = state.FormatValue(c.Old) + "→" + state.FormatValue(c.New)
		}
		if len(got) != 2 || got["ambient.alarm"] != "60→65" || got["ambient.warning"] != "47→45" {
			t.Fatalf("staged after the 202: %v (want alarm 60→65 and warning 47→45)", got)
		}
	}
}

// A late answer of an MQTT set-up is not taken for a step of the next one.
func TestMQTTLateAnswerOfAnEarlierRunIsDropped(t *testing.T) {
	t.Parallel()
	m, s := modelOn(t, 2, 1)
	b := s.Devices()[1]
	m.mqtt.Open(b)
	m.mqtt.Steps = []pane.MQTTStep{{W: state.Write{Op: api.OpLoadFile, Device: b, FileName: api.FileMQTTKey}}, {W: state.Write{Op: api.OpUpdateConfig, Device: b}}}
	m.mqtt.Running, m.mqtt.Run = true, 2
	if m.mqtt.Update(pane.MQTTStepMsg{Run: 1, I: 0, Res: api.Result{Status: 202}}); len(m.mqtt.Out) != 0 || m.mqtt.Steps[0].Done {
		t.Fatal("an answer of the earlier set-up marked this one's first step done and sent its second")
	}
	if m.mqtt.Update(pane.MQTTStepMsg{Run: 2, I: 0, Res: api.Result{Status: 202}}); len(m.mqtt.Out) != 1 || !m.mqtt.Steps[0].Done {
		t.Fatal("this set-up's own answer did not move it on")
	}
}

// A write's calls left are read when it is confirmed, not from the
// command's goroutine while the console folds a device list (go test -race).
func TestWriteReadsCallsLeftBeforeItGoes(t *testing.T) {
	t.Parallel()
	m, s := modelOn(t, 4, 0.01)
	var d api.Device
	for _, x := range s.Devices() {
		if x.Plan != api.PlanHosted {
			d = x
		}
	}
	w := state.Write{Op: api.OpUpdateConfig, Device: d, Changes: []state.Change{{Key: "ambient.warning", New: json.Number("47"), Added: true}}}
	m.config.SendWrite(w)
	for range 200 {
		m.sh.View.Lock(func(live.Locked) { m.sh.Fleet.SetDevices(s.Devices(), m.sh.Now()) })
	}
	var got []live.WriteOutcome
	deadline := time.Now().Add(patience)
	for len(got) == 0 && time.Now().Before(deadline) {
		<-m.sh.View.Changed()
		got = m.sh.View.Take().Writes
	}
	if len(got) != 1 || got[0].Err != nil {
		t.Fatalf("the write failed: %+v", got)
	}
}

// ownWrite waits for the outcome of the one write the console submitted,
// taken from its view (a console driven message by message reads no
// changes itself).
func ownWrite(t *testing.T, m *Model) live.WriteOutcome {
	t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		select {
		case <-m.sh.View.Changed():
		case <-time.After(time.Until(deadline)):
		}
		if w := m.sh.View.Take().Writes; len(w) > 0 {
			if len(w) != 1 || !w[0].Mine(m.sh.View) {
				t.Fatalf("writes %+v, want this console's one", w)
			}
			return w[0]
		}
	}
	t.Fatal("the write had no outcome")
	return live.WriteOutcome{}
}

// sentTo waits for the one write the simulator receives and says to
// which device it went.
func sentTo(t *testing.T, s *sim.Server) string {
	t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		for _, r := range s.Requests() {
			if r.Method != "GET" {
				return r.DeviceID
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("nothing was sent")
	return ""
}

// A dialog an answer opens while the user reads another waits its turn,
// and one that appears by itself takes no key for a moment.
func TestDialogsFromAnswersWaitAndAreGuarded(t *testing.T) {
	t.Parallel()
	m, _ := modelOn(t, 1, 1)
	m.cfg.DialogGuard = time.Hour
	first := look.NewQuestion("first", nil, "?", "yes", "no", func(bool) tea.Cmd { return nil })
	m.dialog = first
	second := look.NewQuestion("second", nil, "?", "yes", "no", func(bool) tea.Cmd { return nil })
	m.dialog = second // as an answer's handler does
	m.settleDialogs(first, false)
	if m.dialog != first || len(m.dialogs) != 1 {
		t.Fatalf("the dialog in front is %q with %d waiting", m.dialog.Title, len(m.dialogs))
	}
	next, _ := m.Update(press("n"))
	m = next.(*Model)
	if m.dialog != second {
		t.Fatal("the waiting dialog did not come next")
	}
	next, _ = m.Update(press("y"))
	if m = next.(*Model); m.dialog != second {
		t.Fatal("a key typed as the dialog appeared answered it")
	}
	second.GuardUntil = time.Time{}
	next, _ = m.Update(press("n"))
	if m = next.(*Model); m.dialog != nil {
		t.Fatal("the dialog took no key after its guard")
	}
}

// A non-Hosted device's three read-backs are spread over the ten minutes
// they watch, not spent at once.
func TestNonHostedReadBacksAreSpread(t *testing.T) {
	t.Parallel()
	m, _ := modelOn(t, 1, 1)
	for _, every := range []time.Duration{pane.VerifyEvery, 50 * time.Millisecond} {
		m.config.Every = every
		if got, want := m.config.ReadBackEvery(false), every*10; got != want {
			t.Errorf("with read-backs every %s, a non-Hosted device's every %s, want %s", every, got, want)
		}
	}
	if got := m.config.ReadBackEvery(true); got != m.config.Every {
		t.Errorf("Hosted read-backs every %s", got)
	}
}

// A write the server took is taken, even when the audit log cannot be
// written after it: a bulk change counts it queued and an MQTT set-up
// goes on, each saying the log failed.
func TestAWriteTakenButNotAuditedIsNotAFailure(t *testing.T) {
	t.Parallel()
	m, s := modelOn(t, 1, 1)
	gone, err := store.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	gone.Close()
	m.sh.Gate.Audit = state.OpenAudit(gone, nil) // a database closed: never written
	d := s.Devices()[0]
	job := state.NewBulkJob(nil, "fp", "acme", []state.Change{{Key: "ambient.warning", New: json.Number("47"), Added: true}}, []api.Device{d}, time.Now())
	m.bulk.Resume(job, time.Now(), time.Second)
	marked := m.bulk.Next(job)() // the device's mark, then its write
	m.bulk.Update(marked.(pane.Msg).Msg)
	step, ok := m.bulk.StepOf(ownWrite(t, m), time.Now())
	if !ok {
		t.Fatal("the bulk change did not know its own write")
	}
	if step.Err == nil {
		t.Fatal("the audit log was written")
	}
	m.bulk.Update(step)
	if it := job.Items[0]; it.Status != state.BulkQueued || !strings.Contains(it.Message, "audit log") {
		t.Fatalf("bulk row %s %q, want queued with the audit failure said", it.Status, it.Message)
	}
	m.mqtt.Open(d)
	m.mqtt.Steps = []pane.MQTTStep{{W: job.Write(0)}, {W: job.Write(0)}}
	m.mqtt.Running, m.mqtt.Run = true, 1
	if m.mqtt.Update(pane.MQTTStepMsg{Run: 1, I: 0, Res: step.Res, Err: step.Err}); len(m.mqtt.Out) != 1 || m.mqtt.Steps[0].Failed {
		t.Fatal("an MQTT set-up stopped at a step the server took")
	}
}

// A bulk setting the first marked device has already is still sent to
// every device: the others' values were not read.
func TestBulkSettingTheFirstDeviceHasIsKept(t *testing.T) {
	t.Parallel()
	m, s := modelOn(t, 3, 1)
	m.bulk.Open(s.Devices())
	m.bulk.Reading, m.bulk.Cfg = false, api.Config{"ambient": api.Config{"alarm": json.Number("65")}}
	m.bulk.AskSetting()
	m.dialog.Input.SetValue("ambient.alarm = 65")
	if done, _ := m.dialog.Key(&m.sh.Common, tea.KeyPressMsg{Code: tea.KeyEnter}); !done {
		t.Fatalf("the setting was refused: %s", m.dialog.Err)
	}
	if got := state.DiffLines(m.bulk.Changes); len(got) != 1 || got[0] != "+ ambient.alarm 65" {
		t.Fatalf("staged %q, want + ambient.alarm 65", got)
	}
}

// A resumed bulk change sends the job's settings as they were confirmed:
// w does not offer them again (it indexed the editor's devices, which a
// resumed change has none of, and the console fell over).
func TestResumedBulkChangeIsNotOfferedAgain(t *testing.T) {
	t.Parallel()
	m, s := modelOn(t, 2, 1)
	job := state.NewBulkJob(nil, "fp", "acme", []state.Change{{Key: "ambient.warning", New: json.Number("47"), Added: true}}, s.Devices(), time.Now())
	m.bulk.Resume(job, time.Now(), time.Second)
	m.showRight(m.bulk)
	for _, k := range []string{"w", "+"} {
		m.Update(press(k))
		if m.dialog != nil {
			t.Fatalf("%s asked %q of a change already confirmed", k, m.dialog.Title)
		}
	}
}

// The footer offers none of the console's keys a pane takes without
// offering them now: in a bulk change with nothing staged u is the pane's
// (nothing to undo), not the quota, and p is not the live refresh's pause.
func TestFooterOffersNoConsoleKeyThePaneTakes(t *testing.T) {
	t.Parallel()
	m, s := modelOn(t, 2, 1)
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 40})
	m.bulk.Open(s.Devices())
	m.showRight(m.bulk)
	if f := m.footer(); strings.Contains(f, "quota") || strings.Contains(f, "pause") {
		t.Fatalf("the bulk change's footer offers the console's keys: %q", f)
	}
	m.Update(press("u"))
	if m.right() != pane.Pane(m.bulk) {
		t.Fatal("u left the bulk change for the quota")
	}
}
