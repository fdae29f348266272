package ui

import (
	"errors"
	"time"

	"sqc/state"
)

// exitSaveWait bounds the save when the console is stopped from outside
// (SIGTERM, SIGHUP, SIGINT): the program leaves a second after the signal
// whatever happens, so the save must not wait longer than that.
const exitSaveWait = 800 * time.Millisecond

// saveAtExit saves the quota ledger and the screen's data side by side,
// each as far as it gets within exitSaveWait: the ledger may wait on a
// lock another sqc holds, and that must not cost the cache its save.
func (m *Model) saveAtExit() error {
	if m.cfg.StateDir == "" || m.sh.ledger == nil {
		return nil
	}
	saves := []func() error{m.sh.ledger.Save}
	if m.cacheable() {
		snap, path := m.sh.fleet.Snapshot(m.sh.now(), m.focusID), state.CachePath(m.cfg.StateDir, m.sh.keyFP)
		saves = append(saves, func() error { return snap.Save(path) })
	}
	errs := make(chan error, len(saves))
	for _, save := range saves {
		go func() { errs <- save() }()
	}
	timer := time.NewTimer(exitSaveWait)
	defer timer.Stop()
	var all []error
	for range saves {
		select {
		case err := <-errs:
			all = append(all, err)
		case <-timer.C:
			return errors.Join(append(all, errors.New("a save at exit did not finish in time and was left"))...)
		}
	}
	return errors.Join(all...)
}
