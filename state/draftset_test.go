package state

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"sqc/state/store"
)

// memDB is a private database in memory, closed with the test.
func memDB(t testing.TB) store.Store {
	t.Helper()
	db, err := store.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fileDB opens the database file at path, closed with the test (closing
// it twice is harmless, so a test may close it to open it again).
func fileDB(t testing.TB, path string) store.Store {
	t.Helper()
	db, _, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// The devices with a draft under a key are found without opening any of
// their configs; an emptied draft is no draft, and another key's are
// not these.
func TestDraftDevicesListsDraftsOfTheKey(t *testing.T) {
	db := memDB(t)
	c := []Change{{Key: "ambient.warning", Old: 50.0, New: 47.0}}
	for _, d := range []struct {
		fp, id string
		cs     []Change
	}{{"sha256:aa", "JDA54E19F", c}, {"sha256:aa", "HE8EV12LF", c}, {"sha256:aa", "EMPTY0001", c}, {"sha256:bb", "OTHERKEY1", c}} {
		if err := SaveDraft(db, d.fp, Draft{DeviceID: d.id, SavedAt: time.Now(), Changes: d.cs}); err != nil {
			t.Fatal(err)
		}
	}
	if err := SaveDraft(db, "sha256:aa", Draft{DeviceID: "EMPTY0001"}); err != nil { // sent, or discarded
		t.Fatal(err)
	}
	got, err := DraftDevices(db, "sha256:aa")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]bool{"JDA54E19F": true, "HE8EV12LF": true}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestDraftRoundTrip(t *testing.T) {
	t.Parallel()
	db := memDB(t)
	d := Draft{DeviceID: "JDA54E19F", SavedAt: time.Now().UTC().Truncate(time.Second),
		Changes: []Change{{Key: "can1.nominal_baud", Old: json.Number("250"), New: json.Number("500")}, {Key: "x.new", New: "on", Added: true}}}
	if err := SaveDraft(db, "fp", d); err != nil {
		t.Fatal(err)
	}
	got, ok, err := LoadDraft(db, "fp", "JDA54E19F")
	if err != nil || !ok || len(got.Changes) != 2 || FormatValue(got.Changes[0].New) != "500" || got.Changes[0].New != json.Number("500") || !got.Changes[1].Added || !got.SavedAt.Equal(d.SavedAt) {
		t.Fatalf("draft back: %+v %v %v", got, ok, err)
	}
	if _, ok, _ := LoadDraft(db, "other", "JDA54E19F"); ok {
		t.Fatal("another key's draft was read")
	}
	if err := SaveDraft(db, "fp", Draft{DeviceID: "JDA54E19F"}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := LoadDraft(db, "fp", "JDA54E19F"); ok {
		t.Fatal("an empty draft was kept")
	}
}

// A draft the database cannot read is said, named, and left as it is;
// the others still load. Without a database nothing claims to be kept.
func TestDraftDamagedOrNoDatabaseIsSaid(t *testing.T) {
	db := memDB(t)
	ctx := context.Background()
	if err := db.SaveDraft(ctx, store.Draft{Key: "fp", DeviceID: "BROKEN001", SavedAt: time.Now(), Changes: json.RawMessage(`[{"key":`)}); err != nil {
		t.Fatal(err)
	}
	SaveDraft(db, "fp", Draft{DeviceID: "GOOD00001", Changes: []Change{{Key: "a", New: "b"}}})
	if _, _, err := LoadDraft(db, "fp", "BROKEN001"); err == nil || !strings.Contains(err.Error(), "BROKEN001") {
		t.Errorf("a damaged draft: %v", err)
	}
	if _, ok, err := LoadDraft(db, "fp", "GOOD00001"); !ok || err != nil {
		t.Errorf("the good draft: %v %v", ok, err)
	}
	if err := SaveDraft(nil, "fp", Draft{DeviceID: "GOOD00001", Changes: []Change{{Key: "a", New: "b"}}}); !errors.Is(err, ErrNoDatabase) {
		t.Errorf("saved without a database: %v", err)
	}
	// a database gone read-only refuses the write, and says so
	path := filepath.Join(t.TempDir(), "d.db")
	s, _, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := SaveDraft(s, "fp", Draft{DeviceID: "GOOD00001", Changes: []Change{{Key: "a", New: "b"}}}); err == nil {
		t.Error("a draft saved to a closed database")
	}
}
