package state

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sqc/api"
)

func dev(id, name, group, model, plan string, seen time.Time) api.Device {
	s := float64(seen.Unix())
	d := api.Device{DeviceID: id, Name: name, GroupName: group, Model: model, Plan: plan, LastSeen: &s}
	if seen.IsZero() {
		d.LastSeen = nil
	}
	return d
}

func TestFilterLanguage(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	f.SetDevices([]api.Device{
		dev("AAAAAAAA1", "Pump 3", "North Pumps", "ORB-C1", "Hosted", now.Add(-time.Minute)),
		dev("BBBBBBBB2", "Stbd engine", "Marine", "QUAD-C2", "Trial", now.Add(-2*time.Hour)),
		dev("CCCCCCCC3", "Pump 9", "Marine", "QUAD-C2", "None", time.Time{}),
	}, now)
	cases := map[string][]string{
		"":                         {"AAAAAAAA1", "BBBBBBBB2", "CCCCCCCC3"},
		"pump":                     {"AAAAAAAA1", "CCCCCCCC3"},
		"pump marine":              {"CCCCCCCC3"},
		"!pump":                    {"BBBBBBBB2"},
		"group:north":              {"AAAAAAAA1"},
		"plan:hosted":              {"AAAAAAAA1"},
		"model:quad !plan:none":    {"BBBBBBBB2"},
		"state:stale":              {"BBBBBBBB2"},
		"state:offline":            {"CCCCCCCC3"},
		"id:bbbb":                  {"BBBBBBBB2"},
		"GROUP:MARINE name:ENGINE": {"BBBBBBBB2"},
		"state:unknown":            {"AAAAAAAA1"},
	}
	for expr, want := range cases {
		flt, err := ParseFilter(expr)
		if err != nil {
			t.Fatalf("%q: %v", expr, err)
		}
		var got []string
		for _, d := range flt.Apply(f.All(), now, nil) {
			got = append(got, d.DeviceID)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%q: %v, want %v", expr, got, want)
		}
	}
	for expr, say := range map[string]string{"!": "lone !", "colour:red": "unknown field", "group:": "needs a value", "state:angry": "use alarm"} {
		if _, err := ParseFilter(expr); err == nil || !strings.Contains(err.Error(), say) {
			t.Errorf("%q: %v, want %q", expr, err, say)
		}
	}
}

func TestHealthFromEventsAndSeen(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	f.SetDevices([]api.Device{dev("AAAAAAAA1", "x", "g", "m", "Hosted", now.Add(-time.Minute))}, now)
	d := f.Get("AAAAAAAA1")
	if d.Health(now) != HealthUnknown {
		t.Fatalf("no data yet: %v", d.Health(now))
	}
	msg := func(lv int) *api.DataPage {
		var m api.DataMessage
		if err := m.UnmarshalJSON([]byte(`{"ts":` + itoa(now.Unix()) + `,"events":[{"topic":"t","msg":"m","lv":` + itoa(int64(lv)) + `}]}`)); err != nil {
			t.Fatal(err)
		}
		return &api.DataPage{Data: []api.DataMessage{m}}
	}
	f.SetData("AAAAAAAA1", msg(30), now)
	if d.Health(now) != HealthWarning {
		t.Errorf("lv30: %v", d.Health(now))
	}
	f.SetData("AAAAAAAA1", msg(40), now.Add(time.Second))
	if d.Health(now.Add(time.Second)) != HealthAlarm {
		t.Errorf("lv40: %v", d.Health(now))
	}
	if h := d.Health(now.Add(2 * time.Hour)); h != HealthStale {
		t.Errorf("2h later: %v", h)
	}
	if h := d.Health(now.Add(48 * time.Hour)); h != HealthOffline {
		t.Errorf("2 days later: %v", h)
	}
	f.SetDataError("AAAAAAAA1", errors.New("garbage"), now)
	if m := d.Message(); m == nil || len(m.Events) != 1 || m.Events[0].Level != 40 || d.Err == nil {
		t.Error("an error dropped what was known")
	}
	if d.Reason() != "t: m" {
		t.Errorf("reason %q, want the worst event's text", d.Reason())
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestHistoryIsBoundedAndOnlyForTrackedDevices(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	f.HistoryCap = 10
	var list []api.Device
	for i := 0; i < MaxTracked+2; i++ {
		list = append(list, dev("DEV"+itoa(int64(100000+i)), "x", "g", "m", "Hosted", now))
	}
	f.SetDevices(list, now)
	page := func(ts int64, v float64) *api.DataPage {
		var m api.DataMessage
		m.UnmarshalJSON([]byte(`{"ts":` + itoa(ts) + `,"vin":` + itoa(int64(v)) + `}`))
		return &api.DataPage{Data: []api.DataMessage{m}}
	}
	first := list[0].DeviceID
	f.SetData(first, page(1000, 1), now)
	if f.Get(first).History != nil {
		t.Fatal("an untracked device keeps history")
	}
	f.Track(first)
	for i := int64(0); i < 25; i++ {
		f.SetData(first, page(2000+i, float64(i)), now)
		f.SetData(first, page(2000+i, float64(i)), now) // the same message twice
	}
	s := f.Get(first).History.Series("vin")
	if s.Len() != 10 {
		t.Fatalf("series holds %d points, want the cap of 10", s.Len())
	}
	if vals := s.Values(nil); vals[0] != 15 || vals[9] != 24 {
		t.Fatalf("values %v, want 15..24", vals)
	}
	for _, d := range list[1 : MaxTracked+1] {
		f.Track(d.DeviceID)
	}
	if f.Get(first).History != nil {
		t.Fatal("history of the device focused longest ago was kept beyond MaxTracked")
	}
}

func TestLedgerPersistsTodayAndRollsOver(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC)
	l, err := OpenLedger(dir, "sha256:abc", now)
	if err != nil {
		t.Fatal(err)
	}
	rem := 7
	for i := 0; i < 5; i++ {
		l.Record(api.Call{At: now, Status: 200})
	}
	l.Record(api.Call{At: now, Status: 429})
	l.Record(api.Call{At: now, Status: 200, DeviceID: "AAAAAAAA1", Remaining: &rem})
	if err := l.Snapshot().Save(); err != nil {
		t.Fatal(err)
	}
	again, _ := OpenLedger(dir, "sha256:abc", now.Add(time.Minute))
	if again.UsedToday(now) != 7 || again.RateLimited != 1 || again.Remaining["AAAAAAAA1"] != 7 {
		t.Fatalf("after a restart: used %d, 429s %d, remaining %v", again.UsedToday(now), again.RateLimited, again.Remaining)
	}
	other, _ := OpenLedger(dir, "sha256:def", now)
	if other.UsedToday(now) != 0 {
		t.Fatal("another key shares the count")
	}
	tomorrow, _ := OpenLedger(dir, "sha256:abc", now.Add(2*time.Hour))
	if tomorrow.UsedToday(now.Add(2*time.Hour)) != 0 {
		t.Fatal("yesterday's count carried into today")
	}
	if p := l.Pace(now); p != 7*6 {
		t.Errorf("pace %v req/h, want 42 (7 calls in 10 minutes)", p)
	}
	if ex := l.Exhaustion(now, 100); !ex.IsZero() {
		t.Errorf("at 42 req/h, 93 left and an hour to the reset: exhaustion %v", ex)
	}
	if ex := l.Exhaustion(now, 20); ex.IsZero() || !ex.Before(api.NextReset(now)) {
		t.Errorf("13 left at 42 req/h: exhaustion %v, want before the reset", ex)
	}
}

func TestSchedulerPriorityBackoffAndPlans(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l, _ := OpenLedger("", "", now)
	s := NewScheduler(l, 0.5)
	s.SetDevices([]api.Device{
		dev("HOSTED001", "a", "g", "m", "Hosted", now), dev("HOSTED002", "b", "g", "m", "Hosted", now),
		dev("NONEPLAN1", "c", "g", "m", "None", now),
	}, now)
	s.SetFocus("HOSTED002", false)
	s.SetVisible([]string{"HOSTED001", "NONEPLAN1"})
	r, ok, _ := s.Next(now)
	if !ok || r.Kind != KindList {
		t.Fatalf("first read %+v, want the list", r)
	}
	s.Done(r, now, nil)
	r, ok, _ = s.Next(now)
	if !ok || r.DeviceID != "HOSTED002" {
		t.Fatalf("second read %+v, want the focused device", r)
	}
	// One in flight per target: the focused device is not asked for twice.
	if r2, ok, _ := s.Next(now); ok {
		if r2.DeviceID == "HOSTED002" {
			t.Fatal("two reads of one target in flight")
		}
		s.Done(r2, now, nil)
	}
	if s.Ask(KindData, "NONEPLAN1") {
		t.Fatal("a data read of a plan None device was queued")
	}
	s.Done(r, now, nil)
	s.Ask(KindData, "HOSTED001")
	if r, ok, _ := s.Next(now); !ok || !r.User || r.DeviceID != "HOSTED001" {
		t.Fatalf("user action not first: %+v", r)
	}
	for i := 0; i < 50; i++ { // never a data read of the plan None device
		now = now.Add(time.Minute)
		if r, ok, _ := s.Next(now); ok {
			if r.DeviceID == "NONEPLAN1" {
				t.Fatal("polled a plan None device")
			}
			s.Done(r, now, nil)
		}
	}
	r, _, _ = s.Next(now.Add(time.Hour))
	s.Done(r, now, &api.Error{Op: api.OpGetData, Status: 429, RetryAfter: 40 * time.Second})
	if until, why := s.Backoff(now); until != now.Add(40*time.Second) || !strings.Contains(why, "429") {
		t.Fatalf("backoff %v %q, want Retry-After of 40s", until, why)
	}
	if _, ok, wait := s.Next(now.Add(10 * time.Second)); ok || wait != 30*time.Second {
		t.Fatalf("read during backoff: ok=%v wait=%v", ok, wait)
	}
	r, ok, _ = s.Next(now.Add(41 * time.Second))
	if !ok {
		t.Fatal("no read after the backoff")
	}
	s.Done(r, now.Add(41*time.Second), &api.Error{Op: api.OpGetData, Err: errors.New("connection refused")})
	if !s.Offline(now.Add(42 * time.Second)) {
		t.Fatal("a network failure does not read as offline")
	}
	s.SetPaused(true)
	s.Retry()
	if _, ok, _ := s.Next(now.Add(10 * time.Minute)); ok {
		t.Fatal("paused, yet a scheduled read")
	}
}

func TestQuietFocusedDeviceIsReadSlowly(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l, _ := OpenLedger("", "", now)
	s := NewScheduler(l, 0.5)
	var list []api.Device
	for i := 0; i < 100; i++ {
		list = append(list, dev("HOSTED"+strconv.Itoa(100+i), "x", "g", "m", "Hosted", now))
	}
	s.SetDevices(list, now)
	s.SetFocus(list[0].DeviceID, false)
	if got := s.FocusInterval(now); got != FocusEvery {
		t.Fatalf("a live focused device with budget to spare: every %v, want %v", got, FocusEvery)
	}
	s.SetFocus(list[0].DeviceID, true)
	if got := s.FocusInterval(now); got != QuietEvery {
		t.Fatalf("a quiet focused device: every %v, want %v", got, QuietEvery)
	}
}

func TestNaturalOrder(t *testing.T) {
	names := []string{"genset 10", "genset 9", "genset 1", "bore", "genset 02", "genset"}
	slices.SortFunc(names, natural)
	want := "bore,genset,genset 1,genset 02,genset 9,genset 10"
	if got := strings.Join(names, ","); got != want {
		t.Fatalf("%s, want %s", got, want)
	}
}

// An answer that overtakes the backfill must not hide the backfill's
// older messages from the history.
func TestBackfillAfterANewerAnswer(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	f.SetDevices([]api.Device{dev("AAAAAAAA1", "x", "g", "m", "Hosted", now)}, now)
	f.Track("AAAAAAAA1")
	msg := func(ts int64) api.DataMessage {
		var m api.DataMessage
		m.UnmarshalJSON([]byte(`{"ts":` + itoa(ts) + `,"vin":` + itoa(ts%7) + `}`))
		return m
	}
	f.SetData("AAAAAAAA1", &api.DataPage{Data: []api.DataMessage{msg(1100)}}, now)
	var back api.DataPage
	for ts := int64(1100); ts >= 1000; ts -= 10 {
		back.Data = append(back.Data, msg(ts))
	}
	f.Backfill("AAAAAAAA1", &back, now)
	d := f.Get("AAAAAAAA1")
	if n := d.History.Series("vin").Len(); n != 11 || !d.Backfilled {
		t.Fatalf("history holds %d points (backfilled %v), want the 11 of the backfill", n, d.Backfilled)
	}
}

func TestQuietAndNeverSeenDevicesAreSpared(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l, _ := OpenLedger("", "", now)
	s := NewScheduler(l, 0.5)
	var list []api.Device
	for i := 0; i < 50; i++ {
		list = append(list, dev("LIVE"+strconv.Itoa(10000+i), "x", "g", "m", "Hosted", now))
	}
	list = append(list, dev("STALEDEV1", "x", "g", "m", "Hosted", now.Add(-3*time.Hour)), dev("NEVERSEEN", "x", "g", "m", "Hosted", time.Time{}))
	s.SetDevices(list, now)
	s.SetVisible([]string{"STALEDEV1", "NEVERSEEN", list[0].DeviceID})
	reads := map[string]int{}
	for t0 := now; t0.Before(now.Add(20 * time.Minute)); t0 = t0.Add(time.Second) {
		for {
			r, ok, _ := s.Next(t0)
			if !ok {
				break
			}
			reads[r.DeviceID]++
			s.Done(r, t0, nil)
		}
	}
	if reads["NEVERSEEN"] != 0 {
		t.Errorf("a device never seen was read %d times", reads["NEVERSEEN"])
	}
	if reads["STALEDEV1"] != 1 {
		t.Errorf("a stale device on screen was read %d times in 20 minutes, want once", reads["STALEDEV1"])
	}
	if reads[list[0].DeviceID] < 10 {
		t.Errorf("a live device on screen was read %d times in 20 minutes", reads[list[0].DeviceID])
	}
}
