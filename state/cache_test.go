package state

import (
	"bytes"
	"compress/gzip"
	"context"
	"log/slog"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sqc/api"
	"sqc/api/sim"
)

// cacheClock is a fake clock for the client against the simulator.
type cacheClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *cacheClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *cacheClock) wait(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return nil
}

func messageJSON(t *testing.T, d *Device) string {
	t.Helper()
	m := d.Message()
	if m == nil {
		return ""
	}
	b, err := m.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A console that quits and starts again without a network shows every
// device it read in the first session, with its readings and their age,
// and the focused device's history. Played against the simulator over
// loopback, the save running from another goroutine while answers fold.
func TestQuitAndStartOfflineShowsEverythingRead(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clock := &cacheClock{t: start}
	s := sim.New(sim.Options{Devices: 400, Key: "cache-key", Now: clock.now})
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, err := api.New(api.Options{BaseURL: srv.URL, Key: "cache-key", Now: clock.now, Wait: clock.wait})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// The first session: the list, then each readable device once, a
	// focused device backfilled, some devices read at other times.
	f := NewFleet()
	list, err := c.ListDevices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.SetDevices(list, clock.now())
	focus := ""
	read := 0
	for _, d := range f.All() {
		if !d.CanReadData() || d.Seen().IsZero() {
			continue
		}
		if focus == "" {
			focus = d.DeviceID
			f.Track(focus)
		}
		q, back := f.DataQuery(d.DeviceID, 40)
		page, err := c.GetData(ctx, d.DeviceID, q)
		if err != nil {
			t.Fatal(err)
		}
		clock.wait(ctx, 7*time.Second)
		if back {
			f.Backfill(d.DeviceID, page, clock.now())
		} else {
			f.SetData(d.DeviceID, page, clock.now())
		}
		if d.HasMessage() {
			read++
		}
	}
	if read <= 200 || f.Get(focus).History.Series("vin").Len() < 2 {
		t.Fatalf("the first session read %d devices; focus history %v", read, f.Get(focus).History.Keys())
	}
	path := filepath.Join(t.TempDir(), "state", "cache-x.json")
	snap := f.Snapshot(clock.now(), focus)
	saved := make(chan error)
	go func() { saved <- snap.Save(path) }()
	// The console goes on while the file is written.
	for _, d := range f.All()[:10] {
		f.SetData(d.DeviceID, eventPage(t, clock.now(), 45), clock.now().Add(time.Second))
		f.Track(d.DeviceID)
	}
	f.SetDevices(list[:50], clock.now())
	if err := <-saved; err != nil {
		t.Fatal(err)
	}

	// What the first session showed at the snapshot, device by device.
	g := NewFleet()
	restoredFocus, ok := g.RestoreCache(path, nil)
	if !ok || restoredFocus != focus {
		t.Fatalf("restored %v, focus %q want %q", ok, restoredFocus, focus)
	}
	if g.Len() != len(list) || !g.CachedAt.Equal(snap.savedAt) {
		t.Fatalf("%d devices cached at %v", g.Len(), g.CachedAt)
	}
	now := clock.now().Add(10 * time.Minute)
	withData := 0
	for i, sd := range snap.devices {
		d := g.All()[i]
		if d.DeviceID != sd.dev.DeviceID || d.Name != sd.dev.Name {
			t.Fatalf("device %d is %s, want %s", i, d.DeviceID, sd.dev.DeviceID)
		}
		if !d.FetchedAt.Equal(sd.fetched) {
			t.Errorf("%s: read at %v, want its own time %v", d.DeviceID, d.FetchedAt, sd.fetched)
		}
		if sd.msg.has() {
			withData++
			want, _ := unpack(sd.msg.packed, snap.keys)
			wb, _ := want.MarshalJSON()
			if got := messageJSON(t, d); got != string(wb) {
				t.Fatalf("%s: readings\n%s\nwant\n%s", d.DeviceID, got, wb)
			}
		}
	}
	if withData != read {
		t.Fatalf("%d devices came back with readings, the first session read %d", withData, read)
	}
	fd := g.Get(focus)
	if fd.Latest == nil || !g.Tracked(focus) {
		t.Fatal("the focused device is not tracked with its message decoded")
	}
	if len(snap.history) < 2 {
		t.Fatalf("the snapshot holds %d series of the focused device", len(snap.history))
	}
	for _, sh := range snap.history {
		got := fd.History.Series(sh.key).Points(nil)
		if len(got) != len(sh.pts) || len(got) < 2 || got[0] != sh.pts[0] || got[len(got)-1] != sh.pts[len(sh.pts)-1] {
			t.Fatalf("focus history of %s: %v, want %v", sh.key, got, sh.pts)
		}
	}
	if h := fd.Health(now); h == HealthUnknown {
		t.Fatalf("the focused device shows %v", h)
	}
	// The history restored is from the last session: this one still
	// backfills the device once.
	if _, back := g.DataQuery(focus, 40); !back {
		t.Fatal("the restored focus is not backfilled in the new session")
	}
}

// Values that cannot be right are dropped, each with a debug line; the
// rest of the cache is used.
func TestCacheDropsValuesOutOfRange(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	var list []api.Device
	for _, id := range []string{"AAAAAAAA1", "BBBBBBBB2", "CCCCCCCC3", "DDDDDDDD4", "EEEEEEEE5"} {
		list = append(list, dev(id, "n", "g", "m", "Hosted", now.Add(-time.Minute)))
	}
	f.SetDevices(list, now)
	f.Track("AAAAAAAA1")
	for i, d := range f.All() {
		f.SetData(d.DeviceID, eventPage(t, now.Add(-time.Duration(i+1)*time.Minute), 30), now)
	}
	f.SetData("AAAAAAAA1", eventPage(t, now.Add(time.Second), 30), now)
	s := f.Snapshot(now, "AAAAAAAA1")
	farFuture, huge, neg := 4e10, 1e300, -5
	s.devices[0].dev.LastSeen = &farFuture
	s.devices[1].dev.Remaining = &neg
	s.devices[2].fetched = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	s.devices[3].msg.ts = huge
	s.devices[4].msg.worst = 1 << 40
	s.history[0].pts = append(s.history[0].pts, Point{TS: float64(now.Unix() + 60), Value: math.Inf(1)})
	path := filepath.Join(t.TempDir(), "cache")
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	g := NewFleet()
	if _, ok := g.RestoreCache(path, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))); !ok {
		t.Fatal("a cache with a few bad values was thrown away whole")
	}
	if r := g.Get("BBBBBBBB2").Remaining; g.Get("AAAAAAAA1").Device.LastSeen != nil || (r != nil && *r != 0) {
		t.Error("a lastSeen in the year 3237 or a negative count was kept") // api clamps a count to 0..50 as it decodes
	}
	for _, id := range []string{"CCCCCCCC3", "DDDDDDDD4", "EEEEEEEE5"} {
		if d := g.Get(id); d.HasMessage() || !d.FetchedAt.IsZero() {
			t.Errorf("%s: a message with an absurd time or level was kept", id)
		}
	}
	if !g.Get("AAAAAAAA1").HasMessage() || g.Get("AAAAAAAA1").History.Series("vin").Len() != 2 {
		t.Error("good values were dropped with the bad")
	}
	for _, field := range []string{"lastSeen", "fetchedAt", "ts", "lv", "history vin"} {
		if !strings.Contains(logs.String(), "field=\""+field+"\"") && !strings.Contains(logs.String(), "field="+field+" ") {
			t.Errorf("no debug line for %s in:\n%s", field, logs.String())
		}
	}
}

// A damaged file is ignored as a whole: the console starts empty rather
// than with garbage.
func TestDamagedCacheIsIgnored(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFleet()
	var list []api.Device
	for i := range 300 {
		list = append(list, dev("DEV"+itoa(int64(100000+i)), "n", "g", "m", "Hosted", now))
	}
	f.SetDevices(list, now)
	for _, d := range f.All() {
		f.SetData(d.DeviceID, &api.DataPage{Data: []api.DataMessage{quadMessage(t, now, 30)}}, now)
	}
	var good bytes.Buffer
	if err := f.Snapshot(now, "").encode(&good); err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(good.Bytes())
	flipped[len(flipped)/2] ^= 0x40
	var wrongMagic bytes.Buffer
	zw := gzip.NewWriter(&wrongMagic)
	zw.Write([]byte("not a cache\n"))
	zw.Close()
	var hugeCount bytes.Buffer
	zw = gzip.NewWriter(&hugeCount)
	zw.Write([]byte(cacheMagic + "\x02\x00\x00\x00\xff\xff\xff\xff\x0f"))
	zw.Close()
	dir := t.TempDir()
	for name, b := range map[string][]byte{
		"truncated":   good.Bytes()[:good.Len()*2/3],
		"flipped bit": flipped,
		"empty":       nil,
		"garbage":     []byte("\x1f\x8b garbage"),
		"wrong magic": wrongMagic.Bytes(),
		"huge count":  hugeCount.Bytes(),
		"bad JSON":    []byte(`{"savedAt": "yesterday"`),
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		os.WriteFile(path, b, 0o600)
		var logs bytes.Buffer
		g := NewFleet()
		if _, ok := g.RestoreCache(path, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))); ok || g.Len() != 0 {
			t.Errorf("%s: restored %d devices", name, g.Len())
		}
		if !strings.Contains(logs.String(), "offline cache ignored") {
			t.Errorf("%s: no debug line says why", name)
		}
	}
	if _, ok := NewFleet().RestoreCache(filepath.Join(dir, "absent"), nil); ok {
		t.Error("no file, yet restored")
	}
}

// Callers written before Snapshot (EncodeCache, SaveCache, LoadCache) and
// caches written by earlier versions (JSON) still work.
// A cache written in the first JSON format is still read once.
func TestCacheOfTheEarlierFormatIsRead(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	path := CachePath(t.TempDir(), "FP")
	legacy := `{"savedAt":"2026-11-25T11:00:00Z","devices":[{"deviceid":"AAAAAAAA1","name":"Pump","plan":"Hosted","lastSeen":` +
		itoa(now.Add(-time.Hour).Unix()) + `}],"latest":{"AAAAAAAA1":{"ts":` + itoa(now.Add(-time.Hour).Unix()) +
		`,"vin":24.5,"events":[{"topic":"t","msg":"m","lv":40}]}}}`
	os.WriteFile(path, []byte(legacy), 0o600)
	h := NewFleet()
	if _, ok := h.RestoreCache(path, nil); !ok || h.Get("AAAAAAAA1").Name != "Pump" {
		t.Fatal("a cache of the earlier JSON format is not read")
	}
	if v, _ := h.Get("AAAAAAAA1").Message().Number("vin"); v != 24.5 || !h.Get("AAAAAAAA1").FetchedAt.Equal(now.Add(-time.Hour)) {
		t.Fatalf("legacy readings: vin %v read at %v", v, h.Get("AAAAAAAA1").FetchedAt)
	}
}
