package state

import (
	"fmt"
	"testing"
	"time"

	"sqc/api"
)

// The first read sets the baseline; a change after it is an entry dated
// by its message; the clock alone turns a quiet device stale, then
// offline; a message brings it back.
func TestWatcherEntersAlarmStaleAndBack(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	f.SetDevices([]api.Device{dev("AAAAAAAA1", "Pump", "g", "m", "Hosted", now)}, now)
	w := NewWatcher()
	f.SetData("AAAAAAAA1", eventPage(t, now, 45), now) // already in alarm
	if _, ok := w.Observe(f.Get("AAAAAAAA1"), now); ok {
		t.Fatal("the first state seen made an entry: the first pass would flood the inbox")
	}
	now = now.Add(time.Minute)
	f.SetData("AAAAAAAA1", eventPage(t, now, -1), now)
	tr, ok := w.Observe(f.Get("AAAAAAAA1"), now)
	if !ok || tr.From != HealthAlarm || tr.To != HealthOK || !tr.At.Equal(now) || tr.Name != "Pump" {
		t.Fatalf("alarm → ok: %+v %v", tr, ok)
	}
	now = now.Add(time.Minute)
	f.SetData("AAAAAAAA1", eventPage(t, now, 45), now)
	tr, ok = w.Observe(f.Get("AAAAAAAA1"), now)
	if !ok || tr.To != HealthAlarm || !tr.EnteredAlarm() || tr.Text != "t: level 45" {
		t.Fatalf("ok → alarm: %+v %v", tr, ok)
	}
	if _, ok := w.Observe(f.Get("AAAAAAAA1"), now.Add(time.Second)); ok {
		t.Fatal("the same message seen again made an entry")
	}
	seen := now
	if got := w.Due(f, seen.Add(StaleAfter)); len(got) != 0 {
		t.Fatalf("stale at the turn itself: %+v", got)
	}
	got := w.Due(f, seen.Add(StaleAfter+time.Minute))
	if len(got) != 1 || got[0].To != HealthStale || got[0].From != HealthAlarm || !got[0].At.Equal(seen.Add(StaleAfter)) {
		t.Fatalf("stale: %+v", got)
	}
	got = w.Due(f, seen.Add(OfflineAfter+time.Hour))
	if len(got) != 1 || got[0].To != HealthOffline || got[0].From != HealthStale {
		t.Fatalf("offline: %+v", got)
	}
	if !w.NextDue().IsZero() {
		t.Fatal("an offline device is still due to change by the clock")
	}
	now = seen.Add(OfflineAfter + 2*time.Hour)
	f.SetData("AAAAAAAA1", eventPage(t, now, -1), now)
	if tr, ok = w.Observe(f.Get("AAAAAAAA1"), now); !ok || tr.From != HealthOffline || tr.To != HealthOK {
		t.Fatalf("back online: %+v %v", tr, ok)
	}
}

// A new alert-level event with no change of state is an entry of its own;
// the same event in the next message is not.
func TestWatcherNewEventOfLevelAlert(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	f.SetDevices([]api.Device{dev("AAAAAAAA1", "Pump", "g", "m", "Hosted", now)}, now)
	w := NewWatcher()
	f.SetData("AAAAAAAA1", eventPage(t, now, 10), now)
	w.Observe(f.Get("AAAAAAAA1"), now)
	for i, want := range []bool{true, false} {
		now = now.Add(time.Minute)
		f.SetData("AAAAAAAA1", eventPage(t, now, 25), now)
		tr, ok := w.Observe(f.Get("AAAAAAAA1"), now)
		if ok != want || (ok && (!tr.Event || tr.To != HealthOK || tr.Text != "t: level 25")) {
			t.Fatalf("message %d: %+v %v", i, tr, ok)
		}
	}
}

// Due at 50,000 devices turns only those due: the cost is per device
// that turns, and nothing is due twice.
func TestWatcherDueTakesOnlyTheDue(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	var devs []api.Device
	for i := range 50_000 {
		devs = append(devs, dev(fmt.Sprintf("D%08d", i), "n", "g", "m", "Hosted", now.Add(-time.Duration(i)*time.Second)))
	}
	f.SetDevices(devs, now)
	w := NewWatcher()
	for _, d := range f.All() {
		w.Observe(d, now)
	}
	if got := w.Due(f, now.Add(time.Second)); len(got) != 0 {
		t.Fatalf("devices never read turned stale as entries: %d", len(got))
	}
	for _, id := range []string{"D00000000", "D00000001"} {
		f.SetData(id, eventPage(t, now, -1), now)
		w.Observe(f.Get(id), now)
	}
	got := w.Due(f, now.Add(StaleAfter+time.Second))
	if len(got) != 2 {
		t.Fatalf("%d entries, want the 2 devices with a known state", len(got))
	}
	if again := w.Due(f, now.Add(StaleAfter+2*time.Second)); len(again) != 0 {
		t.Fatalf("due twice: %+v", again)
	}
}

// The inbox keeps an entry once, counts the unread, acknowledges by key
// and stays bounded.
func TestInboxBoundedAndAcknowledged(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	in := NewInbox()
	var ts []Transition
	for i := range MaxInbox + 500 {
		ts = append(ts, Transition{At: now.Add(time.Duration(i) * time.Millisecond), Device: fmt.Sprintf("D%08d", i), From: HealthOK, To: HealthAlarm})
	}
	in.Add(ts)
	if in.Add(ts[len(ts)-3:]) != nil {
		t.Fatal("entries held already were added again")
	}
	all, _ := in.Snapshot()
	if len(all) != MaxInbox || in.Unread() != MaxInbox || all[0].Device != ts[len(ts)-1].Device {
		t.Fatalf("%d entries, %d unread, newest %s", len(all), in.Unread(), all[0].Device)
	}
	v := in.Version()
	if got := in.Ack([]TransitionKey{all[0].Key(), all[1].Key()}, "ana", now); len(got) != 2 {
		t.Fatalf("acked %d", len(got))
	}
	if in.Ack([]TransitionKey{all[0].Key()}, "bo", now) != nil {
		t.Fatal("an entry was acknowledged twice")
	}
	all, _ = in.Snapshot()
	if in.Version() == v || in.Unread() != MaxInbox-2 || all[0].AckBy != "ana" {
		t.Fatalf("after ack: %d unread, by %q", in.Unread(), all[0].AckBy)
	}
}

// A device listed before its first message is read (stale or offline by
// its lastSeen) takes that first message, events and all, as its
// baseline: the first pass adds no "new event" entries.
func TestWatcherFirstMessageIsABaseline(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	f.SetDevices([]api.Device{dev("AAAAAAAA1", "Pump", "g", "m", "Hosted", now.Add(-6*24*time.Hour))}, now)
	w := NewWatcher()
	w.Observe(f.Get("AAAAAAAA1"), now)
	f.SetData("AAAAAAAA1", eventPage(t, now.Add(-6*24*time.Hour), 25), now)
	if tr, ok := w.Observe(f.Get("AAAAAAAA1"), now); ok {
		t.Fatalf("the first message read made an entry: %+v", tr)
	}
}

// A server whose list carries no lastSeen places every device offline
// until its data is read: the first pass that reads them adds no
// "offline → ok" for each, but a device that reports after the watch
// began is a change.
func TestWatcherListWithoutLastSeenIsNoFlood(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	f.SetDevices([]api.Device{dev("AAAAAAAA1", "Pump", "g", "m", "Hosted", time.Time{})}, now)
	w := NewWatcher()
	w.Observe(f.Get("AAAAAAAA1"), now)
	f.SetData("AAAAAAAA1", eventPage(t, now.Add(-time.Minute), -1), now.Add(time.Second))
	if tr, ok := w.Observe(f.Get("AAAAAAAA1"), now.Add(time.Second)); ok {
		t.Fatalf("the first pass's read made an entry: %+v", tr)
	}
	later := now.Add(time.Hour)
	f.SetData("AAAAAAAA1", eventPage(t, later, 40), later)
	if tr, ok := w.Observe(f.Get("AAAAAAAA1"), later); !ok || tr.To != HealthAlarm {
		t.Fatalf("an alarm after the watch began: %+v %v, want an entry", tr, ok)
	}
}
