package pane

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"sqc/api"
	"sqc/ui/chart"
	"sqc/ui/look"
)

// histNow is the tests' clock: the grid's last message is at it.
var histNow = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

// histGrid is a server of the contract that is not our simulator: one
// device reporting every `every` up to histNow, answering Get Device Data
// by start/end/limit, newest first, with nothing in the hole.
type histGrid struct {
	every    time.Duration
	hole     [2]time.Time
	requests atomic.Int64
	// hostile ignores start and end, sends every page twice over, out of
	// order, with a message from the future, one without a time and vin
	// as text in every tenth
	hostile bool
}

// vin is the grid's value at t: a ramp up to noon of the day before
// histNow, then down (its maximum there).
func (g *histGrid) vin(t time.Time) float64 {
	peak := histNow.Add(-12 * time.Hour)
	return 24 - math.Abs(t.Sub(peak).Hours())
}

func (g *histGrid) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.requests.Add(1)
	q := r.URL.Query()
	start, _ := strconv.ParseInt(q.Get("start"), 10, 64)
	end, _ := strconv.ParseInt(q.Get("end"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	var msgs []map[string]any
	if g.hostile {
		start, end = 0, histNow.Add(time.Hour).Unix()
	}
	for t := histNow; !t.Before(time.Unix(start, 0)) && len(msgs) < limit; t = t.Add(-g.every) {
		if t.After(time.Unix(end, 0)) || !t.Before(g.hole[0]) && t.Before(g.hole[1]) {
			continue
		}
		m := map[string]any{"ts": float64(t.Unix()), "vin": g.vin(t), "ambient": 20.5, "mode": "run\x1b[2J"}
		if g.hostile && t.Unix()/int64(g.every.Seconds())%10 == 0 {
			m["vin"] = "n/a"
		}
		if t.Equal(histNow.Add(-6 * time.Hour)) {
			m["events"] = []map[string]any{{"topic": "vin", "msg": "supply low", "lv": 40}}
		}
		msgs = append(msgs, m)
	}
	if g.hostile && len(msgs) > 2 {
		msgs[0], msgs[len(msgs)-1] = msgs[len(msgs)-1], msgs[0]
		msgs = append(msgs[:len(msgs)-2], map[string]any{"ts": float64(histNow.Add(time.Hour).Unix()), "vin": 99}, map[string]any{"vin": 98})
		msgs = append(msgs, msgs[:len(msgs)/2]...)
	}
	json.NewEncoder(w).Encode(map[string]any{"deviceid": "GRID00001", "data": msgs})
}

// histRig is a history pane on a grid server with a database of its own.
type histRig struct {
	sh  *Shared
	con *histConsole
	g   *histGrid
}

type histConsole struct {
	fakeConsole
	asked []*look.Prompt
}

func (c *histConsole) Ask(q *look.Prompt) { c.asked = append(c.asked, q) }

func newHistRig(t *testing.T, every time.Duration) *histRig {
	t.Helper()
	g := &histGrid{every: every}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	c, err := api.New(api.Options{BaseURL: srv.URL, Key: "k", RatePerSecond: 100000})
	if err != nil {
		t.Fatal(err)
	}
	sh := newTestShared()
	sh.Now = func() time.Time { return histNow }
	sh.Client, sh.StateDir, sh.KeyFP = c, t.TempDir(), "fp"
	sh.OpenDB("test", nil)
	if sh.DBErr != nil {
		t.Fatal(sh.DBErr)
	}
	t.Cleanup(sh.CloseDBs)
	return &histRig{sh: sh, con: &histConsole{}, g: g}
}

func (r *histRig) pane(w, h int) *HistoryPane {
	p := NewHistoryPane(context.Background(), r.sh, r.con, nil)
	p.SetSize(w, h)
	return p
}

// run runs a command and every answer's follow-up, as the console would.
func run(p *HistoryPane, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			run(p, c)
		}
	case Msg:
		if msg.To == PaneHistory {
			run(p, p.Update(msg.Msg))
		}
	}
}

var gridDevice = api.Device{DeviceID: "GRID00001", Plan: api.PlanHosted, Model: "QUAD-C2"}

// A day of a device reporting every 20 s (4,321 messages) costs five
// pages the first time, and nothing when the pane opens on it again.
func TestHistoryFetchesADayOnceThenReadsItFromTheDatabase(t *testing.T) {
	r := newHistRig(t, 20*time.Second)
	p := r.pane(120, 40)
	run(p, p.Show(gridDevice))
	if n := r.g.requests.Load(); n != 5 {
		t.Fatalf("the first 24 h cost %d requests, want 5", n)
	}
	if p.set.Len() != 4321 {
		t.Fatalf("%d messages shown, want 4321", p.set.Len())
	}
	again := r.pane(120, 40)
	run(again, again.Show(gridDevice))
	if n := r.g.requests.Load(); n != 5 {
		t.Fatalf("reopening the same 24 h cost %d more requests, want none", n-5)
	}
	if again.set.Len() != 4321 || !strings.Contains(again.note, "nothing fetched") {
		t.Fatalf("reopened: %d messages, note %q; want 4321 from the database", again.set.Len(), again.note)
	}
}

// plotDots reads the braille cells of the first field's plot back from the
// pane's screen: per cell column, the highest dot row set (-1: none).
func plotDots(t *testing.T, p *HistoryPane) []int {
	t.Helper()
	lines := strings.Split(ansi.Strip(p.View()), "\n")
	lay := p.drawCache.chart.Layout
	plotH, _ := p.rows(len(p.shown()))
	var top []int
	for i, l := range lines {
		if !strings.HasPrefix(l, p.shown()[0].Key+" ") {
			continue
		}
		top = make([]int, lay.Width)
		for x := range top {
			top[x] = -1
		}
		for y := range plotH {
			row := []rune(lines[i+1+y])
			for x := range lay.Width {
				if lay.Left+x >= len(row) {
					break
				}
				c := row[lay.Left+x]
				if c > 0x2800 && c <= 0x28ff && top[x] < 0 {
					top[x] = y
				}
			}
		}
		return top
	}
	t.Fatalf("no plot of %s on screen:\n%s", p.shown()[0].Key, strings.Join(lines, "\n"))
	return nil
}

// The chart has the data's shape: its highest cells are where the data
// peaks, and a stretch where the device sent nothing is left empty.
func TestHistoryChartShowsTheShapeAndTheGap(t *testing.T) {
	r := newHistRig(t, 20*time.Second)
	r.g.hole = [2]time.Time{histNow.Add(-20 * time.Hour), histNow.Add(-17 * time.Hour)}
	p := r.pane(120, 40)
	run(p, p.Show(gridDevice))
	if p.shown()[0].Key != "vin" && p.shown()[0].Key != "ambient" {
		t.Fatalf("fields shown: %v", p.shown())
	}
	p.chosen[gridDevice.Model] = []string{"vin"}
	p.drawCache = nil
	top := plotDots(t, p)
	lay := p.drawCache.chart.Layout
	peak, _ := lay.Col(histNow.Add(-12 * time.Hour))
	for x, y := range top {
		if y == 0 && abs(lay.Left+x-peak) > 2 {
			t.Errorf("column %d reaches the top; the data peaks at column %d", lay.Left+x, peak)
		}
	}
	if top[peak-lay.Left] != 0 {
		t.Errorf("the peak's column %d does not reach the top (its highest row is %d)", peak, top[peak-lay.Left])
	}
	from, _ := lay.Col(histNow.Add(-20*time.Hour + 15*time.Minute))
	to, _ := lay.Col(histNow.Add(-17*time.Hour - 15*time.Minute))
	for col := from; col <= to; col++ {
		if top[col-lay.Left] >= 0 {
			t.Fatalf("column %d, inside the 3 h without messages, has dots: the gap was joined", col)
		}
	}
}

func abs(x int) int { return max(x, -x) }

// The cursor's line gives the time and values of the message nearest it.
func TestHistoryCursorShowsTheMessageAtItsTime(t *testing.T) {
	r := newHistRig(t, 20*time.Second)
	p := r.pane(80, 22)
	run(p, p.Show(gridDevice))
	for range 17 {
		p.Key(tea.KeyPressMsg{Code: tea.KeyLeft})
	}
	at, fields := p.CursorValues()
	if d := p.cursor.Sub(at); d > 10*time.Second || d < -10*time.Second {
		t.Fatalf("cursor at %s shows the message of %s", p.cursor, at)
	}
	var vin float64
	for _, f := range fields {
		if f.Key == "vin" {
			vin = f.Num
		}
	}
	if vin != r.g.vin(at) {
		t.Fatalf("vin at %s shown as %v, the server sent %v", at, vin, r.g.vin(at))
	}
	screen := ansi.Strip(p.View())
	want := at.In(time.Local).Format("15:04:05") + " · "
	if !strings.Contains(screen, want) || !strings.Contains(screen, "vin "+chart.Number(r.g.vin(at))+" V") {
		t.Fatalf("the values line does not show %q:\n%s", want, screen)
	}
	// a text field is listed, not plotted, and its escape is made inert
	if !strings.Contains(screen, `mode "run`) || strings.Contains(p.View(), "\x1b[2J") {
		t.Fatalf("the text field is not listed (or not cleaned):\n%s", screen)
	}
	for _, h := range []int{22, 12, 6} {
		p.SetSize(80, h)
		if lines := strings.Split(ansi.Strip(p.View()), "\n"); len(lines) > h {
			t.Fatalf("%d lines in a %d-line pane", len(lines), h)
		}
	}
}

// esc between pages stops the fetch; what came is kept, in the database too.
func TestHistoryEscStopsBetweenPagesAndKeepsWhatCame(t *testing.T) {
	r := newHistRig(t, 20*time.Second)
	p := r.pane(120, 40)
	loaded := p.Show(gridDevice)().(Msg)
	page := p.Update(loaded.Msg)()
	p.Key(tea.KeyPressMsg{Code: tea.KeyEscape})
	run(p, p.Update(page.(Msg).Msg))
	if n := r.g.requests.Load(); n != 1 {
		t.Fatalf("%d requests after esc, want the one under way", n)
	}
	if p.set.Len() != 1000 || !strings.Contains(p.note, "stopped") {
		t.Fatalf("%d messages kept, note %q; want the first page's 1000", p.set.Len(), p.note)
	}
	again := r.pane(120, 40)
	loaded = again.Show(gridDevice)().(Msg)
	again.Update(loaded.Msg) // the rest would be fetched by the command this returns
	if again.set.Len() != 1000 {
		t.Fatalf("the database kept %d of the page's messages, want 1000", again.set.Len())
	}
}

// A device whose plan cannot read data costs nothing and says why.
func TestHistoryOfADeviceThatCannotReadDataSpendsNothing(t *testing.T) {
	r := newHistRig(t, 20*time.Second)
	p := r.pane(80, 22)
	run(p, p.Show(api.Device{DeviceID: "GRID00001", Plan: "Connect", Model: "QUAD-C2"}))
	if n := r.g.requests.Load(); n != 0 {
		t.Fatalf("%d requests for a Connect device, want none", n)
	}
	if s := ansi.Strip(p.View()); !strings.Contains(s, "Connect plan cannot read data") {
		t.Fatalf("the pane does not say why nothing was fetched:\n%s", s)
	}
}

// A fetch of more than a few requests is asked first, with its cost; no
// request goes until the answer is yes.
func TestHistoryAsksBeforeAFetchOfManyRequests(t *testing.T) {
	r := newHistRig(t, 30*time.Second)
	p := r.pane(80, 22)
	run(p, p.Show(gridDevice)) // 24 h: 3 requests at the minute assumed
	before := r.g.requests.Load()
	_, cmd := p.Key(tea.KeyPressMsg{Code: '4', Text: "4"}) // 7 d at 30 s
	run(p, cmd)
	if len(r.con.asked) != 1 || r.g.requests.Load() != before {
		t.Fatalf("asked %d times, %d requests sent before an answer", len(r.con.asked), r.g.requests.Load()-before)
	}
	q := r.con.asked[0]
	if body := ansi.Strip(q.View(&r.sh.Common, 80, 22)); !strings.Contains(body, "about 18 requests") {
		t.Fatalf("the question does not say the cost:\n%s", body)
	}
	_, cmd = q.Key(&r.sh.Common, tea.KeyPressMsg{Code: 'y', Text: "y"})
	run(p, cmd)
	if n := r.g.requests.Load() - before; n < 18 || n > 20 {
		t.Fatalf("the week cost %d requests", n)
	}
	if p.set.Len() != 7*24*120+1 {
		t.Fatalf("%d messages, want a week every 30 s", p.set.Len())
	}
}

// T writes the device's ticket as a new file in the exports folder: the
// device, its readings, the range's events and its config, never the key
// or a setup password; a second in the same second does not overwrite it.
func TestHistoryTicketHasTheDeviceAndNotTheKey(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	const secretKey, setupPassword = "sq-live-KEY-7f3a9c", "hunter2-setup"
	r := newHistRig(t, 20*time.Second)
	c, err := api.New(api.Options{BaseURL: r.sh.Client.BaseURL(), Key: secretKey, RatePerSecond: 100000})
	if err != nil {
		t.Fatal(err)
	}
	r.sh.Client = c
	dev := gridDevice
	dev.Name = "Pump 3"
	r.sh.Fleet.SetDevices([]api.Device{dev}, histNow)
	var page api.DataPage
	if err := json.Unmarshal([]byte(`{"deviceid":"GRID00001","data":[{"ts":1764936000,"vin":12.25,"ambient":20.5}]}`), &page); err != nil {
		t.Fatal(err)
	}
	r.sh.Fleet.SetData(dev.DeviceID, &page, histNow)
	cfg := NewConfigPane(context.Background(), r.sh, r.con, "acme", time.Second)
	cfg.dev, cfg.cfg = dev, api.Config{"interval": json.Number("20"), "wifi": map[string]any{"password": setupPassword}}
	p := NewHistoryPane(context.Background(), r.sh, r.con, cfg)
	p.SetSize(100, 30)
	run(p, p.Show(dev))
	_, cmd := p.Key(tea.KeyPressMsg{Code: 'T', Text: "T"})
	run(p, cmd)
	if p.ticketPath == "" {
		t.Fatalf("no ticket written: %q", r.con.toasts)
	}
	b, err := os.ReadFile(p.ticketPath)
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	for _, want := range []string{"GRID00001", "Pump 3", "12.25", "supply low", "interval", "vin"} {
		if !strings.Contains(md, want) {
			t.Errorf("the ticket does not say %q", want)
		}
	}
	for _, never := range []string{secretKey, setupPassword} {
		if strings.Contains(md, never) {
			t.Errorf("the ticket holds %q", never)
		}
	}
	if !strings.HasPrefix(p.ticketPath, os.Getenv("XDG_DATA_HOME")) || !strings.Contains(r.con.toasts[len(r.con.toasts)-1], "ticket written to") {
		t.Fatalf("written to %s, told %q", p.ticketPath, r.con.toasts)
	}
	first := p.ticketPath
	_, cmd = p.Key(tea.KeyPressMsg{Code: 'T', Text: "T"})
	run(p, cmd)
	if last := r.con.toasts[len(r.con.toasts)-1]; !strings.Contains(last, "exists") || p.ticketPath != first {
		t.Fatalf("a second ticket in the same second: told %q", last)
	}
	if again, _ := os.ReadFile(first); string(again) != md {
		t.Fatal("the first ticket was overwritten")
	}
	if done, cmd := p.Key(tea.KeyPressMsg{Code: 'y', Text: "y"}); !done || cmd == nil {
		t.Fatal("y does not copy the ticket's path")
	}
}

// A server that ignores the range, repeats itself, sends messages out of
// order, from the future, without a time, and a number as text: the fetch
// is bounded and what is drawn is only what came, once each.
func TestHistoryAgainstAHostileServerIsBoundedAndTrue(t *testing.T) {
	r := newHistRig(t, 20*time.Second)
	r.g.hostile = true
	p := r.pane(80, 22)
	run(p, p.Show(gridDevice))
	if n := r.g.requests.Load(); n > 6 {
		t.Fatalf("%d requests for a day the server will not page", n)
	}
	for i := range p.set.Len() {
		at := p.set.Time(i)
		if at.After(histNow) || at.Before(histNow.Add(-24*time.Hour)) || i > 0 && !at.After(p.set.Time(i-1)) {
			t.Fatalf("message %d at %s: outside the range, or not after the one before", i, at)
		}
	}
	for _, f := range p.set.fields {
		for _, pt := range f.pts {
			at := time.UnixMilli(pt.ms)
			if f.Key == "vin" && pt.v != r.g.vin(at) {
				t.Fatalf("vin at %s drawn as %v, sent %v", at, pt.v, r.g.vin(at))
			}
		}
	}
	if s := ansi.Strip(p.View()); !strings.Contains(s, "vin") {
		t.Fatalf("nothing drawn:\n%s", s)
	}
}
