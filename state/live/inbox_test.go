package live

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"sqc/state"
)

// gridServer is a Senquip Cloud of the contract that is not our
// simulator: its devices report every 20 s on a fixed grid, their list
// carries lastSeen, and the devices in alarm (from when each entered it)
// send an event at level 40 in every message.
type gridServer struct {
	mu      sync.Mutex
	now     func() time.Time
	ids     []string
	alarmAt map[string]time.Time
	quietAt map[string]time.Time // reports nothing from then on
	lists   []time.Time          // when the device list was asked for
}

const gridEvery = 20 * time.Second

func newGridServer(t testing.TB, now func() time.Time, n int) (*gridServer, *httptest.Server) {
	g := &gridServer{now: now, alarmAt: map[string]time.Time{}, quietAt: map[string]time.Time{}}
	for i := range n {
		g.ids = append(g.ids, fmt.Sprintf("GRID%05d", i))
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return g, srv
}

func (g *gridServer) setAlarm(id string, at time.Time) {
	g.mu.Lock()
	g.alarmAt[id] = at
	g.mu.Unlock()
}

func (g *gridServer) setQuiet(id string, at time.Time) {
	g.mu.Lock()
	g.quietAt[id] = at
	g.mu.Unlock()
}

func (g *gridServer) seenOf(id string) time.Time {
	now := g.now()
	if q, ok := g.quietAt[id]; ok && now.After(q) {
		now = q
	}
	return now.Truncate(gridEvery)
}

func (g *gridServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/devices" {
		g.lists = append(g.lists, g.now())
		var devs []map[string]any
		for _, id := range g.ids {
			devs = append(devs, map[string]any{"deviceid": id, "name": "Pump " + id[4:], "plan": "Hosted", "model": "QUAD-C2",
				"lastSeen": g.seenOf(id).Unix(), "extra": map[string]any{"n": 1.0000000001}})
		}
		json.NewEncoder(w).Encode(map[string]any{"devices": devs, "next": nil})
		return
	}
	id, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/devices/"), "/data")
	if !ok {
		http.Error(w, `{"message":"no such route"}`, http.StatusNotFound)
		return
	}
	seen := g.seenOf(id)
	msg := map[string]any{"deviceid": id, "ts": float64(seen.Unix()), "vin": 24.123456789}
	if at, ok := g.alarmAt[id]; ok && !seen.Before(at) {
		msg["events"] = []any{map[string]any{"topic": "ambient", "msg": "High temperature", "lv": 40}}
	}
	json.NewEncoder(w).Encode(map[string]any{"deviceid": id, "data": []any{msg}})
}

// A device that enters alarm 40 s after the start is in the inbox within
// a re-list and a read, dated by its message; acknowledging it survives a
// restart, and the restart adds no entry for a device already in alarm.
func TestInboxEntryFromAnotherServerSurvivesRestart(t *testing.T) {
	clock := &fakeClock{t: start}
	g, srv := newGridServer(t, clock.Now, 12)
	dir := t.TempDir()
	r := &rig{t: t, clock: clock, srv: srv}
	e, _ := r.dbEngine(dir, srv.URL)
	r.e = e
	e.Start()
	r.firstPass()
	if n := e.Inbox().Unread(); n != 0 {
		t.Fatalf("the first pass made %d entries", n)
	}
	target := g.ids[7]
	alarmAt := start.Add(40 * time.Second)
	g.setAlarm(target, alarmAt)
	// The inbox adds nothing to the time the scheduler takes to read the
	// change: the pass that folds the alarm has its entry.
	var got state.Transition
	var shown time.Time
	for range 3600 {
		clock.add(time.Second)
		r.pass()
		e.Read(func(rd Reader) {
			if d := rd.Fleet.Get(target); d.Health(clock.Now()) == state.HealthAlarm {
				shown = d.MessageTime()
			}
		})
		all, _ := e.Inbox().Snapshot()
		if len(all) > 0 {
			got = all[0]
		}
		if !shown.IsZero() || len(all) > 0 {
			break
		}
	}
	if shown.IsZero() {
		t.Fatal("the device in alarm was never read")
	}
	if got.Device != target || got.From != state.HealthOK || got.To != state.HealthAlarm || got.Text != "ambient: High temperature" {
		t.Fatalf("entry %+v, want %s ok → alarm in the pass that read it", got, target)
	}
	if !got.At.Equal(shown) {
		t.Fatalf("dated %v, want the message that told it, %v", got.At, shown)
	}
	var relist time.Duration
	e.Read(func(rd Reader) { relist = rd.Sched.Freshness(clock.Now()).ListEvery })
	t.Logf("entered alarm at %v, in the inbox at %v (%v later; the list is read every %v)", alarmAt.Format(time.TimeOnly), clock.Now().Format(time.TimeOnly), clock.Now().Sub(alarmAt), relist)
	// Every device the list shows moved is read before the next list: the
	// entry comes within a re-list interval of the list that told it.
	g.mu.Lock()
	var told time.Time
	for _, at := range g.lists {
		if !at.Before(alarmAt) {
			told = at
			break
		}
	}
	g.mu.Unlock()
	if told.IsZero() || clock.Now().After(told.Add(relist+time.Second)) {
		t.Fatalf("the list told the alarm at %v, the inbox had it at %v: more than a re-list interval (%v) later", told, clock.Now(), relist)
	}
	e.Ack([]state.TransitionKey{got.Key()}, "ana")
	if e.Inbox().Unread() != 0 {
		t.Fatal("acknowledged, still unread")
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	e2, _ := r.dbEngine(dir, srv.URL)
	r.e = e2
	e2.Start()
	eventually(t, "the kept inbox read back", func() bool { all, _ := e2.Inbox().Snapshot(); return len(all) == 1 })
	r.firstPass()
	r.run(time.Minute, time.Second, nil)
	all, _ := e2.Inbox().Snapshot()
	if len(all) != 1 || !all[0].Kept || all[0].AckBy != "ana" || all[0].Key() != got.Key() || e2.Inbox().Unread() != 0 {
		t.Fatalf("after a restart: %+v", all)
	}
}

// A device that stops reporting turns stale with no message: the
// engine's clock makes the entry, dated when it turned, once.
func TestInboxStaleByTheClock(t *testing.T) {
	clock := &fakeClock{t: start}
	g, srv := newGridServer(t, clock.Now, 5)
	r := &rig{t: t, clock: clock, srv: srv}
	e, _ := r.dbEngine("", srv.URL)
	r.e = e
	e.Start()
	r.firstPass()
	g.setQuiet(g.ids[2], clock.Now())
	last := clock.Now().Truncate(gridEvery)
	r.run(state.StaleAfter+2*time.Minute, 5*time.Second, nil)
	all, _ := e.Inbox().Snapshot()
	if len(all) != 1 || all[0].Device != g.ids[2] || all[0].To != state.HealthStale || !all[0].At.Equal(last.Add(state.StaleAfter)) {
		t.Fatalf("entries %+v, want one: %s ok → stale at %v", all, g.ids[2], last.Add(state.StaleAfter))
	}
}
