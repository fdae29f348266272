package look

import (
	"image/color"

	"charm.land/lipgloss/v2"

	"sqc/state"
)

// Styles are built in one place, for a dark or a light background. Colour
// is never the only cue: states are words and the cursor has a marker, so
// NO_COLOR (honoured by the renderer) loses nothing.
type Styles struct {
	Header, Footer, Dim, Selected, Title, Key lipgloss.Style
	Ok, Warn, Alarm, info, alert              lipgloss.Style
	Stale, Old, ErrText, Toast, Border        lipgloss.Style
	GaugeFill, GaugeEmpty                     lipgloss.Style
	BorderColor                               color.Color
}

func NewStyles(dark bool) Styles {
	ld := lipgloss.LightDark(dark)
	c := func(light, darkc string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(darkc)) }
	fg := func(light, darkc string) lipgloss.Style { return lipgloss.NewStyle().Foreground(c(light, darkc)) }
	return Styles{
		Header:      lipgloss.NewStyle().Bold(true).Foreground(c("#1d4ed8", "#93c5fd")),
		Footer:      fg("#4b5563", "#9ca3af"),
		Dim:         fg("#6b7280", "#9ca3af"),
		Selected:    lipgloss.NewStyle().Bold(true).Foreground(c("#111827", "#f9fafb")).Background(c("#bfdbfe", "#1e3a8a")),
		Title:       lipgloss.NewStyle().Bold(true),
		Key:         lipgloss.NewStyle().Bold(true).Foreground(c("#1d4ed8", "#93c5fd")),
		Ok:          fg("#15803d", "#86efac"),
		info:        fg("#0369a1", "#7dd3fc"),
		alert:       fg("#7c3aed", "#c4b5fd"),
		Warn:        fg("#b45309", "#fcd34d"),
		Alarm:       lipgloss.NewStyle().Bold(true).Foreground(c("#b91c1c", "#fca5a5")),
		Stale:       fg("#b45309", "#fbbf24"),
		Old:         fg("#b91c1c", "#f87171"),
		ErrText:     fg("#b91c1c", "#fca5a5"),
		Toast:       lipgloss.NewStyle().Padding(0, 1).Foreground(c("#111827", "#f9fafb")).Background(c("#e5e7eb", "#374151")),
		Border:      fg("#9ca3af", "#4b5563"),
		GaugeFill:   fg("#2563eb", "#60a5fa"),
		GaugeEmpty:  fg("#d1d5db", "#374151"),
		BorderColor: c("#9ca3af", "#4b5563"),
	}
}

// Health styles a device state.
func (s Styles) Health(h state.Health) lipgloss.Style {
	switch h {
	case state.HealthOK:
		return s.Ok
	case state.HealthWarning:
		return s.Warn
	case state.HealthAlarm:
		return s.Alarm
	case state.HealthStale:
		return s.Stale
	case state.HealthOffline:
		return s.Dim
	}
	return s.Dim
}

// Level styles an event by its class.
func (s Styles) Level(class string) lipgloss.Style {
	switch class {
	case "alarm":
		return s.Alarm
	case "warning":
		return s.Warn
	case "alert":
		return s.alert
	}
	return s.info
}
