package ui

import (
	"image/color"

	"charm.land/lipgloss/v2"

	"sqc/state"
)

// styles are built in one place, for a dark or a light background. Colour
// is never the only cue: states are words and the cursor has a marker, so
// NO_COLOR (honoured by the renderer) loses nothing.
type styles struct {
	header, footer, dim, selected, title, key lipgloss.Style
	ok, warn, alarm, info, alert              lipgloss.Style
	stale, old, errText, toast, border        lipgloss.Style
	gaugeFill, gaugeEmpty                     lipgloss.Style
	borderColor                               color.Color
}

func newStyles(dark bool) styles {
	ld := lipgloss.LightDark(dark)
	c := func(light, darkc string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(darkc)) }
	fg := func(light, darkc string) lipgloss.Style { return lipgloss.NewStyle().Foreground(c(light, darkc)) }
	return styles{
		header:      lipgloss.NewStyle().Bold(true).Foreground(c("#1d4ed8", "#93c5fd")),
		footer:      fg("#4b5563", "#9ca3af"),
		dim:         fg("#6b7280", "#9ca3af"),
		selected:    lipgloss.NewStyle().Bold(true).Foreground(c("#111827", "#f9fafb")).Background(c("#bfdbfe", "#1e3a8a")),
		title:       lipgloss.NewStyle().Bold(true),
		key:         lipgloss.NewStyle().Bold(true).Foreground(c("#1d4ed8", "#93c5fd")),
		ok:          fg("#15803d", "#86efac"),
		info:        fg("#0369a1", "#7dd3fc"),
		alert:       fg("#7c3aed", "#c4b5fd"),
		warn:        fg("#b45309", "#fcd34d"),
		alarm:       lipgloss.NewStyle().Bold(true).Foreground(c("#b91c1c", "#fca5a5")),
		stale:       fg("#b45309", "#fbbf24"),
		old:         fg("#b91c1c", "#f87171"),
		errText:     fg("#b91c1c", "#fca5a5"),
		toast:       lipgloss.NewStyle().Padding(0, 1).Foreground(c("#111827", "#f9fafb")).Background(c("#e5e7eb", "#374151")),
		border:      fg("#9ca3af", "#4b5563"),
		gaugeFill:   fg("#2563eb", "#60a5fa"),
		gaugeEmpty:  fg("#d1d5db", "#374151"),
		borderColor: c("#9ca3af", "#4b5563"),
	}
}

// health styles a device state.
func (s styles) health(h state.Health) lipgloss.Style {
	switch h {
	case state.HealthOK:
		return s.ok
	case state.HealthWarning:
		return s.warn
	case state.HealthAlarm:
		return s.alarm
	case state.HealthStale:
		return s.stale
	case state.HealthOffline:
		return s.dim
	}
	return s.dim
}

// level styles an event by its class.
func (s styles) level(class string) lipgloss.Style {
	switch class {
	case "alarm":
		return s.alarm
	case "warning":
		return s.warn
	case "alert":
		return s.alert
	}
	return s.info
}
