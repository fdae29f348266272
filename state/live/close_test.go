package live

import (
	"encoding/json"
	"strconv"
	"sync"
	"testing"

	"sqc/api"
	"sqc/state"
)

// A view's late call after it closed (a goroutine of the view still
// running) leaves no focus behind, which would be read at the focus's
// pace for ever.
func TestClosedViewAsksNothing(t *testing.T) {
	r := newRig(t, 60, nil)
	a, b := r.e.Subscribe(), r.e.Subscribe()
	r.firstPass()
	b.SetFocus(r.lively(0))
	b.Close()
	b.SetFocus(r.lively(1))
	b.SetVisible([]string{r.lively(2)})
	if b.ReadNow(state.KindData, r.lively(3)) {
		t.Error("a closed view's read was queued")
	}
	got := ""
	a.Read(func(rd Reader) { got = rd.Sched.Focused() })
	if got != "" {
		t.Fatalf("after its view closed, the scheduler still focuses %q", got)
	}
}

// Writes submitted while the engine closes are sent before it or refused
// with ErrClosed: never added to the writes the close is waiting for
// (the race detector sees that), never lost without an outcome.
func TestSubmitDuringCloseIsRefusedNotRaced(t *testing.T) {
	for range 20 {
		r := newRig(t, 5, nil)
		v := r.e.Subscribe()
		d := r.sim.Devices()[0]
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := range 20 {
				v.Submit(state.Write{Op: api.OpUpdateConfig, Device: d,
					Changes: []state.Change{{Key: "ambient.warning", New: json.Number(strconv.Itoa(40 + j)), Added: true}}})
			}
		}()
		go func() { defer wg.Done(); r.e.Close() }()
		wg.Wait()
	}
}
