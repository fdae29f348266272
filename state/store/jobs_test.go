package store

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// A device given changes of its own (the command line types each by its
// own config) gets them back from the database, and one without keeps
// the job's: a resume sends each what it was planned to get.
func TestJobItemsKeepTheirOwnChanges(t *testing.T) {
	s, _ := openTemp(t)
	own := json.RawMessage(`[{"key":"interval","value":"250"}]`)
	j := Job{ID: "j1", Key: "k1", Profile: "acme", Created: t0, Changes: json.RawMessage(`[{"key":"interval","value":250}]`),
		Items: []JobItem{{DeviceID: "A", Status: "pending", Changes: own}, {DeviceID: "B", Status: "pending"}}}
	if err := s.PutJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Job(ctx, "j1")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if string(got.Items[0].Changes) != string(own) || got.Items[1].Changes != nil {
		t.Errorf("items' changes %q and %q, want %q and none", got.Items[0].Changes, got.Items[1].Changes, own)
	}
}

// A start lists only the jobs with something left: a device not done,
// or one queued in a job whose read-backs did not end.
func TestOpenJobsListsOnlyJobsWithSomethingLeft(t *testing.T) {
	s, _ := openTemp(t)
	for k, c := range []struct {
		status  string
		settled bool
	}{{"applied", false}, {"pending", false}, {"queued", true}, {"queued", false}, {"unknown", true}} {
		j := Job{ID: string(rune('a' + k)), Key: "k1", Created: t0.Add(time.Duration(k) * time.Second), Changes: json.RawMessage(`[]`), Settled: c.settled,
			Items: []JobItem{{DeviceID: "A", Status: "applied"}, {DeviceID: "B", Status: c.status}}}
		if err := s.PutJob(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := s.OpenJobs(ctx, "k1", []string{"pending", "sending", "unknown"}, []string{"queued"})
	if err != nil || fmt.Sprint(ids) != "[b d e]" {
		t.Fatalf("open jobs %v, %v; want [b d e]", ids, err)
	}
	if ids, _ := s.OpenJobs(ctx, "k2", []string{"pending"}, nil); len(ids) != 0 {
		t.Fatalf("another key's jobs: %v", ids)
	}
}
