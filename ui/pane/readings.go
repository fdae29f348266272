package pane

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sqc/api"
	"sqc/state"
	"sqc/ui/look"
)

// The readings pane: the focused device's latest message, every key,
// grouped, with units, sparklines of what arrived since the console
// started, and events coloured by level.

// ReadingsPane shows the focused device's readings, scrolled.
type ReadingsPane struct {
	sh     *Shared
	w, h   int
	scroll look.Scroller
	device func() *state.Device // the focused device, from the list
}

func NewReadingsPane(sh *Shared, device func() *state.Device) *ReadingsPane {
	return &ReadingsPane{sh: sh, device: device}
}

func (p *ReadingsPane) SetSize(w, h int) { p.w, p.h, p.scroll.Height = w, h, max(1, h-2) }
func (p *ReadingsPane) Typing() bool     { return false }

func (p *ReadingsPane) Key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	return p.scroll.Move(&p.sh.Common, msg), nil
}

// SparkWidth is about how many points a sparkline shows (keys and values
// of a usual message beside it): a newly focused device is read with that
// many messages, and no more.
func (p *ReadingsPane) SparkWidth() int { return max(10, p.w-4-14-12) }

func (p *ReadingsPane) Hints() []look.Hint {
	k := p.sh.Keys
	return []look.Hint{look.KeyHint(k.Down, 3)}
}

func (p *ReadingsPane) HelpGroups() []look.HelpGroup {
	k := p.sh.Keys
	return []look.HelpGroup{{Title: "readings", Keys: []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}}}
}

// Reset scrolls back to the top, for a newly focused device.
func (p *ReadingsPane) Reset() { p.scroll.Offset = 0 }

func (p *ReadingsPane) View() string {
	d := p.device()
	if d == nil {
		return p.sh.St.Dim.Render("no device selected")
	}
	sh := p.sh
	rs := readingsStatus{nextIn: -1, canRead: sh.Sched != nil && sh.Sched.CanRead(d.DeviceID)}
	if sh.Sched != nil {
		now := sh.Now()
		rs.paused = sh.Sched.Paused()
		rs.interval = sh.Sched.FocusInterval(now)
		if next := sh.Link.nextFocus; !next.IsZero() {
			rs.nextIn = max(0, next.Sub(now))
		}
		if c := sh.Link.Conn; c.State != state.ConnOnline && c.State != state.ConnConnecting {
			rs.held = c.State.String()
			if c.Until.After(now) {
				rs.nextIn = c.Until.Sub(now)
			}
		}
		if until, why := sh.Sched.Hold(d.DeviceID); why != "" {
			rs.held = why
			if until.After(now) {
				rs.nextIn = until.Sub(now)
			}
		}
	}
	lines := readingLines(sh, d, rs, p.w)
	// The device and its freshness stay on top while the rest scrolls:
	// scrolled down, the screen still says whose readings these are; and
	// so do the changes to it not yet applied, whoever sent them.
	pending := pendingLines(sh, d.DeviceID, p.w)
	lines = slices.Insert(lines, min(2, len(lines)), pending...)
	pinned := min(len(lines), 2+len(pending))
	p.scroll.Height = max(1, p.h-pinned)
	return strings.Join(append(lines[:pinned:pinned], p.scroll.Window(lines[pinned:])...), "\n")
}

// maxPendingLines bounds what the pinned head gives to pending writes.
const maxPendingLines = 3

// pendingLines say the writes to a device the engine has not seen
// applied, and who sent them: every console looking at the device sees a
// change queued, and sees it go once applied.
func pendingLines(sh *Shared, id string, width int) []string {
	if sh.Eng == nil {
		return nil
	}
	all := sh.Eng.Pending(id)
	var out []string
	for i, pd := range all {
		if i == maxPendingLines-1 && len(all) > maxPendingLines {
			out = append(out, sh.St.Warn.Render(look.Fit(fmt.Sprintf("and %d more changes pending (c shows the config)", len(all)-i), width)))
			break
		}
		out = append(out, sh.St.Warn.Render(look.Fit("pending: "+pendingSays(pd, nil), width)))
	}
	return out
}

// readingsStatus is what the pane says about freshness.
type readingsStatus struct {
	nextIn   time.Duration // until the next scheduled read; <0 when none
	interval time.Duration
	paused   bool
	canRead  bool
	held     string // why reads of it are held: the fleet's outage, or its own failure
}

// readingLines renders the pane's content as lines; the caller scrolls.
func readingLines(sh *Shared, d *state.Device, rs readingsStatus, width int) []string {
	st := sh.St
	now := sh.Now()
	var out []string
	add := func(s string) { out = append(out, look.Fit(s, width)) }
	// Each fact is cut to the pane before it is joined: the line is cut to
	// the width anyway, and a frame must cost the same whatever a server
	// named the device (the api cuts names at decode; this is the frame's
	// own bound).
	var facts []string
	for _, f := range []string{d.Name, d.Model, d.Plan, d.GroupName} {
		if f != "" {
			facts = append(facts, look.Cut(f, width))
		}
	}
	add(st.Title.Render(look.Cut(d.DeviceID, width)) + "  " + strings.Join(facts, " · "))

	status := "no data read yet"
	if !d.FetchedAt.IsZero() {
		age := now.Sub(d.FetchedAt)
		status = "updated " + state.Ago(d.FetchedAt, now) + " ago"
		style := st.Dim
		switch {
		case age > 10*time.Minute:
			style = st.Old
		case age > max(2*rs.interval, time.Minute):
			style = st.Stale
		}
		status = style.Render(status)
	}
	switch {
	case !rs.canRead:
		status += " · plan " + d.Plan + " allows no data reads"
	case rs.paused:
		status += " · paused (p resumes)"
	case rs.held != "" && rs.nextIn >= 0:
		status += st.Warn.Render(fmt.Sprintf(" · held: %s · next try in %s", rs.held, Short(rs.nextIn)))
	case rs.held != "":
		status += st.Warn.Render(" · held: " + rs.held)
	case rs.nextIn >= 0:
		status += fmt.Sprintf(" · next in %s", Short(rs.nextIn))
	}
	add(status)
	m := d.Message()
	if m != nil {
		mt := m.Time()
		line := "message " + mt.Format("15:04:05 UTC") + " (" + state.Ago(mt, now) + " ago)"
		if now.Sub(mt) > state.StaleAfter {
			line = st.Stale.Render(line)
		}
		add(st.Dim.Render(line))
	}
	if d.Err != nil {
		msg := look.Wrap("last read failed "+state.Ago(d.ErrAt, now)+" ago: "+d.Err.Error(), width)
		for _, l := range strings.Split(msg, "\n") {
			add(st.ErrText.Render(l))
		}
	}
	if m == nil {
		return out
	}
	groups := api.GroupFields(m)
	// the message's time is in the line above: its keys are not repeated
	groups = slices.DeleteFunc(groups, func(g api.FieldGroup) bool { return g.Name == "identity" })
	cols := fieldColumns(m, groups, width)
	var vals []float64
	for _, grp := range groups {
		g, fields := grp.Name, grp.Fields
		out = append(out, "")
		add(st.Header.Render(grp.Title))
		switch g {
		case "events":
			for _, e := range m.Events {
				lv := st.Level(e.Class()).Render(fmt.Sprintf("lv%-3d %-7s", e.Level, e.Class()))
				add("  " + lv + " " + look.Cut(e.Topic, width) + ": " + look.Cut(e.Msg, width))
			}
			continue
		case "can":
			for _, f := range fields {
				frames := m.CAN1
				if f.Key == "can2" {
					frames = m.CAN2
				}
				add("  " + f.Key + " · " + api.Plural(len(frames), "frame"))
				for _, fr := range frames {
					add("    " + st.Dim.Render(api.FormatCANID(fr)) + "  " + look.Cut(fr.Data, width))
				}
			}
			continue
		}
		for _, f := range fields {
			val := api.FormatReading(f.Key, f, m)
			line := "  " + look.Pad(f.Key, cols.key) + " "
			if f.Kind != api.KindNumber { // text has no sparkline: it may take the rest of the line
				add(line + look.Cut(val, cols.val+1+cols.spark))
				continue
			}
			spark := ""
			if s := d.History.Series(f.Key); s != nil && cols.spark > 0 {
				vals = s.Values(vals)
				spark = st.GaugeFill.Render(look.Sparkline(vals, cols.spark))
			}
			add(line + look.Pad(val, cols.val) + " " + spark)
		}
	}
	if len(m.Problems) > 0 {
		out = append(out, "")
		add(st.Warn.Render("keys with an unexpected shape (shown raw): " + strings.Join(m.Problems, ", ")))
	}
	return out
}

// columns of the readings' key, value and sparkline.
type columns struct{ key, val, spark int }

// fieldColumns sizes the columns from what the message holds: the value
// column is as wide as the widest number with its unit, so a unit is never
// cut; a long key is cut first, then the sparklines get what is left.
func fieldColumns(m *api.DataMessage, groups []api.FieldGroup, width int) columns {
	keyW, valW := 6, 4
	for _, g := range groups {
		if g.Name == "events" || g.Name == "can" {
			continue
		}
		for _, f := range g.Fields {
			keyW = max(keyW, look.CellWidth(f.Key))
			if f.Kind == api.KindNumber {
				valW = max(valW, look.CellWidth(api.FormatReading(f.Key, f, m)))
			}
		}
	}
	room := width - 4 // the indent and the spaces between columns
	valW = min(valW, max(4, room-6))
	keyW = min(keyW, max(6, room-valW-8), max(12, room/3))
	return columns{key: keyW, val: valW, spark: max(0, room-keyW-valW)}
}

// Short is a compact duration: 6s, 2m10s, 1h5m.
func Short(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}
