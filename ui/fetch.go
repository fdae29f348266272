package ui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
	"sqc/state/live"
	"sqc/state/store"
	"sqc/ui/look"
	"sqc/ui/pane"
)

func everySecond() tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return look.SecondMsg{} })
}

// engineMsg is what the engine changed since the console last looked.
type engineMsg struct {
	view *live.View
	c    live.Changes
}

// watch waits for the engine's next changes on the console's view; the
// console arms it again after each, so at most one waits at a time.
func watch(v *live.View) tea.Cmd {
	if v == nil {
		return nil
	}
	return func() tea.Msg {
		<-v.Changed()
		return engineMsg{view: v, c: v.Take()}
	}
}

// openDB is how the engine takes its own hold on the key's database (the
// console's, shared in the process), on the engine's goroutine; nil keeps
// nothing. What opening it said, or why it failed, the console says
// itself (draftsNotice).
func (m *Model) openDB(fp string) func() (*state.DB, error) {
	if m.cfg.StateDir == "" {
		return nil
	}
	dir, profile, now, log := m.cfg.StateDir, m.cfg.Profile, m.sh.Now, m.cfg.Log
	return func() (*state.DB, error) { return state.OpenDB(dir, profile, fp, now(), log) }
}

// startEngine runs the live fleet for the key's client; the console is
// its first view. The engine restores the fleet the database keeps, and
// gives its hold on the database back when it closes.
func (m *Model) startEngine(c *api.Client, ledger *state.Ledger, openDB func() (*state.DB, error)) {
	e, err := live.New(live.Config{Client: c, Ledger: ledger, Fleet: m.sh.Fleet, Gate: m.sh.Gate, Calls: m.sh.Calls,
		Share: m.cfg.Share, Retention: retention(m.cfg.KeepHistory), StateDir: m.cfg.StateDir, KeyFP: m.sh.KeyFP, Spark: m.readings.SparkWidth(),
		Log: m.cfg.Log, Now: m.cfg.Now, CloseWait: outWait, Held: true, Context: m.ctx, OpenDB: openDB})
	if err != nil {
		m.sh.ListErr = err
		return
	}
	m.sh.Eng, m.sh.View, m.sh.OwnsEngine = e, e.SubscribeWith(live.ViewOptions{Name: m.cfg.Who}), true
	m.sh.View.Lock(func(l live.Locked) {
		m.sh.Sched = l.Sched
		if m.sh.Fleet.Len() > 0 {
			m.list.Rebuild()
		}
	})
}

// join makes the console one more view of a running engine: its fleet,
// scheduler, client and ledger are the engine's, and the console never
// closes it. The first change the view gets shows what the engine has.
func (m *Model) join(e *live.Engine, source string) {
	if source == "" {
		source = "shared"
	}
	m.useKey(e.Client(), e.Ledger(), e.KeyFP(), source)
	if calls := e.Calls(); calls != nil {
		m.sh.Calls = calls
	}
	m.sh.Eng, m.sh.View = e, e.SubscribeWith(live.ViewOptions{ReadOnly: m.cfg.ReadOnly, Name: m.cfg.Who})
	m.sh.View.Lock(func(l live.Locked) { m.sh.Fleet, m.sh.Sched = l.Fleet, l.Sched })
}

// schedule tells the engine the rows on screen; the engine, asked again
// when the console lets go of it, issues what is due. Called from Update,
// with the engine held.
func (m *Model) schedule() tea.Cmd {
	if m.sh.Sched != nil && m.sh.View != nil {
		m.sh.Sched.SetViewVisible(m.sh.View.ID(), m.list.VisibleIDs())
	}
	return nil
}

// onChanges folds what the engine changed into the console: the list's
// index (each device moved to its place, O(log N)), the focus, what a
// list answer has to say. Called with the engine held.
func (m *Model) onChanges(c live.Changes) tea.Cmd {
	var cmds []tea.Cmd
	now := m.sh.Now()
	listed := false
	for _, la := range c.Lists {
		if la.Stopped != "" && la.Devices > 0 {
			cmds = append(cmds, m.toast(fmt.Sprintf("the device list stopped early (%s): %s shown; %s", la.Stopped, look.Plural(la.Devices, "device"), m.listAgain(now)), true))
		}
		if la.Duplicates > 0 {
			cmds = append(cmds, m.toast(fmt.Sprintf("the server listed %s twice or more: each is shown once", look.Plural(la.Duplicates, "device ID")), true))
		}
		switch {
		case la.Err == nil:
			m.sh.ListErr = nil
			cmds = append(cmds, m.listed())
			listed = true
		case api.IsUnauthorized(la.Err) && m.cfg.Store != nil:
			// the login opens (KeyRefused below)
		default:
			m.sh.ListErr = la.Err
		}
	}
	if c.List && !listed {
		// a view's first look, or the fleet restored from the database
		// (beside a failed list, when the server is out of reach)
		m.list.Rebuild()
		m.noteFocus()
		if m.wantDevice != "" && m.sh.Fleet.Len() > 0 {
			cmds = append(cmds, m.listed()) // a console joining an engine that has listed already
		}
	}
	if len(c.Devices) > 0 {
		if !c.List {
			for id := range c.Devices {
				m.list.Moved(id) // one device to its new place, O(log N)
			}
		}
		m.noteFocus() // on the first row until the user moves, the device under it may have changed
		cmds = append(cmds, m.config.ReadAgainOnline(), m.historyArrived(c))
	}
	// config writes, this console's and others', to the config pane; a
	// write of the bulk change's or the MQTT set-up's to the pane that sent it
	for _, o := range c.Writes {
		if o.Write.Op == api.OpUpdateConfig {
			cmds = append(cmds, m.config.Update(pane.WriteOutcome(m.sh.View, o, now)))
		}
		if s, ok := m.bulk.StepOf(o, now); ok {
			cmds = append(cmds, m.bulk.Update(s))
		}
		if s, ok := m.mqtt.StepOf(o); ok {
			cmds = append(cmds, m.mqtt.Update(s))
		}
		if a, ok := m.add.AddedOf(o, now); ok {
			cmds = append(cmds, m.add.Update(a))
		}
	}
	for _, s := range c.Settled {
		cmds = append(cmds, m.config.Update(pane.ConfigSettledMsg{Settled: s}))
	}
	if c.KeyRefused != nil && m.keyRefused(c.KeyRefused, "What you were looking at is kept.") {
		return tea.Batch(cmds...)
	}
	if c.SaveErr != nil {
		cmds = append(cmds, m.toast("could not save state: "+c.SaveErr.Error(), true))
	}
	if c.Restored != "" && m.wantDevice == "" && m.list.SelectID(c.Restored) {
		m.noteFocus() // the device open at quit, with what was kept of it and its age
	}
	if m.sh.Sched != nil {
		_, _, m.passDone = m.sh.Sched.Progress()
	}
	cmds = append(cmds, m.schedule())
	return tea.Batch(cmds...)
}

// listed folds a device list the engine took in.
func (m *Model) listed() tea.Cmd {
	var cmds []tea.Cmd
	m.list.Rebuild()
	m.noteFocus()
	if m.wantDevice != "" {
		if m.list.SelectID(m.wantDevice) {
			// The console moved, not the user: what was said of the
			// device sought ("added … focused") is about where it lands.
			said := append([]toast(nil), m.toasts...)
			m.showRight(m.readings)
			m.toasts = said
			m.layout()
		} else if m.sh.Fleet.Get(m.wantDevice) == nil {
			cmds = append(cmds, m.toast("device "+m.wantDevice+" is not in this account", true))
		} else {
			cmds = append(cmds, m.toast("device "+m.wantDevice+" is hidden by the filter", true))
		}
		m.wantDevice = ""
	}
	cmds = append(cmds, m.focusChanged(), m.config.ReadAgainOnline())
	if !m.jobsOffered {
		m.jobsOffered = true
		cmds = append(cmds, m.bulk.OfferJobs(), m.draftsNotice())
	}
	return tea.Batch(cmds...)
}

// saveNow writes the ledger at once, on this goroutine, with the engine
// held: before the console is suspended, when nothing may run after. The
// database commits as it goes.
func (m *Model) saveNow() error {
	if m.cfg.StateDir == "" || m.sh.Ledger == nil {
		return nil
	}
	return m.sh.Ledger.Save()
}

// closeEngine closes the console's view, and stops the engine and waits
// for it to save, within ctx, when the engine is the console's own: a
// shared engine runs on for its other views.
func (m *Model) closeEngine(ctx context.Context) error {
	if m.sh.Eng == nil || !m.sh.OwnsEngine {
		if m.sh.View != nil {
			m.sh.View.Close() // the engine goes on for the other views
		}
		return nil
	}
	// The engine ends every view itself, after its last save: closing the
	// view first would drop its focus, and the cache would not open the
	// next console on the device open at quit.
	return m.sh.Eng.Shutdown(ctx)
}

// retention is how much history the engine's database keeps: the
// profile's span, within the default cap on rows.
func retention(keep time.Duration) store.Retention {
	r := store.DefaultRetention
	if keep > 0 {
		r.Span = keep
	}
	return r
}
