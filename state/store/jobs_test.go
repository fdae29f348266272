package store

import (
	"encoding/json"
	"testing"
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
