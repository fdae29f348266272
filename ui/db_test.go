package ui

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
	"sqc/keys"
	"sqc/state"
	"sqc/state/store"
	"sqc/ui/look"
)

// modelIn is modelOn with the state folder given.
func modelIn(t *testing.T, dir string, n int) (*Model, *sim.Server) {
	t.Helper()
	s := sim.New(sim.Options{Devices: n, Key: uiKey, HostedFraction: 1})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	cfg := Config{Profile: "acme", Key: uiKey, KeySource: "env", StateDir: dir, DialogGuard: -1,
		Connect: connectTo(srv.URL, func(o *api.Options) { o.RatePerSecond = 1e6 })}
	m := New(context.Background(), cfg)
	t.Cleanup(func() { m.finish(context.Background()) })
	return m, s
}

// toasted is every toast on screen, a line each.
func toasted(m *Model) string {
	var out []string
	for _, t := range m.toasts {
		out = append(out, t.text)
	}
	return strings.Join(out, "\n")
}

// A database that cannot be opened is said; a change staged then is kept
// in the console (said, and not claimed as a draft on disk) and offered
// back when the device's config is opened again, as a saved draft is.
func TestDraftTheDatabaseRefusesIsKeptInTheConsole(t *testing.T) {
	t.Parallel()
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	m, s := modelIn(t, filepath.Join(blocked, "state"), 2) // a folder under a file: never made
	if m.sh.DBErr == nil {
		t.Fatal("the database opened under a file")
	}
	m.draftsNotice()
	if said := toasted(m); !strings.Contains(said, "the state database could not be opened") {
		t.Errorf("the start says %q", said)
	}
	a, b := s.Devices()[0], s.Devices()[1]
	cfg := &api.ConfigResponse{Config: api.Config{"ambient": api.Config{"warning": json.Number("50")}}, Synced: true}
	p := m.config
	p.SetSize(100, 30)
	p.Open(a)
	p.Loaded(cfg, nil, time.Now())
	said := p.Stage(state.Change{Key: "ambient.warning", Old: json.Number("50"), New: json.Number("47")})
	if got := said().(look.ToastMsg).Text; !strings.Contains(got, "could not save the draft") || !strings.Contains(got, "kept in this console only") {
		t.Errorf("a draft the database refused says %q", got)
	}
	if v := p.View(); !strings.Contains(v, "not saved as a draft") || strings.Contains(v, "kept as a draft") {
		t.Errorf("the staged change claims a draft on disk:\n%s", v)
	}
	if !m.sh.Drafts[a.DeviceID] {
		t.Error("the device with the draft is not marked in the list")
	}
	p.Open(b)
	p.Loaded(cfg, nil, time.Now())
	p.Open(a)
	p.Loaded(cfg, nil, time.Now())
	p.OfferDraft()
	if m.dialog == nil || !strings.Contains(m.dialog.Title, "A draft is saved for "+a.DeviceID) {
		t.Fatal("the draft kept in the console is not offered back")
	}
}

// A bulk job the database cannot read is said at start, and the good one
// stopped before its end is offered all the same.
func TestBadBulkJobHidesNoGoodOneInTheConsole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fp := keys.Fingerprint(uiKey)
	db, err := state.OpenDB(dir, "acme", fp, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	bad := store.Job{ID: "20260101-000000.000-bad", Key: fp, Profile: "acme", Created: now.Add(time.Hour), Changes: json.RawMessage(`{`),
		Items: []store.JobItem{{DeviceID: "X", Status: "pending"}}}
	if err := db.PutJob(context.Background(), bad); err != nil {
		t.Fatal(err)
	}
	devs := []api.Device{{DeviceID: "AAAAAAAA1", Plan: api.PlanHosted}, {DeviceID: "AAAAAAAA2", Plan: api.PlanHosted}}
	good := state.NewBulkJob(db, fp, "acme", []state.Change{{Key: "ambient.warning", New: json.Number("47")}}, devs, now)
	if err := good.Save(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	m, _ := modelIn(t, dir, 2)
	runUntil(t, m, m.bulk.OfferJobs(), func() bool { return m.dialog != nil }) // read in a command
	if got := toasted(m); !strings.Contains(got, "a saved bulk job could not be read") || !strings.Contains(got, bad.ID) {
		t.Errorf("the bad job is said as %q", got)
	}
	if m.dialog == nil || m.dialog.Title != "A bulk change stopped before its end" {
		t.Fatal("the good job is not offered")
	}
}

// At the first start on the database, an old draft file that cannot be
// read is set aside and said on screen, and the good one is marked.
func TestOldDraftFilesImportedAndTheDamagedOneSaid(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	folder := filepath.Join(dir, "drafts", strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, keys.Fingerprint(uiKey)))
	if err := os.MkdirAll(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(folder, "aaaaaaaa1.json"), []byte(`{"deviceid":"AAAAAAAA1","savedAt":"2026-12-04T10:00:00Z","changes":[{"key":"ambient.warning","old":50,"new":47}]}`), 0o600)
	os.WriteFile(filepath.Join(folder, "broken.json"), []byte(`{"deviceid":"BRO`), 0o600)
	m, _ := modelIn(t, dir, 2)
	m.draftsNotice()
	said := toasted(m)
	if !strings.Contains(said, "broken.json could not be read") || !strings.Contains(said, "broken.json.damaged") {
		t.Errorf("the damaged draft is not said:\n%s", said)
	}
	if !m.sh.Drafts["AAAAAAAA1"] || !strings.Contains(said, "AAAAAAAA1 has an unsent config draft") {
		t.Errorf("the imported draft is not marked (%v):\n%s", m.sh.Drafts, said)
	}
	if _, err := os.Stat(filepath.Join(folder, "aaaaaaaa1.json.imported")); err != nil {
		t.Error("the imported draft file was not renamed to say so")
	}
}
