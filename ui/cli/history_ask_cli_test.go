package cli

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// weekServer is the grid over a week, with the account's device list read
// first from the simulator, so that today's budget is known.
func weekServer(t *testing.T) (*historyGrid, []string) {
	t.Helper()
	_, sim := setup(t)
	t.Setenv("SENQUIP_API_URL", sim.URL)
	if code, _, stderr := sqc(t, "devices"); code != 0 {
		t.Fatalf("devices: exit %d: %s", code, stderr)
	}
	g := &historyGrid{until: time.Date(2026, 12, 1, 12, 0, 0, 0, time.Local)}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	t.Setenv("SENQUIP_API_URL", srv.URL)
	f := "2006-01-02 15:04"
	return g, []string{"history", "GRID00001", "--since", g.until.Add(-7 * 24 * time.Hour).Format(f), "--until", g.until.Format(f)}
}

// A week costs more than 3 requests: at a terminal it is asked first,
// with the cost and its share of today's budget, and only y fetches;
// enter prints what is stored and fetches nothing.
func TestHistoryAsksAtATerminalBeforeALargeFetch(t *testing.T) {
	g, args := weekServer(t)
	code, out, stderr := sqcAt(t, "\n", args...)
	if code != 0 || g.requests.Load() != 0 {
		t.Fatalf("enter: exit %d, %d requests: %s", code, g.requests.Load(), stderr)
	}
	for _, want := range []string{"about 11 requests", "% of the ", " left today", "Fetch? [y/N]", "not fetched"} {
		if !strings.Contains(stderr, want) {
			t.Fatalf("the question does not say %q:\n%s", want, stderr)
		}
	}
	if out != "time\n" {
		t.Fatalf("enter printed %q, want the stored (nothing)", out)
	}
	code, out, stderr = sqcAt(t, "y\n", args...)
	if code != 0 || g.requests.Load() < 30 || strings.Count(out, "\n") != 7*24*180+2 {
		t.Fatalf("y: exit %d, %d requests, %d lines: %s", code, g.requests.Load(), strings.Count(out, "\n"), stderr)
	}
	before := g.requests.Load()
	if code, _, stderr = sqcAt(t, "", args...); code != 0 || g.requests.Load() != before || strings.Contains(stderr, "[y/N]") {
		t.Fatalf("the week stored: exit %d, %d requests, asked: %s", code, g.requests.Load()-before, stderr)
	}
}

// With no one at a terminal a large fetch is refused, naming --yes;
// --yes fetches without asking; --offline never asks.
func TestHistoryRefusesALargeFetchWithNoOneToAsk(t *testing.T) {
	g, args := weekServer(t)
	code, _, stderr := sqc(t, args...)
	if code == 0 || g.requests.Load() != 0 || !strings.Contains(stderr, "--yes") || !strings.Contains(stderr, "about 11 requests") {
		t.Fatalf("no terminal: exit %d, %d requests: %s", code, g.requests.Load(), stderr)
	}
	code, _, stderr = sqc(t, append(args, "--offline")...)
	if code != 0 || g.requests.Load() != 0 || strings.Contains(stderr, "[y/N]") {
		t.Fatalf("--offline: exit %d, %d requests: %s", code, g.requests.Load(), stderr)
	}
	code, out, stderr := sqc(t, append(args, "--yes")...)
	if code != 0 || g.requests.Load() < 30 || strings.Contains(stderr, "[y/N]") || strings.Count(out, "\n") != 7*24*180+2 {
		t.Fatalf("--yes: exit %d, %d requests, %d lines: %s", code, g.requests.Load(), strings.Count(out, "\n"), stderr)
	}
}
