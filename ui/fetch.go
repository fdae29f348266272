package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/state"
)

func everySecond() tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return secondMsg{} })
}

// schedule asks the scheduler for every read due now, issues them, and
// arms one tick for the next. Called after every answer and every tick.
func (m *Model) schedule() tea.Cmd {
	if m.sh.client == nil {
		return nil
	}
	now := m.sh.now()
	m.sh.sched.SetVisible(m.list.visibleIDs())
	var cmds []tea.Cmd
	for range state.MaxInFlight { // the scheduler says no while that many are out
		req, ok, wait := m.sh.sched.Next(now)
		if !ok {
			cmds = append(cmds, m.wakeIn(now, wait))
			break
		}
		m.cfg.Log.Debug("read", "id", req.ID, "kind", req.Kind, "device", req.DeviceID, "user", req.User)
		cmds = append(cmds, m.issue(req))
	}
	return tea.Batch(cmds...)
}

// wakeIn arms the timer that asks the scheduler again, at most one at a
// time: every answer asks, and a timer per answer would leave thousands of
// sleeping goroutines behind a sweep. A wait of a second or more needs
// none, since the console asks once a second anyway.
func (m *Model) wakeIn(now time.Time, wait time.Duration) tea.Cmd {
	if wait <= 0 || wait >= time.Second {
		return nil
	}
	at := now.Add(wait)
	if m.wakeAt.After(now) && !at.Before(m.wakeAt) {
		return nil // the timer armed goes off first
	}
	m.tickID++
	m.wakeAt = at
	id := m.tickID
	return tea.Tick(wait, func(time.Time) tea.Msg { return tickMsg{id: id} })
}

// issue turns a scheduled request into the command that makes it.
func (m *Model) issue(req state.Request) tea.Cmd {
	c, ctx, now := m.sh.client, m.ctx, m.sh.now
	if req.Kind == state.KindList {
		return func() tea.Msg {
			rep, err := c.ListDevicesReport(ctx)
			msg := listMsg{req: req, err: err, at: now()}
			if rep != nil {
				msg.devices, msg.duplicates, msg.stopped = rep.Devices, rep.Duplicates, rep.Stopped
			}
			return msg
		}
	}
	// A tracked (focused) device is read once with as many messages as its
	// sparklines show, then only what is new; others with their latest.
	q, backfill := m.sh.fleet.DataQuery(req.DeviceID, m.readings.sparkWidth())
	return func() tea.Msg {
		page, err := c.GetData(ctx, req.DeviceID, q)
		return dataMsg{req: req, page: page, err: err, at: now(), backfill: backfill}
	}
}

// How often state is written while the console runs: the ledger's count
// (a crash loses at most this much of it) and the offline cache, while
// there is something new to keep.
const (
	ledgerEvery = 10 * time.Second
	cacheEvery  = time.Minute
)

// persist writes the ledger and the offline cache when they are due, from
// commands: the cache is a snapshot taken here (pointer copies) and
// encoded away from the UI goroutine.
func (m *Model) persist() tea.Cmd {
	if m.cfg.StateDir == "" || m.sh.ledger == nil {
		return nil
	}
	now := m.sh.now()
	var cmds []tea.Cmd
	if l := m.sh.ledger; l.Dirty() && now.Sub(m.savedAt) >= ledgerEvery {
		m.savedAt = now
		cmds = append(cmds, func() tea.Msg { return savedMsg{err: l.Save()} })
	}
	if m.cacheDirty && now.Sub(m.cachedAt) >= cacheEvery && m.cacheable() {
		m.cacheDirty, m.cachedAt = false, now
		snap, path := m.sh.fleet.Snapshot(now, m.focusID), state.CachePath(m.cfg.StateDir, m.sh.keyFP)
		cmds = append(cmds, func() tea.Msg { return savedMsg{err: snap.Save(path)} })
	}
	return tea.Batch(cmds...)
}

// saveNow writes the ledger and the cache at once, on this goroutine: at
// quit, on a signal and before the console is suspended, when no command
// would run after.
func (m *Model) saveNow() error {
	if m.cfg.StateDir == "" || m.sh.ledger == nil {
		return nil
	}
	err := m.sh.ledger.Save()
	if m.cacheable() {
		if cerr := m.sh.fleet.Snapshot(m.sh.now(), m.focusID).Save(state.CachePath(m.cfg.StateDir, m.sh.keyFP)); err == nil {
			err = cerr
		}
	}
	return err
}

// cacheable reports whether the fleet may be written to the offline
// cache: not while it is a list that stopped early, whose devices would
// give the next session limits its account may not have.
func (m *Model) cacheable() bool {
	if m.sh.fleet.Len() == 0 {
		return false
	}
	if m.sh.sched == nil {
		return true
	}
	_, why, _ := m.sh.sched.Stopped()
	return why == ""
}
