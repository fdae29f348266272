package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Draft is a device's staged config changes, kept in the state directory
// as they are made: quitting, a crash, a lost network or a failed send
// keeps them, and opening the device's config again offers them back.
type Draft struct {
	DeviceID string    `json:"deviceid"`
	SavedAt  time.Time `json:"savedAt"`
	Changes  []Change  `json:"changes"`
}

// DraftPath is the draft of one device under one key (by fingerprint).
func DraftPath(dir, fingerprint, deviceID string) string {
	return filepath.Join(dir, "drafts", sanitise(fingerprint), sanitise(strings.ToLower(deviceID))+".json")
}

// SaveDraft writes a draft atomically; a draft without changes is removed.
func SaveDraft(path string, d Draft) error {
	if path == "" {
		return nil
	}
	if len(d.Changes) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(path, b)
}

// LoadDraft reads a draft; false when there is none. Numbers stay as
// written, so 250 comes back as 250.
func LoadDraft(path string) (Draft, bool, error) {
	var d Draft
	if path == "" {
		return d, false, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return d, false, nil
	}
	if err != nil {
		return d, false, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		return d, false, err
	}
	return d, len(d.Changes) > 0, nil
}
