package live

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"time"

	"sqc/api"
	"sqc/state"
	"sqc/state/store"
)

// logBuffer is a debug log the test reads while the engine writes it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// teamEngine replaces the rig's engine with one whose gate keeps an audit
// log in db and whose log goes to the buffer returned.
func (r *rig) teamEngine() (store.Store, *logBuffer) {
	r.t.Helper()
	r.e.Close()
	db, err := store.OpenMemory()
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { db.Close() })
	logs := &logBuffer{}
	ledger, _ := state.NewLedger("", "", start, nil)
	o := api.Options{BaseURL: r.srv.URL, Key: "live-key",
		Wait: func(context.Context, time.Duration) error { return nil }}
	Hooks(ledger, state.NewCallLog(), r.clock.Now)(&o)
	c, err := api.New(o)
	if err != nil {
		r.t.Fatal(err)
	}
	gate := &state.Gate{Profile: "acme", Audit: state.OpenAudit(db, nil), Now: r.clock.Now}
	e, err := New(Config{Client: c, Ledger: ledger, Now: r.clock.Now, Gate: gate, Spark: 10,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { e.Close() })
	r.e = e
	return db, logs
}
