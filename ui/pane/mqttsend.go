package pane

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
// through the console's router (Msg).

type (
	// mqttConfigMsg is the config the MQTT set-up's diff is made against.
	mqttConfigMsg struct{ ConfigRead }
	// mqttPlanMsg checks the form, reads the config if it must, and
	// confirms the plan.
	mqttPlanMsg struct{}
	MQTTStepMsg struct {
		Run int
		I   int
		Res api.Result
		Err error
	}
)

// PaneMQTT is where the MQTT set-up's answers go.
const PaneMQTT ID = "mqtt"

func toMQTT(msg tea.Msg) tea.Msg { return Msg{To: PaneMQTT, Msg: msg} }

func readMQTT(r ConfigRead) tea.Msg { return toMQTT(mqttConfigMsg{r}) }

// Update folds the pane's own answers.
func (p *MQTTPane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case mqttConfigMsg:
		return p.onConfig(msg.ConfigRead)
	case mqttPlanMsg:
		return p.confirm()
	case MQTTStepMsg:
		return p.onStep(msg)
	}
	return nil
}

func (p *MQTTPane) onConfig(r ConfigRead) tea.Cmd {
	if r.skipped != "" {
		p.reading = false
		p.status, p.isErr = r.skipped+": nothing can be compared, so nothing is sent", true
		return nil
	}
	if !keyOK(p.con, p.sh, r) || p.Dev.DeviceID != r.ID {
		return nil
	}
	p.reading = false
	if r.err != nil {
		p.status, p.isErr = "could not read the config: "+r.err.Error(), true
		return nil
	}
	p.cfg = r.Resp.Config
	return p.confirm()
}

// confirm checks the form; with the config in hand it shows every
// request in one confirm.
func (p *MQTTPane) confirm() tea.Cmd {
	if i := p.Form.FirstProblem(); i >= 0 { // before the read: a form that cannot be sent costs nothing
		f := p.Form.Fields[i]
		p.status, p.isErr = f.Label+": "+f.Msg, true
		return nil
	}
	if p.cfg == nil {
		p.reading = true
		return costlyRead(p.ctx, p.sh, p.con, p.Dev, readMQTT, "Read the config of "+p.Dev.DeviceID+" for the diff?")
	}
	steps, err := p.plan()
	if err != nil {
		p.status, p.isErr = err.Error(), true
		return nil
	}
	var lines []string
	for i, s := range steps {
		if err := p.sh.Gate.Check(s.W); err != nil {
			p.status, p.isErr = err.Error(), true
			return nil
		}
		pv, err := p.sh.Gate.Preview(p.sh.Client, s.W)
		if err != nil {
			p.status, p.isErr = err.Error(), true
			return nil
		}
		lines = append(lines, fmt.Sprintf("%d. %s", i+1, s.label))
		if s.W.Op == api.OpUpdateConfig {
			for _, l := range state.DiffLines(s.W.Changes) {
				lines = append(lines, "   "+l)
			}
		}
		for _, l := range pv.Lines() {
			lines = append(lines, "   "+l)
		}
		lines = append(lines, "")
	}
	if n, ok := p.sh.Gate.CallsLeft(p.Dev); ok {
		if n < len(steps) {
			p.status, p.isErr = fmt.Sprintf("%s is not Hosted and has %d API calls left this month; these steps need %d: nothing is sent", p.Dev.DeviceID, n, len(steps)), true
			return nil
		}
		lines = append(lines, fmt.Sprintf("%s is not Hosted: these %d requests cost %d of its %d calls left this month.", p.Dev.DeviceID, len(steps), len(steps), n))
	}
	lines = append(lines, "They are sent in this order; a failure stops the rest.")
	p.con.Ask(look.NewQuestion("Set up MQTT on "+p.Dev.DeviceID, lines, "Send "+look.Plural(len(steps), "request")+"?", "send", "cancel", func(yes bool) tea.Cmd {
		if !yes {
			p.status, p.isErr = "not sent", false
			return nil
		}
		p.Steps, p.Running, p.status = steps, true, ""
		p.Run++
		return p.step(0)
	}))
	return nil
}

// step sends step i of the set-up.
func (p *MQTTPane) step(i int) tea.Cmd {
	w, run := p.Steps[i].W, p.Run
	if p.sh.View == nil {
		return func() tea.Msg { return toMQTT(MQTTStepMsg{Run: run, I: i, Err: errNoView}) }
	}
	if p.Out == nil {
		p.Out = map[int]mqttOut{}
	}
	// Through the engine's one gate: its outcome comes back with the
	// engine's changes (stepOf), and every console on the device sees it.
	p.Out[p.sh.View.Submit(w)] = mqttOut{run: run, i: i}
	return nil
}

// mqttOut is a step of a set-up the engine has out for this pane.
type mqttOut struct{ run, i int }

// StepOf is the pane's answer to a step it submitted, found by the
// write's sequence number; a write the pane did not submit is not its.
func (p *MQTTPane) StepOf(o live.WriteOutcome) (MQTTStepMsg, bool) {
	s, ok := p.Out[o.Seq]
	if !ok || !o.Mine(p.sh.View) {
		return MQTTStepMsg{}, false
	}
	delete(p.Out, o.Seq)
	return MQTTStepMsg{Run: s.run, I: s.i, Res: o.Result, Err: o.Err}, true
}

func (p *MQTTPane) onStep(msg MQTTStepMsg) tea.Cmd {
	if msg.Run != p.Run || !p.Running || msg.I >= len(p.Steps) {
		return nil
	}
	s := &p.Steps[msg.I]
	s.Done, s.result = true, state.Outcome(msg.Res, msg.Err)
	if msg.Res.Queued() && msg.Err == nil {
		s.result = "queued"
	}
	if !state.WentOut(msg.Err) {
		s.Failed = true
		p.Running, p.isErr = false, true
		p.status = fmt.Sprintf("stopped at step %d of %d: %d done, %d not sent. Esc closes; m starts again.", msg.I+1, len(p.Steps), msg.I, len(p.Steps)-msg.I-1)
		p.con.KeyRefused(msg.Err, "")
		return p.con.Toast(p.Dev.DeviceID+": MQTT set-up stopped at step "+look.Itoa(msg.I+1)+": "+s.result, true)
	}
	if msg.I+1 < len(p.Steps) {
		return p.step(msg.I + 1)
	}
	p.Running, p.isErr = false, false
	p.status = "all " + look.Plural(len(p.Steps), "request") + " queued at " + p.sh.Now().Local().Format("15:04:05") + ": the device takes them at its next check-in. Esc closes."
	return p.con.Toast(p.Dev.DeviceID+": MQTT set-up queued", false)
}
