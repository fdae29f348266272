package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/ui/pane"
)

// A change staged while the database is held by another process is not
// said kept until the disk has it, and the console takes keys meanwhile;
// once the database is free the draft is on the disk and said kept.
func TestDraftWaitingForTheDiskLeavesTheConsoleWorking(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := start(t, setup{hosted: 1, cfg: func(c *Config) { c.StateDir = dir }})
	d := h.liveDevice(t, api.PlanHosted)
	h.openConfig(t, d.DeviceID)
	h.scr.waitText(t, "ambient.warning")
	release := holdDB(t, dir)
	h.editKey(t, "ambient.warning", "47")
	h.scr.waitText(t, "saving the draft…")
	h.key("?")
	h.scr.waitText(t, "Keys · lines 1-")
	h.key("esc")
	h.scr.waitFor(t, "the config again, its draft still on its way", func(v string) bool {
		return strings.Contains(v, "saving the draft…") && !strings.Contains(v, "Keys · lines")
	})
	release()
	h.scr.waitText(t, "kept as a draft")
	if n := draftsIn(t, dir); n != 1 {
		t.Fatalf("%d drafts on the disk, want 1", n)
	}
	h.quit(t)
}

// runUntil runs a command as the program would, each command of a batch
// on its own goroutine, folding what they answer into m (the panes'
// answers through the console's router) until done holds. Commands that
// wait (a tick) are left to it.
func runUntil(t *testing.T, m *Model, cmd tea.Cmd, done func() bool) {
	t.Helper()
	msgs := make(chan tea.Msg, 64)
	var launch func(tea.Cmd)
	launch = func(c tea.Cmd) {
		if c != nil {
			go func() { msgs <- c() }()
		}
	}
	launch(cmd)
	deadline := time.After(patience)
	for !done() {
		select {
		case msg := <-msgs:
			switch msg := msg.(type) {
			case tea.BatchMsg:
				for _, c := range msg {
					launch(c)
				}
			case pane.Msg:
				launch(m.panes[msg.To].Update(msg.Msg))
			}
		case <-deadline:
			t.Fatal("the commands never got there")
		}
	}
}
