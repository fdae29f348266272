package pane

import (
	"fmt"
	"slices"
	"strings"

	"sqc/state"
	"sqc/state/live"
	"sqc/ui/look"
)

// What a console is told of the writes other consoles on its engine have
// pending: an engineer about to change a setting another has just queued
// is told by whom and when, and may still send (the confirm's default is
// No, and what the other queued is in front of them): a support team
// talks, and a console that refused would only send them to the command
// line.

// othersPending are the writes to a device, sent by other consoles and
// not yet seen applied, that change any of keys.
func (p *ConfigPane) othersPending(id string, keys []string) []live.Pending {
	if p.sh.Eng == nil || p.sh.View == nil {
		return nil
	}
	var out []live.Pending
	for _, pd := range p.sh.Eng.Pending(id) {
		if pd.Mine(p.sh.View) {
			continue
		}
		if slices.ContainsFunc(pd.Keys(), func(k string) bool { return slices.Contains(keys, k) }) {
			out = append(out, pd)
		}
	}
	return out
}

// pendingSays is one pending write in a line: its state, since when, who,
// and last (what a narrow pane cuts) the values of keys it changes (all
// of them when keys is nil).
func pendingSays(pd live.Pending, keys []string) string {
	who := look.Clean(pd.Write.Who)
	at := pd.At.Local().Format("15:04:05")
	var vals []string
	for _, c := range pd.Write.Changes {
		if keys == nil || slices.Contains(keys, c.Key) {
			vals = append(vals, look.Clean(c.Key)+" = "+look.Clean(state.FormatValue(c.New)))
		}
	}
	what := strings.Join(vals, ", ")
	if what == "" {
		what = look.Clean(pd.Write.What())
	}
	switch {
	case pd.Unknown:
		return fmt.Sprintf("sent %s by %s, outcome unknown (it may be queued): %s", at, who, what)
	case pd.Queued:
		return fmt.Sprintf("queued %s by %s: %s (not yet seen applied)", at, who, what)
	}
	return fmt.Sprintf("being sent by %s (since %s): %s", who, at, what)
}

// collisionLines head the confirm of a write that changes a setting
// another console has a change pending for.
func (p *ConfigPane) collisionLines(changes []state.Change) []string {
	keys := make([]string, 0, len(changes))
	for _, c := range changes {
		keys = append(keys, c.Key)
	}
	others := p.othersPending(p.dev.DeviceID, keys)
	if len(others) == 0 {
		return nil
	}
	out := []string{"A change to the same setting is pending from another console:"}
	for _, pd := range others {
		out = append(out, "  "+pendingSays(pd, keys))
	}
	return append(out, "Sending yours too: the device ends with the value it takes last.", "")
}

// collisionNote tells an engineer starting to edit a setting that another
// console has a change of it pending.
func (p *ConfigPane) collisionNote(key string) string {
	others := p.othersPending(p.dev.DeviceID, []string{key})
	if len(others) == 0 {
		return ""
	}
	return "another console's change: " + pendingSays(others[len(others)-1], []string{key}) + " · you may still stage yours"
}
