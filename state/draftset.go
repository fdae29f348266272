package state

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// DraftDevices lists the devices that have a draft under one key, so the
// console can mark them before anyone opens their config: a draft no one
// knows of is a draft lost. A draft that cannot be read is counted in
// the error and left where it is; the others are still listed.
func DraftDevices(dir, fingerprint string) (map[string]bool, error) {
	out := map[string]bool{}
	if dir == "" {
		return out, nil
	}
	folder := filepath.Dir(DraftPath(dir, fingerprint, "x"))
	entries, err := os.ReadDir(folder)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		d, ok, err := LoadDraft(filepath.Join(folder, e.Name()))
		switch {
		case err != nil:
			errs = append(errs, err)
		case ok && d.DeviceID != "":
			out[d.DeviceID] = true
		}
	}
	return out, errors.Join(errs...)
}
