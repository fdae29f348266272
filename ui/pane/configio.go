package pane

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
	"sqc/state/live"
	"sqc/ui/look"
)

// Reading, sending and verifying a device's config: the config pane's
// answers, which reach it through the console's router (Msg).

// The config pane's own read answers: its device's config as it opened
// or as the user asked again (r), a read-back after a queued write until
// the device applies it, and one after a write of unknown outcome.
type (
	configLoaded struct {
		ConfigRead
		opened bool // the pane opened on the device: a saved draft is offered after it
	}
	verifyRead struct{ ConfigRead }
	backRead   struct{ ConfigRead }
)

// PaneConfig is where the config pane's answers go.
const PaneConfig ID = "config"

func toConfig(msg tea.Msg) tea.Msg { return Msg{To: PaneConfig, Msg: msg} }

func loadedOnOpen(r ConfigRead) tea.Msg { return toConfig(configLoaded{ConfigRead: r, opened: true}) }
func loadedAgain(r ConfigRead) tea.Msg  { return toConfig(configLoaded{ConfigRead: r}) }
func verified(r ConfigRead) tea.Msg     { return toConfig(verifyRead{r}) }
func readBackOf(r ConfigRead) tea.Msg   { return toConfig(backRead{r}) }

// ConfigSentMsg is a config write's outcome as the engine told it: to
// every console, mine set in those that asked, leader in the one that
// asked first, which reads it back for all.
type ConfigSentMsg struct {
	W            state.Write
	Seq          int
	Mine, Leader bool
	Res          api.Result
	err          error
	At           time.Time
}

// ConfigSettledMsg is how a write settled, as the console that reads it
// back told every console.
type ConfigSettledMsg struct{ live.Settled }

type editorDoneMsg struct {
	id, path string
	err      error
}

type verifyTickMsg struct{ id string }

// Verification: a Hosted device is read back every verifyEvery, a
// non-Hosted one at most verifyReadsNonHosted times (each read costs one
// of its 50 calls a month), for verifyFor at most.
const (
	VerifyEvery          = 20 * time.Second
	verifyFor            = 10 * time.Minute
	verifyReadsNonHosted = 3
)

// ConfigWrite follows one device's sent change until it is applied.
type ConfigWrite struct {
	Dev api.Device
	// Seq is the engine's number of the write; leader is set in the
	// console that reads it back (the first that asked), other in the
	// consoles that did not ask for it.
	Seq           int
	leader, other bool
	who           string // who sent it: said for another console's write
	Sending       bool
	Sent          []state.Change
	queuedAt      time.Time
	until         time.Time
	reads         int
	status        string
	isErr         bool
	appliedAt     time.Time
	// unknown is set while the write's outcome is not known: a read of
	// the config, whoever asked for it, settles it before anything
	// offers to send again.
	unknown bool
	// nextRead is when the next read-back goes, for the countdown.
	nextRead time.Time
	// readFailed is set when the read that was to settle the write could
	// not be made: it is made again when the connection returns.
	readFailed bool
}

// by names who sent another console's write, when it is known.
func (w *ConfigWrite) by() string {
	if w.who == "" {
		return ""
	}
	return " (" + w.who + ")"
}

func (w *ConfigWrite) hosted() bool { return w.Dev.Plan == api.PlanHosted }

// waiting reports a write taken and not yet seen applied.
func (w *ConfigWrite) waiting() bool {
	return !w.Sending && !w.unknown && !w.queuedAt.IsZero() && w.appliedAt.IsZero() && !w.until.IsZero()
}

// lines are the write's status, wrapped to width: never cut, since the
// outcome of a write is what the pane must say in full.
func (w *ConfigWrite) lines(st look.Styles, width int, now time.Time) []string {
	text := w.status
	if w.Sending {
		text = "sending…"
	}
	if (w.waiting() || w.unknown) && !w.nextRead.IsZero() {
		text += " · next read-back in " + Short(max(0, w.nextRead.Sub(now)).Round(time.Second))
	}
	style := st.Warn
	switch {
	case w.Sending:
	case w.isErr:
		style = st.ErrText
	case !w.appliedAt.IsZero():
		style = st.Ok
	}
	var out []string
	for _, l := range strings.Split(look.Wrap(text, width), "\n") {
		out = append(out, style.Render(l))
	}
	return out
}

// Update folds the pane's own answers: its reads, its writes' answers
// and read-back ticks, and what came back from the editor.
func (p *ConfigPane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case draftSavedMsg:
		return p.sh.draftSaved(msg)
	case configLoaded:
		return p.onRead(msg.ConfigRead, func(r ConfigRead, w *ConfigWrite) tea.Cmd {
			if p.dev.DeviceID != r.ID {
				return nil // the pane moved on to another device
			}
			p.Loaded(r.Resp, r.err, r.At)
			if cmd, settled := p.settleByRead(r, w); settled {
				return cmd
			}
			if r.err != nil || !msg.opened {
				return nil
			}
			return p.OfferDraft()
		})
	case verifyRead:
		return p.onRead(msg.ConfigRead, p.onVerifyRead)
	case backRead:
		return p.onRead(msg.ConfigRead, func(r ConfigRead, w *ConfigWrite) tea.Cmd {
			if p.dev.DeviceID == r.ID {
				p.Loaded(r.Resp, r.err, r.At)
			}
			return p.OnReadBack(r, w)
		})
	case ConfigSentMsg:
		return p.OnConfigSent(msg)
	case ConfigSettledMsg:
		return p.onSettled(msg.Settled)
	case verifyTickMsg:
		return p.onVerifyTick(msg.id)
	case editorDoneMsg:
		return p.onEditorDone(msg)
	}
	return nil
}

// onRead does what every read of a config does before its own work: a
// read not made says why, a refused key asks for it again, and the calls
// left it reports are counted.
func (p *ConfigPane) onRead(r ConfigRead, then func(ConfigRead, *ConfigWrite) tea.Cmd) tea.Cmd {
	if r.skipped != "" {
		if p.dev.DeviceID == r.ID {
			p.loading = false
			p.problem = r.skipped + ": " + r.then
		}
		return nil
	}
	if p.con.KeyRefused(r.err, "Your staged changes are kept.") {
		return nil
	}
	p.sh.noteRemainingOf(r.Resp, r.ID)
	if r.err == nil && r.Resp != nil && p.sh.View != nil {
		p.sh.View.SawConfig(r.ID, r.Resp.Config, r.Resp.Synced)
	}
	return then(r, p.sh.Writes[r.ID])
}

// readConfig reads a config, the answer going back to the pane through
// answer.
func (p *ConfigPane) readConfig(id string, answer readAnswer) tea.Cmd {
	return readConfig(p.ctx, p.sh, id, answer)
}

// costlyRead reads a config, asking first when the read spends one of a
// non-Hosted device's monthly calls.
func (p *ConfigPane) costlyRead(d api.Device, answer readAnswer, question string) tea.Cmd {
	return costlyRead(p.ctx, p.sh, p.con, d, answer, question)
}

// OpenOn shows the pane on a device and reads its config; a non-Hosted
// device's read costs one of its 50 calls a month, so the user is asked
// first. show puts the pane on the screen before what it says is said.
func (p *ConfigPane) OpenOn(d api.Device, show func()) tea.Cmd {
	if p.sh.Client == nil {
		return p.con.Toast("no API key in use: nothing can be read", true)
	}
	same := p.dev.DeviceID == d.DeviceID && p.cfg != nil
	p.Open(d)
	show()
	if same {
		p.loading = false
		return p.OfferDraft() // one left for later is offered again
	}
	return p.costlyRead(d, loadedOnOpen, "Read the config of "+d.DeviceID+"?")
}

// OfferDraft offers the draft saved for the pane's device, if any.
func (p *ConfigPane) OfferDraft() tea.Cmd {
	if len(p.Changes) > 0 {
		return nil
	}
	d, ok, err := p.sh.loadDraft(p.dev.DeviceID)
	if err != nil {
		return p.con.Toast("the saved draft could not be read: "+err.Error(), true)
	}
	if !ok {
		return nil
	}
	fresh := state.Rebase(p.cfg, d.Changes)
	if len(fresh) == 0 {
		return tea.Batch(p.sh.saveDraft(state.Draft{DeviceID: d.DeviceID}), p.con.Toast("the saved draft's values are on the device already: draft removed", false))
	}
	p.con.Ask(p.offerDraftDialog(d, fresh))
	return nil
}

// askWrite shows the change and the exact request, and sends on y.
func (p *ConfigPane) askWrite() tea.Cmd {
	if len(p.Changes) == 0 {
		return p.con.Toast("nothing staged: enter edits a value", false)
	}
	if w := p.sh.Writes[p.dev.DeviceID]; w != nil && w.Sending {
		return p.con.Toast("a write to "+p.dev.DeviceID+" is on its way: wait for its answer", true)
	} else if w != nil && w.unknown {
		return p.con.Toast("the last write to "+p.dev.DeviceID+" is of unknown outcome: its config is read back first (r reads it now)", true)
	}
	w := state.Write{Op: api.OpUpdateConfig, Device: p.dev, Changes: p.Changes}
	lines, err := p.sh.Gate.Confirmation(p.sh.Client, w)
	if err != nil {
		return p.con.Toast(err.Error(), true)
	}
	lines = append(p.collisionLines(w.Changes), lines...)
	if p.dev.Plan == api.PlanHosted {
		lines = append(lines, "", fmt.Sprintf("Then it is read back every %s until the device applies it (up to %s).", Short(VerifyEvery), Short(verifyFor)))
	} else {
		lines = append(lines, "", fmt.Sprintf("Then it is read back at most %d times to see it applied (1 call each).", verifyReadsNonHosted))
	}
	p.con.Ask(look.NewQuestion("Write to "+p.dev.DeviceID+" "+look.Clean(p.dev.Name), lines, "Send "+look.Plural(len(p.Changes), "change")+"?",
		"send", "cancel", func(yes bool) tea.Cmd {
			if !yes {
				return p.con.Toast("not sent: the changes stay staged", false)
			}
			return p.SendWrite(w)
		}))
	return nil
}

// SendWrite hands a write to the engine's one gate: its outcome comes
// back with the engine's changes, to this console and every other that
// looks at the device. The same write asked by another console while it
// is out is joined, not sent again.
func (p *ConfigPane) SendWrite(w state.Write) tea.Cmd {
	if p.sh.View == nil {
		return p.con.Toast("no API key in use: nothing can be sent", true)
	}
	seq := p.sh.View.Submit(w)
	p.sh.Writes[w.Device.DeviceID] = &ConfigWrite{Dev: w.Device, Seq: seq, Sending: true, Sent: w.Changes}
	return nil
}

// WriteOutcome is the pane's message for a write's outcome the engine told.
func WriteOutcome(v *live.View, o live.WriteOutcome, at time.Time) ConfigSentMsg {
	mine := o.Mine(v)
	return ConfigSentMsg{W: o.Write, Seq: o.Seq, Mine: mine, Leader: mine && o.Askers[0] == v.ID(),
		Res: o.Result, err: o.Err, At: at}
}

func (p *ConfigPane) OnConfigSent(msg ConfigSentMsg) tea.Cmd {
	id := msg.W.Device.DeviceID
	w := p.sh.Writes[id]
	if !msg.Mine {
		return p.othersWrite(msg, w)
	}
	if w == nil || w.Seq != msg.Seq { // sendWrite made it; nothing else removes it while the write is out
		return nil
	}
	w.Sending, w.leader = false, msg.Leader
	switch state.OutcomeOf(msg.err) {
	case api.Taken:
		w.queuedAt, w.until = msg.At, msg.At.Add(verifyFor)
		w.status = "queued " + msg.At.Local().Format("15:04:05") + ": waiting for the device to apply it"
		say := id + ": queued; the device applies it at its next check-in"
		if msg.err != nil || !msg.Res.Queued() {
			say = id + ": " + state.Outcome(msg.Res, msg.err)
		}
		follow := p.verifyLater(id, w)
		if !w.leader {
			follow = nil // the console that asked first reads it back, for all
		}
		return tea.Batch(p.sentThrough(id, msg.W.Changes), p.con.Toast(say, msg.err != nil), follow)
	case api.Unknown:
		w.unknown = true
		if !w.leader {
			w.status, w.isErr = "outcome unknown ("+briefly(msg.err)+"): the console that sent it first reads the config back", true
			return p.con.Toast(id+": outcome unknown: r reads the config back", true)
		}
		w.status, w.isErr = "outcome unknown ("+briefly(msg.err)+"): reading the config back", true
		return tea.Batch(p.con.Toast(id+": outcome unknown: reading the config back before offering to send again", true),
			p.costlyRead(msg.W.Device, readBackOf, "The write's outcome is unknown: read the config back?"))
	}
	if p.con.KeyRefused(msg.err, "Your staged changes are kept.") {
		delete(p.sh.Writes, id)
		return nil
	}
	w.status, w.isErr = state.Outcome(msg.Res, msg.err), true
	if p.dev.DeviceID == id {
		p.problem = w.status
	}
	return p.con.Toast(id+": "+state.Outcome(msg.Res, msg.err)+" · the changes stay staged", true)
}

// othersWrite follows a write another console sent to a device: queued,
// it shows here as queued until the console that sent it tells how it
// settled; of unknown outcome, nothing is sent here until it is read
// back. A write this console has out for the device is left alone.
func (p *ConfigPane) othersWrite(msg ConfigSentMsg, w *ConfigWrite) tea.Cmd {
	id := msg.W.Device.DeviceID
	if w != nil && w.Sending {
		return nil
	}
	o := &ConfigWrite{Dev: msg.W.Device, Seq: msg.Seq, Sent: msg.W.Changes, other: true, who: look.Clean(msg.W.Who)}
	switch state.OutcomeOf(msg.err) {
	case api.Taken:
		o.queuedAt, o.until = msg.At, msg.At.Add(verifyFor)
		o.status = "queued " + msg.At.Local().Format("15:04:05") + " by another console" + o.by() + ": waiting for the device to apply it"
	case api.Unknown:
		o.unknown, o.isErr = true, true
		o.status = "another console's write" + o.by() + " is of unknown outcome (" + briefly(msg.err) + "): r reads the config back"
	default:
		return nil // not sent: the console that asked says why
	}
	p.sh.Writes[id] = o
	if p.dev.DeviceID != id {
		return nil
	}
	return p.con.Toast(id+": another console's change: "+strings.ToLower(o.status[:1])+o.status[1:], o.unknown)
}

// settled tells every console how the write this console reads back
// settled.
func (p *ConfigPane) settled(id string, w *ConfigWrite, applied bool, at time.Time) {
	if w.leader && p.sh.View != nil {
		p.sh.View.Settle(live.Settled{Seq: w.Seq, DeviceID: id, Applied: applied, Status: w.status, At: at})
	}
}

// onSettled takes how another console saw a write settle.
func (p *ConfigPane) onSettled(s live.Settled) tea.Cmd {
	w := p.sh.Writes[s.DeviceID]
	if w == nil || w.Seq != s.Seq || w.leader {
		return nil
	}
	unknown := w.unknown
	w.unknown, w.isErr, w.status = false, false, s.Status
	if w.other {
		w.status += " · sent by another console" + w.by()
	}
	if !s.Applied {
		w.until = time.Time{}
		return nil
	}
	w.appliedAt = s.At
	var cmd tea.Cmd
	if unknown && !w.other {
		cmd = p.sentThrough(s.DeviceID, w.Sent)
	}
	if p.dev.DeviceID != s.DeviceID {
		return cmd
	}
	return tea.Batch(cmd, p.con.Toast(s.DeviceID+": "+w.status, false))
}

// sentThrough drops what a write sent from the device's staged changes
// and its draft; what was staged or edited while it was out stays.
func (p *ConfigPane) sentThrough(id string, sent []state.Change) tea.Cmd {
	if p.dev.DeviceID == id {
		p.Changes, p.undo = state.Unsent(p.Changes, sent), nil
		p.refreshKeys()
		return p.saveDraft()
	}
	if p.sh.StateDir == "" {
		return nil
	}
	d, ok, err := p.sh.loadDraft(id)
	if err != nil {
		return p.con.Toast("could not update the draft of "+id+": "+err.Error(), true)
	}
	if !ok {
		return nil
	}
	d.Changes = state.Unsent(d.Changes, sent)
	return p.sh.saveDraft(d)
}

func (p *ConfigPane) verifyLater(id string, w *ConfigWrite) tea.Cmd {
	every := p.ReadBackEvery(w.hosted())
	w.nextRead = p.sh.Now().Add(every)
	return tea.Tick(every, func(time.Time) tea.Msg { return toConfig(verifyTickMsg{id: id}) })
}

// ReadBackEvery spaces the read-backs of a write: a non-Hosted device's
// few reads are spread over the whole verifyFor. The ratio is taken
// first: two durations multiplied overflow.
func (p *ConfigPane) ReadBackEvery(hosted bool) time.Duration {
	if hosted {
		return p.Every
	}
	return p.Every * (verifyFor / verifyReadsNonHosted / VerifyEvery)
}

func (p *ConfigPane) onVerifyTick(id string) tea.Cmd {
	w := p.sh.Writes[id]
	if w == nil || w.Sending || !w.appliedAt.IsZero() || w.until.IsZero() {
		return nil
	}
	now := p.sh.Now()
	if until, _ := p.sh.Sched.Backoff(now); !until.IsZero() {
		return p.verifyLater(id, w) // the network or the quota holds reads back
	}
	if !w.hosted() && w.reads >= verifyReadsNonHosted {
		return nil
	}
	w.reads, w.nextRead = w.reads+1, time.Time{}
	if w.unknown {
		return p.readConfig(id, readBackOf)
	}
	return p.readConfig(id, verified)
}

func (p *ConfigPane) onVerifyRead(msg ConfigRead, w *ConfigWrite) tea.Cmd {
	if w == nil {
		return nil
	}
	if p.dev.DeviceID == msg.ID && msg.err == nil {
		p.Loaded(msg.Resp, nil, msg.At)
	}
	switch {
	case msg.err == nil && msg.Resp.Synced && state.Holds(msg.Resp.Config, w.Sent):
		w.appliedAt, w.isErr = msg.At, false
		w.status = "applied at " + msg.At.Local().Format("15:04:05")
		p.settled(msg.ID, w, true, msg.At)
		return p.con.Toast(msg.ID+": applied at "+msg.At.Local().Format("15:04"), false)
	case msg.At.After(w.until) || (!w.hosted() && w.reads >= verifyReadsNonHosted):
		w.until = time.Time{}
		w.status = "not yet applied (last read " + msg.At.Local().Format("15:04") + "): r reads it again"
		p.settled(msg.ID, w, false, msg.At)
		return p.con.Toast(msg.ID+": not yet applied", false)
	case msg.err != nil:
		w.status = "could not read it back (" + msg.err.Error() + "): trying again"
	}
	return p.verifyLater(msg.ID, w)
}

// settleByRead lets any read of a device's config (the user's r, the
// pane opening) settle its write: an unknown outcome is decided by it,
// and a queued change seen synced is applied.
func (p *ConfigPane) settleByRead(msg ConfigRead, w *ConfigWrite) (tea.Cmd, bool) {
	switch {
	case w == nil || msg.err != nil:
		return nil, false
	case w.unknown:
		return p.OnReadBack(msg, w), true
	case w.waiting() && msg.Resp.Synced && state.Holds(msg.Resp.Config, w.Sent):
		return p.onVerifyRead(msg, w), true
	}
	return nil, false
}

// ReadAgainOnline reads again, once the connection is back, what could
// not be read while it was down: the pane's device, and the config that
// was to settle a write of unknown outcome. Only Hosted devices are read
// by themselves: a read costs them nothing.
func (p *ConfigPane) ReadAgainOnline() tea.Cmd {
	var cmds []tea.Cmd
	now := p.sh.Now()
	// a network failure only (a 5xx may be the device's own), and not
	// more often than the read-backs go
	if p.dev.DeviceID != "" && !p.loading && api.StatusOf(p.readErr) == 0 && api.IsUnavailable(p.readErr) &&
		p.dev.Plan == api.PlanHosted && now.Sub(p.triedAt) >= p.Every {
		p.loading, p.triedAt = true, now
		cmds = append(cmds, p.readConfig(p.dev.DeviceID, loadedAgain))
	}
	for id, w := range p.sh.Writes {
		if w.unknown && w.readFailed && w.hosted() {
			w.readFailed = false
			w.status = "outcome unknown: reading the config back now the connection is back"
			cmds = append(cmds, p.readConfig(id, readBackOf))
		}
	}
	return tea.Batch(cmds...)
}

// OnReadBack decides, after a write of unknown outcome, whether it went
// through, and only then offers to send again.
func (p *ConfigPane) OnReadBack(msg ConfigRead, w *ConfigWrite) tea.Cmd {
	if w == nil {
		return nil
	}
	if msg.err != nil {
		w.readFailed = true
		w.status = "outcome unknown, and the config could not be read back (" + briefly(msg.err) + "): read again when the connection returns · r reads it now"
		return nil
	}
	w.readFailed = false
	says := state.ReadBack(true, msg.Resp, w.Sent)
	audit := settleAudit(p.sh, msg.At, p.profile, msg.ID, says)
	if says == state.ReadBackApplied {
		w.unknown, w.isErr, w.status = false, false, "the device has the new values: the write went through"
		w.appliedAt = msg.At
		p.settled(msg.ID, w, true, msg.At)
		return tea.Batch(audit, p.sentThrough(msg.ID, w.Sent), p.con.Toast(msg.ID+": the write went through after all", false))
	}
	if says == state.ReadBackWait && w.hosted() {
		// a change waits at the server for the device: most likely this
		// one; read again until the device takes it or shows it did not
		if w.until.IsZero() {
			w.until = msg.At.Add(verifyFor)
		}
		if msg.At.Before(w.until) {
			w.status = "outcome unknown: a change waits at the server for the device (not synced); reading back until it shows"
			return p.verifyLater(msg.ID, w)
		}
	}
	w.unknown = false
	dev, sent := w.Dev, w.Sent
	w.isErr = false
	if w.other { // another console's: it is not this one's to send again
		w.status = "read back: the config does not show another console's change (synced: " + fmt.Sprint(msg.Resp.Synced) + ")"
		return audit
	}
	w.status = "read back: the config does not show the change (synced: " + fmt.Sprint(msg.Resp.Synced) + "); it stays staged"
	p.settled(msg.ID, w, false, msg.At)
	why := "does not have the new values, and nothing waits at the server: it was not taken."
	if !msg.Resp.Synced {
		why = "does not have the new values (not synced: a queued change may still be waiting)."
	}
	p.con.Ask(look.NewQuestion("The write to "+msg.ID+" may not have happened", append([]string{
		"The server did not answer the write clearly, and the config read back",
		why, "Sending again sends the same values.", ""}, state.DiffLines(sent)...),
		"Send it again?", "send again", "keep it staged", func(yes bool) tea.Cmd {
			if !yes {
				return p.con.Toast("not sent again: the changes stay staged", false)
			}
			return p.SendWrite(state.Write{Op: api.OpUpdateConfig, Device: dev, Changes: sent})
		}))
	return audit
}

// askAddKey asks for a new setting and its value.
func (p *ConfigPane) askAddKey() tea.Cmd {
	p.con.Ask(look.NewTextPrompt("New setting of "+p.dev.DeviceID, []string{
		"A dotted key and its value, e.g.  serial1.baud = 9600",
		"Numbers, true/false and null are typed as such; anything else is text."}, "key = value › ", "",
		func(value string, ok bool) (tea.Cmd, error) {
			if !ok {
				return nil, nil
			}
			k, v, err := state.ParseAssignment(value)
			if err != nil {
				return nil, err
			}
			if v, exists := p.cfg.Get(k); exists {
				if _, group := v.(api.Config); group {
					return nil, fmt.Errorf("%s is a group of settings: add a key inside it, e.g. %s.NAME = value", k, k)
				}
				return nil, fmt.Errorf("%s exists: close this and edit it with enter", k)
			}
			probe := p.cfg.Clone()
			if err := probe.Set(k, true); err != nil {
				return nil, err
			}
			cmd := p.Stage(state.Change{Key: k, New: state.GuessValue(v), Added: true})
			if i := slices.Index(p.keys, k); i >= 0 {
				p.cursor = i
				p.follow()
			}
			return cmd, nil
		}))
	return nil
}

// editorCommand is $VISUAL, else $EDITOR, else vi, with its arguments.
func editorCommand() []string {
	for _, v := range []string{"VISUAL", "EDITOR"} {
		if f := strings.Fields(os.Getenv(v)); len(f) > 0 {
			return f
		}
	}
	return []string{"vi"}
}

// runEditor hands the whole tree, with the staged changes, to the user's
// editor; what comes back is diffed against the device's config.
func (p *ConfigPane) runEditor() tea.Cmd {
	text := p.editorText
	if text == "" {
		tree := p.cfg.Clone()
		for _, c := range p.Changes {
			_ = tree.Set(c.Key, c.New)
		}
		text = configJSON(tree)
	}
	f, err := os.CreateTemp("", "sqc-config-"+p.dev.DeviceID+"-*.json")
	if err != nil {
		return p.con.Toast("could not make a file for the editor: "+err.Error(), true)
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return p.con.Toast("could not write the file for the editor: "+err.Error(), true)
	}
	argv := append(editorCommand(), f.Name())
	id, path := p.dev.DeviceID, f.Name()
	return tea.ExecProcess(exec.Command(argv[0], argv[1:]...), func(err error) tea.Msg {
		return toConfig(editorDoneMsg{id: id, path: path, err: err})
	})
}

func (p *ConfigPane) onEditorDone(msg editorDoneMsg) tea.Cmd {
	b, rerr := os.ReadFile(msg.path)
	os.Remove(msg.path)
	if p.dev.DeviceID != msg.id {
		return nil
	}
	switch {
	case rerr != nil:
		return p.con.Toast("could not read back what the editor wrote: "+rerr.Error(), true)
	case msg.err != nil:
		p.editorText = string(b)
		return p.con.Toast("the editor failed ("+msg.err.Error()+"): nothing changed; E opens your text again", true)
	}
	text := string(b)
	edited, err := decodeEdited(text)
	if err != nil {
		p.editorText, p.problem = text, err.Error()+" · E opens your text again"
		return p.con.Toast("the JSON does not parse: "+err.Error(), true)
	}
	changes, removed := state.ChangesFrom(p.cfg, edited)
	for _, c := range changes {
		if !c.Added && state.KindOf(c.Old) != state.KindOf(c.New) {
			p.editorText = text
			p.problem = fmt.Sprintf("%s takes %s; the edit gave %s · E opens your text again", c.Key, article(state.KindOf(c.Old)), article(state.KindOf(c.New)))
			return p.con.Toast(p.problem, true)
		}
	}
	p.editorText, p.problem = "", ""
	cmd := p.replace(changes)
	note := fmt.Sprintf("%s staged from the editor", look.Plural(len(changes), "change"))
	if len(removed) > 0 {
		note += "; a change cannot remove settings, so these stay: " + strings.Join(removed, ", ")
	}
	return tea.Batch(cmd, p.con.Toast(note, len(removed) > 0))
}

func article(kind string) string {
	if kind == "true or false" {
		return kind
	}
	return "a " + kind
}

// configJSON is the tree as the editor shows it.
func configJSON(c api.Config) string {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return "{}\n"
	}
	return string(b) + "\n"
}

// decodeEdited reads what came back from the editor: one JSON object. An
// error names the line and column, and shows the line as written.
func decodeEdited(text string) (api.Config, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, located(text, err)
	}
	if raw == nil {
		return nil, errors.New("the file must hold one JSON object, { … }")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, located(text, &json.SyntaxError{Offset: dec.InputOffset()}, "text after the closing }")
	}
	return api.DecodeConfig([]byte(text))
}

// located says where in text a decoding error is: line:column and the line.
func located(text string, err error, what ...string) error {
	var off int64 = -1
	msg := err.Error()
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off, msg = te.Offset, "the file must hold one JSON object, { … }"
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		off, msg = int64(len(text)), "the JSON ends early: a { or [ is not closed"
	}
	if len(what) > 0 {
		msg = what[0]
	}
	if off < 0 {
		return errors.New(msg)
	}
	off = min(off, int64(len(text)))
	before := text[:off]
	line := strings.Count(before, "\n") + 1
	start := strings.LastIndexByte(before, '\n') + 1
	col := int(off) - start
	if col == 0 && line > 1 && off > 0 { // the offset is past a line's end
		line--
		start = strings.LastIndexByte(text[:start-1], '\n') + 1
		col = int(off) - start
	}
	end := strings.IndexByte(text[start:], '\n')
	if end < 0 {
		end = len(text) - start
	}
	return fmt.Errorf("line %d:%d: %s: %s", line, max(1, col), msg, strings.TrimSpace(look.Clean(text[start:start+end])))
}
