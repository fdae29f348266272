package pane

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"sqc/api"
)

func setOf(t *testing.T, at ...int) *histSet {
	t.Helper()
	var msgs []api.DataMessage
	for _, s := range at {
		var m api.DataMessage
		js := fmt.Sprintf(`{"ts":%d,"vin":%d,"note":"n%d","events":[{"topic":"t","msg":"at %d","lv":30}]}`, histNow.Unix()+int64(s), s, s, s)
		if err := json.Unmarshal([]byte(js), &m); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	return newHistSet(msgs)
}

// Two sets merge into one in time order, each time once (the first's
// message kept), events and values once each; the sets merged are left
// as they were, and a message decodes back whole.
func TestHistSetMergesInOrderOnce(t *testing.T) {
	a, b := setOf(t, 0, 20, 40), setOf(t, 60, 10, 20, 20, 80)
	m := a.merge(b)
	want := []int{0, 10, 20, 40, 60, 80}
	if m.Len() != len(want) || len(m.events) != len(want) || len(m.fields) != 1 || len(m.fields[0].pts) != len(want) {
		t.Fatalf("%d messages, %d events, fields %v; want %d of each", m.Len(), len(m.events), m.fields, len(want))
	}
	for i, s := range want {
		at := histNow.Add(time.Duration(s) * time.Second)
		if !m.Time(i).Equal(at) || !m.events[i].t.Equal(at) || m.fields[0].pts[i].v != float64(s) {
			t.Fatalf("item %d: message at %s, event at %s, vin %v; want %d s", i, m.Time(i), m.events[i].t, m.fields[0].pts[i].v, s)
		}
		msg := m.Message(i)
		if f, ok := msg.Get("note"); !ok || string(f.Raw) != fmt.Sprintf(`"n%d"`, s) || msg.Events[0].Msg != fmt.Sprintf("at %d", s) {
			t.Fatalf("message %d decodes as %+v", i, msg)
		}
	}
	if a.Len() != 3 || b.Len() != 4 {
		t.Fatalf("merging changed its sets: %d and %d messages", a.Len(), b.Len())
	}
	if s := m.since(histNow.Add(30 * time.Second)); s.Len() != 3 || len(s.events) != 3 || len(s.fields[0].pts) != 3 || !s.Message(0).Time().Equal(histNow.Add(40*time.Second)) {
		t.Fatalf("since: %d messages, %d events", s.Len(), len(s.events))
	}
}
