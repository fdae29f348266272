package pane

import (
	"log/slog"
	"time"

	"sqc/api"
	"sqc/state"
	"sqc/state/live"
	"sqc/ui/look"
)

// Shared is what every pane reads: one value the root keeps up to date and
// hands to each pane, so a pane never reaches into the root model (as
// gh-dash's program context). The fleet and the live-refresh machinery
// are nil until a key is in use.
type Shared struct {
	look.Common
	Width, Height int
	Now           func() time.Time

	Client   *api.Client
	Gate     *state.Gate
	StateDir string // where drafts are kept; "" keeps none
	KeyFP    string // the key's fingerprint, naming its drafts
	// Drafts are the devices with a draft under the key, marked in the
	// list; draftsErr is why some could not be read.
	Drafts    map[string]bool
	DraftsErr error
	// unsaved are drafts not on the disk: on their way (saving), or the
	// database did not take them (kept here until quit).
	unsaved map[string]state.Draft
	saving  map[string]int // the draft's save out, by device: its number
	drafts  draftWriter
	// DB is the key's database (drafts, bulk jobs); DBErr is why it could
	// not be opened. dbs are all the console opened, closed at its end.
	DB    *state.DB
	DBErr error
	dbs   []*state.DB
	dbLog *slog.Logger // the debug log, for what the database set aside

	Writes map[string]*ConfigWrite // config writes followed until applied, by device

	ListErr error // the last device list's failure, while no list came after it

	// Fleet and sched are the engine's once a key is in use: read and
	// changed in Update, which holds the engine, and read in View under
	// its read lock (read).
	Fleet  *state.Fleet
	Ledger *state.Ledger
	Sched  *state.Scheduler
	Calls  *state.CallLog
	Eng    *live.Engine
	View   *live.View // the console's view of the engine
	// OwnsEngine is set when the console built the engine: it closes it
	// at exit (a shared one, Config.Engine, is left running)
	OwnsEngine bool
	// Link is the scheduler's word on the connection and the focused
	// device's next read as of the frame about to be drawn: the screen
	// shows one moment, however long drawing it takes.
	Link     link
	ReadOnly bool
	// Remote: the console is served over SSH; nothing runs on the
	// server's machine for its user (E's $EDITOR).
	Remote bool
	// Locked is the console's hold on the engine while Update runs (nil
	// outside it): the view's calls made under the lock Update holds.
	Locked *live.Locked
}

type link struct {
	Conn      state.Conn
	nextFocus time.Time
}

// Observe takes the link's state for the frame about to be drawn.
func (sh *Shared) Observe() {
	if sh.Sched == nil {
		sh.Link = link{}
		return
	}
	now := sh.Now()
	sh.Read(func() { sh.Link = link{Conn: sh.Sched.Conn(now), nextFocus: sh.Sched.NextFocus(now)} })
}

// Read calls f with the engine held for reading, so that the engine folds
// no answer into the fleet while f looks at it.
func (sh *Shared) Read(f func()) {
	if sh.Eng == nil {
		f()
		return
	}
	sh.Eng.Read(func(live.Reader) { f() })
}

// CallsLeft is what is known of a device's calls left this month: the
// fewest the ledger (from answers) and the device list say, since the
// count only falls within a month.
func (sh *Shared) CallsLeft(id string) (int, bool) {
	n, known := 0, false
	if sh.Ledger != nil {
		n, known = sh.Ledger.RemainingOf(id)
	}
	if d := sh.Fleet.Get(id); d != nil && d.Remaining != nil && (!known || *d.Remaining < n) {
		n, known = *d.Remaining, true
	}
	return n, known
}
