package ui

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"
)

// exitSaveWait bounds the save when the console is stopped from outside
// (SIGTERM, SIGHUP, SIGINT): the program leaves a second after the signal
// whatever happens, so the save must not wait longer than that. The
// engine waits as long for the reads and writes out before it saves.
const exitSaveWait = 800 * time.Millisecond

// outWait is how long the engine waits at exit for the reads out before
// it cancels them: their answers would not be shown.
const outWait = 200 * time.Millisecond

// finish closes the engine once the program has ended: it waits a moment
// for what is out, then saves the ledger and the cache side by side, as
// far as they get within exitSaveWait after a quit and a signal alike: a
// ledger locked by another sqc must not hold the exit.
func (m *Model) finish(ctx context.Context) error {
	d := outWait + exitSaveWait
	if ctx.Err() != nil {
		// a signal: the reads out ended with it (the engine's context),
		// and the process leaves a second after it whatever happens
		d = exitSaveWait
	}
	wait, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	defer m.sh.CloseDBs()
	// a bulk job's last rows may still be on their way to the disk
	err := errors.Join(m.bulk.FlushSaves(), m.closeEngine(wait))
	return errors.Join(err, m.closeLedgers(wait))
}

// closeLedgers writes the counts of every key's ledger and gives their
// databases back, as far as it gets before ctx ends: a database locked by
// another sqc must not hold the exit.
func (m *Model) closeLedgers(ctx context.Context) error {
	done := make(chan error, 1)
	ledgers := slices.Collect(maps.Values(m.ledgers))
	go func() {
		var errs []error
		for _, l := range ledgers {
			errs = append(errs, l.Close())
		}
		done <- errors.Join(errs...)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return errors.New("the quota ledger's last counts were not written in time")
	}
}
