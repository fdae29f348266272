package pane

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sqc/state"
	"sqc/state/store"
	"sqc/ui/look"
	"sqc/ui/ticket"
)

// ticketWrittenMsg says where a ticket went, or why it did not.
type ticketWrittenMsg struct {
	path string
	err  error
}

// Ticket writes the triage report of d as Markdown in the exports folder,
// as a new file: over the history pane's range when it shows d, else the
// last 24 h, from what is stored (it costs no request). The key, a setup
// password and a private key are never given to it.
func (p *HistoryPane) Ticket(d *state.Device) tea.Cmd {
	if d == nil {
		return p.con.Toast("no device in focus: nothing to write a ticket of", true)
	}
	sh, now := p.sh, p.sh.Now()
	in := ticket.Input{Made: now, Loc: p.loc(), Device: d.Device, Health: d.Health(now), LastSeen: d.Seen(), Conn: sh.Link.Conn.State.String()}
	if sh.Gate != nil {
		in.Profile = sh.Gate.Profile
	}
	if d.Latest != nil {
		latest := *d.Latest
		in.Latest = &latest
	} else {
		in.Latest = d.Message() // decoded anew: the ticket's own
	}
	in.Range = state.Span{From: now.Add(-24 * time.Hour), To: now}
	shown := p.dev.DeviceID == d.DeviceID && !p.loading && p.span.To.After(p.span.From)
	if shown {
		in.Range = p.span
		for _, f := range p.shown() {
			in.Fields = append(in.Fields, f.Key)
		}
	}
	var cfgJSON []byte // a copy: the config pane goes on changing its own
	if c := p.cfg; c != nil && c.dev.DeviceID == d.DeviceID && c.cfg != nil {
		cfgJSON, _ = json.Marshal(c.cfg)
		in.ConfigAt, in.Draft = c.readAt, slices.Clone(c.Changes)
	}
	if w := sh.Writes[d.DeviceID]; w != nil && w.appliedAt.IsZero() {
		in.Pending = slices.Clone(w.Sent)
	}
	unsaved, hasUnsaved := sh.unsaved[d.DeviceID]
	for _, c := range sh.Calls.Latest(0, 500, nil) {
		if c.DeviceID == d.DeviceID && len(in.Calls) < 20 {
			in.Calls = append(in.Calls, c)
		}
	}
	db, fp, ctx, set := sh.Store(), sh.KeyFP, p.ctx, p.set
	path := filepath.Join(look.ExportDir(), "sqc-ticket-"+d.DeviceID+"-"+now.Format("20060102-150405")+".md")
	return func() tea.Msg {
		if cfgJSON != nil {
			dec := json.NewDecoder(bytes.NewReader(cfgJSON))
			dec.UseNumber()
			_ = dec.Decode(&in.Config)
		}
		if shown {
			in.History = set.Messages() // a set is never changed: this one is the ticket's
		} else {
			in.History, _, _ = state.StoredHistory(ctx, db, d.DeviceID, in.Range)
		}
		if in.Draft == nil {
			if hasUnsaved {
				in.Draft = unsaved.Changes
			} else if dr, ok, err := state.LoadDraft(db, fp, d.DeviceID); err == nil && ok {
				in.Draft = dr.Changes
			}
		}
		if db != nil {
			in.Audit, _ = db.AuditLog(ctx, store.AuditQuery{Device: d.DeviceID, Limit: 20})
		}
		md := ticket.Markdown(in)
		done := look.ExportFile(path, 1, func(string) ([]byte, error) { return []byte(md), nil }, nil)().(look.ExportedMsg)
		return Msg{To: PaneHistory, Msg: ticketWrittenMsg{path: done.Path, err: done.Err}}
	}
}

// ticketDone tells where the ticket went; y then copies its path.
func (p *HistoryPane) ticketDone(m ticketWrittenMsg) tea.Cmd {
	if m.err != nil {
		return p.con.Toast("ticket not written: "+m.err.Error(), true)
	}
	p.ticketPath, p.offer = m.path, m.path
	return p.con.Toast("ticket written to "+look.TildePath(m.path)+" · y copies the path", false)
}

// TakeCopyOffer is the path of a ticket just written, once: the console
// lets y copy it, from any pane, while the toast saying it is up.
func (p *HistoryPane) TakeCopyOffer() string {
	o := p.offer
	p.offer = ""
	return o
}

// copyTicket sends the last ticket's path to the terminal's clipboard.
func (p *HistoryPane) copyTicket() tea.Cmd {
	return tea.Batch(tea.SetClipboard(p.ticketPath), p.con.Toast(look.TildePath(p.ticketPath)+" sent to the terminal's clipboard (OSC 52)", false))
}

// TicketKey is the key that writes a ticket, from the device list too.
func (p *HistoryPane) TicketKey() key.Binding { return p.keys.Ticket }
