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
