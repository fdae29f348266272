package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sqc/keys"
	"sqc/state/store"
)

// sqc audit names who made each write: the engineer a shared console
// audited it under, "" for an entry from before names were kept.
func TestAuditPrintsWhoWrote(t *testing.T) {
	setup(t)
	recorded(t)
	path := store.Path(filepath.Join(os.Getenv("XDG_STATE_HOME"), "sqc"), "default", keys.Fingerprint(testKey))
	db, _, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Audit(context.Background(), store.AuditEntry{At: time.Now(), Profile: "default", Device: "CCC333", Op: "update config",
		Status: 202, Outcome: "taken", Who: "alice@laptop\x1b[31m"})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, stderr := sqc(t, "audit", "--device", "ccc333")
	if code != 0 || !strings.Contains(out, `device=CCC333 `) || !strings.HasSuffix(out, ` who="alice@laptop"`+"\n") {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	code, out, _ = sqc(t, "audit", "--json")
	var got struct {
		Entries []struct {
			Device string `json:"deviceid"`
			Who    string `json:"who"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil || len(got.Entries) != 4 {
		t.Fatalf("exit %d %v\n%s", code, err, out)
	}
	if got.Entries[0].Who != "" || got.Entries[3].Who != "alice@laptop" {
		t.Fatalf("who in the JSON: %+v", got.Entries)
	}
}
