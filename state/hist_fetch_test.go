package state

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"sqc/api"
)

// gridServer is a server of the contract that is not our simulator: one
// device reporting every `every` from `origin` to `until`, answering Get
// Device Data by start/end/limit, newest first. tweak may spoil a page.
type gridServer struct {
	origin, until time.Time
	every         time.Duration
	requests      atomic.Int64
	ignoreRange   bool
	tweak         func(msgs []map[string]any) []map[string]any
}

func (g *gridServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.requests.Add(1)
	q := r.URL.Query()
	start, end := g.origin, g.until
	if !g.ignoreRange {
		if v, err := strconv.ParseInt(q.Get("start"), 10, 64); err == nil {
			start = time.Unix(v, 0)
		}
		if v, err := strconv.ParseInt(q.Get("end"), 10, 64); err == nil {
			end = time.Unix(v, 0)
		}
	}
	limit := 1
	if v, err := strconv.Atoi(q.Get("limit")); err == nil {
		limit = v
	}
	var msgs []map[string]any
	for t := g.until; !t.Before(g.origin) && len(msgs) < limit; t = t.Add(-g.every) {
		if t.Before(start) || t.After(end) {
			continue
		}
		msgs = append(msgs, map[string]any{"ts": float64(t.Unix()), "vin": 12 + float64(t.Unix()%60)/10})
	}
	if g.tweak != nil {
		msgs = g.tweak(msgs)
	}
	json.NewEncoder(w).Encode(map[string]any{"deviceid": "GRID00001", "data": msgs})
}

func gridClient(t *testing.T, g *gridServer) *api.Client {
	t.Helper()
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	c, err := api.New(api.Options{BaseURL: srv.URL, Key: "k", RatePerSecond: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fetchAll(t *testing.T, f *RangeFetch, c DataGetter) []api.DataMessage {
	t.Helper()
	var all []api.DataMessage
	for !f.Done() {
		msgs, err := f.Next(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, msgs...)
	}
	return all
}

// 24 hours of a device reporting every 20 s (4,320 messages) cost five
// requests the first time and none the second.
func TestARangeCostsItsPagesOnceAndNothingTheSecondTime(t *testing.T) {
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	g := &gridServer{origin: now.Add(-48 * time.Hour), until: now, every: 20 * time.Second}
	c := gridClient(t, g)
	want := Span{From: now.Add(-24 * time.Hour).Add(time.Second), To: now}
	f := NewRangeFetch("GRID00001", want, nil, now, 20*time.Second)
	if f.Estimate() != 5 {
		t.Fatalf("estimate %d, want 5", f.Estimate())
	}
	msgs := fetchAll(t, f, c)
	if len(msgs) != 4320 || f.Got != 4320 {
		t.Fatalf("%d messages, want 4320", len(msgs))
	}
	if n := g.requests.Load(); n != 5 || f.Requests != 5 {
		t.Fatalf("%d requests (%d counted), want 5", n, f.Requests)
	}
	ts := make([]float64, len(msgs))
	for i, m := range msgs {
		ts[i] = m.TS
	}
	slices.Sort(ts)
	if len(slices.Compact(ts)) != 4320 {
		t.Fatal("a message came twice")
	}
	again := NewRangeFetch("GRID00001", want, f.Covered, now, 20*time.Second)
	if !again.Done() || again.Estimate() != 0 {
		t.Fatalf("the same range again has %v to fetch", again.Missing())
	}
	// half of it again, and the hour after: only the new hour is asked for
	later := now.Add(time.Hour)
	g.until = later
	more := NewRangeFetch("GRID00001", Span{From: now.Add(-12 * time.Hour), To: later}, f.Covered, later, 20*time.Second)
	if m := more.Missing(); len(m) != 1 || !m[0].From.Equal(now) {
		t.Fatalf("missing %v, want the last hour", m)
	}
	// 180 new messages, and the one at the seam that the store keeps once
	if got := fetchAll(t, more, c); len(got) != 181 || g.requests.Load() != 6 {
		t.Fatalf("the new hour brought %d messages in %d requests", len(got), g.requests.Load()-5)
	}
}

// A server that ignores the range, sends messages twice, out of order,
// from the future or without a time: the fetch is bounded, keeps only
// messages of the range, each once.
func TestAHostileServerCannotMakeTheFetchEndlessOrUntrue(t *testing.T) {
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	want := Span{From: now.Add(-6 * time.Hour), To: now.Add(-3 * time.Hour)}

	ignoring := &gridServer{origin: now.Add(-30 * 24 * time.Hour), until: now, every: 10 * time.Second, ignoreRange: true}
	f := NewRangeFetch("GRID00001", want, nil, now, 10*time.Second)
	msgs := fetchAll(t, f, gridClient(t, ignoring))
	if f.Stopped == "" || len(msgs) != 0 || f.Requests > f.Max || f.Requests != 1 {
		t.Fatalf("a server ignoring the range: %d requests, %d kept, stopped %q", f.Requests, len(msgs), f.Stopped)
	}
	if len(f.Covered) != 0 {
		t.Fatalf("a range the server never answered is recorded as covered: %v", f.Covered)
	}

	spoiled := &gridServer{origin: now.Add(-24 * time.Hour), until: now, every: 10 * time.Second, tweak: func(m []map[string]any) []map[string]any {
		if len(m) < 3 {
			return m
		}
		m[0], m[1] = m[1], m[0]                                                            // out of order
		m = append(m, m[2])                                                                // twice
		m = append(m, map[string]any{"ts": float64(now.Add(time.Hour).Unix()), "vin": 99}) // from the future
		m = append(m, map[string]any{"vin": 98})                                           // no time
		return m
	}}
	f = NewRangeFetch("GRID00001", want, nil, now, 10*time.Second)
	msgs = fetchAll(t, f, gridClient(t, spoiled))
	if len(msgs) != 1081 {
		t.Fatalf("kept %d messages, want the 1,081 of the range", len(msgs))
	}
	for _, m := range msgs {
		if ts := m.Time(); ts.Before(want.From) || ts.After(want.To) {
			t.Fatalf("kept a message at %s, outside %s", ts, want)
		}
	}
	if f.Requests > f.Max {
		t.Fatalf("%d requests, bound %d", f.Requests, f.Max)
	}

	// a device far busier than its interval said: stopped at the bound,
	// saying so, with what came kept
	busy := &gridServer{origin: now.Add(-24 * time.Hour), until: now, every: time.Second}
	f = NewRangeFetch("GRID00001", want, nil, now, 10*time.Minute)
	msgs = fetchAll(t, f, gridClient(t, busy))
	if f.Requests != f.Max || f.Stopped == "" || len(msgs) == 0 {
		t.Fatalf("busy device: %d requests of %d, %d kept, stopped %q", f.Requests, f.Max, len(msgs), f.Stopped)
	}
}

func TestMissingSpans(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 12, 1, h, 0, 0, 0, time.UTC) }
	got := MissingSpans(Span{at(0), at(10)}, []Span{{at(2), at(3)}, {at(8), at(12)}, {at(2), at(4)}, {at(5), at(5)}})
	want := []Span{{at(0), at(2)}, {at(4), at(8)}}
	if !slices.Equal(got, want) {
		t.Fatalf("missing %v, want %v", got, want)
	}
	if got := MissingSpans(Span{at(3), at(4)}, []Span{{at(0), at(10)}}); len(got) != 0 {
		t.Fatalf("a covered range misses %v", got)
	}
}

// A device reporting faster than assumed (nothing stored says how often)
// is fetched whole: the first full page teaches the bound its spacing.
func TestRangeFetchLearnsAFasterDevice(t *testing.T) {
	until := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	g := &gridServer{origin: until.Add(-7 * 24 * time.Hour), until: until, every: 20 * time.Second}
	f := NewRangeFetch("GRID00001", Span{From: g.origin, To: until}, nil, until, 0)
	if f.Estimate() != 11 {
		t.Fatalf("estimate at a minute %d, want 11", f.Estimate())
	}
	msgs := fetchAll(t, f, gridClient(t, g))
	if f.Stopped != "" || len(msgs) != 7*24*180+1 {
		t.Fatalf("%d messages in %d requests, stopped %q; want the whole week", len(msgs), f.Requests, f.Stopped)
	}
	if n := g.requests.Load(); n != 31 {
		t.Fatalf("%d requests, want ceil(30241/1000) = 31", n)
	}
}

// A server whose pages claim a message every millisecond cannot make the
// fetch unbounded: the bound learns at most a message a second.
func TestRangeFetchBoundHoldsAgainstADenseServer(t *testing.T) {
	until := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	g := &gridServer{origin: until.Add(-24 * time.Hour), until: until, every: 10 * time.Millisecond}
	f := NewRangeFetch("GRID00001", Span{From: g.origin, To: until}, nil, until, 0)
	fetchAll(t, f, gridClient(t, g))
	if max := 2*(24*3600/api.MaxDataLimit+1) + 2 + 2; f.Requests > max {
		t.Fatalf("%d requests for a day, more than a message a second can hold (%d)", f.Requests, max)
	}
}
