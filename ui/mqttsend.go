package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
	"sqc/state/live"
	"sqc/ui/look"
)

// The MQTT set-up's own answers: the config its diff is made against, the
// form sent (enter), and each request's answer, which reach the pane
// through the console's router (paneMsg).

type (
	// mqttConfigMsg is the config the MQTT set-up's diff is made against.
	mqttConfigMsg struct{ configRead }
	// mqttPlanMsg checks the form, reads the config if it must, and
	// confirms the plan.
	mqttPlanMsg struct{}
	mqttStepMsg struct {
		run int
		i   int
		res api.Result
		err error
	}
)

func toMQTT(msg tea.Msg) tea.Msg { return paneMsg{to: paneMQTT, msg: msg} }

func readMQTT(r configRead) tea.Msg { return toMQTT(mqttConfigMsg{r}) }

// update folds the pane's own answers.
func (p *mqttPane) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case mqttConfigMsg:
		return p.onConfig(msg.configRead)
	case mqttPlanMsg:
		return p.confirm()
	case mqttStepMsg:
		return p.onStep(msg)
	}
	return nil
}

func (p *mqttPane) onConfig(r configRead) tea.Cmd {
	if r.skipped != "" {
		p.reading = false
		p.status, p.isErr = r.skipped+": nothing can be compared, so nothing is sent", true
		return nil
	}
	if !keyOK(p.con, p.sh, r) || p.dev.DeviceID != r.id {
		return nil
	}
	p.reading = false
	if r.err != nil {
		p.status, p.isErr = "could not read the config: "+r.err.Error(), true
		return nil
	}
	p.cfg = r.resp.Config
	return p.confirm()
}

// confirm checks the form; with the config in hand it shows every
// request in one confirm.
func (p *mqttPane) confirm() tea.Cmd {
	if i := p.form.FirstProblem(); i >= 0 { // before the read: a form that cannot be sent costs nothing
		f := p.form.Fields[i]
		p.status, p.isErr = f.Label+": "+f.Msg, true
		return nil
	}
	if p.cfg == nil {
		p.reading = true
		return costlyRead(p.ctx, p.sh, p.con, p.dev, readMQTT, "Read the config of "+p.dev.DeviceID+" for the diff?")
	}
	steps, err := p.plan()
	if err != nil {
		p.status, p.isErr = err.Error(), true
		return nil
	}
	var lines []string
	for i, s := range steps {
		if err := p.sh.gate.Check(s.w); err != nil {
			p.status, p.isErr = err.Error(), true
			return nil
		}
		pv, err := p.sh.gate.Preview(p.sh.client, s.w)
		if err != nil {
			p.status, p.isErr = err.Error(), true
			return nil
		}
		lines = append(lines, fmt.Sprintf("%d. %s", i+1, s.label))
		if s.w.Op == api.OpUpdateConfig {
			for _, l := range state.DiffLines(s.w.Changes) {
				lines = append(lines, "   "+l)
			}
		}
		for _, l := range pv.Lines() {
			lines = append(lines, "   "+l)
		}
		lines = append(lines, "")
	}
	if n, ok := p.sh.gate.CallsLeft(p.dev); ok {
		if n < len(steps) {
			p.status, p.isErr = fmt.Sprintf("%s is not Hosted and has %d API calls left this month; these steps need %d: nothing is sent", p.dev.DeviceID, n, len(steps)), true
			return nil
		}
		lines = append(lines, fmt.Sprintf("%s is not Hosted: these %d requests cost %d of its %d calls left this month.", p.dev.DeviceID, len(steps), len(steps), n))
	}
	lines = append(lines, "They are sent in this order; a failure stops the rest.")
	p.con.ask(look.NewQuestion("Set up MQTT on "+p.dev.DeviceID, lines, "Send "+look.Plural(len(steps), "request")+"?", "send", "cancel", func(yes bool) tea.Cmd {
		if !yes {
			p.status, p.isErr = "not sent", false
			return nil
		}
		p.steps, p.running, p.status = steps, true, ""
		p.run++
		return p.step(0)
	}))
	return nil
}

// step sends step i of the set-up.
func (p *mqttPane) step(i int) tea.Cmd {
	w, run := p.steps[i].w, p.run
	if p.sh.view == nil {
		return func() tea.Msg { return toMQTT(mqttStepMsg{run: run, i: i, err: errNoView}) }
	}
	if p.out == nil {
		p.out = map[int]mqttOut{}
	}
	// Through the engine's one gate: its outcome comes back with the
	// engine's changes (stepOf), and every console on the device sees it.
	p.out[p.sh.view.Submit(w)] = mqttOut{run: run, i: i}
	return nil
}

// mqttOut is a step of a set-up the engine has out for this pane.
type mqttOut struct{ run, i int }

// stepOf is the pane's answer to a step it submitted, found by the
// write's sequence number; a write the pane did not submit is not its.
func (p *mqttPane) stepOf(o live.WriteOutcome) (mqttStepMsg, bool) {
	s, ok := p.out[o.Seq]
	if !ok || !o.Mine(p.sh.view) {
		return mqttStepMsg{}, false
	}
	delete(p.out, o.Seq)
	return mqttStepMsg{run: s.run, i: s.i, res: o.Result, err: o.Err}, true
}

func (p *mqttPane) onStep(msg mqttStepMsg) tea.Cmd {
	if msg.run != p.run || !p.running || msg.i >= len(p.steps) {
		return nil
	}
	s := &p.steps[msg.i]
	s.done, s.result = true, state.Outcome(msg.res, msg.err)
	if msg.res.Queued() && msg.err == nil {
		s.result = "queued"
	}
	if !state.WentOut(msg.err) {
		s.failed = true
		p.running, p.isErr = false, true
		p.status = fmt.Sprintf("stopped at step %d of %d: %d done, %d not sent. Esc closes; m starts again.", msg.i+1, len(p.steps), msg.i, len(p.steps)-msg.i-1)
		p.con.keyRefused(msg.err, "")
		return p.con.toast(p.dev.DeviceID+": MQTT set-up stopped at step "+look.Itoa(msg.i+1)+": "+s.result, true)
	}
	if msg.i+1 < len(p.steps) {
		return p.step(msg.i + 1)
	}
	p.running, p.isErr = false, false
	p.status = "all " + look.Plural(len(p.steps), "request") + " queued at " + p.sh.now().Local().Format("15:04:05") + ": the device takes them at its next check-in. Esc closes."
	return p.con.toast(p.dev.DeviceID+": MQTT set-up queued", false)
}
