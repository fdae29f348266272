// Package ui is the Bubble Tea console: a root model that routes messages
// and keys to the panes (ui/pane), lays them out, and draws the frame.
package ui

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/keys"
	"sqc/state"
	"sqc/state/live"
	"sqc/ui/look"
	"sqc/ui/pane"
)

// Config is what main hands the console.
type Config struct {
	Profile string
	// Key is the API key found at start; empty opens the login screen.
	Key       string
	KeySource string
	// Connect builds a client for a key; hook sets the console's hooks on
	// its options (the ledger hears each request as it is sent, the call
	// log each answer; the console's clock; no retries of its own, since
	// the scheduler decides when to try again).
	Connect func(key string, hook func(*api.Options)) (*api.Client, error)
	// Log takes the console's debug lines (--debug); nil discards them.
	Log *slog.Logger
	// Store keeps a key entered in the console; nil with --demo.
	Store *keys.Store
	// StateDir keeps the quota ledger and the offline cache; "" keeps nothing.
	StateDir string
	Share    float64 // of the quota, for refreshing (default 0.5)
	// KeepHistory is how long the database keeps the messages read; 0 is
	// the default (store.DefaultRetention's 30 days).
	KeepHistory time.Duration
	Device      string // open straight on this device
	// ReadOnly blocks every write (--read-only, or the profile's read_only).
	ReadOnly bool
	// ASCII draws with ASCII symbols only (--ascii, or no UTF-8 locale).
	ASCII bool
	// VerifyEvery paces the read-backs after a queued config write (20 s);
	// tests shorten it.
	VerifyEvery time.Duration
	// DialogGuard is how long a dialog that opened by itself (an answer
	// asked something) ignores keys, so that a key meant for the pane
	// beneath does not answer it (300 ms); negative for none, in tests.
	DialogGuard time.Duration
	Now         func() time.Time
	// Engine, when set, is a running engine the console joins as one more
	// view (many consoles on one key share one): its client, ledger, fleet
	// and gate are used instead of the console's own, and a quit closes
	// the console's view only. Key and Connect are then unused.
	Engine *live.Engine
	Who    string // the name writes and acknowledgements are recorded under; "" is the OS user
	// Remote is a console served over SSH: what would run on the server's
	// machine for the user (the $EDITOR of E) is not offered.
	Remote bool
	// Notify rings the bell and sends a desktop notification when a
	// device enters alarm (--notify, or the profile's notify).
	Notify bool
}

// Model is the root model: what the panes share, which pane has the keys,
// and the dialog, help and login screens over them.
type Model struct {
	cfg Config
	ctx context.Context
	sh  *pane.Shared

	keySource string
	ledgers   map[string]*state.Ledger // by key fingerprint: a client counts into its key's

	list     *pane.ListPane
	readings *pane.ReadingsPane
	quota    *pane.QuotaPane
	apiLog   *pane.LogPane
	inbox    *pane.InboxPane
	help     *pane.HelpPane
	config   *pane.ConfigPane
	add      *pane.AddPane
	mqtt     *pane.MQTTPane
	bulk     *pane.BulkPane
	panes    map[pane.ID]pane.Pane // where answers addressed to a pane go
	beside   []pane.Pane           // the panes that open beside the list, in the help's order
	openers  []pane.Opener         // panes opened from the list by a key of their own

	// stack is what is open beside the list, back pops it; focus is the
	// side with the keys (layout.go)
	stack      []opened
	focus      side
	dialog     *look.Prompt
	dialogs    []*look.Prompt // opened by answers while another was up: shown after it
	loggingIn  bool
	login      *loginModel
	mouse      bool
	focusID    string
	wantDevice string

	frame       *frameCache
	jobsOffered bool // an unfinished bulk change was looked for
	passDone    bool // the first pass over the fleet is over (frame.go)
	toasts      []toast
	toastSeq    int
	notes       notifier  // --notify (notify.go)
	offer       copyOffer // what y copies instead of the ID, while its toast is up
}

// New builds the console.
func New(ctx context.Context, cfg Config) *Model {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Share <= 0 || cfg.Share > 1 {
		cfg.Share = keys.DefaultShare
	}
	if cfg.VerifyEvery <= 0 {
		cfg.VerifyEvery = pane.VerifyEvery
	}
	if cfg.DialogGuard == 0 {
		cfg.DialogGuard = dialogGuard
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	sh := &pane.Shared{Common: look.Common{St: look.NewStyles(true), Keys: look.DefaultKeys()}, Now: cfg.Now, Fleet: state.NewFleet(), Calls: state.NewCallLog(),
		ReadOnly: cfg.ReadOnly, Remote: cfg.Remote, StateDir: cfg.StateDir, Writes: map[string]*pane.ConfigWrite{}}
	m := &Model{cfg: cfg, ctx: ctx, sh: sh, ledgers: map[string]*state.Ledger{}, frame: &frameCache{draw: true}}
	m.list = pane.NewListPane(sh)
	m.readings = pane.NewReadingsPane(sh, m.list.Focused)
	m.quota = pane.NewQuotaPane(sh)
	m.apiLog = pane.NewLogPane(sh)
	m.help = pane.NewHelpPane(sh)
	con := (*console)(m)
	m.config = pane.NewConfigPane(ctx, sh, con, cfg.Profile, cfg.VerifyEvery)
	m.add = pane.NewAddPane(ctx, sh, con)
	m.mqtt = pane.NewMQTTPane(ctx, sh, con)
	m.bulk = pane.NewBulkPane(ctx, sh, con, cfg.Profile, cfg.VerifyEvery)
	m.panes = map[pane.ID]pane.Pane{}
	m.register("", m.readings)
	m.register("", m.quota)
	m.register("", m.apiLog)
	m.register(pane.PaneConfig, m.config)
	m.register(pane.PaneAdd, m.add)
	m.register(pane.PaneMQTT, m.mqtt)
	m.register(pane.PaneBulk, m.bulk)
	m.register(pane.PaneHistory, pane.NewHistoryPane(ctx, sh, con, m.config))
	m.inbox = pane.NewInboxPane(sh, con, m.panes[pane.PaneHistory].(*pane.HistoryPane), cfg.Who)
	m.register("", m.inbox)
	m.help.Groups = m.helpGroups
	m.stack = []opened{{p: m.readings}}
	m.wantDevice = cfg.Device
	m.openKey(cfg.Key, cfg.KeySource)
	return m
}

// openKey sets up the client, ledger, scheduler and offline cache for a
// key; with no key the console opens on the login screen.
func (m *Model) openKey(key, source string) {
	if m.cfg.Engine != nil {
		m.join(m.cfg.Engine, source)
		return
	}
	if key == "" {
		if m.cfg.Store != nil {
			m.startLogin("No key is stored for this profile yet.")
		}
		return
	}
	c, err := m.connect(key)
	if err != nil {
		m.sh.ListErr = err
		return
	}
	m.useClient(c, key, source)
}

// ledgerFor is the quota ledger of a key, opened once: the client of the
// key counts into it from its first request, the login's check included.
func (m *Model) ledgerFor(key string) *state.Ledger {
	fp := keys.Fingerprint(key)
	if l := m.ledgers[fp]; l != nil {
		return l
	}
	// What opening the database set aside or could not do is said once,
	// with the drafts (draftsNotice): the same database holds them.
	l, _, err := state.OpenLedgerIn(m.cfg.StateDir, m.cfg.Profile, fp, m.sh.Now(), m.cfg.Log)
	if err != nil {
		m.cfg.Log.Warn("quota ledger", "err", err)
	}
	m.ledgers[fp] = l
	return l
}

// connect builds the client of a key, counted by the key's ledger.
func (m *Model) connect(key string) (*api.Client, error) {
	return m.cfg.Connect(key, live.Hooks(m.ledgerFor(key), m.sh.Calls, m.cfg.Now))
}

func (m *Model) useClient(c *api.Client, key, source string) {
	ledger := m.ledgerFor(key)
	m.useKey(c, ledger, keys.Fingerprint(key), source)
	m.startEngine(c, ledger, m.openDB(keys.Fingerprint(key)))
}

// useKey sets what the panes use of a key: its client, ledger, drafts
// and the gate the confirmations are built by.
func (m *Model) useKey(c *api.Client, ledger *state.Ledger, fp, source string) {
	m.keySource = source
	m.sh.Ledger, m.sh.Client, m.sh.KeyFP = ledger, c, fp
	m.sh.OpenDB(m.cfg.Profile, m.cfg.Log)
	m.sh.LoadDrafts()
	m.sh.Gate = &state.Gate{ReadOnly: m.cfg.ReadOnly, Profile: m.cfg.Profile, Audit: state.OpenAudit(m.sh.Store(), m.cfg.Log), Now: m.sh.Now, Left: m.sh.CallsLeft}
}

// keyRefused starts the login when the server refused the key and a
// key store can take a new one; kept says what the user keeps meanwhile.
func (m *Model) keyRefused(err error, kept string) bool {
	if !api.IsUnauthorized(err) || m.cfg.Store == nil {
		return false
	}
	m.startLogin(strings.TrimSpace("The server refused the key (401): enter it again. " + kept))
	return true
}

// startLogin shows the login screen over what the console was showing.
func (m *Model) startLogin(reason string) {
	m.login = newLogin(m.ctx, &Login{Store: m.cfg.Store, Connect: m.connect}, reason, m.sh.Width)
	m.loggingIn = true
}

// Init starts the clock and the watch on the engine, which is reading
// already.
func (m *Model) Init() tea.Cmd {
	if m.sh.Eng != nil {
		m.sh.Eng.Start() // the first reads go as the console opens
	}
	return tea.Batch(tea.RequestBackgroundColor, everySecond(), watch(m.sh.View))
}

// update folds one message into the model, with the engine held: the
// fleet and the scheduler are the console's to read and change until it
// returns, and the engine asks the scheduler again after.
func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case loggedInMsg:
		return m, m.loggedIn(msg)
	case engineClosedMsg:
		return m, m.afterClose(msg)
	case NoticeMsg:
		return m, m.toast(string(msg), false)
	}
	if m.sh.View == nil {
		return m.fold(msg)
	}
	var next tea.Model
	var cmd tea.Cmd
	m.sh.View.Lock(func(l live.Locked) {
		m.sh.Locked = &l
		defer func() { m.sh.Locked = nil }()
		next, cmd = m.fold(msg)
	})
	m.tellTeam()
	return next, cmd
}

// engineClosedMsg says the engine of a refused key has stopped and saved:
// the engine of the key the login gave may start.
type engineClosedMsg struct {
	login loggedInMsg
	key   string
	err   error
}

// loggedIn stops the engine of the key refused (if any) in a command, off
// the UI's goroutine, since it waits for the reads out and saves; the
// engine of the key the login gave starts once it has (afterClose): one
// engine writes the fleet.
func (m *Model) loggedIn(msg loggedInMsg) tea.Cmd {
	m.loggingIn = false
	key := m.login.key
	old := m.sh.Eng
	if m.sh.View != nil {
		m.sh.View.Close()
	}
	if old == nil || !m.sh.OwnsEngine { // a shared engine runs on for its other views
		return m.afterClose(engineClosedMsg{login: msg, key: key})
	}
	return func() tea.Msg { return engineClosedMsg{login: msg, key: key, err: old.Close()} }
}

// afterClose starts the engine of the key the login gave.
func (m *Model) afterClose(closed engineClosedMsg) tea.Cmd {
	if closed.err != nil {
		m.cfg.Log.Warn("could not save state of the refused key", "err", closed.err)
	}
	msg := closed.login
	if !m.sh.OwnsEngine && m.sh.Eng != nil {
		m.sh.Fleet = state.NewFleet() // the shared engine's stays with it
	}
	m.sh.Eng, m.sh.View, m.sh.OwnsEngine = nil, nil, false
	m.useClient(msg.client, closed.key, msg.source)
	if m.sh.View == nil {
		return nil
	}
	m.sh.Eng.Start()
	var cmd tea.Cmd
	m.sh.View.Lock(func(l live.Locked) {
		l.ReadNow(state.KindList, "")
		cmd = tea.Batch(m.schedule(), m.bulk.ResumeAfterLogin())
	})
	return tea.Batch(cmd, watch(m.sh.View))
}

// fold folds one message into the model.
func (m *Model) fold(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case frameMsg:
		m.frame.ticking = false
		return m, nil
	case tea.WindowSizeMsg:
		m.sh.Width, m.sh.Height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.BackgroundColorMsg:
		m.sh.St = look.NewStyles(msg.IsDark())
		return m, nil
	case look.SecondMsg:
		if m.list.Tick() { // devices turn stale and offline with the clock
			m.noteFocus()
		}
		m.historyTick()
		return m, tea.Batch(everySecond(), m.schedule())
	case engineMsg:
		if msg.view != m.sh.View {
			return m, nil // the engine of a key given up
		}
		if msg.c.Closed {
			return m, m.onChanges(msg.c) // nothing comes after: no watch again
		}
		return m, tea.Batch(m.onChanges(msg.c), watch(msg.view))
	case look.ToastMsg:
		return m, m.toast(msg.Text, msg.IsErr)
	case pane.Msg:
		if p := m.panes[msg.To]; p != nil {
			cmd := p.Update(msg.Msg)
			m.noteOffer(p)
			return m, cmd
		}
		return m, nil
	case look.CloseMsg:
		return m, m.back()
	case toastExpiredMsg:
		m.expireToast(msg.id)
		return m, nil
	case look.ExportedMsg:
		if msg.Err != nil && msg.Again != nil && m.dialog == nil {
			return m, msg.Again(msg.Typed, "not written: "+msg.Err.Error())
		}
		if msg.Err != nil {
			return m, m.toast("export failed: "+msg.Err.Error(), true)
		}
		where := msg.Path
		if msg.Note != "" {
			where += " (" + msg.Note + ")"
		}
		return m, m.toast("exported "+look.Plural(msg.N, "device")+" to "+look.TildePath(where), false)
	case tea.FocusMsg:
		// The terminal came back to the front: show fresh data.
		if m.sh.Sched != nil && m.focusID != "" {
			m.sh.Sched.Ask(state.KindData, m.focusID)
			return m, m.schedule()
		}
		return m, nil
	case loginVerifiedMsg, loginStoredMsg:
		var cmd tea.Cmd
		m.login, cmd = m.login.update(msg)
		return m, cmd
	case tea.MouseWheelMsg:
		if m.loggingIn || m.dialog != nil || m.helpOpen() {
			return m, nil
		}
		if done, cmd := m.paneMouse(msg.Mouse(), true); done {
			return m, cmd
		}
		delta := map[bool]int{true: -3, false: 3}[msg.Button == tea.MouseWheelUp]
		m.list.Move(delta)
		return m, m.focusChanged()
	case tea.MouseClickMsg:
		if m.loggingIn || m.dialog != nil || m.helpOpen() {
			return m, nil
		}
		if done, cmd := m.paneMouse(msg.Mouse(), false); done {
			return m, cmd
		}
		if msg.X >= m.listWidth() || (m.narrow() && m.focus == onRight) {
			return m, nil
		}
		m.list.ClickRow(msg.Y - 1) // the pane starts below the header
		return m, m.focusChanged()
	case tea.PasteMsg:
		return m.onPaste(msg)
	case tea.KeyPressMsg:
		return m.onKey(msg)
	}
	return m, nil
}

// layout gives every pane its size after a resize or a change of layout.
func (m *Model) layout() {
	bh := m.bodyHeight()
	if m.narrow() {
		m.list.SetSize(m.sh.Width, bh)
		for _, p := range m.rightPanes() {
			p.SetSize(m.sh.Width-1, bh)
		}
	} else {
		lw := m.listWidth()
		m.list.SetSize(lw, bh)
		for _, p := range m.rightPanes() {
			p.SetSize(m.sh.Width-lw-2, bh) // the separator and the pane's left padding
		}
	}
	m.help.SetSize(m.sh.Width, bh)
	m.list.Active = m.focused() == pane.Pane(m.list)
	if m.sh.Eng != nil {
		m.sh.Eng.SetSpark(m.readings.SparkWidth())
	}
}

func (m *Model) rightPanes() []pane.Pane { return m.beside }

// noteRemaining records a device's calls left this month.
func (m *Model) noteRemaining(id string, n int) {
	if m.sh.Ledger != nil {
		m.sh.Ledger.NoteRemaining(id, n)
	}
}

// focusChanged tells the scheduler which device has the focus and issues
// what is due: a device newly focused is read (after the dwell) and its
// history kept from now on.
func (m *Model) focusChanged() tea.Cmd {
	if !m.noteFocus() {
		return nil
	}
	return m.schedule()
}

// noteFocus records the list's focused device; false when it did not
// change. It issues nothing: whoever calls it must return the reads that
// schedule gives, or the scheduler would count requests never sent.
func (m *Model) noteFocus() bool {
	if m.sh.Sched == nil {
		return false
	}
	d := m.list.Focused()
	id := ""
	if d != nil {
		id = d.DeviceID
	}
	if id == m.focusID {
		return false
	}
	m.focusID = id
	m.readings.Reset()
	m.sh.Sched.SetViewFocus(m.sh.View.ID(), id, d != nil && quiet(d, m.sh.Now()))
	if id != "" {
		m.sh.Fleet.Track(id)
	}
	return id != ""
}

// quiet reports a device not heard from lately: stale or offline.
func quiet(d *state.Device, now time.Time) bool {
	h := d.Health(now)
	return h == state.HealthStale || h == state.HealthOffline
}

// Cursor is the focused row, for tests.
func (m *Model) Cursor() int { return m.list.Cursor }

// FocusedID is the focused device, for tests.
func (m *Model) FocusedID() string { return m.focusID }

// Run opens the console on the terminal and returns when the user quits.
// The terminal's title is pushed before and popped after (XTWINOPS 22/23),
// so the title the user had comes back; terminals without a title stack
// ignore both.
func Run(ctx context.Context, cfg Config) error {
	os.Stdout.WriteString("\x1b[22;0t")
	defer os.Stdout.WriteString("\x1b[23;0t")
	// The signals are the caller's: they cancel ctx, which stops the
	// program at once (no final frame, no wait for the input reader), and
	// Bubble Tea's own handler would race that with a slower, graceful quit.
	m := New(ctx, cfg)
	_, err := tea.NewProgram(m, tea.WithContext(ctx), tea.WithoutSignalHandler(), tea.WithFPS(frameRate)).Run()
	// The terminal is back; the engine finishes its reads and saves
	// before the process leaves: today's count and what the screen showed
	// survive a quit, a SIGTERM and a dropped SSH session (SIGHUP).
	if serr := m.finish(ctx); serr != nil {
		cfg.Log.Warn("could not save state at exit", "err", serr)
	}
	return err
}
