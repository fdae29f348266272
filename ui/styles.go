package ui

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// styles are built in one place, for a dark or a light background.
type styles struct {
	header, footer, dim, selected, title lipgloss.Style
	ok, warn, alarm, stale, offline      lipgloss.Style
	errText                              lipgloss.Style
}

func newStyles(dark bool) styles {
	ld := lipgloss.LightDark(dark)
	c := func(light, darkc string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(darkc)) }
	return styles{
		header:   lipgloss.NewStyle().Bold(true).Foreground(c("#1d4ed8", "#93c5fd")),
		footer:   lipgloss.NewStyle().Foreground(c("#4b5563", "#9ca3af")),
		dim:      lipgloss.NewStyle().Foreground(c("#6b7280", "#9ca3af")),
		selected: lipgloss.NewStyle().Bold(true).Foreground(c("#111827", "#f9fafb")).Background(c("#bfdbfe", "#1e3a8a")),
		title:    lipgloss.NewStyle().Bold(true),
		ok:       lipgloss.NewStyle().Foreground(c("#15803d", "#86efac")),
		warn:     lipgloss.NewStyle().Foreground(c("#b45309", "#fcd34d")),
		alarm:    lipgloss.NewStyle().Bold(true).Foreground(c("#b91c1c", "#fca5a5")),
		stale:    lipgloss.NewStyle().Foreground(c("#b45309", "#fbbf24")),
		offline:  lipgloss.NewStyle().Foreground(c("#6b7280", "#9ca3af")),
		errText:  lipgloss.NewStyle().Foreground(c("#b91c1c", "#fca5a5")),
	}
}
