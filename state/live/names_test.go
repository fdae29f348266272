package live

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"sqc/api"
	"sqc/state"
	"sqc/state/store"
)

// A write is made under the name of the view that sent it: the audit
// names the writer, every view's outcome says who sent it, and a viewer's
// refused write is in the engine's log under the viewer's name.
func TestAWriteIsMadeUnderItsViewsName(t *testing.T) {
	r := newRig(t, 20, nil)
	db, logs := r.teamEngine()
	alice := r.e.SubscribeWith(ViewOptions{Name: "alice@laptop"})
	bob := r.e.SubscribeWith(ViewOptions{Name: "bob@desk", ReadOnly: true})
	r.firstPass()
	d := r.sim.Devices()[3]
	w := state.Write{Op: api.OpUpdateConfig, Device: d, Changes: []state.Change{{Key: "ambient.warning", New: json.Number("44"), Added: true}},
		Who: "mallory"} // a view speaks for its own user only
	seq := alice.Submit(w)
	var told WriteOutcome
	eventually(t, "bob is told of alice's write", func() bool {
		for _, o := range bob.Take().Writes {
			if o.Seq == seq {
				told = o
				return true
			}
		}
		return false
	})
	if told.Write.Who != "alice@laptop" || told.Mine(bob) || state.OutcomeOf(told.Err) != api.Taken {
		t.Fatalf("bob was told %+v", told)
	}
	entries, err := db.AuditLog(context.Background(), store.AuditQuery{Device: d.DeviceID})
	if err != nil || len(entries) != 1 || entries[0].Who != "alice@laptop" {
		t.Fatalf("audit %+v %v, want one entry by alice@laptop", entries, err)
	}

	bob.Submit(w)
	eventually(t, "bob's refusal", func() bool {
		for _, o := range bob.Take().Writes {
			if o.Err == ErrViewReadOnly {
				return true
			}
		}
		return false
	})
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "read-only") {
			line = l
		}
	}
	if !strings.Contains(line, "who=bob@desk") || !strings.Contains(line, d.DeviceID) {
		t.Fatalf("the engine's log of the refused write: %q\n%s", line, logs.String())
	}
	if entries, _ := db.AuditLog(context.Background(), store.AuditQuery{Device: d.DeviceID}); len(entries) != 1 {
		t.Fatalf("the refused write reached the audit: %+v", entries)
	}
	if alice.Name() != "alice@laptop" || r.e.Subscribe().Name() != state.LocalName() {
		t.Fatal("a view without a name is not the OS user's")
	}
}
