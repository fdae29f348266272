package pane

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"sqc/api"
	"sqc/state"
)

// engineReads stands in for the engine reading the device: the messages
// go to the fleet (the latest) and to the database, as the engine keeps
// them.
func engineReads(t *testing.T, r *histRig, at time.Time, vins ...float64) {
	t.Helper()
	var msgs []string
	for i, v := range vins {
		ts := at.Add(time.Duration(i-len(vins)+1) * 20 * time.Second)
		msgs = append(msgs, fmt.Sprintf(`{"ts":%d,"vin":%v,"ambient":20.5,"events":[{"topic":"vin","msg":"came live %d","lv":40}]}`, ts.Unix(), v, i))
	}
	var page api.DataPage
	if err := json.Unmarshal([]byte(`{"deviceid":"GRID00001","data":[`+strings.Join(msgs, ",")+`]}`), &page); err != nil {
		t.Fatal(err)
	}
	r.sh.Fleet.SetData(gridDevice.DeviceID, &page, at)
	if err := state.KeepFetched(t.Context(), r.sh.Store(), gridDevice.DeviceID, page.Data, nil, at); err != nil {
		t.Fatal(err)
	}
}

// On a range that ends at now, the messages the engine reads while the
// pane is open join the chart with no request, and the range's end moves
// with the clock; a typed range with a fixed end stays as it was.
func TestHistoryTakesInLiveMessagesOnARangeEndingNow(t *testing.T) {
	r := newHistRig(t, 20*time.Second)
	now := histNow
	r.sh.Now = func() time.Time { return now }
	r.sh.Fleet.SetDevices([]api.Device{gridDevice}, now)
	r.sh.Fleet.Track(gridDevice.DeviceID)
	p := r.pane(100, 30)
	run(p, p.Show(gridDevice))
	_, cmd := p.Key(keyPress('1')) // the last hour
	run(p, cmd)
	requests, n := r.g.requests.Load(), p.set.Len()

	now = histNow.Add(time.Minute)
	engineReads(t, r, now, 30, 31, 32) // one read, three new messages
	run(p, p.Arrived(gridDevice.DeviceID))
	if r.g.requests.Load() != requests {
		t.Fatalf("%d requests for messages the engine had read", r.g.requests.Load()-requests)
	}
	if !p.span.To.Equal(now) || !p.window.To.Equal(now) || !p.cursor.Equal(now) {
		t.Fatalf("range to %s, window to %s, cursor %s; want all at %s", p.span.To, p.window.To, p.cursor, now)
	}
	// the hour moved on a minute: three messages left it, three came
	if p.set.Len() != n || p.set.Time(0).Before(p.span.From) || !p.set.Time(p.set.Len()-4).Equal(histNow) {
		t.Fatalf("%d messages from %s, want %d from %s ending with the three read", p.set.Len(), p.set.Time(0), n, p.span.From)
	}
	for i, want := range []time.Duration{20 * time.Second, 40 * time.Second, time.Minute} {
		if got := p.set.Time(p.set.Len() - 3 + i); !got.Equal(histNow.Add(want)) {
			t.Fatalf("message %d from the end is at %s, want %s", 3-i, got, histNow.Add(want))
		}
	}
	at, fields := p.CursorValues()
	if !at.Equal(now) || len(fields) == 0 || fields[0].Key != "vin" || fields[0].Num != 32 {
		t.Fatalf("the cursor shows %s %v, want the new message of %s with vin 32", at, fields, now)
	}
	screen := ansi.Strip(p.View())
	if !strings.Contains(screen, "max 32") || !strings.Contains(screen, "came live 2") {
		t.Fatalf("the new messages are not in the chart or the events:\n%s", screen)
	}
	top := plotDots(t, p)
	if top[len(top)-1] != 0 {
		t.Fatalf("the last column's highest dot is in row %d: the new maximum is not drawn at the end", top[len(top)-1])
	}

	// the clock moves the range's end, a column at a time
	now = now.Add(10 * time.Minute)
	p.Tick()
	if !p.span.To.Equal(now) || p.span.Dur() != time.Hour {
		t.Fatalf("after 10 minutes the range is %s", p.span)
	}

	// a fixed range does not move, nor take what comes
	p.rangeName = "10:00..11:00"
	span, _ := state.ParseRange(p.rangeName, now, time.Local)
	run(p, p.load(span))
	n = p.set.Len()
	now = now.Add(time.Minute)
	engineReads(t, r, now, 40)
	run(p, p.Arrived(gridDevice.DeviceID))
	p.Tick()
	if p.span != span || p.set.Len() != n {
		t.Fatalf("a fixed range moved to %s or took %d messages", p.span, p.set.Len()-n)
	}
}

func keyPress(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Text: string(r)} }
