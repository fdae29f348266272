package pane

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"sqc/api"
	"sqc/state"
	"sqc/state/live"
)

// inboxWith is an inbox pane on an engine that never reads, whose inbox
// holds n devices entering alarm within a few seconds (a burst), plus one
// device that went stale an hour before.
func inboxWith(tb testing.TB, n int) (*InboxPane, *live.Engine, time.Time) {
	tb.Helper()
	c, err := api.New(api.Options{BaseURL: "http://127.0.0.1:1", Key: "k"})
	if err != nil {
		tb.Fatal(err)
	}
	ledger, _ := state.NewLedger("", "", time.Now(), nil)
	e, err := live.New(live.Config{Client: c, Ledger: ledger, Held: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Close() })
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	ts := []state.Transition{{At: now.Add(-time.Hour), Device: "STALE0001", Name: "Tank", From: state.HealthOK, To: state.HealthStale}}
	for i := range n {
		ts = append(ts, state.Transition{At: now.Add(time.Duration(i) * time.Millisecond), Device: fmt.Sprintf("D%08d", i), Name: "Pump", From: state.HealthOK, To: state.HealthAlarm, Text: "ambient: High"})
	}
	e.Inbox().Add(ts)
	sh := newTestShared()
	sh.Eng = e
	p := NewInboxPane(sh, &fakeConsole{}, nil, "ana")
	p.SetSize(100, 30)
	return p, e, now
}

func keyOf(s string) tea.KeyPressMsg {
	switch s {
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	}
	return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
}

// 10,000 devices entering alarm at once are one row until opened; the
// unread count says all of them; x on the fold acknowledges the burst.
func TestInboxFoldsABurst(t *testing.T) {
	p, e, _ := inboxWith(t, 10_000)
	v := ansi.Strip(p.View())
	if !strings.Contains(v, "Inbox · 10001 unread") || !strings.Contains(v, "10000 devices entered alarm") || p.Rows() != 2 {
		t.Fatalf("%d rows:\n%s", p.Rows(), v)
	}
	p.Key(keyOf("space"))
	if p.Rows() != 10_002 {
		t.Fatalf("the fold opened into %d rows", p.Rows())
	}
	p.Key(keyOf("space"))
	p.Key(keyOf("x"))
	if n := e.Inbox().Unread(); n != 1 {
		t.Fatalf("%d unread after acknowledging the burst", n)
	}
	v = ansi.Strip(p.View())
	if !strings.Contains(v, "STALE0001") || strings.Contains(v, "entered alarm") {
		t.Fatalf("the acknowledged burst is still shown:\n%s", v)
	}
	p.Key(keyOf("v"))
	if v = ansi.Strip(p.View()); !strings.Contains(v, "10000 devices entered alarm") {
		t.Fatalf("v does not show the acknowledged:\n%s", v)
	}
}

// The pane's View at 10,000 entries draws the rows on screen, folded or
// open: its cost does not grow with the inbox.
func BenchmarkInboxView(b *testing.B) {
	for _, open := range []bool{false, true} {
		b.Run(fmt.Sprintf("10000-open=%v", open), func(b *testing.B) {
			p, _, _ := inboxWith(b, 10_000)
			if open {
				p.Key(keyOf("space"))
				for range 5000 {
					p.Key(keyOf("down"))
				}
			}
			b.ResetTimer()
			for b.Loop() {
				_ = p.View()
			}
		})
	}
}

// A new entry arriving in an inbox of 10,000: the copy and the fold are
// done once per change, not per frame.
func BenchmarkInboxNewEntry(b *testing.B) {
	p, e, now := inboxWith(b, 10_000)
	i := 0
	for b.Loop() {
		i++
		e.Inbox().Add([]state.Transition{{At: now.Add(time.Hour + time.Duration(i)*time.Second), Device: "NEW000001", From: state.HealthOK, To: state.HealthWarning}})
		_ = p.View()
	}
}
