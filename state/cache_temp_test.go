package state

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"sqc/api"
)

// A process stopped in the middle of writing the cache (its exit's time
// ran out) leaves a temporary file of a few MB: the next save removes it,
// but not one young enough to be another console's write under way.
func TestCacheSaveSweepsTempFilesOfStoppedProcesses(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, ".tmp-cache-123")
	young := filepath.Join(dir, ".tmp-cache-456")
	for _, p := range []string{old, young} {
		if err := os.WriteFile(p, []byte("half a cache"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	an := time.Now().Add(-time.Hour)
	if err := os.Chtimes(old, an, an); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	f := NewFleet()
	f.SetDevices([]api.Device{dev("AAAAAAAA1", "Pump 1", "North", "QUAD-C2", "Hosted", now)}, now)
	if err := f.Snapshot(now, "").Save(filepath.Join(dir, "cache.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("the hour-old temporary file is still there (%v)", err)
	}
	if _, err := os.Stat(young); err != nil {
		t.Errorf("a temporary file being written now was removed: %v", err)
	}
}
