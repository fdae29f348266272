package pane

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/ui/look"
)

// Reading a device's config for a pane: the config pane, the MQTT set-up's
// diff, a bulk change's typing and read-backs. Each pane names the answer
// it wants (a readAnswer), so one read serves any of them without the
// console deciding what it was for.

// ConfigRead is one read of a device's config, or why it was not made.
type ConfigRead struct {
	ID   string
	Resp *api.ConfigResponse
	err  error
	At   time.Time
	// skipped, when set, is why no read was made (the user declined it,
	// or the device has no calls left); then is what to do about it.
	skipped, then string
}

// readAnswer is the message a read goes back in, addressed to the pane
// that asked.
type readAnswer func(ConfigRead) tea.Msg

// readConfig reads a device's config in a command; what it needs is
// copied before the goroutine.
func readConfig(ctx context.Context, sh *Shared, id string, answer readAnswer) tea.Cmd {
	c, now := sh.Client, sh.Now
	return func() tea.Msg {
		resp, err := c.GetConfig(ctx, id)
		return answer(ConfigRead{ID: id, Resp: resp, err: err, At: now()})
	}
}

// costlyRead reads a config, asking first when the read spends one of a
// non-Hosted device's monthly calls; a read not made is answered too, so
// the pane that asked says why.
func costlyRead(ctx context.Context, sh *Shared, con Console, d api.Device, answer readAnswer, question string) tea.Cmd {
	n, counted := sh.Gate.CallsLeft(d)
	if d.Plan == api.PlanHosted || sh.Gate == nil {
		return readConfig(ctx, sh, d.DeviceID, answer)
	}
	if counted && n <= 0 {
		return notRead(d, answer, d.DeviceID+" has no API calls left this month (they return "+api.NextMonth(sh.Now()).Format("2 Jan")+")", "its config cannot be read until then")
	}
	left := "of its 50"
	if counted {
		left = fmt.Sprintf("of its %d", n)
	}
	con.Ask(look.NewQuestion(question, []string{d.DeviceID + " is on plan " + d.Plan + ", not Hosted: reading its config costs 1 " + left + " API calls left this month."},
		"Read it?", "read", "leave it", func(yes bool) tea.Cmd {
			if !yes {
				return notRead(d, answer, "not read", "r reads it when you want")
			}
			return readConfig(ctx, sh, d.DeviceID, answer)
		}))
	return nil
}

func notRead(d api.Device, answer readAnswer, why, then string) tea.Cmd {
	msg := answer(ConfigRead{ID: d.DeviceID, skipped: why, then: then})
	return func() tea.Msg { return msg }
}

// noteRemainingOf records the calls left a config read reported.
func (sh *Shared) noteRemainingOf(resp *api.ConfigResponse, id string) {
	if resp != nil && resp.Remaining != nil && sh.Ledger != nil {
		sh.Ledger.NoteRemaining(id, *resp.Remaining)
	}
}

// keyOK is what a read's answer does first: a refused key asks for it
// again (false), and the calls left the read reports are counted.
func keyOK(con Console, sh *Shared, r ConfigRead) bool {
	if con.KeyRefused(r.err, "Your staged changes are kept.") {
		return false
	}
	sh.noteRemainingOf(r.Resp, r.ID)
	return true
}
