package state

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"sqc/api"
	"sqc/state/store"
)

// A write is audited under the name it was made under; one made without a
// name (the command line, a console of one) under the OS user's.
func TestAWriteIsAuditedUnderItsName(t *testing.T) {
	s, c, now := gateFixture(t, 1)
	db := memDB(t)
	g := &Gate{Profile: "acme", Audit: OpenAudit(db, nil), Now: func() time.Time { return now }}
	d := s.Devices()[0]
	w := Write{Op: api.OpUpdateConfig, Device: d, Changes: []Change{{Key: "ambient.warning", Old: json.Number("40"), New: json.Number("47")}}, Who: "alice@laptop"}
	if _, err := g.Send(context.Background(), c, w); err != nil {
		t.Fatal(err)
	}
	w.Who = ""
	if _, err := g.Send(context.Background(), c, w); err != nil {
		t.Fatal(err)
	}
	entries, err := db.AuditLog(context.Background(), store.AuditQuery{})
	if err != nil || len(entries) != 2 {
		t.Fatalf("audit %+v %v", entries, err)
	}
	if entries[0].Who != "alice@laptop" {
		t.Errorf("the named write was audited under %q", entries[0].Who)
	}
	if entries[1].Who == "" || entries[1].Who != LocalName() {
		t.Errorf("the unnamed write was audited under %q, want the OS user %q", entries[1].Who, LocalName())
	}
}
