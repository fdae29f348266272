package cli

import (
	"time"

	"sqc/api"
	"sqc/keys"
	"sqc/state"
)

// ledgerFor is the quota ledger of a key in the profile's database, the
// one the console counts into, opened once per run: every command that
// talks to the API counts each of its requests there, so the console, the
// commands and a script in cron add up. The demo's cloud vanishes with the
// process: its counts are kept nowhere.
func (e *env) ledgerFor(key string) *state.Ledger {
	fp := keys.Fingerprint(key)
	if l := e.ledgers[fp]; l != nil {
		return l
	}
	dir := e.stateDir
	if e.o.demo {
		dir = ""
	}
	l, notes, err := state.OpenLedgerIn(dir, e.profile, fp, time.Now(), e.log)
	for _, n := range notes {
		warn(e, "%s", n)
	}
	if err != nil {
		warn(e, "%v", err)
	}
	if e.ledgers == nil {
		e.ledgers = map[string]*state.Ledger{}
	}
	e.ledgers[fp] = l
	return l
}

// counted sets a client's options so that the key's ledger counts each
// request as it is sent and hears each answer.
func (e *env) counted(key string, o *api.Options) {
	l := e.ledgerFor(key)
	o.Sent, o.Observe = l.Sent, l.Observe
}

// closeLedgers writes what the run counted; a database that does not take
// it (locked by another sqc past its busy timeout, a full disk) is said.
func (e *env) closeLedgers() {
	for _, l := range e.ledgers {
		if err := l.Close(); err != nil {
			warn(e, "this run's requests could not be added to the quota ledger: %v", err)
		}
	}
	e.ledgers = nil
}
