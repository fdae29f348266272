package pane

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
	"sqc/state/live"
	"sqc/ui/look"
)

// The bulk change's own answers: the first device's config, each send,
// the runner's next step and the read-backs, which reach the pane through
// the console's router (Msg).

type (
	// bulkConfigMsg is the first marked device's config, which types the
	// values of a bulk change.
	bulkConfigMsg struct{ ConfigRead }
	// bulkReadBack is a read-back of the job's device item, until it
	// applies the change.
	bulkReadBack struct {
		ConfigRead
		item int
	}
	bulkStepMsg struct {
		job *state.BulkJob
		i   int
		Res api.Result
		Err error
		at  time.Time
	}
	bulkNextMsg   struct{ job *state.BulkJob }
	bulkVerifyMsg struct{ job *state.BulkJob }
	// bulkMarkedMsg says device i's "sending" mark is on the disk (err
	// nil): its write may leave.
	bulkMarkedMsg struct {
		job *state.BulkJob
		i   int
		w   state.Write
		err error
	}
	// bulkSavedMsg is how a save of the job's went, off the console's
	// goroutine.
	bulkSavedMsg struct {
		job *state.BulkJob
		err error
	}
	// bulkJobsMsg are the jobs that stopped before their end, found at
	// start; err says which could not be read.
	bulkJobsMsg struct {
		jobs []*state.BulkJob
		err  error
	}
)

// PaneBulk is where the bulk change's answers go.
const PaneBulk ID = "bulk"

func toBulk(msg tea.Msg) tea.Msg { return Msg{To: PaneBulk, Msg: msg} }

func readBulk(r ConfigRead) tea.Msg { return toBulk(bulkConfigMsg{r}) }

// nextOf asks the runner for the job's next step.
func nextOf(job *state.BulkJob) tea.Cmd {
	return func() tea.Msg { return toBulk(bulkNextMsg{job: job}) }
}

// Update folds the pane's own answers; what they changed in the job is
// written off the console's goroutine (save).
func (p *BulkPane) Update(msg tea.Msg) tea.Cmd {
	cmd := p.update(msg)
	return tea.Batch(cmd, p.save())
}

func (p *BulkPane) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case bulkJobsMsg:
		return p.offerJobs(msg.jobs, msg.err)
	case bulkMarkedMsg:
		return p.onMarked(msg)
	case bulkSavedMsg:
		if msg.err != nil && msg.job == p.job {
			say := "the job could not be saved (" + msg.err.Error() + "): it is written with the next save"
			if p.run != nil && p.run.Paused {
				say += "; nothing more is sent until then · p tries again"
			}
			p.problem(say)
		}
		return nil
	case bulkConfigMsg:
		return p.onConfig(msg.ConfigRead)
	case bulkNextMsg:
		return p.Next(msg.job)
	case bulkStepMsg:
		return p.onStep(msg)
	case bulkVerifyMsg:
		return p.verify(msg.job)
	case bulkReadBack:
		p.readingBack = false // whatever came back, the next may go
		if !keyOK(p.con, p.sh, msg.ConfigRead) {
			return nil
		}
		return p.OnReadBack(msg)
	}
	return nil
}

// OpenOn starts the editor on the marked devices, or shows the change
// that is running.
func (p *BulkPane) OpenOn(devs []api.Device) tea.Cmd {
	if len(devs) == 0 {
		return nil
	}
	if p.job != nil && p.run.InFlight {
		p.con.ShowRight(p)
		return p.con.Toast("a bulk change is running: it shows here", false)
	}
	p.Open(devs)
	p.con.ShowRight(p)
	return costlyRead(p.ctx, p.sh, p.con, devs[0], readBulk, "Read the config of "+devs[0].DeviceID+", the first marked device?")
}

func (p *BulkPane) onConfig(r ConfigRead) tea.Cmd {
	if r.skipped != "" {
		p.Reading = false
		p.status, p.isErr = r.skipped+": its config types the values, so nothing is sent; mark a Hosted device first", true
		return nil
	}
	if !keyOK(p.con, p.sh, r) {
		return nil
	}
	p.Reading = false
	if r.err != nil {
		p.status, p.isErr = "could not read the first device's config: "+r.err.Error(), true
		return nil
	}
	p.Cfg = r.Resp.Config
	return nil
}

// AskSetting asks for one setting and its value, typed by the first
// device's config.
func (p *BulkPane) AskSetting() tea.Cmd {
	if p.Cfg == nil {
		return p.con.Toast("the first device's config is not read yet", true)
	}
	p.con.Ask(look.NewTextPrompt("A setting to change on "+look.Plural(len(p.devices), "device"), []string{
		"A dotted key of " + p.devices[0].DeviceID + "'s config and its value, e.g.  ambient.warning = 47"}, "key = value › ", "",
		func(value string, ok bool) (tea.Cmd, error) {
			if !ok {
				return nil, nil
			}
			k, v, err := state.ParseAssignment(value)
			if err != nil {
				return nil, err
			}
			old, had := p.Cfg.Get(k)
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
			p.Changes = state.Stage(p.Changes, state.Change{Key: k, New: nv, Added: true})
			return nil, nil
		}))
	return nil
}

// askWrite confirms with the devices and their count; above ten devices
// the user types the count.
func (p *BulkPane) askWrite() tea.Cmd {
	if len(p.Changes) == 0 {
		return p.con.Toast("nothing to send: + adds a setting", false)
	}
	w := state.Write{Op: api.OpUpdateConfig, Device: p.devices[0], Changes: p.Changes}
	if err := p.sh.Gate.Check(state.Write{Op: api.OpUpdateConfig}); err != nil {
		return p.con.Toast(err.Error(), true)
	}
	pv, err := p.sh.Gate.Preview(p.sh.Client, w)
	if err != nil {
		return p.con.Toast(err.Error(), true)
	}
	n := len(p.devices)
	lines := []string{fmt.Sprintf("These settings go to %s, one request each:", look.Plural(n, "device"))}
	for _, l := range state.DiffLines(p.Changes) {
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
		lines = append(lines, "  "+d.DeviceID+"  "+look.Clean(d.Name)+" · "+d.Plan)
	}
	if nonHosted > 0 {
		are := look.Plural(nonHosted, "device") + " are"
		if nonHosted == 1 {
			are = "1 device is"
		}
		lines = append(lines, "", are+" not Hosted: each write costs 1 of its 50 calls a month; one with none left is skipped.")
	}
	lines = append(lines, "", "Sent within the account's rate limit; p pauses, esc stops after the request in flight.")
	send := func() tea.Cmd {
		if err := p.sh.DBErr; err != nil {
			return p.con.Toast("not sent: the job could not be kept, so a stop could not be resumed ("+err.Error()+")", true)
		}
		job := state.NewBulkJob(p.sh.Store(), p.sh.KeyFP, p.profile, p.Changes, p.devices, p.sh.Now())
		job.SaveLater() // written with the first device's mark, before its write leaves
		p.job, p.run = job, state.NewBulkRun(job, p.sh.Now(), p.every, verifyFor)
		if err := job.Save(); err != nil {
			return p.con.Toast("the job could not be saved, so it could not be resumed: "+err.Error(), true)
		}
		return nextOf(job)
	}
	title := fmt.Sprintf("Change %s", look.Plural(n, "device"))
	if n > 10 {
		p.con.Ask(look.NewTextPrompt(title, lines, fmt.Sprintf("type %d to send › ", n), "", func(value string, ok bool) (tea.Cmd, error) {
			if !ok {
				return p.con.Toast("not sent", false), nil
			}
			if strings.TrimSpace(value) != look.Itoa(n) {
				return nil, fmt.Errorf("type the number of devices, %d, to send; esc cancels", n)
			}
			return send(), nil
		}))
		return nil
	}
	p.con.Ask(look.NewQuestion(title, lines, "Send to "+look.Plural(n, "device")+"?", "send", "cancel", func(yes bool) tea.Cmd {
		if !yes {
			return p.con.Toast("not sent", false)
		}
		return send()
	}))
	return nil
}

// Next sends to the next device, unless the job is paused, stopped, or
// held by the quota, the network or the key: the runner decides.
func (p *BulkPane) Next(job *state.BulkJob) tea.Cmd {
	if p.job != job {
		return nil
	}
	now := p.sh.Now()
	step := p.run.Next(now, bulkPace(p.sh, now), p.sh.Gate.Check)
	if step.Err != nil {
		p.status, p.isErr = step.Err.Error(), true
	}
	switch step.Do {
	case state.BulkFinished:
		p.blocked = ""
		return p.finished()
	case state.BulkWait:
		p.blocked = step.Why
		return tea.Tick(step.At.Sub(now), func(time.Time) tea.Msg { return toBulk(bulkNextMsg{job: job}) })
	case state.BulkSend:
		p.blocked = ""
	default:
		return nil
	}
	i, w := step.I, step.Write
	if p.sh.View == nil {
		return func() tea.Msg { return toBulk(bulkStepMsg{job: job, i: i, Err: errNoView, at: p.sh.Now()}) }
	}
	// The device's mark goes to the disk in a command, and its write
	// leaves once it is there (onMarked): a crash between the two finds
	// it "sending" and reads it back, never sends it twice.
	return func() tea.Msg { return toBulk(bulkMarkedMsg{job: job, i: i, w: w, err: job.Flush()}) }
}

// onMarked sends device i's write once its mark is on the disk; one the
// disk did not take is not sent, and the job pauses, as when the job
// could not be saved.
func (p *BulkPane) onMarked(msg bulkMarkedMsg) tea.Cmd {
	if p.job != msg.job {
		return nil
	}
	if msg.err != nil {
		p.run.NotMarked(msg.i, p.sh.Now())
		p.status, p.isErr = "the job could not be saved, so nothing more is sent (a write without its mark on the disk could be sent twice): "+msg.err.Error()+" · p tries again", true
		return nil
	}
	if p.out == nil {
		p.out = map[int]bulkOut{}
	}
	// Through the engine's one gate: its outcome comes back with the
	// engine's changes (stepOf), and every console on the device sees it.
	p.out[p.sh.View.Submit(msg.w)] = bulkOut{job: msg.job, i: msg.i}
	return nil
}

// save writes what the job changed, in a command, unless nothing waits.
// Saves are written in the order taken, whoever flushes them.
func (p *BulkPane) save() tea.Cmd {
	job := p.job
	if job == nil || !job.Unsaved() {
		return nil
	}
	return func() tea.Msg { return toBulk(bulkSavedMsg{job: job, err: job.Flush()}) }
}

// FlushSaves writes what the job changed and is not on the disk yet:
// at exit, once the terminal is back.
func (p *BulkPane) FlushSaves() error {
	if p.job == nil {
		return nil
	}
	return p.job.Flush()
}

// errNoView refuses a write of a console with no engine (no key in use).
var errNoView = errors.New("no API key in use: nothing can be sent")

// bulkOut is a write of the job's the engine has out for this pane.
type bulkOut struct {
	job *state.BulkJob
	i   int
}

// StepOf is the pane's answer to a write it submitted, found by the
// write's sequence number; a write the pane did not submit is not its.
func (p *BulkPane) StepOf(o live.WriteOutcome, at time.Time) (bulkStepMsg, bool) {
	s, ok := p.out[o.Seq]
	if !ok || !o.Mine(p.sh.View) {
		return bulkStepMsg{}, false
	}
	delete(p.out, o.Seq)
	return bulkStepMsg{job: s.job, i: s.i, Res: o.Result, Err: o.Err, at: at}, true
}

// bulkPace is the account as the runner needs it at now: the day's
// quota and the scheduler's backoff.
func bulkPace(sh *Shared, now time.Time) state.BulkPace {
	var pace state.BulkPace
	if sh.Sched != nil {
		pace.Backoff, pace.Why = sh.Sched.Backoff(now)
		pace.Rate = sh.Sched.Rate(now)
		if sh.Ledger != nil {
			pace.UsedToday, pace.Daily = sh.Ledger.UsedToday(now), sh.Sched.Limits().Daily
		}
	}
	return pace
}

func (p *BulkPane) onStep(msg bulkStepMsg) tea.Cmd {
	if p.job != msg.job {
		return nil
	}
	ans := p.run.Outcome(msg.i, msg.Res, msg.Err, msg.at)
	next := nextOf(msg.job)
	switch ans.Then {
	case state.BulkKeyRefused:
		p.status, p.isErr = "the key was refused: the job is kept and resumes after login", true
		p.problem(ans.Say)
		p.con.KeyRefused(msg.Err, "The bulk change is kept and resumes after login.")
		return nil
	case state.BulkStopped:
		p.stopped()
		p.problem(ans.Say)
		return nil
	case state.BulkOffline: // the read-backs go on while the network is out
		p.problem(ans.Say)
		return tea.Batch(p.startReadBacks(), next)
	}
	p.problem(ans.Say)
	return next
}

// finished says how it went and starts reading back the Hosted devices.
func (p *BulkPane) finished() tea.Cmd {
	p.status, p.isErr = p.summary(), p.job.Count()[state.BulkFailed] > 0
	return tea.Batch(p.con.Toast("bulk change: "+p.status, p.isErr), p.startReadBacks())
}

func (p *BulkPane) summary() string {
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
func (p *BulkPane) startReadBacks() tea.Cmd {
	if p.run == nil || !p.run.StartReadBacks(p.sh.Now()) {
		return nil
	}
	job := p.job
	return func() tea.Msg { return toBulk(bulkVerifyMsg{job: job}) }
}

// verify reads back the device whose turn it is, at the budget's pace,
// as the runner says: one read at a time, each device again only after
// the read-back interval.
func (p *BulkPane) verify(job *state.BulkJob) tea.Cmd {
	if p.job != job || p.readingBack {
		return nil
	}
	now := p.sh.Now()
	next := p.run.NextRead(now, bulkPace(p.sh, now))
	switch {
	case next.Ended:
		return p.readBacksEnded()
	case next.ID == "" && next.Wait > 0:
		return tea.Tick(next.Wait, func(time.Time) tea.Msg { return toBulk(bulkVerifyMsg{job: job}) })
	case next.ID == "":
		return nil
	}
	i := next.I
	p.readingBack = true
	return readConfig(p.ctx, p.sh, next.ID, func(r ConfigRead) tea.Msg { return toBulk(bulkReadBack{ConfigRead: r, item: i}) })
}

// readBacksEnded marks the job settled: every device read back was seen,
// or the time for it ran out; a resume no longer reads them.
func (p *BulkPane) readBacksEnded() tea.Cmd {
	all, say := p.run.EndReadBacks(Short(verifyFor))
	p.problem(say)
	if all {
		return p.con.Toast("bulk change: every queued Hosted device has applied it", false)
	}
	return nil
}

func (p *BulkPane) OnReadBack(msg bulkReadBack) tea.Cmd {
	if p.job == nil || msg.item >= len(p.job.Items) || p.job.Items[msg.item].DeviceID != msg.ID {
		return nil
	}
	p.readingBack = false
	var logged tea.Cmd
	if msg.err == nil {
		// the audit line is written in a command, as the job's rows are
		audit := func(id string, says state.ReadBackSays) error {
			logged = settleAudit(p.sh, msg.At, p.profile, id, says)
			return nil
		}
		if settled, say := p.run.ReadAnswer(msg.item, msg.Resp, msg.At, audit); settled {
			if p.job.Finished() { // a resume reads back while it sends: "done" is for the end
				p.status = p.summary()
			}
			p.problem(say)
		}
	}
	return tea.Batch(logged, p.verify(p.job))
}

// export asks where to write the job's results, as CSV; failed is a name
// that could not be written, asked again with why.
func (p *BulkPane) export(failed string, why ...string) tea.Cmd {
	j := p.job
	if j == nil {
		return nil
	}
	var b bytes.Buffer
	if err := j.WriteCSV(&b); err != nil {
		return p.con.Toast("export failed: "+err.Error(), true)
	}
	n := len(j.Items)
	name := failed
	if name == "" {
		name = look.TildePath(filepath.Join(look.ExportDir(), "sqc-bulk-"+j.ID+".csv"))
	}
	ask := look.NewTextPrompt("Export the results of "+look.Plural(n, "device"), []string{"CSV: a row per device with its outcome."}, "export to › ",
		name, func(value string, ok bool) (tea.Cmd, error) {
			if !ok || strings.TrimSpace(value) == "" {
				return nil, nil
			}
			encode := func(string) ([]byte, error) { return b.Bytes(), nil }
			return look.ExportFile(value, n, encode, func(typed, why string) tea.Cmd { return p.export(typed, why) }), nil
		})
	if len(why) > 0 {
		ask.Err = why[0]
	}
	p.con.Ask(ask)
	return nil
}

// OfferJobs looks for a bulk change that stopped before its end, in a
// command (reading a job of 50,000 devices waits on the disk), and offers
// to resume it (offerJobs).
func (p *BulkPane) OfferJobs() tea.Cmd {
	db, fp, log := p.sh.Store(), p.sh.KeyFP, p.sh.dbLog
	return func() tea.Msg {
		jobs, err := state.UnfinishedJobs(db, fp, log)
		return toBulk(bulkJobsMsg{jobs: jobs, err: err})
	}
}

// offerJobs offers to resume the newest job that stopped before its end.
func (p *BulkPane) offerJobs(jobs []*state.BulkJob, err error) tea.Cmd {
	var said tea.Cmd
	if err != nil { // said, and the good ones are still offered
		said = p.con.Toast("a saved bulk job could not be read: "+err.Error(), true)
	}
	if len(jobs) == 0 {
		return said
	}
	j := jobs[len(jobs)-1]
	lines := []string{fmt.Sprintf("Started %s: %d of %d devices sent.", j.Created.Local().Format("Jan 2 15:04"), j.Sent(), len(j.Items))}
	for _, l := range state.DiffLines(j.Changes) {
		lines = append(lines, "  "+l)
	}
	if n := len(j.ToReadBack()); n > 0 {
		lines = append(lines, "", fmt.Sprintf("%s sent before the stop %s read back to see %s applied (a Hosted device's read costs nothing).", look.Plural(n, "device"), map[bool]string{true: "is", false: "are"}[n == 1], map[bool]string{true: "it", false: "them"}[n == 1]))
	}
	lines = append(lines, "Resuming sends to the devices not sent yet; none is sent twice.")
	p.con.Ask(look.NewQuestion("A bulk change stopped before its end", lines, "Resume it now?", "resume", "later", func(yes bool) tea.Cmd {
		if !yes {
			return p.con.Toast("the bulk change is kept: it is offered again at the next start", false)
		}
		j.SaveLater()
		p.Resume(j, p.sh.Now(), p.every)
		p.con.ShowRight(p)
		return tea.Batch(p.startReadBacks(), nextOf(j))
	}))
	return said
}

// ResumeAfterLogin takes up a bulk change that a refused key stopped.
func (p *BulkPane) ResumeAfterLogin() tea.Cmd {
	if p.job == nil || !p.run.KeyStopped {
		return nil
	}
	p.run.Resume()
	p.status, p.isErr = "resumed after login", false
	return nextOf(p.job)
}
