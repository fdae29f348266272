package state

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sqc/state/store"
)

// Draft is a device's staged config changes, kept in the database as
// they are made: quitting, a crash, a lost network or a failed send
// keeps them, and opening the device's config again offers them back.
type Draft struct {
	DeviceID string    `json:"deviceid"`
	SavedAt  time.Time `json:"savedAt"`
	Changes  []Change  `json:"changes"`
}

// ErrNoDatabase is why nothing is kept when the database could not be
// opened: what is staged stays in the console until it quits.
var ErrNoDatabase = errors.New("the state database is not open, so nothing is kept on disk")

// SaveDraft keeps a device's draft under one key (by fingerprint); a
// draft without changes is removed. It returns once the disk has it.
func SaveDraft(db store.Store, fingerprint string, d Draft) error {
	if db == nil {
		return ErrNoDatabase
	}
	rec := store.Draft{Key: fingerprint, DeviceID: d.DeviceID, SavedAt: d.SavedAt}
	if len(d.Changes) > 0 {
		b, err := json.Marshal(d.Changes)
		if err != nil {
			return fmt.Errorf("the draft of %s: %w", d.DeviceID, err)
		}
		rec.Changes = b
	}
	return db.SaveDraft(context.Background(), rec)
}

// LoadDraft reads a device's draft; false when there is none. Numbers
// stay as written, so 250 comes back as 250.
func LoadDraft(db store.Store, fingerprint, deviceID string) (Draft, bool, error) {
	d := Draft{DeviceID: deviceID}
	if db == nil {
		return d, false, ErrNoDatabase
	}
	rec, ok, err := db.Draft(context.Background(), fingerprint, deviceID)
	if err != nil || !ok {
		return d, false, err
	}
	d.SavedAt = rec.SavedAt
	if err := decodeNumbers(rec.Changes, &d.Changes); err != nil {
		return d, false, fmt.Errorf("the draft of %s could not be read (%v): it is kept as it is", deviceID, err)
	}
	return d, len(d.Changes) > 0, nil
}

// decodeNumbers reads JSON keeping numbers as written.
func decodeNumbers(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// draftFile is where sqc kept a device's draft before the database: one
// JSON file per device under one key. Only the import reads them.
func draftFile(dir, fingerprint, deviceID string) string {
	return filepath.Join(dir, "drafts", sanitise(fingerprint), sanitise(strings.ToLower(deviceID))+".json")
}

// readDraftFile reads an old draft file; false when it holds no change.
func readDraftFile(path string) (Draft, bool, error) {
	var d Draft
	b, err := os.ReadFile(path)
	if err != nil {
		return d, false, err
	}
	if err := decodeNumbers(b, &d); err != nil {
		return d, false, err
	}
	return d, len(d.Changes) > 0, nil
}
