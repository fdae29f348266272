package ui

import (
	"log/slog"
	"time"

	"sqc/api"
	"sqc/state"
	"sqc/state/live"
)

// shared is what every pane reads: one value the root keeps up to date and
// hands to each pane, so a pane never reaches into the root model (as
// gh-dash's program context). The fleet and the live-refresh machinery
// are nil until a key is in use.
type shared struct {
	width, height int
	st            styles
	keys          keyMap
	now           func() time.Time

	client   *api.Client
	gate     *state.Gate
	stateDir string // where drafts are kept; "" keeps none
	keyFP    string // the key's fingerprint, naming its drafts
	// drafts are the devices with a draft under the key, marked in the
	// list; draftsErr is why some could not be read.
	drafts    map[string]bool
	draftsErr error
	// unsaved are drafts the database did not take: kept here until quit.
	unsaved map[string]state.Draft
	// db is the key's database (drafts, bulk jobs); dbErr is why it could
	// not be opened. dbs are all the console opened, closed at its end.
	db    *state.DB
	dbErr error
	dbs   []*state.DB
	dbLog *slog.Logger // the debug log, for what the database set aside

	writes map[string]*configWrite // config writes followed until applied, by device

	listErr error // the last device list's failure, while no list came after it

	// fleet and sched are the engine's once a key is in use: read and
	// changed in Update, which holds the engine, and read in View under
	// its read lock (read).
	fleet  *state.Fleet
	ledger *state.Ledger
	sched  *state.Scheduler
	calls  *state.CallLog
	eng    *live.Engine
	view   *live.View // the console's view of the engine
	// ownsEngine is set when the console built the engine: it closes it
	// at exit (a shared one, Config.Engine, is left running)
	ownsEngine bool
	// link is the scheduler's word on the connection and the focused
	// device's next read as of the frame about to be drawn: the screen
	// shows one moment, however long drawing it takes.
	link     link
	readOnly bool
	// locked is the console's hold on the engine while Update runs (nil
	// outside it): the view's calls made under the lock Update holds.
	locked *live.Locked
}

type link struct {
	conn      state.Conn
	nextFocus time.Time
}

// observe takes the link's state for the frame about to be drawn.
func (sh *shared) observe() {
	if sh.sched == nil {
		sh.link = link{}
		return
	}
	now := sh.now()
	sh.read(func() { sh.link = link{conn: sh.sched.Conn(now), nextFocus: sh.sched.NextFocus(now)} })
}

// read calls f with the engine held for reading, so that the engine folds
// no answer into the fleet while f looks at it.
func (sh *shared) read(f func()) {
	if sh.eng == nil {
		f()
		return
	}
	sh.eng.Read(func(live.Reader) { f() })
}
