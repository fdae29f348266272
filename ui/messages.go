package ui

import (
	"time"

	"sqc/api"
	"sqc/state"
)

// Typed messages, one per answer. A request's id travels with its answer
// so the scheduler can close the request it belongs to.

type listMsg struct {
	req        state.Request
	devices    []api.Device
	duplicates []string // IDs the server listed more than once
	stopped    string   // why listing stopped early ("" when it did not)
	err        error
	at         time.Time
}

type dataMsg struct {
	req      state.Request
	page     *api.DataPage
	err      error
	at       time.Time
	backfill bool // the read that fills a tracked device's history
}

// tickMsg wakes the scheduler. Only the tick with the current id counts:
// re-arming on every answer leaves older ticks behind, and they are dropped.
type tickMsg struct{ id int }

// secondMsg redraws the ages and countdowns once a second.
type secondMsg struct{}

type savedMsg struct{ err error }
