package ui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/ui/look"
)

// notifier rings the terminal's bell and sends a desktop notification
// (OSC 9, and OSC 777 for the terminals that read that one instead) when
// devices enter alarm (Config.Notify): one a second at most, the alarms
// in between folded into one ("5 devices entered alarm").
type notifier struct {
	started bool
	seen    int64     // the inbox's last entry looked at
	pending []string  // devices that entered alarm since the last notice
	sentAt  time.Time // the last notice
	waiting bool      // a tick is armed for the next notice
}

// notifyEvery is how often a notice may go at most.
const notifyEvery = time.Second

// notifyMsg is the tick after which a folded notice may go.
type notifyMsg struct{}

// alarmNotice looks at what the inbox gained and, when devices entered
// alarm, writes the notice through Bubble Tea's output (never a print
// while the screen runs), or arms a tick for when one may go.
func (m *Model) alarmNotice(msg tea.Msg) tea.Cmd {
	if !m.cfg.Notify || m.sh.Eng == nil {
		return nil
	}
	n := &m.notes
	if _, ok := msg.(notifyMsg); ok {
		n.waiting = false
	}
	box := m.sh.Eng.Inbox()
	if !n.started {
		// what was found before the console looked is in the inbox, not news
		n.started, n.seen = true, box.LastSeq()
	}
	if box.LastSeq() != n.seen {
		for _, t := range box.Since(n.seen) {
			n.seen = max(n.seen, t.Seq)
			if !t.Kept && t.EnteredAlarm() {
				n.pending = append(n.pending, look.Clean(t.Device+" "+api.CleanCut(t.Name, 30)))
			}
		}
	}
	if len(n.pending) == 0 || n.waiting {
		return nil
	}
	now := m.sh.Now()
	if wait := n.sentAt.Add(notifyEvery).Sub(now); !n.sentAt.IsZero() && wait > 0 {
		n.waiting = true
		return tea.Tick(wait, func(time.Time) tea.Msg { return notifyMsg{} })
	}
	text := n.pending[0] + " entered alarm"
	if len(n.pending) > 1 {
		text = fmt.Sprintf("%d devices entered alarm", len(n.pending))
	}
	n.pending, n.sentAt = nil, now
	return tea.Raw(notifySequence(text))
}

// notifySequence is the bell and the two notification escapes for text,
// which must hold no control character (it is cleaned before).
func notifySequence(text string) string {
	return "\a\x1b]9;sqc: " + text + "\x1b\\\x1b]777;notify;sqc;" + text + "\x1b\\"
}
