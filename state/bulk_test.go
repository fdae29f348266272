package state

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sqc/api"
)

func TestBulkJobResumesWhereItStopped(t *testing.T) {
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
	if jobs, _ := UnfinishedJobs(dir, "fp"); len(jobs) != 0 {
		t.Fatal("a finished job is offered again")
	}
	var b strings.Builder
	_ = back.WriteCSV(&b)
	if !strings.Contains(b.String(), "'=cmd()") || strings.Count(b.String(), "\n") != 4 {
		t.Fatalf("csv:\n%s", b.String())
	}
}
