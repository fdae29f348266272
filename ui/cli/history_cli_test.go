package cli

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// historyGrid is a server of the contract that is not our simulator: one
// device reporting every 20 s up to until, answering Get Device Data by
// start/end/limit, newest first.
type historyGrid struct {
	until    time.Time
	requests atomic.Int64
}

func (g *historyGrid) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.requests.Add(1)
	q := r.URL.Query()
	start, _ := strconv.ParseInt(q.Get("start"), 10, 64)
	end, _ := strconv.ParseInt(q.Get("end"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	var msgs []map[string]any
	for t := g.until; !t.Before(time.Unix(start, 0)) && len(msgs) < limit; t = t.Add(-20 * time.Second) {
		if t.After(time.Unix(end, 0)) {
			continue
		}
		msgs = append(msgs, map[string]any{"ts": float64(t.Unix()), "vin": 12 + float64(t.Unix()%3600)/1000, "state": "run"})
	}
	json.NewEncoder(w).Encode(map[string]any{"deviceid": "GRID00001", "data": msgs})
}

func historyServer(t *testing.T) (*historyGrid, []string) {
	t.Helper()
	setup(t)
	g := &historyGrid{until: time.Date(2026, 12, 1, 12, 0, 0, 0, time.Local)}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	t.Setenv("SENQUIP_API_URL", srv.URL)
	f := "2006-01-02 15:04"
	return g, []string{"--since", g.until.Add(-24 * time.Hour).Format(f), "--until", g.until.Format(f)}
}

// sqc history --csv writes a row per message with its RFC 3339 time; the
// range costs five requests the first time and none the second.
func TestHistoryCSVOneRowPerMessageFetchedOnce(t *testing.T) {
	g, rng := historyServer(t)
	code, out, stderr := sqc(t, append([]string{"history", "grid00001", "--csv"}, rng...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := g.requests.Load(); n != 5 {
		t.Fatalf("the first day cost %d requests, want 5", n)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 4321+1 || strings.Join(rows[0], ",") != "time,state,vin" {
		t.Fatalf("%d rows (err %v), head %v; want a header and 4321", len(rows), err, rows[0])
	}
	prev := time.Time{}
	for _, r := range rows[1:] {
		ts, err := time.Parse(time.RFC3339, r[0])
		if err != nil || !ts.After(prev) {
			t.Fatalf("row %v: time not RFC 3339 or not after the last (%v)", r, err)
		}
		want := 12 + float64(ts.Unix()%3600)/1000
		if v, _ := strconv.ParseFloat(r[2], 64); v != want || r[1] != "run" {
			t.Fatalf("row %v: want vin %v, state run", r, want)
		}
		prev = ts
	}
	code, again, _ := sqc(t, append([]string{"history", "GRID00001", "--csv"}, rng...)...)
	if code != 0 || g.requests.Load() != 5 || again != out {
		t.Fatalf("asked again: exit %d, %d more requests, same output %v", code, g.requests.Load()-5, again == out)
	}
	code, offline, _ := sqc(t, append([]string{"history", "GRID00001", "--offline"}, rng...)...)
	if code != 0 || g.requests.Load() != 5 || offline != out {
		t.Fatalf("--offline: exit %d, %d more requests, same output %v", code, g.requests.Load()-5, offline == out)
	}
}

// --plot draws the chart in 80 columns when stdout is not a terminal.
func TestHistoryPlotFitsEightyColumns(t *testing.T) {
	_, rng := historyServer(t)
	code, out, stderr := sqc(t, append([]string{"history", "GRID00001", "--plot", "--field", "vin"}, rng...)...)
	if code != 0 || !strings.HasPrefix(out, "vin (V)") || !strings.ContainsFunc(out, func(r rune) bool { return r > 0x2800 && r <= 0x28ff }) {
		t.Fatalf("exit %d %s\n%s", code, stderr, out)
	}
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if n := utf8.RuneCountInString(l); n > 80 {
			t.Fatalf("a line of %d columns: %q", n, l)
		}
	}
	if code, _, stderr := sqc(t, "history", "GRID00001", "--since", "banana"); code != 2 || !strings.Contains(stderr, "try 24h") {
		t.Fatalf("a bad range: exit %d, %q", code, stderr)
	}
}

// sqc ticket writes what sqc history stored, with no request, into a new
// file: the device and its readings, never the key; never over a file.
func TestTicketFromWhatIsStored(t *testing.T) {
	g, rng := historyServer(t)
	t.Chdir(t.TempDir())
	if code, _, stderr := sqc(t, "ticket", "GRID00001"); code != 1 || !strings.Contains(stderr, "nothing is recorded yet") {
		t.Fatalf("no database: exit %d %q", code, stderr)
	}
	if code, _, stderr := sqc(t, append([]string{"history", "GRID00001"}, rng...)...); code != 0 {
		t.Fatalf("history: exit %d %s", code, stderr)
	}
	before := g.requests.Load()
	code, out, stderr := sqc(t, append([]string{"ticket", "GRID00001", "-o", "t.md"}, rng...)...)
	if code != 0 || g.requests.Load() != before || !strings.HasSuffix(strings.TrimSpace(out), "t.md") {
		t.Fatalf("exit %d, %d requests, out %q %s", code, g.requests.Load()-before, out, stderr)
	}
	b, err := os.ReadFile("t.md")
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	for _, want := range []string{"GRID00001", "vin", "run"} {
		if !strings.Contains(md, want) {
			t.Errorf("the ticket does not say %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, testKey) {
		t.Fatal("the ticket holds the key")
	}
	if code, _, stderr := sqc(t, append([]string{"ticket", "GRID00001", "-o", "t.md"}, rng...)...); code != 1 || !strings.Contains(stderr, "exists") {
		t.Fatalf("over an existing file: exit %d %q", code, stderr)
	}
	if again, _ := os.ReadFile("t.md"); string(again) != md {
		t.Fatal("the ticket was overwritten")
	}
}
