package state

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"sqc/api"
)

// quadMessage is a real QUAD-C2 message (56 CAN frames, an event) stamped
// at ts with its one event at level lv, decoded as the client decodes it.
func quadMessage(tb testing.TB, ts time.Time, lv int) api.DataMessage {
	raw, err := os.ReadFile(filepath.Join("..", "api", "sim", "templates", "quad-c2-he8ev12lf-1.json"))
	if err != nil {
		tb.Fatal(err)
	}
	raw = bytes.Replace(raw, []byte(`"ts": 1770605573.1`), []byte(`"ts": `+strconv.FormatInt(ts.Unix(), 10)), 1)
	raw = bytes.Replace(raw, []byte(`"lv": 30`), []byte(`"lv": `+strconv.Itoa(lv)), 1)
	var m api.DataMessage
	if err := m.UnmarshalJSON(raw); err != nil {
		tb.Fatal(err)
	}
	return m
}

// eventPage is one message at ts with one event at level lv (none if lv < 0).
func eventPage(t testing.TB, ts time.Time, lv int) *api.DataPage {
	t.Helper()
	js := `{"ts":` + itoa(ts.Unix()) + `,"vin":24.5`
	if lv >= 0 {
		js += `,"events":[{"topic":"t","msg":"level ` + itoa(int64(lv)) + `","lv":` + itoa(int64(lv)) + `}]`
	}
	var m api.DataMessage
	if err := m.UnmarshalJSON([]byte(js + "}")); err != nil {
		t.Fatal(err)
	}
	return &api.DataPage{Data: []api.DataMessage{m}}
}

// A device nobody looks at keeps its message packed; the readings pane
// still gets the whole message, and focusing the device decodes it once.
func TestUntrackedDevicesKeepTheirMessagePacked(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	f.SetDevices([]api.Device{dev("AAAAAAAA1", "x", "g", "m", "Hosted", now.Add(-time.Hour))}, now)
	d := f.Get("AAAAAAAA1")
	if d.HasMessage() || d.Message() != nil || !d.MessageTime().IsZero() {
		t.Fatal("a device never read has a message")
	}
	m := quadMessage(t, now.Add(-time.Minute), 45)
	f.SetData("AAAAAAAA1", &api.DataPage{Data: []api.DataMessage{m}}, now)
	if d.Latest != nil {
		t.Fatal("an untracked device keeps its message decoded")
	}
	got := d.Message()
	if got == nil || len(got.CAN1) != 40 || len(got.CAN2) != 16 || got.Events[0].Level != 45 {
		t.Fatalf("decoded on demand: %+v", got)
	}
	if v, _ := got.Number("vin"); v != 28.09 {
		t.Fatalf("vin %v", v)
	}
	if !d.MessageTime().Equal(now.Add(-time.Minute)) || !d.LastSeen().Equal(now.Add(-time.Minute)) {
		t.Fatalf("message time %v, last seen %v", d.MessageTime(), d.LastSeen())
	}
	if lv, ok := d.WorstLevel(); !ok || lv != 45 || d.Health(now) != HealthAlarm || d.Reason() != "mjs: CPU Threshold Exceeded" {
		t.Fatalf("facts: lv %d %v, %v, %q", lv, ok, d.Health(now), d.Reason())
	}
	f.Track("AAAAAAAA1")
	if d.Latest == nil || len(d.Latest.CAN1) != 40 {
		t.Fatal("a tracked device does not have its message decoded")
	}
	for i := range MaxTracked {
		f.Track("OTHER" + itoa(int64(1000+i)))
	}
	if d.Latest != nil || d.History != nil || !d.HasMessage() {
		t.Fatal("a device no longer tracked keeps its decoded message, or lost its packed one")
	}
}

// An older message arriving after a newer one does not replace it.
func TestLatestIsTheNewestMessage(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	f.SetDevices([]api.Device{dev("AAAAAAAA1", "x", "g", "m", "Hosted", now)}, now)
	f.SetData("AAAAAAAA1", eventPage(t, now, 45), now)
	f.SetData("AAAAAAAA1", eventPage(t, now.Add(-time.Hour), 10), now)
	if lv, _ := f.Get("AAAAAAAA1").WorstLevel(); lv != 45 {
		t.Fatalf("an older answer replaced the latest message (lv %d)", lv)
	}
}

// The first read of a focused device fills as many points as the caller's
// sparkline is wide, once a session: a device focused again after it left
// the tracked set is not backfilled a second time.
func TestBackfillIsSizedByTheCallerAndHappensOncePerSession(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	var list []api.Device
	for i := range MaxTracked + 1 {
		list = append(list, dev("DEV"+itoa(int64(100000+i)), "x", "g", "m", "Hosted", now))
	}
	f.SetDevices(list, now)
	id := list[0].DeviceID
	if q, back := f.DataQuery(id, 60); back || q.Limit != 1 {
		t.Fatalf("an untracked device is read with %+v (backfill %v), want its latest message", q, back)
	}
	f.Track(id)
	q, back := f.DataQuery(id, 60)
	if !back || q.Limit != 60 || !q.Start.IsZero() {
		t.Fatalf("first read of a focused device: %+v backfill %v, want the latest 60", q, back)
	}
	var page api.DataPage
	for ts := int64(2000); ts > 2000-60; ts-- {
		page.Data = append(page.Data, eventPage(t, time.Unix(ts, 0), -1).Data[0])
	}
	f.Backfill(id, &page, now)
	if q, back = f.DataQuery(id, 60); back || q.Start != time.Unix(2001, 0) || q.Limit != 60 {
		t.Fatalf("after the backfill: %+v backfill %v, want what is new since 2000", q, back)
	}
	if q, _ = f.DataQuery(id, 5000); q.Limit != api.MaxDataLimit {
		t.Fatalf("a width past the API's limit asks for %d", q.Limit)
	}
	for _, d := range list[1:] {
		f.Track(d.DeviceID)
	}
	if f.Tracked(id) {
		t.Fatal("still tracked")
	}
	f.Track(id)
	if q, back = f.DataQuery(id, 60); back || q.Limit != 1 {
		t.Fatalf("focused again: %+v backfill %v, want no second backfill", q, back)
	}
}

func TestDuplicateIDsAreKeptOnce(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	f.SetDevices([]api.Device{
		dev("AAAAAAAA1", "first", "g", "m", "Hosted", now),
		dev("BBBBBBBB2", "b", "g", "m", "Hosted", now),
		dev("AAAAAAAA1", "second", "g", "m", "Hosted", now),
	}, now)
	if f.Len() != 2 || f.Get("AAAAAAAA1").Name != "first" {
		t.Fatalf("%d devices, AAAAAAAA1 is %q", f.Len(), f.Get("AAAAAAAA1").Name)
	}
}
