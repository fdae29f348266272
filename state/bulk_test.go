package state

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"sqc/api"
)

func TestBulkJobResumesWhereItStopped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
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
	jobs, err := UnfinishedJobs(dir, "fp")
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
	if jobs, _ := UnfinishedJobs(dir, "fp"); len(jobs) != 1 || fmt.Sprint(jobs[0].ToReadBack()) != "[0 2]" {
		t.Fatalf("a job stopped before its read-backs: %d jobs", len(jobs))
	}
	back.Settled = true
	back.Set(2, BulkApplied, "", now)
	_ = back.Save()
	if jobs, _ := UnfinishedJobs(dir, "fp"); len(jobs) != 0 {
		t.Fatal("a finished job is offered again")
	}
	var b strings.Builder
	_ = back.WriteCSV(&b)
	if !strings.Contains(b.String(), "'=cmd()") || strings.Count(b.String(), "\n") != 4 {
		t.Fatalf("csv:\n%s", b.String())
	}
}

// A job is kept as a file and a journal of the devices done since: a
// restart sees every device's last outcome, and a journal line cut short
// by a crash loses that device's line only, never the job.
func TestBulkJobJournalSurvivesARestartAndACutLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	var devs []api.Device
	for i := range 2500 {
		devs = append(devs, api.Device{DeviceID: fmt.Sprintf("D%08d", i), Plan: api.PlanHosted})
	}
	j := NewBulkJob(dir, "fp", "acme", []Change{{Key: "ambient.warning", New: json.Number("47")}}, devs, now)
	for range 1200 { // past a rewrite of the whole job
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
	j.Set(1200, BulkSending, "", now) // out when the console died
	if err := j.Save(); err != nil {
		t.Fatal(err)
	}
	jobs, err := UnfinishedJobs(dir, "fp")
	if err != nil || len(jobs) != 1 {
		t.Fatalf("jobs %d, %v", len(jobs), err)
	}
	back := jobs[0]
	c := back.Count()
	if c[BulkQueued] != 1200 || c[BulkUnknown] != 1 || c[BulkPending] != 1299 {
		t.Fatalf("after a restart: %v", c)
	}
	if i, _ := back.Next(); i != 1201 {
		t.Fatalf("resumes at %d, want 1201: device 1200's outcome is unknown and is not sent again", i)
	}
	// the console dies mid-line
	back.Set(1201, BulkQueued, "queued", now)
	if err := back.Save(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(back.journalPath(), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"i":1202,"deviceid":"D000`)
	f.Close()
	jobs, err = UnfinishedJobs(dir, "fp")
	if err != nil || len(jobs) != 1 {
		t.Fatalf("with a cut line: %d jobs, %v", len(jobs), err)
	}
	again := jobs[0]
	if i, _ := again.Next(); i != 1202 {
		t.Fatalf("resumes at %d after a cut line, want 1202", i)
	}
	// the next save writes the whole job, so nothing runs on from the cut line
	again.Set(1202, BulkQueued, "queued", now)
	if err := again.Save(); err != nil {
		t.Fatal(err)
	}
	jobs, err = UnfinishedJobs(dir, "fp")
	if err != nil || len(jobs) != 1 || jobs[0].Count()[BulkQueued] != 1202 {
		t.Fatalf("after saving past a cut line: %v", err)
	}
}

// A device set back to pending (a 429 refused it before it was made) is
// the next one sent.
func TestBulkJobPendingAgainIsNext(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	devs := []api.Device{{DeviceID: "A1"}, {DeviceID: "A2"}, {DeviceID: "A3"}}
	j := NewBulkJob("", "fp", "acme", nil, devs, now)
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
	dir := t.TempDir()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	devs := []api.Device{{DeviceID: "AAAAAAAA1", Plan: api.PlanHosted}, {DeviceID: "AAAAAAAA2", Plan: api.PlanHosted}}
	j := NewBulkJob(dir, "fp", "acme", []Change{{Key: "ambient.warning", New: json.Number("47")}}, devs, now)
	j.Set(0, BulkQueued, "queued", now)
	j.Set(1, BulkSending, "", now)
	if err := j.Save(); err != nil {
		t.Fatal(err)
	}
	jobs, err := UnfinishedJobs(dir, "fp")
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
