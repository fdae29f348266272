package pane

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"sqc/api"
	"sqc/state"
	"sqc/ui/look"
)

// BulkPane changes the same settings on many devices: the settings are
// typed against the first marked device's config, confirmed with the
// count of devices, then sent one device at a time within the account's
// rate and what is left of the day's quota, with a line per device.
type BulkPane struct {
	ctx     context.Context
	sh      *Shared
	con     Console
	profile string
	every   time.Duration // between read-backs of a device
	w, h    int
	devices []api.Device // the marked devices, in list order
	Cfg     api.Config   // the first device's config: it types the values
	Reading bool
	Changes []state.Change

	job *state.BulkJob
	// run decides what is sent and read back, and when: the rules
	// `sqc config set` sends by too.
	run         *state.BulkRun
	blocked     string // why the run waits, as the runner said
	bar         progress.Model
	scroll      look.Scroller
	cursor      int // the job's row read whole: a row wider than the pane wraps
	status      string
	isErr       bool
	readingBack bool // a read-back is out: its answer goes on with the next
	// out is the job's writes the engine has out, by sequence number.
	out map[int]bulkOut
}

func NewBulkPane(ctx context.Context, sh *Shared, con Console, profile string, every time.Duration) *BulkPane {
	return &BulkPane{ctx: ctx, sh: sh, con: con, profile: profile, every: every,
		bar: progress.New(progress.WithWidth(30), progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'))}
}

// fresh is the pane with nothing open: what it was built with and its size.
func (p *BulkPane) fresh() BulkPane {
	return BulkPane{ctx: p.ctx, sh: p.sh, con: p.con, profile: p.profile, every: p.every, w: p.w, h: p.h, bar: p.bar}
}

// Open starts an editor for the marked devices.
func (p *BulkPane) Open(devices []api.Device) {
	*p = p.fresh()
	p.devices, p.Reading = devices, true
}

// Resume takes up a job: one that stopped before its end reads back what
// it left unsettled (the device out at the stop, those queued).
func (p *BulkPane) Resume(j *state.BulkJob, now time.Time, again time.Duration) {
	*p = p.fresh()
	p.job, p.Changes, p.run = j, j.Changes, state.NewBulkRun(j, now, again, verifyFor)
}

func (p *BulkPane) toReadBack() int {
	if p.run == nil {
		return 0
	}
	return p.run.ToReadBack()
}

func (p *BulkPane) SetSize(w, h int) {
	p.w, p.h = w, h
	p.bar.SetWidth(max(10, min(40, w-30)))
}

func (p *BulkPane) Typing() bool { return false }

// Hints are the keys the pane offers now, and those it takes without
// offering them (unoffered): those are the pane's here, not the console's.
func (p *BulkPane) Hints() []look.Hint {
	k := p.sh.Keys
	if p.job == nil {
		out := []look.Hint{{B: key.NewBinding(key.WithKeys("+"), key.WithHelp("+", "setting to change")), Prio: 8}}
		if len(p.Changes) > 0 {
			return append(out, look.Hint{B: k.Write, Desc: "send to them all", Prio: 9}, look.KeyHint(k.Undo, 6), look.Unoffered(k.Pause, k.Export))
		}
		return append(out, look.Unoffered(k.Write, k.Undo, k.Pause, k.Export))
	}
	out := []look.Hint{look.Unoffered(k.AddKey, k.Write, k.Undo)}
	if !p.job.Finished() && !p.run.Stopping {
		desc := "pause"
		if p.run.Paused || p.run.KeyStopped || p.blocked != "" {
			desc = "resume"
		}
		out = append(out, look.Hint{B: k.Pause, Desc: desc, Prio: 9}, look.Hint{B: k.Stop, Desc: "stop", Prio: 8})
	} else {
		out = append(out, look.Unoffered(k.Pause))
	}
	return append(out, look.Hint{B: k.Export, Desc: "export results", Prio: 7}, look.KeyHint(k.Down, 3))
}

func (p *BulkPane) HelpGroups() []look.HelpGroup {
	k := p.sh.Keys
	if p.sh.ReadOnly {
		return nil
	}
	return []look.HelpGroup{{Title: "bulk change (c with rows marked)", Keys: []key.Binding{k.Mark, k.MarkAll, k.AddKey, k.Write, k.Pause, k.Stop, k.Export}}}
}

// Key takes every key the pane names in its hints: + w u in the editor,
// p esc e while a change runs, and e and the movement keys after.
func (p *BulkPane) Key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	ok, cmd := p.key(msg)
	return ok, tea.Batch(cmd, p.save()) // a stop is written off the console's goroutine
}

func (p *BulkPane) key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := p.sh.Keys
	if p.job == nil {
		switch {
		case look.Matches(msg, k.AddKey):
			return true, p.AskSetting()
		case look.Matches(msg, k.Write):
			return true, p.askWrite()
		case look.Matches(msg, k.Undo) && len(p.Changes) > 0:
			p.Changes = p.Changes[:len(p.Changes)-1]
			return true, nil
		case look.Matches(msg, k.Undo):
			return true, look.Say("nothing to undo", false)
		case look.Matches(msg, k.Pause, k.Export):
			return true, look.Say("nothing is sent yet: w sends the settings", false)
		}
		return false, nil
	}
	switch {
	case p.moveCursor(msg):
		return true, nil
	case look.Matches(msg, k.Export):
		return true, p.export("")
	case look.Matches(msg, k.AddKey, k.Write, k.Undo):
		return true, look.Say("the change is sent as it was confirmed: c with rows marked starts another", false)
	case look.Matches(msg, k.Pause) && (p.job.Finished() || p.run.Stopping):
		return true, nil
	case look.Matches(msg, k.Pause):
		if !(p.run.Paused || p.run.KeyStopped || p.blocked != "") {
			p.run.Pause()
			return true, look.Say("bulk change paused: p resumes", false)
		}
		p.run.Resume()
		p.blocked = ""
		return true, nextOf(p.job)
	case look.Matches(msg, k.Stop) && !p.job.Finished() && !p.run.Stopping && p.run.InFlight:
		p.run.Stop()
		return true, look.Say("stopping after the request in flight", false)
	case look.Matches(msg, k.Stop) && !p.job.Finished() && !p.run.Stopping:
		p.stop()
		return true, nil
	}
	return false, nil
}

// stop ends the job for good: what was not sent stays pending in the
// job, and no resume sends it.
func (p *BulkPane) stop() {
	err := p.run.Stop()
	p.stopped()
	if err != nil {
		p.status, p.isErr = "the job could not be saved: "+err.Error(), true
	}
}

// stopped says the job was stopped.
func (p *BulkPane) stopped() {
	p.status, p.isErr = fmt.Sprintf("stopped: %d of %d sent, the rest not sent", p.job.Sent(), len(p.job.Items)), false
}

func (p *BulkPane) View() string {
	st := p.sh.St
	var out []string
	if p.job == nil {
		out = append(out, st.Title.Render(fmt.Sprintf("Change %s", look.Plural(len(p.devices), "device"))), "")
		switch {
		case p.Reading:
			out = append(out, st.Dim.Render("reading the first device's config: it types the values…"))
		case p.Cfg != nil && len(p.devices) > 0:
			out = append(out, st.Dim.Render(look.Fit("values are typed by "+p.devices[0].DeviceID+"'s config", p.w)))
		}
		out = append(out, "")
		if len(p.Changes) == 0 {
			out = append(out, "No setting yet: + adds one (key = value).")
		}
		for _, l := range state.DiffLines(p.Changes) {
			out = append(out, look.WrapLines(st.Warn, l, p.w)...)
		}
		out = append(out, "", st.Title.Render("Devices"))
		for i, d := range p.devices {
			if len(out) >= p.h-1 {
				out = append(out, st.Dim.Render(fmt.Sprintf("… and %d more", len(p.devices)-i)))
				break
			}
			out = append(out, look.Fit("  "+d.DeviceID+"  "+look.Clean(d.Name)+st.Dim.Render(" · "+d.Plan), p.w))
		}
		if p.status != "" {
			out = append(out, "")
			out = append(out, p.statusLines()...)
		}
		return strings.Join(out[:min(len(out), p.h)], "\n")
	}
	j := p.job
	c := j.Count()
	out = append(out, st.Title.Render(fmt.Sprintf("Bulk change · %s", look.Plural(len(j.Items), "device"))))
	for _, l := range state.DiffLines(j.Changes) {
		out = append(out, look.WrapLines(st.Dim, l, p.w)...)
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
	out = append(out, look.Fit(p.bar.ViewAs(frac)+fmt.Sprintf(" %d/%d · %s", j.Sent(), len(j.Items), phase), p.w))
	counts := fmt.Sprintf("queued %d · applied %d · failed %d · skipped %d · pending %d",
		c[state.BulkQueued], c[state.BulkApplied], c[state.BulkFailed], c[state.BulkSkipped], c[state.BulkPending])
	if n := c[state.BulkUnknown]; n > 0 { // first, where a narrow pane does not cut it
		counts = fmt.Sprintf("unknown %d · ", n) + counts
	}
	out = append(out, strings.Split(look.Wrap(counts, p.w), "\n")...)
	out = append(out, p.statusLines()...)
	out = append(out, "")
	return strings.Join(append(out, p.rows(max(1, p.h-len(out)))...), "\n")
}

// moveCursor moves the row under the cursor; false when the key is not a
// movement.
func (p *BulkPane) moveCursor(msg tea.KeyPressMsg) bool {
	k := p.sh.Keys
	page := max(1, p.scroll.Height-1)
	switch {
	case look.Matches(msg, k.Up):
		p.cursor--
	case look.Matches(msg, k.Down):
		p.cursor++
	case look.Matches(msg, k.PageUp):
		p.cursor -= page
	case look.Matches(msg, k.PageDown):
		p.cursor += page
	case look.Matches(msg, k.Top):
		p.cursor = 0
	case look.Matches(msg, k.Bottom):
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
func (p *BulkPane) rows(room int) []string {
	items := p.job.Items
	if len(items) == 0 {
		return nil
	}
	p.cursor = max(0, min(p.cursor, len(items)-1))
	whole := p.rowLines(p.cursor)
	whole = whole[:min(len(whole), room)]
	p.scroll.Height, p.scroll.Total = room, len(items)
	// the window keeps the cursor's row and all its lines in sight
	p.scroll.Offset = max(p.scroll.Offset, p.cursor-(room-len(whole)))
	p.scroll.Offset = max(0, min(p.scroll.Offset, p.cursor, len(items)-(room-len(whole)+1)))
	var out []string
	for i := p.scroll.Offset; i < len(items) && len(out) < room; i++ {
		if i == p.cursor {
			out = append(out, whole...)
			continue
		}
		out = append(out, look.Fit("  "+p.rowText(i), p.w))
	}
	return out[:min(len(out), room)]
}

// rowText is a job's row: device, status, name and what happened.
func (p *BulkPane) rowText(i int) string {
	st := p.sh.St
	it := p.job.Items[i]
	style := st.Dim
	switch it.Status {
	case state.BulkQueued, state.BulkSending, state.BulkUnknown:
		style = st.Warn
	case state.BulkApplied:
		style = st.Ok
	case state.BulkFailed:
		style = st.ErrText
	}
	line := look.Pad(it.DeviceID, 10) + style.Render(look.Pad(string(it.Status), 8)) + " " + look.Clean(it.Name)
	if it.Message != "" {
		line += st.Dim.Render(" · " + it.Message)
	}
	return line
}

// rowLines are the cursor's row, whole: the lines after the first are
// set under the name.
func (p *BulkPane) rowLines(i int) []string {
	const indent = 2 + 10 + 8 + 1 // the marker, the device and the status
	first := p.rowText(i)
	if lipgloss.Width(first)+2 <= p.w || p.w-indent < 20 {
		return []string{look.Fit("▶ "+first, p.w)}
	}
	lines := strings.Split(look.Wrap(first, p.w-2), "\n")
	out := []string{"▶ " + lines[0]}
	rest := strings.Join(lines[1:], " ")
	for _, l := range strings.Split(look.Wrap(rest, p.w-indent), "\n") {
		out = append(out, strings.Repeat(" ", indent)+l)
	}
	return out
}

// problem shows what the runner said went wrong, if anything.
func (p *BulkPane) problem(say string) {
	if say != "" {
		p.status, p.isErr = say, true
	}
}

// statusLines are what the pane says of the job, whole.
func (p *BulkPane) statusLines() []string {
	if p.status == "" {
		return nil
	}
	if p.isErr {
		return look.WrapLines(p.sh.St.ErrText, p.status, p.w)
	}
	return strings.Split(look.Wrap(p.status, p.w), "\n")
}

// briefly is a failure in the words a row has room for.
func briefly(err error) string { return state.Briefly(err) }
