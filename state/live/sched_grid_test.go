package live

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sqc/api"
)

// fleetGrid is a server of the contract that is not our simulator: its
// devices report on fixed grids (every 20 to 300 s), its list carries
// each device's lastSeen, and Get Device Data answers by start, end and
// limit, newest first. It logs what each data read brought.
type fleetGrid struct {
	now   func() time.Time
	devs  []gridDev
	mu    sync.Mutex
	reads []gridRead
}

type gridDev struct {
	id     string
	plan   string
	every  time.Duration
	phase  time.Duration
	silent bool // never reports
}

type gridRead struct {
	id   string
	at   time.Time
	msgs int
}

func newFleetGrid(now func() time.Time, hosted, others int) *fleetGrid {
	g := &fleetGrid{now: now}
	for i := range hosted + others {
		d := gridDev{id: fmt.Sprintf("GRID%05d", i), plan: api.PlanHosted,
			every: time.Duration(20+(i*37)%281) * time.Second}
		d.phase = time.Duration(i*7919%int(d.every/time.Second)) * time.Second
		if i >= hosted {
			d.plan = "None"
		}
		g.devs = append(g.devs, d)
	}
	return g
}

// reports are the device's report times in [from, to], newest first, at
// most limit.
func (d gridDev) reports(from, to time.Time, limit int) []time.Time {
	var out []time.Time
	origin := start.Add(-24 * time.Hour).Add(d.phase)
	if to.Before(origin) {
		return nil
	}
	k := to.Sub(origin) / d.every
	for t := origin.Add(k * d.every); !t.Before(from) && !t.Before(origin) && len(out) < limit; t = t.Add(-d.every) {
		out = append(out, t)
	}
	return out
}

func (g *fleetGrid) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := g.now()
	w.Header().Set("Content-Type", "application/json")
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) == 1 && parts[0] == "devices" {
		var list []map[string]any
		for _, d := range g.devs {
			m := map[string]any{"deviceid": d.id, "name": d.id, "plan": d.plan}
			if last := d.reports(time.Time{}, now, 1); len(last) == 1 {
				m["lastSeen"] = last[0].Unix()
			}
			list = append(list, m)
		}
		json.NewEncoder(w).Encode(map[string]any{"devices": list, "next": nil})
		return
	}
	if len(parts) != 3 || parts[2] != "data" {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	var d *gridDev
	for i := range g.devs {
		if g.devs[i].id == parts[1] {
			d = &g.devs[i]
		}
	}
	if d == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	from, to, limit := time.Time{}, now, 1
	if v, err := strconv.ParseInt(q.Get("start"), 10, 64); err == nil {
		from = time.Unix(v, 0)
	}
	if v, err := strconv.ParseInt(q.Get("end"), 10, 64); err == nil && time.Unix(v, 0).Before(to) {
		to = time.Unix(v, 0)
	}
	if v, err := strconv.Atoi(q.Get("limit")); err == nil {
		limit = v
	}
	var msgs []map[string]any
	for _, t := range d.reports(from, to, limit) {
		msgs = append(msgs, map[string]any{"deviceid": d.id, "ts": float64(t.Unix()), "vin": 12.5})
	}
	g.mu.Lock()
	g.reads = append(g.reads, gridRead{id: d.id, at: now, msgs: len(msgs)})
	g.mu.Unlock()
	json.NewEncoder(w).Encode(map[string]any{"deviceid": d.id, "data": msgs})
}

// Against a server whose devices report on a grid and whose list carries
// lastSeen, the background reads go to the devices that reported: at
// least 95% of them bring a new message.
func TestBackgroundReadsBringNews(t *testing.T) {
	clock := &fakeClock{t: start}
	g := newFleetGrid(clock.Now, 60, 30)
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	r := &rig{t: t, clock: clock, srv: srv}
	r.e = r.engine()
	r.e.Start()
	r.firstPass()
	from := clock.Now()
	r.run(30*time.Minute, 500*time.Millisecond, nil)
	g.mu.Lock()
	defer g.mu.Unlock()
	reads, news := 0, 0
	for _, rd := range g.reads {
		if rd.at.After(from) {
			reads++
			if rd.msgs > 0 {
				news++
			}
		}
	}
	t.Logf("after the first pass: %d data reads, %d brought news (%.1f%%)", reads, news, 100*float64(news)/float64(max(1, reads)))
	if reads < 100 || news*100 < reads*95 {
		t.Errorf("%d of %d background reads brought a new message, want at least 95%%", news, reads)
	}
}
