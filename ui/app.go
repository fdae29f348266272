// Package ui is the Bubble Tea console: a root model that routes messages
// and keys to panes, one file per pane, and what they share.
package ui

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/keys"
	"sqc/state"
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
	Device   string  // open straight on this device
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
}

// Model is the root model: what the panes share, which pane has the keys,
// and the dialog, help and login screens over them.
type Model struct {
	cfg Config
	ctx context.Context
	sh  *shared

	keySource string
	ledgers   map[string]*state.Ledger // by key fingerprint: a client counts into its key's

	list     *listPane
	readings *readingsPane
	quota    *quotaPane
	apiLog   *logPane
	help     *helpPane
	config   *configPane
	add      *addPane
	mqtt     *mqttPane
	bulk     *bulkPane
	panes    map[paneID]pane // where answers addressed to a pane go

	// stack is what is open beside the list, back pops it; focus is the
	// side with the keys (layout.go)
	stack      []opened
	focus      side
	dialog     *prompt
	dialogs    []*prompt // opened by answers while another was up: shown after it
	loggingIn  bool
	login      *loginModel
	mouse      bool
	focusID    string
	wantDevice string

	frame       *frameCache
	cacheDirty  bool      // something new since the cache was last written
	cachedAt    time.Time // when it was
	jobsOffered bool      // an unfinished bulk change was looked for
	savedAt     time.Time // when the ledger was last written
	tickID      int
	wakeAt      time.Time // when the armed timer asks the scheduler again
	toasts      []toast
	toastSeq    int
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
		cfg.VerifyEvery = verifyEvery
	}
	if cfg.DialogGuard == 0 {
		cfg.DialogGuard = dialogGuard
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	sh := &shared{st: newStyles(true), keys: defaultKeys(), now: cfg.Now, fleet: state.NewFleet(), calls: state.NewCallLog(),
		readOnly: cfg.ReadOnly, stateDir: cfg.StateDir, writes: map[string]*configWrite{}}
	m := &Model{cfg: cfg, ctx: ctx, sh: sh, ledgers: map[string]*state.Ledger{}, frame: &frameCache{draw: true}}
	m.list = newListPane(sh)
	m.readings = newReadingsPane(sh, m.list.focused)
	m.quota = &quotaPane{sh: sh}
	m.apiLog = &logPane{sh: sh}
	m.help = &helpPane{sh: sh}
	m.config = newConfigPane(ctx, sh, m, cfg.Profile, cfg.VerifyEvery)
	m.add = newAddPane(ctx, sh, m)
	m.mqtt = newMQTTPane(sh)
	m.bulk = newBulkPane(sh)
	m.panes = map[paneID]pane{paneConfig: m.config, paneAdd: m.add}
	m.help.groups = m.helpGroups
	m.stack = []opened{{p: m.readings}}
	m.wantDevice = cfg.Device
	m.openKey(cfg.Key, cfg.KeySource)
	return m
}

func newInput(prompt, placeholder string) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.Placeholder = placeholder
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	in.SetWidth(40)
	return in
}

// openKey sets up the client, ledger, scheduler and offline cache for a
// key; with no key the console opens on the login screen.
func (m *Model) openKey(key, source string) {
	if key == "" {
		if m.cfg.Store != nil {
			m.startLogin("No key is stored for this profile yet.")
		}
		return
	}
	c, err := m.connect(key)
	if err != nil {
		m.sh.listErr = err
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
	l, err := state.NewLedger(m.cfg.StateDir, fp, m.sh.now(), m.cfg.Log)
	if err != nil {
		m.cfg.Log.Warn("quota ledger unreadable: counting from zero", "err", err)
	}
	m.ledgers[fp] = l
	return l
}

// connect builds the client of a key, counted by the key's ledger.
func (m *Model) connect(key string) (*api.Client, error) {
	ledger, calls, now := m.ledgerFor(key), m.sh.calls, m.cfg.Now
	return m.cfg.Connect(key, func(o *api.Options) {
		o.Sent = ledger.Sent
		o.Observe = func(c api.Call) {
			ledger.Observe(c)
			calls.Add(c)
		}
		o.Now = now
		o.MaxRetries = -1
	})
}

func (m *Model) useClient(c *api.Client, key, source string) {
	now := m.sh.now()
	m.keySource = source
	ledger := m.ledgerFor(key)
	m.sh.ledger, m.sh.client, m.sh.keyFP = ledger, c, keys.Fingerprint(key)
	m.sh.loadDrafts()
	m.sh.gate = &state.Gate{ReadOnly: m.cfg.ReadOnly, Profile: m.cfg.Profile, Audit: state.OpenAudit(m.cfg.StateDir), Now: m.sh.now, Left: m.sh.callsLeft}
	m.sh.sched = state.NewScheduler(ledger, m.cfg.Share)
	if m.sh.fleet.Len() == 0 && m.cfg.StateDir != "" {
		if focus, ok := m.sh.fleet.RestoreCache(state.CachePath(m.cfg.StateDir, m.sh.keyFP), m.cfg.Log); ok {
			m.sh.sched.SetDevices(devicesOf(m.sh.fleet), now)
			// the client's own limiter starts at 1/s until a list says more
			c.SetRate(m.sh.sched.Limits().RatePerSecond)
			m.list.rebuild()
			if focus != "" && m.wantDevice == "" && m.list.selectID(focus) {
				m.noteFocus() // the device open at quit, with its readings and their age; read from Init's first tick
			}
		}
	}
}

func devicesOf(f *state.Fleet) []api.Device {
	out := make([]api.Device, f.Len())
	for i, d := range f.All() {
		out[i] = d.Device
	}
	return out
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
	m.login = newLogin(m.ctx, &Login{Store: m.cfg.Store, Connect: m.connect}, reason, m.sh.width)
	m.loggingIn = true
}

// Init starts the clock and the first reads. The reads start from Update
// (a tick with the current id), where what the scheduler records is kept.
func (m *Model) Init() tea.Cmd {
	first := func() tea.Msg { return tickMsg{id: 0} }
	return tea.Batch(tea.RequestBackgroundColor, everySecond(), first)
}

// update folds one message into the model.
func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case frameMsg:
		m.frame.ticking = false
		return m, nil
	case tea.WindowSizeMsg:
		m.sh.width, m.sh.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.BackgroundColorMsg:
		m.sh.st = newStyles(msg.IsDark())
		return m, nil
	case secondMsg:
		if m.list.tick() { // devices turn stale and offline with the clock
			m.noteFocus()
		}
		// The scheduler is asked once a second too, not only when its timer
		// fires: a timer lost with a dropped answer, or a clock that jumped
		// (a laptop waking), never leaves reads waiting.
		return m, tea.Batch(everySecond(), m.persist(), m.schedule())
	case tickMsg:
		if msg.id != m.tickID {
			return m, nil
		}
		m.wakeAt = time.Time{}
		return m, m.schedule()
	case listMsg:
		return m, m.onList(msg)
	case dataMsg:
		return m, m.onData(msg)
	case toastMsg:
		return m, m.toast(msg.text, msg.isErr)
	case paneMsg:
		if p := m.panes[msg.to]; p != nil {
			return m, p.update(msg.msg)
		}
		return m, nil
	case bulkConfigMsg:
		return m, m.onBulkConfig(msg.configRead)
	case mqttConfigMsg:
		return m, m.onMQTTConfig(msg.configRead)
	case configReadMsg:
		return m, m.onBulkVerifyAnswer(msg)
	case closeMsg:
		return m, m.back()
	case mqttPlanMsg:
		return m, m.planMQTT()
	case mqttStepMsg:
		return m, m.onMQTTStep(msg)
	case bulkNextMsg:
		return m, m.bulkNext(msg.job)
	case bulkStepMsg:
		return m, m.onBulkStep(msg)
	case bulkVerifyMsg:
		return m, m.bulkVerify(msg.job)
	case toastExpiredMsg:
		m.expireToast(msg.id)
		return m, nil
	case exportedMsg:
		if msg.err != nil && msg.again != nil && m.dialog == nil {
			return m, msg.again(m, msg.typed, "not written: "+msg.err.Error())
		}
		if msg.err != nil {
			return m, m.toast("export failed: "+msg.err.Error(), true)
		}
		where := msg.path
		if msg.note != "" {
			where += " (" + msg.note + ")"
		}
		return m, m.toast("exported "+plural(msg.n, "device")+" to "+tildePath(where), false)
	case savedMsg:
		if msg.err != nil {
			return m, m.toast("could not save state: "+msg.err.Error(), true)
		}
		return m, nil
	case tea.FocusMsg:
		// The terminal came back to the front: show fresh data.
		if m.sh.sched != nil && m.focusID != "" {
			m.sh.sched.Ask(state.KindData, m.focusID)
			return m, m.schedule()
		}
		return m, nil
	case loginVerifiedMsg, loginStoredMsg:
		var cmd tea.Cmd
		m.login, cmd = m.login.update(msg)
		return m, cmd
	case loggedInMsg:
		m.loggingIn = false
		m.useClient(msg.client, m.login.key, msg.source)
		m.sh.sched.Ask(state.KindList, "")
		return m, tea.Batch(m.schedule(), m.resumeAfterLogin())
	case tea.MouseWheelMsg:
		if m.loggingIn || m.dialog != nil || m.helpOpen() {
			return m, nil
		}
		delta := map[bool]int{true: -3, false: 3}[msg.Button == tea.MouseWheelUp]
		m.list.move(delta)
		return m, m.focusChanged()
	case tea.MouseClickMsg:
		if m.loggingIn || m.dialog != nil || m.helpOpen() || msg.X >= m.listWidth() || (m.narrow() && m.focus == onRight) {
			return m, nil
		}
		m.list.clickRow(msg.Y - 1) // the pane starts below the header
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
		m.list.setSize(m.sh.width, bh)
		for _, p := range m.rightPanes() {
			p.setSize(m.sh.width-1, bh)
		}
	} else {
		lw := m.listWidth()
		m.list.setSize(lw, bh)
		for _, p := range m.rightPanes() {
			p.setSize(m.sh.width-lw-2, bh) // the separator and the pane's left padding
		}
	}
	m.help.setSize(m.sh.width, bh)
	m.list.active = m.focused() == pane(m.list)
}

func (m *Model) rightPanes() []pane {
	return []pane{m.readings, m.quota, m.apiLog, m.config, m.add, m.mqtt, m.bulk}
}

// callsLeft is what is known of a device's calls left this month: the
// fewest the ledger (from answers) and the device list say, since the
// count only falls within a month.
func (sh *shared) callsLeft(id string) (int, bool) {
	n, known := 0, false
	if sh.ledger != nil {
		n, known = sh.ledger.RemainingOf(id)
	}
	if d := sh.fleet.Get(id); d != nil && d.Remaining != nil && (!known || *d.Remaining < n) {
		n, known = *d.Remaining, true
	}
	return n, known
}

// sendGate is the gate a write's command goroutine sends through: the
// device's calls left are read here, on the console's goroutine, since
// Update changes the fleet and the ledger while the command runs.
func (sh *shared) sendGate(id string) *state.Gate {
	g := *sh.gate
	n, ok := sh.callsLeft(id)
	g.Left = func(string) (int, bool) { return n, ok }
	return &g
}

// noteRemaining records a device's calls left this month.
func (m *Model) noteRemaining(id string, n int) {
	if m.sh.ledger != nil {
		m.sh.ledger.NoteRemaining(id, n)
	}
}

// onList folds a device list into the fleet.
func (m *Model) onList(msg listMsg) tea.Cmd {
	now := m.sh.now()
	m.cfg.Log.Debug("answer", "id", msg.req.ID, "list", len(msg.devices), "failure", api.Classify(msg.err), "err", msg.err)
	m.sh.sched.Done(msg.req, now, msg.err)
	var cmds []tea.Cmd
	if msg.stopped != "" {
		// a server that pages for ever, or repeats itself: the scheduler
		// keeps the limits known before and backs off
		m.sh.sched.ListStopped(msg.req, msg.devices, now, msg.stopped)
	}
	if msg.stopped != "" && len(msg.devices) > 0 {
		// what came is kept
		cmds = append(cmds, m.toast(fmt.Sprintf("the device list stopped early (%s): %s shown; %s", msg.stopped, plural(len(msg.devices), "device"), m.listAgain(now)), true))
		msg.err = nil
	}
	if n := len(msg.duplicates); n > 0 {
		cmds = append(cmds, m.toast(fmt.Sprintf("the server listed %s twice or more: each is shown once", plural(n, "device ID")), true))
	}
	switch {
	case msg.err == nil:
		m.sh.listErr = nil
		m.sh.fleet.SetDevices(msg.devices, msg.at)
		if msg.stopped == "" {
			m.sh.sched.SetDevices(msg.devices, now)
		}
		for i := range msg.devices {
			if r := msg.devices[i].Remaining; r != nil {
				m.noteRemaining(msg.devices[i].DeviceID, *r)
			}
		}
		m.list.rebuild()
		m.noteFocus()
		if m.wantDevice != "" {
			if m.list.selectID(m.wantDevice) {
				// The console moved, not the user: what was said of the
				// device sought ("added … focused") is about where it lands.
				said := slices.Clone(m.toasts)
				m.showRight(m.readings)
				m.toasts = said
				m.layout()
			} else if m.sh.fleet.Get(m.wantDevice) == nil {
				cmds = append(cmds, m.toast("device "+m.wantDevice+" is not in this account", true))
			} else {
				cmds = append(cmds, m.toast("device "+m.wantDevice+" is hidden by the filter", true))
			}
			m.wantDevice = ""
		}
		m.cacheDirty = true
		cmds = append(cmds, m.focusChanged(), m.readAgainOnline())
		if !m.jobsOffered {
			m.jobsOffered = true
			cmds = append(cmds, m.offerJobs(), m.draftsNotice())
		}
	case m.keyRefused(msg.err, "What you were looking at is kept."):
		return nil
	default:
		m.sh.listErr = msg.err
	}
	cmds = append(cmds, m.schedule())
	return tea.Batch(cmds...)
}

// onData folds one device's data into the fleet; a failure stays with
// that device and the rest keep working.
func (m *Model) onData(msg dataMsg) tea.Cmd {
	now := m.sh.now()
	m.cfg.Log.Debug("answer", "id", msg.req.ID, "device", msg.req.DeviceID, "failure", api.Classify(msg.err), "err", msg.err)
	m.sh.sched.Done(msg.req, now, msg.err)
	id := msg.req.DeviceID
	var again tea.Cmd
	switch {
	case msg.err == nil:
		m.foldData(id, msg, now)
		again = m.readAgainOnline()
	case m.keyRefused(msg.err, "What you were looking at is kept."):
		return nil
	case api.Classify(msg.err).Fleetwide() || api.Classify(msg.err) == api.FailCancelled:
		// held back by the scheduler; the device keeps its data and age
	default:
		m.sh.fleet.SetDataError(id, msg.err, now)
	}
	return tea.Batch(again, m.schedule())
}

func (m *Model) foldData(id string, msg dataMsg, now time.Time) {
	f := m.sh.fleet
	if msg.backfill {
		f.Backfill(id, msg.page, msg.at)
	} else {
		f.SetData(id, msg.page, msg.at)
	}
	if d := f.Get(id); d != nil && id == m.focusID {
		m.sh.sched.SetFocus(id, quiet(d, now))
	}
	m.list.moved(id) // one device to its new place, O(log N)
	m.noteFocus()    // on the first row until the user moves, the device under it may have changed
	m.cacheDirty = true
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
	if m.sh.sched == nil {
		return false
	}
	d := m.list.focused()
	id := ""
	if d != nil {
		id = d.DeviceID
	}
	if id == m.focusID {
		return false
	}
	m.focusID = id
	m.readings.reset()
	m.sh.sched.SetFocus(id, d != nil && quiet(d, m.sh.now()))
	if id != "" {
		m.sh.fleet.Track(id)
	}
	return id != ""
}

// quiet reports a device not heard from lately: stale or offline.
func quiet(d *state.Device, now time.Time) bool {
	h := d.Health(now)
	return h == state.HealthStale || h == state.HealthOffline
}

// Cursor is the focused row, for tests.
func (m *Model) Cursor() int { return m.list.cursor }

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
	final, err := tea.NewProgram(New(ctx, cfg), tea.WithContext(ctx), tea.WithoutSignalHandler(), tea.WithFPS(frameRate)).Run()
	if fm, ok := final.(*Model); ok && !fm.sh.savedAtQuit {
		// today's count and what the screen showed survive a quit, a
		// SIGTERM and a dropped SSH session (SIGHUP), as far as they can
		// be saved in the time left
		if serr := fm.saveAtExit(); serr != nil {
			cfg.Log.Warn("could not save state at exit", "err", serr)
		}
	}
	return err
}
