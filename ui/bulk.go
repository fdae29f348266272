package ui

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"sqc/api"
	"sqc/state"
)

// bulkPane changes the same settings on many devices: the settings are
// typed against the first marked device's config, confirmed with the
// count of devices, then sent one device at a time within the account's
// rate and what is left of the day's quota, with a line per device.
type bulkPane struct {
	sh      *shared
	w, h    int
	devices []api.Device // the marked devices, in list order
	cfg     api.Config   // the first device's config: it types the values
	reading bool
	changes []state.Change

	job *state.BulkJob
	// run decides what is sent and read back, and when: the rules
	// `sqc config set` sends by too.
	run         *state.BulkRun
	blocked     string // why the run waits, as the runner said
	bar         progress.Model
	scroll      scroller
	cursor      int // the job's row read whole: a row wider than the pane wraps
	status      string
	isErr       bool
	readingBack bool // a read-back is out: its answer goes on with the next
}

func newBulkPane(sh *shared) *bulkPane {
	return &bulkPane{sh: sh, bar: progress.New(progress.WithWidth(30), progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'))}
}

// open starts an editor for the marked devices.
func (p *bulkPane) open(devices []api.Device) {
	*p = bulkPane{sh: p.sh, w: p.w, h: p.h, devices: devices, bar: p.bar, reading: true}
}

// resume takes up a job: one that stopped before its end reads back what
// it left unsettled (the device out at the stop, those queued).
func (p *bulkPane) resume(j *state.BulkJob, now time.Time, again time.Duration) {
	*p = bulkPane{sh: p.sh, w: p.w, h: p.h, job: j, changes: j.Changes, bar: p.bar, run: state.NewBulkRun(j, now, again, verifyFor)}
}

func (p *bulkPane) toReadBack() int {
	if p.run == nil {
		return 0
	}
	return p.run.ToReadBack()
}

func (p *bulkPane) setSize(w, h int) {
	p.w, p.h = w, h
	p.bar.SetWidth(max(10, min(40, w-30)))
}

func (p *bulkPane) typing() bool { return false }

func (p *bulkPane) hints() []hint {
	k := p.sh.keys
	if p.job == nil {
		out := []hint{{b: key.NewBinding(key.WithKeys("+"), key.WithHelp("+", "setting to change")), prio: 8}}
		if len(p.changes) > 0 {
			out = append(out, hint{b: k.Write, desc: "send to them all", prio: 9}, h(k.Undo, 6))
		}
		return out
	}
	var out []hint
	if !p.job.Finished() && !p.run.Stopping {
		desc := "pause"
		if p.run.Paused || p.run.KeyStopped || p.blocked != "" {
			desc = "resume"
		}
		out = append(out, hint{b: k.Pause, desc: desc, prio: 9}, hint{b: k.Stop, desc: "stop", prio: 8})
	}
	return append(out, hint{b: k.Export, desc: "export results", prio: 7}, h(k.Down, 3))
}

func (p *bulkPane) claims() []key.Binding {
	k := p.sh.keys
	return []key.Binding{k.AddKey, k.Write, k.Undo, k.Pause, k.Export}
}

func (p *bulkPane) helpGroups() []helpGroup {
	k := p.sh.keys
	if p.sh.readOnly {
		return nil
	}
	return []helpGroup{{"bulk change (c with rows marked)", []key.Binding{k.Mark, k.MarkAll, k.AddKey, k.Write, k.Pause, k.Stop, k.Export}}}
}

// bulkMsgs: the console confirms and sends; the pane shows.
type bulkStepMsg struct {
	job *state.BulkJob
	i   int
	res api.Result
	err error
	at  time.Time
}

type bulkNextMsg struct{ job *state.BulkJob }

type bulkVerifyMsg struct{ job *state.BulkJob }

func (p *bulkPane) key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := p.sh.keys
	if p.job == nil {
		if matches(msg, k.Undo) && len(p.changes) > 0 {
			p.changes = p.changes[:len(p.changes)-1]
			return true, nil
		}
		return false, nil // + and w are the console's: they ask
	}
	switch {
	case p.moveCursor(msg):
		return true, nil
	case matches(msg, k.Pause) && !p.job.Finished() && !p.run.Stopping:
		if !(p.run.Paused || p.run.KeyStopped || p.blocked != "") {
			p.run.Pause()
			return true, say("bulk change paused: p resumes", false)
		}
		p.run.Resume()
		p.blocked = ""
		job := p.job
		return true, func() tea.Msg { return bulkNextMsg{job: job} }
	case matches(msg, k.Stop) && !p.job.Finished() && !p.run.Stopping && p.run.InFlight:
		p.run.Stop()
		return true, say("stopping after the request in flight", false)
	case matches(msg, k.Stop) && !p.job.Finished() && !p.run.Stopping:
		p.stop()
		return true, nil
	}
	return false, nil
}

// stop ends the job for good: what was not sent stays pending in the job
// file, and no resume sends it.
func (p *bulkPane) stop() {
	err := p.run.Stop()
	p.stopped()
	if err != nil {
		p.status, p.isErr = "the job file could not be written: "+err.Error(), true
	}
}

// stopped says the job was stopped.
func (p *bulkPane) stopped() {
	p.status, p.isErr = fmt.Sprintf("stopped: %d of %d sent, the rest not sent", p.job.Sent(), len(p.job.Items)), false
}

func (p *bulkPane) view() string {
	st := p.sh.st
	var out []string
	if p.job == nil {
		out = append(out, st.title.Render(fmt.Sprintf("Change %s", plural(len(p.devices), "device"))), "")
		switch {
		case p.reading:
			out = append(out, st.dim.Render("reading the first device's config: it types the values…"))
		case p.cfg != nil && len(p.devices) > 0:
			out = append(out, st.dim.Render(fit("values are typed by "+p.devices[0].DeviceID+"'s config", p.w)))
		}
		out = append(out, "")
		if len(p.changes) == 0 {
			out = append(out, "No setting yet: + adds one (key = value).")
		}
		for _, l := range state.DiffLines(p.changes) {
			out = append(out, wrapLines(st.warn, l, p.w)...)
		}
		out = append(out, "", st.title.Render("Devices"))
		for i, d := range p.devices {
			if len(out) >= p.h-1 {
				out = append(out, st.dim.Render(fmt.Sprintf("… and %d more", len(p.devices)-i)))
				break
			}
			out = append(out, fit("  "+d.DeviceID+"  "+clean(d.Name)+st.dim.Render(" · "+d.Plan), p.w))
		}
		if p.status != "" {
			out = append(out, "")
			out = append(out, p.statusLines()...)
		}
		return strings.Join(out[:min(len(out), p.h)], "\n")
	}
	j := p.job
	c := j.Count()
	out = append(out, st.title.Render(fmt.Sprintf("Bulk change · %s", plural(len(j.Items), "device"))))
	for _, l := range state.DiffLines(j.Changes) {
		out = append(out, wrapLines(st.dim, l, p.w)...)
	}
	frac := float64(j.Sent()) / float64(max(1, len(j.Items)))
	phase := "sending"
	switch {
	case j.Finished() && p.toReadBack() > 0:
		phase = "reading back"
	case j.Finished() || j.Cancelled:
		phase = "done"
	case p.run.Stopping:
		phase = "stopping"
	case p.blocked != "":
		phase = "held: " + p.blocked
	case p.run.Paused || p.run.KeyStopped:
		phase = "paused"
	}
	out = append(out, fit(p.bar.ViewAs(frac)+fmt.Sprintf(" %d/%d · %s", j.Sent(), len(j.Items), phase), p.w))
	counts := fmt.Sprintf("queued %d · applied %d · failed %d · skipped %d · pending %d",
		c[state.BulkQueued], c[state.BulkApplied], c[state.BulkFailed], c[state.BulkSkipped], c[state.BulkPending])
	if n := c[state.BulkUnknown]; n > 0 { // first, where a narrow pane does not cut it
		counts = fmt.Sprintf("unknown %d · ", n) + counts
	}
	out = append(out, strings.Split(wrap(counts, p.w), "\n")...)
	out = append(out, p.statusLines()...)
	out = append(out, "")
	return strings.Join(append(out, p.rows(max(1, p.h-len(out)))...), "\n")
}

// moveCursor moves the row under the cursor; false when the key is not a
// movement.
func (p *bulkPane) moveCursor(msg tea.KeyPressMsg) bool {
	k := p.sh.keys
	page := max(1, p.scroll.height-1)
	switch {
	case matches(msg, k.Up):
		p.cursor--
	case matches(msg, k.Down):
		p.cursor++
	case matches(msg, k.PageUp):
		p.cursor -= page
	case matches(msg, k.PageDown):
		p.cursor += page
	case matches(msg, k.Top):
		p.cursor = 0
	case matches(msg, k.Bottom):
		p.cursor = len(p.job.Items) - 1
	default:
		return false
	}
	p.cursor = max(0, min(p.cursor, len(p.job.Items)-1))
	return true
}

// rows are the job's rows in room lines: the row under the cursor is
// whole, wrapped under its device; the others are cut at the pane's edge.
// Only the rows on screen are drawn: a job can hold 50,000 devices.
func (p *bulkPane) rows(room int) []string {
	items := p.job.Items
	if len(items) == 0 {
		return nil
	}
	p.cursor = max(0, min(p.cursor, len(items)-1))
	whole := p.rowLines(p.cursor)
	whole = whole[:min(len(whole), room)]
	p.scroll.height, p.scroll.total = room, len(items)
	// the window keeps the cursor's row and all its lines in sight
	p.scroll.offset = max(p.scroll.offset, p.cursor-(room-len(whole)))
	p.scroll.offset = max(0, min(p.scroll.offset, p.cursor, len(items)-(room-len(whole)+1)))
	var out []string
	for i := p.scroll.offset; i < len(items) && len(out) < room; i++ {
		if i == p.cursor {
			out = append(out, whole...)
			continue
		}
		out = append(out, fit("  "+p.rowText(i), p.w))
	}
	return out[:min(len(out), room)]
}

// rowText is a job's row: device, status, name and what happened.
func (p *bulkPane) rowText(i int) string {
	st := p.sh.st
	it := p.job.Items[i]
	style := st.dim
	switch it.Status {
	case state.BulkQueued, state.BulkSending, state.BulkUnknown:
		style = st.warn
	case state.BulkApplied:
		style = st.ok
	case state.BulkFailed:
		style = st.errText
	}
	line := pad(it.DeviceID, 10) + style.Render(pad(string(it.Status), 8)) + " " + clean(it.Name)
	if it.Message != "" {
		line += st.dim.Render(" · " + it.Message)
	}
	return line
}

// rowLines are the cursor's row, whole: the lines after the first are
// set under the name.
func (p *bulkPane) rowLines(i int) []string {
	const indent = 2 + 10 + 8 + 1 // the marker, the device and the status
	first := p.rowText(i)
	if lipgloss.Width(first)+2 <= p.w || p.w-indent < 20 {
		return []string{fit("▶ "+first, p.w)}
	}
	lines := strings.Split(wrap(first, p.w-2), "\n")
	out := []string{"▶ " + lines[0]}
	rest := strings.Join(lines[1:], " ")
	for _, l := range strings.Split(wrap(rest, p.w-indent), "\n") {
		out = append(out, strings.Repeat(" ", indent)+l)
	}
	return out
}

// problem shows what the runner said went wrong, if anything.
func (p *bulkPane) problem(say string) {
	if say != "" {
		p.status, p.isErr = say, true
	}
}

// statusLines are what the pane says of the job, whole.
func (p *bulkPane) statusLines() []string {
	if p.status == "" {
		return nil
	}
	if p.isErr {
		return wrapLines(p.sh.st.errText, p.status, p.w)
	}
	return strings.Split(wrap(p.status, p.w), "\n")
}

// markedDevices are the marked devices in the list's order, those the
// filter hides included.
func (m *Model) markedDevices() []api.Device {
	var out []api.Device
	for _, d := range m.list.marked() {
		out = append(out, d.Device)
	}
	return out
}

// openBulk starts the bulk editor on the marked devices.
func (m *Model) openBulk() tea.Cmd {
	devs := m.markedDevices()
	if len(devs) == 0 {
		return nil
	}
	p := m.bulk
	if p.job != nil && p.run.InFlight {
		m.showRight(p)
		return m.toast("a bulk change is running: it shows here", false)
	}
	p.open(devs)
	m.showRight(p)
	return m.costlyRead(devs[0], readBulk, "Read the config of "+devs[0].DeviceID+", the first marked device?")
}

// askBulkSetting asks for one setting and its value, typed by the first
// device's config.
func (m *Model) askBulkSetting() tea.Cmd {
	p := m.bulk
	if p.cfg == nil {
		return m.toast("the first device's config is not read yet", true)
	}
	m.dialog = newTextPrompt("A setting to change on "+plural(len(p.devices), "device"), []string{
		"A dotted key of " + p.devices[0].DeviceID + "'s config and its value, e.g.  ambient.warning = 47"}, "key = value › ", "",
		func(value string, ok bool) (tea.Cmd, error) {
			if !ok {
				return nil, nil
			}
			k, v, err := state.ParseAssignment(value)
			if err != nil {
				return nil, err
			}
			old, had := p.cfg.Get(k)
			if !had {
				return nil, fmt.Errorf("%s is not a setting of %s: the bulk editor changes settings the devices have", k, p.devices[0].DeviceID)
			}
			nv, err := state.ParseValue(k, old, v)
			if err != nil {
				return nil, err
			}
			// each device's old value is its own and is not read (each read
			// may cost a call): the change is a new value, even where the
			// first device has it already
			p.changes = state.Stage(p.changes, state.Change{Key: k, New: nv, Added: true})
			return nil, nil
		})
	return nil
}

// askBulkWrite confirms with the devices and their count; above ten
// devices the user types the count.
func (m *Model) askBulkWrite() tea.Cmd {
	p := m.bulk
	if len(p.changes) == 0 {
		return m.toast("nothing to send: + adds a setting", false)
	}
	w := state.Write{Op: api.OpUpdateConfig, Device: p.devices[0], Changes: p.changes}
	if err := m.sh.gate.Check(state.Write{Op: api.OpUpdateConfig}); err != nil {
		return m.toast(err.Error(), true)
	}
	pv, err := m.sh.gate.Preview(m.sh.client, w)
	if err != nil {
		return m.toast(err.Error(), true)
	}
	n := len(p.devices)
	lines := []string{fmt.Sprintf("These settings go to %s, one request each:", plural(n, "device"))}
	for _, l := range state.DiffLines(p.changes) {
		lines = append(lines, "  "+l)
	}
	lines = append(lines, "", "The request, for "+p.devices[0].DeviceID+" (the others alike):")
	lines = append(lines, pv.Lines()...)
	lines = append(lines, "")
	nonHosted := 0
	for _, d := range p.devices {
		if d.Plan != api.PlanHosted {
			nonHosted++
		}
		lines = append(lines, "  "+d.DeviceID+"  "+clean(d.Name)+" · "+d.Plan)
	}
	if nonHosted > 0 {
		are := plural(nonHosted, "device") + " are"
		if nonHosted == 1 {
			are = "1 device is"
		}
		lines = append(lines, "", are+" not Hosted: each write costs 1 of its 50 calls a month; one with none left is skipped.")
	}
	lines = append(lines, "", "Sent within the account's rate limit; p pauses, esc stops after the request in flight.")
	send := func(m *Model) tea.Cmd {
		job := state.NewBulkJob(m.sh.stateDir, m.sh.keyFP, m.cfg.Profile, p.changes, p.devices, m.sh.now())
		p.job, p.run = job, state.NewBulkRun(job, m.sh.now(), m.cfg.VerifyEvery, verifyFor)
		if err := job.Save(); err != nil {
			return m.toast("the job could not be saved, so it could not be resumed: "+err.Error(), true)
		}
		return func() tea.Msg { return bulkNextMsg{job: job} }
	}
	title := fmt.Sprintf("Change %s", plural(n, "device"))
	if n > 10 {
		m.dialog = newTextPrompt(title, lines, fmt.Sprintf("type %d to send › ", n), "", func(value string, ok bool) (tea.Cmd, error) {
			if !ok {
				return m.toast("not sent", false), nil
			}
			if strings.TrimSpace(value) != itoa(n) {
				return nil, fmt.Errorf("type the number of devices, %d, to send; esc cancels", n)
			}
			return send(m), nil
		})
		return nil
	}
	m.dialog = newQuestion(title, lines, "Send to "+plural(n, "device")+"?", "send", "cancel", func(yes bool) tea.Cmd {
		if !yes {
			return m.toast("not sent", false)
		}
		return send(m)
	})
	return nil
}

// bulkNext sends to the next device, unless the job is paused, stopped,
// or held by the quota, the network or the key: the runner decides.
func (m *Model) bulkNext(job *state.BulkJob) tea.Cmd {
	p := m.bulk
	if p.job != job {
		return nil
	}
	now := m.sh.now()
	step := p.run.Next(now, m.bulkPace(now), m.sh.gate.Check)
	if step.Err != nil {
		p.status, p.isErr = step.Err.Error(), true
	}
	switch step.Do {
	case state.BulkFinished:
		p.blocked = ""
		return m.bulkFinished()
	case state.BulkWait:
		p.blocked = step.Why
		return tea.Tick(step.At.Sub(now), func(time.Time) tea.Msg { return bulkNextMsg{job: job} })
	case state.BulkSend:
		p.blocked = ""
	default:
		return nil
	}
	i, w := step.I, step.Write
	g, c, ctx, clock := m.sh.sendGate(w.Device.DeviceID), m.sh.client, m.ctx, m.sh.now
	return func() tea.Msg {
		res, err := g.Send(ctx, c, w)
		return bulkStepMsg{job: job, i: i, res: res, err: err, at: clock()}
	}
}

// bulkPace is the account as the runner needs it at now: the day's
// quota and the scheduler's backoff.
func (m *Model) bulkPace(now time.Time) state.BulkPace {
	var pace state.BulkPace
	if m.sh.sched != nil {
		pace.Backoff, pace.Why = m.sh.sched.Backoff(now)
		pace.Rate = m.sh.sched.Rate(now)
		if m.sh.ledger != nil {
			pace.UsedToday, pace.Daily = m.sh.ledger.UsedToday(now), m.sh.sched.Limits().Daily
		}
	}
	return pace
}

func (m *Model) onBulkStep(msg bulkStepMsg) tea.Cmd {
	p := m.bulk
	if p.job != msg.job {
		return nil
	}
	ans := p.run.Outcome(msg.i, msg.res, msg.err, msg.at)
	job := msg.job
	next := func() tea.Msg { return bulkNextMsg{job: job} }
	switch ans.Then {
	case state.BulkKeyRefused:
		p.status, p.isErr = "the key was refused: the job is kept and resumes after login", true
		p.problem(ans.Say)
		m.keyRefused(msg.err, "The bulk change is kept and resumes after login.")
		return nil
	case state.BulkStopped:
		p.stopped()
		p.problem(ans.Say)
		return nil
	case state.BulkOffline: // the read-backs go on while the network is out
		p.problem(ans.Say)
		return tea.Batch(m.startReadBacks(), next)
	}
	p.problem(ans.Say)
	return next
}

// bulkFinished says how it went and starts reading back the Hosted devices.
func (m *Model) bulkFinished() tea.Cmd {
	p := m.bulk
	p.status, p.isErr = p.summary(), p.job.Count()[state.BulkFailed] > 0
	return tea.Batch(m.toast("bulk change: "+p.status, p.isErr), m.startReadBacks())
}

func (p *bulkPane) summary() string {
	c := p.job.Count()
	s := fmt.Sprintf("done: %d queued, %d failed, %d skipped", c[state.BulkQueued], c[state.BulkFailed], c[state.BulkSkipped])
	if n := c[state.BulkApplied]; n > 0 {
		s = fmt.Sprintf("done: %d applied, %d queued, %d failed, %d skipped", n, c[state.BulkQueued], c[state.BulkFailed], c[state.BulkSkipped])
	}
	if n := c[state.BulkUnknown]; n > 0 {
		s += fmt.Sprintf(", %d unknown", n)
	}
	return s + " · e exports the results"
}

// startReadBacks starts the read-backs of the job, unless they are going.
func (m *Model) startReadBacks() tea.Cmd {
	p := m.bulk
	if p.run == nil || !p.run.StartReadBacks(m.sh.now()) {
		return nil
	}
	job := p.job
	return func() tea.Msg { return bulkVerifyMsg{job: job} }
}

// bulkVerify reads back the device whose turn it is, at the budget's pace,
// as the runner says: one read at a time, each device again only after
// the read-back interval.
func (m *Model) bulkVerify(job *state.BulkJob) tea.Cmd {
	p := m.bulk
	if p.job != job || p.readingBack {
		return nil
	}
	now := m.sh.now()
	next := p.run.NextRead(now, m.bulkPace(now))
	switch {
	case next.Ended:
		return m.readBacksEnded()
	case next.ID == "" && next.Wait > 0:
		return tea.Tick(next.Wait, func(time.Time) tea.Msg { return bulkVerifyMsg{job: job} })
	case next.ID == "":
		return nil
	}
	i := next.I
	p.readingBack = true
	read := m.readConfig(next.ID, readBulkVerify)
	return func() tea.Msg {
		msg := read().(configReadMsg)
		msg.item = i
		return msg
	}
}

// readBacksEnded marks the job settled: every device read back was seen,
// or the time for it ran out; a resume no longer reads them.
func (m *Model) readBacksEnded() tea.Cmd {
	p := m.bulk
	all, say := p.run.EndReadBacks(short(verifyFor))
	p.problem(say)
	if all {
		return m.toast("bulk change: every queued Hosted device has applied it", false)
	}
	return nil
}

func (m *Model) onBulkVerifyRead(msg configReadMsg) tea.Cmd {
	p := m.bulk
	if p.job == nil || msg.item >= len(p.job.Items) || p.job.Items[msg.item].DeviceID != msg.id {
		return nil
	}
	p.readingBack = false
	if msg.err == nil {
		audit := func(id string, says state.ReadBackSays) error {
			return m.sh.gate.Audit.Settled(msg.at, m.cfg.Profile, id, api.OpUpdateConfig, says)
		}
		if settled, say := p.run.ReadAnswer(msg.item, msg.resp, msg.at, audit); settled {
			if p.job.Finished() { // a resume reads back while it sends: "done" is for the end
				p.status = p.summary()
			}
			p.problem(say)
		}
	}
	return m.bulkVerify(p.job)
}

// exportBulk asks where to write the job's results, as CSV; failed is a
// name that could not be written, asked again with why.
func (m *Model) exportBulk(failed string, why ...string) tea.Cmd {
	j := m.bulk.job
	if j == nil {
		return nil
	}
	var b bytes.Buffer
	if err := j.WriteCSV(&b); err != nil {
		return m.toast("export failed: "+err.Error(), true)
	}
	n := len(j.Items)
	name := failed
	if name == "" {
		name = tildePath(filepath.Join(exportDir(), "sqc-bulk-"+j.ID+".csv"))
	}
	m.dialog = newTextPrompt("Export the results of "+plural(n, "device"), []string{"CSV: a row per device with its outcome."}, "export to › ",
		name, func(value string, ok bool) (tea.Cmd, error) {
			if !ok || strings.TrimSpace(value) == "" {
				return nil, nil
			}
			encode := func(string) ([]byte, error) { return b.Bytes(), nil }
			return exportFile(value, n, encode, func(m *Model, typed, why string) tea.Cmd { return m.exportBulk(typed, why) }), nil
		})
	if len(why) > 0 {
		m.dialog.err = why[0]
	}
	return nil
}

// offerJobs offers to resume a bulk change that stopped before its end.
func (m *Model) offerJobs() tea.Cmd {
	jobs, err := state.UnfinishedJobs(m.cfg.StateDir, m.sh.keyFP)
	if err != nil {
		return m.toast("a saved bulk job could not be read: "+err.Error(), true)
	}
	if len(jobs) == 0 {
		return nil
	}
	j := jobs[len(jobs)-1]
	lines := []string{fmt.Sprintf("Started %s: %d of %d devices sent.", j.Created.Local().Format("Jan 2 15:04"), j.Sent(), len(j.Items))}
	for _, l := range state.DiffLines(j.Changes) {
		lines = append(lines, "  "+l)
	}
	if n := len(j.ToReadBack()); n > 0 {
		lines = append(lines, "", fmt.Sprintf("%s sent before the stop %s read back to see %s applied (a Hosted device's read costs nothing).", plural(n, "device"), map[bool]string{true: "is", false: "are"}[n == 1], map[bool]string{true: "it", false: "them"}[n == 1]))
	}
	lines = append(lines, "Resuming sends to the devices not sent yet; none is sent twice.")
	m.dialog = newQuestion("A bulk change stopped before its end", lines, "Resume it now?", "resume", "later", func(yes bool) tea.Cmd {
		if !yes {
			return m.toast("the bulk change is kept: it is offered again at the next start", false)
		}
		m.bulk.resume(j, m.sh.now(), m.cfg.VerifyEvery)
		m.showRight(m.bulk)
		return tea.Batch(m.startReadBacks(), func() tea.Msg { return bulkNextMsg{job: j} })
	})
	return nil
}

// briefly is a failure in the words a row has room for.
func briefly(err error) string { return state.Briefly(err) }

// resumeAfterLogin takes up a bulk change that a refused key stopped.
func (m *Model) resumeAfterLogin() tea.Cmd {
	p := m.bulk
	if p.job == nil || !p.run.KeyStopped {
		return nil
	}
	p.run.Resume()
	p.status, p.isErr = "resumed after login", false
	job := p.job
	return func() tea.Msg { return bulkNextMsg{job: job} }
}
