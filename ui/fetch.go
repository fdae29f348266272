package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
)

func everySecond() tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return secondMsg{} })
}

// schedule asks the scheduler for every read due now, issues them, and
// arms one tick for the next. Called after every answer and every tick.
func (m *Model) schedule() tea.Cmd {
	if m.client == nil {
		return nil
	}
	now := m.sh.now()
	m.sh.sched.SetVisible(m.list.visibleIDs())
	var cmds []tea.Cmd
	for range state.MaxInFlight { // the scheduler says no while that many are out
		req, ok, wait := m.sh.sched.Next(now)
		if !ok {
			if wait > 0 {
				m.tickID++
				id := m.tickID
				cmds = append(cmds, tea.Tick(wait, func(time.Time) tea.Msg { return tickMsg{id: id} }))
			}
			break
		}
		cmds = append(cmds, m.issue(req))
	}
	return tea.Batch(cmds...)
}

// firstHistory is how many messages a newly focused device is read with.
const firstHistory = 240

// issue turns a scheduled request into the command that makes it.
func (m *Model) issue(req state.Request) tea.Cmd {
	c, ctx, now := m.client, m.ctx, m.sh.now
	if req.Kind == state.KindList {
		return func() tea.Msg {
			devices, err := c.ListDevices(ctx)
			return listMsg{req: req, devices: devices, err: err, at: now()}
		}
	}
	q := api.DataQuery{Limit: 1}
	backfill := false
	if d := m.sh.fleet.Get(req.DeviceID); d != nil && m.sh.fleet.Tracked(req.DeviceID) {
		// A tracked device is first read with its latest messages, whatever
		// their age (an offline device still shows its last words), so its
		// sparklines start full; after that, everything since the last one.
		if last := d.History.LastTS(); d.Backfilled && last > 0 {
			q.Start, q.Limit = time.Unix(int64(last)+1, 0), api.MaxDataLimit
		} else {
			q.Limit, backfill = firstHistory, true
		}
	}
	return func() tea.Msg {
		page, err := c.GetData(ctx, req.DeviceID, q)
		return dataMsg{req: req, page: page, err: err, at: now(), backfill: backfill}
	}
}

// saveEvery spaces the ledger's writes: a busy console answers several
// reads a second, and a crash loses at most this much of the count.
const saveEvery = 10 * time.Second

// persist saves the ledger (and the offline cache, when asked) away from
// the UI goroutine.
func (m *Model) persist(withCache bool) tea.Cmd {
	if m.cfg.StateDir == "" {
		return nil
	}
	var cmds []tea.Cmd
	if now := m.sh.now(); m.sh.ledger.Dirty() && (withCache || now.Sub(m.savedAt) >= saveEvery) {
		m.savedAt = now
		snap := m.sh.ledger.Snapshot()
		cmds = append(cmds, func() tea.Msg { return savedMsg{err: snap.Save()} })
	}
	if withCache && m.sh.fleet.Len() > 0 {
		b, err := m.sh.fleet.EncodeCache(m.sh.now())
		path := state.CachePath(m.cfg.StateDir, m.fingerprint)
		cmds = append(cmds, func() tea.Msg {
			if err != nil {
				return savedMsg{err: err}
			}
			return savedMsg{err: state.SaveCache(path, b)}
		})
	}
	return tea.Batch(cmds...)
}
