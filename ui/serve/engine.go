package serve

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"sqc/api"
	"sqc/keys"
	"sqc/state"
	"sqc/state/live"
	"sqc/state/store"
)

// EngineConfig is what the server's one engine is built from: the key
// as the console would find it, on the server only.
type EngineConfig struct {
	Profile  string
	Key      string
	StateDir string // "" keeps nothing
	Share    float64
	// KeepHistory is how long the database keeps messages (0: the default).
	KeepHistory time.Duration
	// Connect builds the client of the key with the engine's hooks.
	Connect func(key string, hook func(*api.Options)) (*api.Client, error)
	Log     *slog.Logger
	// Context ends the reads out when the server is stopped by a signal.
	Context context.Context
}

// Engine is the running engine and what closes it.
type Engine struct {
	*live.Engine
	ledger *state.Ledger
}

// StartEngine builds and starts the engine every session joins: one
// client, ledger, database, write gate and audit log for the team.
func StartEngine(cfg EngineConfig) (*Engine, []string, error) {
	if cfg.Key == "" {
		return nil, nil, errors.New("no API key for this profile: run sqc auth login --profile " + cfg.Profile + " on the server (or set SENQUIP_API_KEY for sqc serve)")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Share <= 0 || cfg.Share > 1 {
		cfg.Share = keys.DefaultShare
	}
	fp := keys.Fingerprint(cfg.Key)
	ledger, notes, err := state.OpenLedgerIn(cfg.StateDir, cfg.Profile, fp, time.Now(), cfg.Log)
	if err != nil {
		// the ledger counts in memory: the server runs, and says why
		notes = append(notes, err.Error())
	}
	calls := state.NewCallLog()
	c, err := cfg.Connect(cfg.Key, live.Hooks(ledger, calls, time.Now))
	if err != nil {
		return nil, nil, errors.Join(err, ledger.Close())
	}
	gate := &state.Gate{Profile: cfg.Profile, Audit: state.OpenAudit(ledger.Store(), cfg.Log), Now: time.Now}
	var openDB func() (*state.DB, error)
	if cfg.StateDir != "" {
		dir, profile, log := cfg.StateDir, cfg.Profile, cfg.Log
		openDB = func() (*state.DB, error) { return state.OpenDB(dir, profile, fp, time.Now(), log) }
	}
	ret := store.DefaultRetention
	if cfg.KeepHistory > 0 {
		ret.Span = cfg.KeepHistory
	}
	e, err := live.New(live.Config{Client: c, Ledger: ledger, Calls: calls, Gate: gate, Share: cfg.Share,
		Retention: ret, StateDir: cfg.StateDir, KeyFP: fp, Spark: 20, Log: cfg.Log, Context: cfg.Context, OpenDB: openDB})
	if err != nil {
		return nil, nil, errors.Join(err, ledger.Close())
	}
	return &Engine{Engine: e, ledger: ledger}, notes, nil
}

// Close stops the engine, after its last saves, within ctx, and writes
// the ledger's counts.
func (e *Engine) Close(ctx context.Context) error {
	return errors.Join(e.Shutdown(ctx), e.ledger.Close())
}
