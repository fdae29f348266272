package live

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"sqc/api"
	"sqc/state"
)

// A viewer of a shared engine sends nothing, even while a writer's equal
// write is out: the viewer is refused at once and alone, the writer's
// write goes once and is the writer's only.
func TestAReadOnlyViewSendsNothing(t *testing.T) {
	release, done := make(chan struct{}), make(chan struct{})
	arrived := make(chan struct{}, 4)
	r := newRig(t, 60, func(q *http.Request) {
		if q.Method != http.MethodGet {
			arrived <- struct{}{}
			select {
			case <-release:
			case <-done: // the test failed: let the server close
			}
		}
	})
	t.Cleanup(func() { close(done) }) // runs before the rig's server closes
	writer, viewer := r.e.Subscribe(), r.e.SubscribeWith(ViewOptions{ReadOnly: true})
	r.firstPass()
	d := r.sim.Devices()[5]
	w := state.Write{Op: api.OpUpdateConfig, Device: d, Changes: []state.Change{{Key: "ambient.warning", New: json.Number("44"), Added: true}}}

	// alone: refused before the gate
	viewer.Submit(w)
	var got []WriteOutcome
	eventually(t, "the viewer's refusal", func() bool {
		got = append(got, viewer.Take().Writes...)
		return len(got) > 0
	})
	if !errors.Is(got[0].Err, ErrViewReadOnly) || !got[0].Mine(viewer) || state.WentOut(got[0].Err) {
		t.Fatalf("the viewer's write was told %+v", got[0])
	}

	// beside a writer's equal write that is out: still refused, not joined
	seq := writer.Submit(w)
	<-arrived
	viewer.Submit(w)
	got = got[:0]
	eventually(t, "the viewer's second refusal", func() bool {
		got = append(got, viewer.Take().Writes...)
		return len(got) > 0
	})
	if !errors.Is(got[0].Err, ErrViewReadOnly) || got[0].Seq == seq {
		t.Fatalf("the viewer joined the writer's write: %+v", got[0])
	}
	close(release)
	var mine []WriteOutcome
	eventually(t, "the writer's outcome", func() bool {
		mine = append(mine, writer.Take().Writes...)
		return len(mine) > 0
	})
	if mine[0].Seq != seq || len(mine[0].Askers) != 1 || !mine[0].Mine(writer) || mine[0].Mine(viewer) || state.OutcomeOf(mine[0].Err) != api.Taken {
		t.Fatalf("the writer was told %+v", mine[0])
	}
	eventually(t, "the viewer hears the writer's outcome too", func() bool {
		for _, o := range viewer.Take().Writes {
			if o.Seq == seq {
				return true
			}
		}
		return false
	})
	sent := 0
	for _, q := range r.sim.Requests() {
		if q.Op == api.OpUpdateConfig {
			sent++
		}
	}
	if sent != 1 {
		t.Fatalf("%d config writes reached the server, want the writer's 1", sent)
	}
}
