package live

import (
	"sqc/state"
)

// persist starts the saves that are due, each on a goroutine of the
// engine's (never a view's): the ledger every LedgerEvery while it has
// news, the cache every CacheEvery while the fleet changed. The cache is
// a snapshot taken here (pointer copies), encoded away from the loop.
// Called with mu held.
func (e *Engine) persist(ch *changes) {
	if e.cfg.StateDir == "" || e.saving.Load() > 0 {
		return
	}
	now := e.cfg.Now()
	var saves []func() error
	if l := e.cfg.Ledger; l.Dirty() && now.Sub(e.savedAt) >= LedgerEvery {
		e.savedAt = now
		saves = append(saves, l.Save)
	}
	if e.cacheDirty && now.Sub(e.cachedAt) >= CacheEvery && e.cacheable() {
		e.cacheDirty, e.cachedAt = false, now
		snap, path := e.fleet.Snapshot(now, e.sched.Focused()), state.CachePath(e.cfg.StateDir, e.cfg.KeyFP)
		saves = append(saves, e.saveCache(snap, path))
	}
	for _, save := range saves {
		e.saving.Add(1)
		e.saves.Add(1)
		go func() {
			defer e.saves.Done()
			defer e.saving.Add(-1)
			if err := save(); err != nil {
				e.cfg.Log.Warn("could not save state", "err", err)
				e.views.notify(changes{saveErr: err})
			}
		}()
	}
}

// cacheable reports whether the fleet may be written to the offline
// cache: not while it is a list that stopped early, whose devices would
// give the next session limits its account may not have. Called with mu
// held.
func (e *Engine) cacheable() bool {
	if e.fleet.Len() == 0 || e.cfg.KeyFP == "" {
		return false
	}
	_, why, _ := e.sched.Stopped()
	return why == ""
}

// finalSaves are the saves at close: the ledger, and the cache when it
// may be written.
func (e *Engine) finalSaves() []func() error {
	if e.cfg.StateDir == "" {
		return nil
	}
	saves := []func() error{e.cfg.Ledger.Save}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.cacheable() {
		snap, path := e.fleet.Snapshot(e.cfg.Now(), e.sched.Focused()), state.CachePath(e.cfg.StateDir, e.cfg.KeyFP)
		saves = append(saves, e.saveCache(snap, path))
	}
	return saves
}

// saveCache writes a snapshot, after any cache save still running: the
// final one is then the one kept.
func (e *Engine) saveCache(snap *state.CacheSnapshot, path string) func() error {
	return func() error {
		e.cacheMu.Lock()
		defer e.cacheMu.Unlock()
		return snap.Save(path)
	}
}
