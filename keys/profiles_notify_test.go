package keys

import (
	"os"
	"strings"
	"testing"
)

// notify = true turns the alarm notifications on for a profile; off by
// default; a value that is not a boolean says so with its line.
func TestProfileNotify(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(ProfilesPath(dir), []byte("[acme]\nnotify = true\n[bolt]\nshare = 0.8\n"), 0o644)
	ps, err := LoadProfiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !ps["acme"].Notify || ps["bolt"].Notify {
		t.Fatalf("acme %+v, bolt %+v", ps["acme"], ps["bolt"])
	}
	os.WriteFile(ProfilesPath(dir), []byte("[a]\nnotify = loud\n"), 0o644)
	if _, err := LoadProfiles(dir); err == nil || !strings.Contains(err.Error(), "notify is true or false") || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("notify = loud: %v", err)
	}
}
