package state

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sqc/api"
	"sqc/state/store"
)

func TestBulkJobResumesWhereItStopped(t *testing.T) {
	t.Parallel()
	dir := memDB(t)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	devs := []api.Device{{DeviceID: "AAAAAAAA1", Plan: "Hosted"}, {DeviceID: "AAAAAAAA2", Name: "=cmd()", Plan: "Trial"}, {DeviceID: "AAAAAAAA3", Plan: "Hosted"}}
	j := NewBulkJob(dir, "fp", "acme", []Change{{Key: "ambient.warning", Old: json.Number("50"), New: json.Number("47")}}, devs, now)
	i, ok := j.Next()
	if !ok || i != 0 {
		t.Fatalf("first device %d %v", i, ok)
	}
	j.Set(0, BulkQueued, "Config update queued", now)
	j.Set(1, BulkFailed, "422 unknown setting", now)
	if err := j.Save(); err != nil {
		t.Fatal(err)
	}
	jobs, err := UnfinishedJobs(dir, "fp", nil)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("unfinished jobs %d, %v", len(jobs), err)
	}
	back := jobs[0]
	if i, ok := back.Next(); !ok || i != 2 || back.Sent() != 2 {
		t.Fatalf("resume at %d (%v), %d sent", i, ok, back.Sent())
	}
	if w := back.Write(2); w.Device.DeviceID != "AAAAAAAA3" || FormatValue(w.Changes[0].New) != "47" {
		t.Fatalf("write %+v", w)
	}
	back.Set(2, BulkQueued, "", now)
	_ = back.Save()
	// every device sent, but the console stopped before its Hosted ones
	// were seen applied: offered again, to read them back
	if jobs, _ := UnfinishedJobs(dir, "fp", nil); len(jobs) != 1 || fmt.Sprint(jobs[0].ToReadBack()) != "[0 2]" {
		t.Fatalf("a job stopped before its read-backs: %d jobs", len(jobs))
	}
	back.Settled = true
	back.Set(2, BulkApplied, "", now)
	_ = back.Save()
	if jobs, _ := UnfinishedJobs(dir, "fp", nil); len(jobs) != 0 {
		t.Fatal("a finished job is offered again")
	}
	var b strings.Builder
	_ = back.WriteCSV(&b)
	if !strings.Contains(b.String(), "'=cmd()") || strings.Count(b.String(), "\n") != 4 {
		t.Fatalf("csv:\n%s", b.String())
	}
}

// A job is kept in the database a device at a time: a restart (the
// database opened again) sees every device's last outcome, resumes after
// the last one sent, and leaves the one out at the stop to be read back.
func TestBulkJobSurvivesARestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sqc.db")
	db := fileDB(t, path)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	var devs []api.Device
	for i := range 250 {
		devs = append(devs, api.Device{DeviceID: fmt.Sprintf("D%08d", i), Plan: api.PlanHosted})
	}
	j := NewBulkJob(db, "fp", "acme", []Change{{Key: "ambient.warning", New: json.Number("47")}}, devs, now)
	for range 120 {
		i, _ := j.Next()
		j.Set(i, BulkSending, "", now)
		if err := j.Save(); err != nil {
			t.Fatal(err)
		}
		j.Set(i, BulkQueued, "queued", now)
		if err := j.Save(); err != nil {
			t.Fatal(err)
		}
	}
	j.Set(120, BulkSending, "", now) // out when the console died
	if err := j.Save(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = fileDB(t, path)
	jobs, err := UnfinishedJobs(db, "fp", nil)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("jobs %d, %v", len(jobs), err)
	}
	back := jobs[0]
	c := back.Count()
	if c[BulkQueued] != 120 || c[BulkUnknown] != 1 || c[BulkPending] != 129 {
		t.Fatalf("after a restart: %v", c)
	}
	if i, _ := back.Next(); i != 121 {
		t.Fatalf("resumes at %d, want 121: device 120's outcome is unknown and is not sent again", i)
	}
	// the resumed job goes on in the same rows
	back.Set(121, BulkQueued, "queued", now)
	if err := back.Save(); err != nil {
		t.Fatal(err)
	}
	jobs, err = UnfinishedJobs(db, "fp", nil)
	if err != nil || len(jobs) != 1 || jobs[0].Count()[BulkQueued] != 121 || jobs[0].Items[120].Status != BulkUnknown {
		t.Fatalf("after saving the resumed job: %v", err)
	}
	if ids, _ := db.Jobs(context.Background(), "fp"); len(ids) != 1 {
		t.Fatalf("the resumed job was kept as another: %v", ids)
	}
}

// One job the database cannot read is named, and the others are still
// offered: a bad job never hides a good one.
func TestBulkJobDamagedHidesNoOther(t *testing.T) {
	t.Parallel()
	db := memDB(t)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	devs := []api.Device{{DeviceID: "A1"}, {DeviceID: "A2"}}
	bad := store.Job{ID: "20261125-085959.000-aaaaaa", Key: "fp", Profile: "acme", Created: now.Add(-time.Second), Changes: json.RawMessage(`[{"key":`),
		Items: []store.JobItem{{DeviceID: "A1", Status: "pending"}}}
	if err := db.PutJob(context.Background(), bad); err != nil {
		t.Fatal(err)
	}
	good := NewBulkJob(db, "fp", "acme", []Change{{Key: "ambient.warning", New: json.Number("47")}}, devs, now)
	if err := good.Save(); err != nil {
		t.Fatal(err)
	}
	newer := NewBulkJob(db, "fp", "acme", nil, devs, now.Add(time.Second))
	newer.Items[0].Changes = []Change{{Key: "x", New: "y"}}
	if err := newer.Save(); err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	jobs, err := UnfinishedJobs(db, "fp", slog.New(slog.NewTextHandler(&logged, nil)))
	if err == nil || !strings.Contains(err.Error(), bad.ID) {
		t.Errorf("the damaged job is not named: %v", err)
	}
	if !strings.Contains(logged.String(), "job="+bad.ID) {
		t.Errorf("the debug log does not name the damaged job:\n%s", logged.String())
	}
	if len(jobs) != 2 || jobs[0].ID != good.ID || jobs[1].ID != newer.ID {
		t.Fatalf("offered %d jobs, want the two good ones", len(jobs))
	}
	if w := jobs[1].Write(0); len(w.Changes) != 1 || w.Changes[0].Key != "x" {
		t.Errorf("a device's own changes came back as %+v", w.Changes)
	}
}

// A device set back to pending (a 429 refused it before it was made) is
// the next one sent.
func TestBulkJobPendingAgainIsNext(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	devs := []api.Device{{DeviceID: "A1"}, {DeviceID: "A2"}, {DeviceID: "A3"}}
	j := NewBulkJob(nil, "fp", "acme", nil, devs, now)
	j.Set(0, BulkSending, "", now)
	if i, _ := j.Next(); i != 1 {
		t.Fatalf("next %d", i)
	}
	j.Set(0, BulkPending, "", now)
	if i, _ := j.Next(); i != 0 || j.Sent() != 0 {
		t.Fatalf("next %d, sent %d", i, j.Sent())
	}
}

// The device out when the console stopped is of unknown outcome, never
// failed (which invites a second write) and never sent again: the job is
// offered for it to be read back, even when it was the last device.
func TestBulkJobInFlightAtAStopIsReadBack(t *testing.T) {
	dir := memDB(t)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	devs := []api.Device{{DeviceID: "AAAAAAAA1", Plan: api.PlanHosted}, {DeviceID: "AAAAAAAA2", Plan: api.PlanHosted}}
	j := NewBulkJob(dir, "fp", "acme", []Change{{Key: "ambient.warning", New: json.Number("47")}}, devs, now)
	j.Set(0, BulkQueued, "queued", now)
	j.Set(1, BulkSending, "", now)
	if err := j.Save(); err != nil {
		t.Fatal(err)
	}
	jobs, err := UnfinishedJobs(dir, "fp", nil)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("jobs %d, %v", len(jobs), err)
	}
	back := jobs[0]
	if it := back.Items[1]; it.Status != BulkUnknown {
		t.Fatalf("the device in flight: %s %q", it.Status, it.Message)
	}
	if _, more := back.Next(); more {
		t.Fatal("the device in flight would be sent again")
	}
	if got := fmt.Sprint(back.ToReadBack()); got != "[0 1]" {
		t.Fatalf("read back %s, want the queued and the unknown device", got)
	}
}

func TestSettleBulkSaysWhatAReadBackProves(t *testing.T) {
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	change := []Change{{Key: "ambient.warning", New: json.Number("47")}}
	with := api.Config{"ambient": api.Config{"warning": json.Number("47")}}
	without := api.Config{"ambient": api.Config{"warning": json.Number("50")}}
	for _, c := range []struct {
		st      BulkStatus
		cfg     api.Config
		synced  bool
		want    BulkStatus
		settled bool
	}{
		{BulkQueued, with, true, BulkApplied, true},
		{BulkQueued, with, false, BulkQueued, false},
		{BulkQueued, without, false, BulkQueued, false},
		{BulkQueued, without, true, BulkQueued, false}, // another change may have overwritten it: read again
		{BulkUnknown, with, false, BulkApplied, true},
		{BulkUnknown, without, true, BulkFailed, true},
		{BulkUnknown, without, false, BulkUnknown, false},
	} {
		got, _, settled := SettleBulk(c.st, &api.ConfigResponse{Config: c.cfg, Synced: c.synced}, change, at)
		if got != c.want || settled != c.settled {
			t.Errorf("%s, synced %v, has it %v: %s %v, want %s %v", c.st, c.synced, Holds(c.cfg, change), got, settled, c.want, c.settled)
		}
	}
}
