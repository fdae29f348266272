package state

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// The devices with a draft under a key are found without opening any of
// their configs; an emptied draft is no draft, another key's are not
// these, and one unreadable draft does not hide the others.
func TestDraftDevicesListsDraftsOfTheKey(t *testing.T) {
	dir := t.TempDir()
	c := []Change{{Key: "ambient.warning", Old: 50.0, New: 47.0}}
	for _, d := range []struct {
		fp, id string
		cs     []Change
	}{{"sha256:aa", "JDA54E19F", c}, {"sha256:aa", "HE8EV12LF", c}, {"sha256:aa", "EMPTY0001", c}, {"sha256:bb", "OTHERKEY1", c}} {
		if err := SaveDraft(DraftPath(dir, d.fp, d.id), Draft{DeviceID: d.id, SavedAt: time.Now(), Changes: d.cs}); err != nil {
			t.Fatal(err)
		}
	}
	SaveDraft(DraftPath(dir, "sha256:aa", "EMPTY0001"), Draft{DeviceID: "EMPTY0001"}) // sent, or discarded
	broken := filepath.Join(filepath.Dir(DraftPath(dir, "sha256:aa", "x")), "broken.json")
	os.WriteFile(broken, []byte("{"), 0o600)
	got, err := DraftDevices(dir, "sha256:aa")
	if err == nil {
		t.Error("an unreadable draft is not told")
	}
	if want := map[string]bool{"JDA54E19F": true, "HE8EV12LF": true}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got, err := DraftDevices(t.TempDir(), "sha256:aa"); err != nil || len(got) != 0 {
		t.Fatalf("no drafts folder: %v %v", got, err)
	}
}
