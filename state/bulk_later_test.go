package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"sqc/api"
	"sqc/state/store"
)

// failingJournal is a database that refuses journal lines while down.
type failingJournal struct {
	store.Store
	down bool
}

func (f *failingJournal) Journal(ctx context.Context, id string, lines []store.JournalLine) error {
	if f.down {
		return errors.New("database is locked")
	}
	return f.Store.Journal(ctx, id, lines)
}

// A job saved later writes nothing until Flush, then every save in the
// order taken; a Flush the database refuses keeps what it could not write
// for the next one, so no "sending" mark or outcome is lost or reordered.
func TestBulkJobSavedLaterKeepsOrder(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sqc.db")
	db := &failingJournal{Store: fileDB(t, path)}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	var devs []api.Device
	for i := range 5 {
		devs = append(devs, api.Device{DeviceID: fmt.Sprintf("D%08d", i), Plan: api.PlanHosted})
	}
	j := NewBulkJob(db, "fp", "acme", []Change{{Key: "ambient.warning", New: json.Number("47")}}, devs, now)
	j.SaveLater()
	if err := j.Save(); err != nil {
		t.Fatal(err)
	}
	j.Set(0, BulkSending, "", now)
	if err := j.Save(); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := UnfinishedJobs(db, "fp", nil); len(jobs) != 0 {
		t.Fatal("Save wrote the job: a console would wait on the disk")
	}
	if !j.Unsaved() {
		t.Fatal("nothing waits for Flush")
	}
	if err := j.Flush(); err != nil {
		t.Fatal(err)
	}
	jobs, err := UnfinishedJobs(db, "fp", nil)
	if err != nil || len(jobs) != 1 || jobs[0].Items[0].Status != BulkUnknown {
		t.Fatalf("after Flush: %d jobs, %v: device 0 must be out (read back as unknown)", len(jobs), err)
	}

	db.down = true
	j.Set(0, BulkQueued, "queued", now)
	_ = j.Save()
	j.Set(1, BulkSending, "", now)
	_ = j.Save()
	if err := j.Flush(); err == nil {
		t.Fatal("a refused Flush said nothing")
	}
	if !j.Unsaved() {
		t.Fatal("the saves the database refused were dropped")
	}
	db.down = false
	j.Set(1, BulkQueued, "queued", now)
	_ = j.Save()
	if err := j.Flush(); err != nil {
		t.Fatal(err)
	}
	jobs, _ = UnfinishedJobs(db, "fp", nil)
	c := jobs[0].Count()
	if c[BulkQueued] != 2 || c[BulkPending] != 3 || j.Unsaved() {
		t.Fatalf("after the database came back: %v (want 2 queued, in order)", c)
	}
}

// A device whose "sending" mark the disk refused is not sent: it is
// pending again, the run pauses, and a resume sends that same device once
// the mark is on the disk.
func TestBulkRunNotMarkedPausesAndSendsTheSameDeviceLater(t *testing.T) {
	t.Parallel()
	db := &failingJournal{Store: fileDB(t, filepath.Join(t.TempDir(), "sqc.db"))}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	devs := []api.Device{{DeviceID: "AAAAAAAA1", Plan: api.PlanHosted}, {DeviceID: "AAAAAAAA2", Plan: api.PlanHosted}}
	j := NewBulkJob(db, "fp", "acme", []Change{{Key: "ambient.warning", New: json.Number("47")}}, devs, now)
	j.SaveLater()
	_ = j.Save()
	if err := j.Flush(); err != nil {
		t.Fatal(err)
	}
	r := NewBulkRun(j, now, time.Second, time.Minute)
	ok := func(Write) error { return nil }
	step := r.Next(now, BulkPace{}, ok)
	if step.Do != BulkSend || step.I != 0 {
		t.Fatalf("first step %+v", step)
	}
	db.down = true
	if err := j.Flush(); err == nil {
		t.Fatal("the refused mark was said written")
	}
	r.NotMarked(step.I, now)
	if r.Next(now, BulkPace{}, ok).Do != BulkIdle || j.Items[0].Status != BulkPending {
		t.Fatalf("after a refused mark: %s, and the run goes on", j.Items[0].Status)
	}
	db.down = false
	r.Resume()
	step = r.Next(now, BulkPace{}, ok)
	if step.Do != BulkSend || step.I != 0 {
		t.Fatalf("after the resume %+v, want device 0 sent", step)
	}
	if err := j.Flush(); err != nil {
		t.Fatal(err)
	}
	jobs, _ := UnfinishedJobs(db, "fp", nil)
	if len(jobs) != 1 || jobs[0].Items[0].Status != BulkUnknown || jobs[0].Items[1].Status != BulkPending {
		t.Fatalf("on the disk: %+v", jobs)
	}
}
