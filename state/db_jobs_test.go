package state

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sqc/api"
)

// At the first open, the drafts and bulk jobs an earlier sqc kept in
// files move into the database, once: the console finds them there (a
// device out at the stop read back, not sent again), the files are
// renamed to say so, and a damaged one is set aside and said.
func TestOpenDBImportsOldDraftsAndJobsOnce(t *testing.T) {
	dir, fp := t.TempDir(), "sha256:ab"
	now := time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)
	writeOld(t, draftFile(dir, fp, "AAA111"), Draft{DeviceID: "AAA111", SavedAt: now, Changes: []Change{{Key: "interval", Old: json.Number("60"), New: json.Number("250")}}})
	bad := draftFile(dir, fp, "CCC333")
	os.WriteFile(bad, []byte(`{"deviceid":"CCC333","chan`), 0o600)
	devs := []api.Device{{DeviceID: "AAA111", Plan: api.PlanHosted}, {DeviceID: "BBB222", Plan: api.PlanHosted}, {DeviceID: "CCC333", Plan: api.PlanHosted}}
	job := NewBulkJob(nil, fp, "acme", []Change{{Key: "interval", New: json.Number("250")}}, devs, now)
	jobFile := filepath.Join(jobsDir(dir, fp), job.ID+".json")
	writeOld(t, jobFile, job)
	appendTo(t, oldJournal(jobFile), `{"i":0,"deviceid":"AAA111","status":"queued"}`+"\n"+`{"i":1,"deviceid":"BBB222","status":"sending"}`+"\n")
	badJob := filepath.Join(jobsDir(dir, fp), "20260101-000000.000.json")
	os.WriteFile(badJob, []byte("{not json"), 0o600)

	db, err := OpenDB(dir, "acme", fp, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(db.Notes, "\n")
	for _, want := range []string{"ccc333.json could not be read", "20260101-000000.000.json could not be read"} {
		if !strings.Contains(notes, want) {
			t.Errorf("the notes do not say %q:\n%s", want, notes)
		}
	}
	if d, ok, err := LoadDraft(db, fp, "AAA111"); !ok || err != nil || d.Changes[0].New != json.Number("250") {
		t.Errorf("the old draft: %+v %v %v", d, ok, err)
	}
	jobs, err := UnfinishedJobs(db, fp, nil)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("%d jobs, %v", len(jobs), err)
	}
	if st := jobs[0].Items[1].Status; st != BulkUnknown {
		t.Errorf("the device out at the stop is %s, want unknown (read back, not sent again)", st)
	}
	if i, _ := jobs[0].Next(); i != 2 {
		t.Errorf("the resume starts at %d, want 2", i)
	}
	for _, f := range []string{draftFile(dir, fp, "AAA111"), jobFile, oldJournal(jobFile)} {
		if exists(f) || !exists(f+ImportedSuffix) {
			t.Errorf("%s not renamed to say it was imported", f)
		}
	}
	for _, f := range []string{bad, badJob} {
		if exists(f) || !exists(f+DamagedSuffix) {
			t.Errorf("%s not set aside", f)
		}
	}
	db.Close()

	again, err := OpenDB(dir, "acme", fp, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if len(again.Notes) != 0 {
		t.Errorf("the second open said %v", again.Notes)
	}
	if ids, _ := again.Jobs(context.Background(), fp); len(ids) != 1 {
		t.Errorf("jobs after the second open: %v", ids)
	}
}
