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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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

func TestNaturalOrder(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
