package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// helpView renders the help overlay from the keymap, narrowed by a filter
// typed after / inside help.
func helpView(sh *shared, filter string, filtering bool) string {
	f := strings.ToLower(filter)
	var b strings.Builder
	b.WriteString(sh.st.title.Render("Keys") + "\n")
	if filtering || filter != "" {
		b.WriteString("/" + filter)
		if filtering {
			b.WriteString("▏")
		}
		b.WriteString("\n")
	}
	shown := 0
	for _, g := range sh.keys.groups() {
		var lines []string
		for _, k := range g.keys {
			h := k.Help()
			if f != "" && !strings.Contains(strings.ToLower(h.Key+" "+h.Desc+" "+g.title), f) {
				continue
			}
			lines = append(lines, "  "+sh.st.key.Render(pad(h.Key, 7))+" "+h.Desc)
		}
		if len(lines) == 0 {
			continue
		}
		shown += len(lines)
		b.WriteString("\n" + sh.st.header.Render(g.title) + "\n" + strings.Join(lines, "\n") + "\n")
	}
	if shown == 0 {
		b.WriteString("\nno key matches " + filter + "\n")
	}
	b.WriteString("\n" + sh.st.dim.Render("Filter the device list with words (AND), field:value\n(id name group model plan state fw) and !negation:\n  pump group:north !state:ok"))
	b.WriteString("\n\n" + sh.st.footer.Render("/ search keys · esc or ? close"))
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(sh.st.borderColor).Padding(0, 2)
	return box.Render(b.String())
}
